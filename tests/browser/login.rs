use crate::harness::browser;
use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_logs_in_through_the_form_sees_the_dashboard_and_logs_out() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let user = app.create_user("Ana", "admin").await;

    browser.client.goto(&app.url("/dashboard/")).await.unwrap();
    browser.wait_for_path("/login/").await;
    browser.assert_accessible("login").await;
    // A wrong password first: the error is shown beside the field.
    browser
        .submit_login("ana@example.com", "not-the-password-1")
        .await;
    assert!(
        browser
            .text_of("#password-error")
            .await
            .contains("no son correctos")
    );
    browser
        .assert_accessible("login with a wrong password (422)")
        .await;

    browser.fill("#password", &user.password).await;
    browser
        .click("form[action='/login/'] button[type=submit]")
        .await;
    browser.wait_for_path("/dashboard/").await;
    assert_eq!(browser.text_of("h1").await, "Hola, Ana");
    assert!(browser.text_of(".account .badge").await.contains("Admin"));
    // The first visit shows the tutorial; its button closes it.
    browser
        .assert_accessible("dashboard with the tutorial")
        .await;
    browser.click("#tutorial button[type=submit]").await;

    browser.click(".logout-form button").await;
    browser.wait_for_path("/login/").await;
    assert!(
        browser
            .text_of(".flash")
            .await
            .contains("Has cerrado la sesión")
    );
    browser
        .assert_accessible("login with a flash message")
        .await;
    browser.close().await;
}
