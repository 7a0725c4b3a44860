use crate::harness::{browser, spawn_app_linking_to_itself};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_through_the_link_in_the_mail() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app_linking_to_itself().await;
    let user = app.create_user("Ana", "vendedor").await;

    browser.open(&app, "/login/").await;
    browser.click("a[href='/recuperar-password/']").await;
    browser.wait_for_path("/recuperar-password/").await;
    browser.assert_accessible("password recovery request").await;
    browser.fill("#email", &user.email).await;
    browser.submit_form("/recuperar-password/").await;
    let mail = app.wait_for_mail_to(&user.email, 0).await;
    let link = mail.link.clone().unwrap();
    assert!(link.starts_with(&app.address), "{link}");

    // The token moves into the session; the form is on a page whose address holds none, and
    // its `no-referrer` policy makes the browser post with `Origin: null`.
    browser.client.goto(&link).await.unwrap();
    browser.wait_for_path("/restablecer-password/").await;
    browser.assert_accessible("password reset").await;
    let new = "Otoño-Lluvioso-2031";
    browser
        .fill_in(&[("#new_password1", new), ("#new_password2", new)])
        .await;
    browser
        .submit_form_to("/restablecer-password/", "/login/")
        .await;
    browser.assert_flash("Tu contraseña se ha cambiado").await;
    browser.submit_login("ana", new).await;
    browser.wait_for_path("/dashboard/").await;
    browser.close().await;
}
