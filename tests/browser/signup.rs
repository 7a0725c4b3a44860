use crate::harness::{browser, spawn_app_linking_to_itself};

const PASSWORD: &str = "Vela-Roja-Tarde-42";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_admin_signs_up_opens_the_link_from_the_mail_and_logs_in() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app_linking_to_itself().await;

    browser.open(&app, "/login/").await;
    browser.click("a[href='/registro/']").await;
    browser.wait_for_path("/registro/").await;
    browser.assert_accessible("sign-up").await;
    let account = [
        ("#username", "nueva"),
        ("#email", "nueva@example.com"),
        ("#password1", PASSWORD),
        ("#password2", PASSWORD),
    ];
    browser.fill_in(&account).await;
    browser.submit_form_to("/registro/", "/login/").await;
    browser.assert_flash("Revisa tu correo").await;

    // Before confirming, the right password only gets the offer to resend the link.
    browser.submit_login("nueva", PASSWORD).await;
    let notice = browser.text_of(".notice").await;
    assert!(notice.contains("confirmar tu correo"), "{notice}");
    browser
        .assert_accessible("login with the offer to resend the verification link")
        .await;

    let mail = app.wait_for_mail_to("nueva@example.com", 0).await;
    let link = mail.link.clone().unwrap();
    assert!(link.starts_with(&app.address), "{link}");
    browser.client.goto(&link).await.unwrap();
    // Opening the link changes nothing: its one button confirms.
    browser
        .assert_accessible("the button that confirms the address")
        .await;
    browser
        .click("form[action^='/verificar-email/'] button[type=submit]")
        .await;
    browser.wait_for_path("/login/").await;
    browser.assert_flash("Tu correo está confirmado").await;
    browser.submit_login("nueva", PASSWORD).await;
    browser.wait_for_path("/dashboard/").await;
    assert_eq!(browser.text_of("h1").await, "Hola, nueva");
    browser
        .assert_accessible("dashboard of a new admin with the tutorial")
        .await;
    browser.close().await;
}
