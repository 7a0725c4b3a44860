//! Deleting an account in a browser, and getting it back: from the mailed link, and from
//! the sign-in page.

use crate::harness::{Browser, browser, spawn_app_linking_to_itself};
use crate::helpers::{TestApp, TestUser};

/// Signs in, goes from the profile to the deletion page and deletes the account.
async fn delete_from_the_profile(browser: &Browser, app: &TestApp, user: &TestUser) {
    browser
        .log_in_to(app, "/perfil/", &user.username, &user.password)
        .await;
    browser.click("a[href='/cuenta/eliminar/']").await;
    browser.wait_for_path("/cuenta/eliminar/").await;
    browser.assert_accessible("account deletion").await;
    // A wrong address first: the error is beside the field.
    browser
        .fill_in(&[
            ("#confirmar_email", "otra@example.com"),
            ("#password", &user.password),
        ])
        .await;
    browser.submit_form("/cuenta/eliminar/").await;
    let error = browser.text_of("#confirmar_email-error").await;
    assert!(error.contains("No es el correo"), "{error}");
    browser
        .assert_accessible("account deletion with errors")
        .await;
    browser
        .fill_in(&[
            ("#confirmar_email", &user.email),
            ("#password", &user.password),
        ])
        .await;
    browser.submit_form("/cuenta/eliminar/").await;
    // The form page has a #deletion-date too: wait for the answer's (`.lead`), or the old
    // page's element goes stale under our feet.
    let date = browser.text_of("#deletion-date.lead").await;
    let year = (chrono::Utc::now() + chrono::TimeDelta::days(7))
        .format("%Y")
        .to_string();
    assert!(date.contains(&year), "{date}");
    browser.assert_accessible("account deleted").await;
    assert!(app.user(user.id).purge_after.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_is_restored_from_the_mail_link_and_signs_in_again() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app_linking_to_itself().await;
    let user = app.create_user("ana", "admin").await;
    delete_from_the_profile(&browser, &app, &user).await;
    // Signed out: the dashboard sends to the sign-in page.
    browser.open(&app, "/dashboard/").await;
    browser.wait_for_path("/login/").await;

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let link = loop {
        let found = app
            .mails_to(&user.email)
            .into_iter()
            .find_map(|mail| mail.link.filter(|link| link.contains("/cuenta/restaurar/")));
        if let Some(link) = found {
            break link;
        }
        assert!(std::time::Instant::now() < deadline, "no restore mail");
        app.outbox.wake();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(link.starts_with(&app.address), "{link}");
    browser.client.goto(&link).await.unwrap();
    browser.assert_accessible("restore link").await;
    let path = url::Url::parse(&link).unwrap().path().to_owned();
    browser.submit_form_to(&path, "/login/").await;
    browser.assert_flash("restaurada").await;
    assert_eq!(app.user(user.id).purge_after, None);

    browser.submit_login(&user.username, &user.password).await;
    browser.wait_for_path("/dashboard/").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_password_offers_the_restore_on_the_sign_in_page() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app_linking_to_itself().await;
    let user = app.create_user("ana", "admin").await;
    delete_from_the_profile(&browser, &app, &user).await;

    browser.open(&app, "/login/").await;
    browser.submit_login(&user.username, &user.password).await;
    let date = browser.text_of("#pending-date").await;
    assert!(!date.is_empty());
    browser.assert_accessible("sign-in pending deletion").await;
    browser
        .submit_form_to("/cuenta/restaurar/", "/dashboard/")
        .await;
    browser.assert_flash("restaurada").await;
    assert_eq!(app.user(user.id).purge_after, None);
    browser.close().await;
}
