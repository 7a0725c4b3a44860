use crate::harness::{browser, spawn_app_linking_to_itself};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_through_the_link_in_the_mail() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app_linking_to_itself().await;
    let user = app.create_user("Ana", "vendedor").await;

    browser.client.goto(&app.url("/login/")).await.unwrap();
    browser.click("a[href='/recuperar-password/']").await;
    browser.wait_for_path("/recuperar-password/").await;
    browser.assert_accessible("password recovery request").await;
    browser.fill("#email", &user.email).await;
    browser
        .click("form[action='/recuperar-password/'] button[type=submit]")
        .await;
    let mail = app.wait_for_mail_to(&user.email, 0).await;
    let link = mail.link.clone().unwrap();
    assert!(link.starts_with(&app.address), "{link}");

    // The token moves into the session; the form is on a page whose address holds none, and
    // its `no-referrer` policy makes the browser post with `Origin: null`.
    browser.client.goto(&link).await.unwrap();
    browser.wait_for_path("/restablecer-password/").await;
    browser.assert_accessible("password reset").await;
    let new = "Otoño-Lluvioso-2031";
    browser.fill("#new_password1", new).await;
    browser.fill("#new_password2", new).await;
    browser
        .click("form[action='/restablecer-password/'] button[type=submit]")
        .await;
    browser.wait_for_path("/login/").await;
    assert!(
        browser
            .text_of(".flash")
            .await
            .contains("Tu contraseña se ha cambiado")
    );
    browser.submit_login("ana", new).await;
    browser.wait_for_path("/dashboard/").await;
    browser.close().await;
}
