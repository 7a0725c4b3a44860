use crate::harness::start_with_user;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_logs_in_through_the_form_sees_the_dashboard_and_logs_out() {
    let Some((browser, app, user)) = start_with_user("Ana", "admin").await else {
        return;
    };
    browser.open(&app, "/dashboard/").await;
    browser.wait_for_path("/login/").await;
    browser.assert_accessible("login").await;
    // A wrong password first: the error is shown beside the field.
    browser
        .submit_login("ana@example.com", "not-the-password-1")
        .await;
    let error = browser.text_of("#password-error").await;
    assert!(error.contains("no son correctos"), "{error}");
    browser
        .assert_accessible("login with a wrong password (422)")
        .await;

    browser.fill("#password", &user.password).await;
    browser.submit_form_to("/login/", "/dashboard/").await;
    assert_eq!(browser.text_of("h1").await, "Hola, Ana");
    assert!(browser.text_of(".account .badge").await.contains("Admin"));
    // The first visit shows the tutorial; its button closes it.
    browser
        .assert_accessible("dashboard with the tutorial")
        .await;
    browser.click("#tutorial button[type=submit]").await;

    browser.click(".logout-form button").await;
    browser.wait_for_path("/login/").await;
    browser.assert_flash("Has cerrado la sesión").await;
    browser
        .assert_accessible("login with a flash message")
        .await;
    browser.close().await;
}
