//! Distributed guessing against one account: after 20 failures from 3 or more addresses within
//! an hour, only browsers that signed in to the account before get in with the password;
//! others get a mailed single-use link, whatever they typed.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Client;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_is_sent_to_login, csrf_token_in, link_path,
    set_cookie, spawn_with_user, status,
};

const LINK_SENT: &str = "te enviamos un enlace por correo para confirmar que eres tú";

/// A browser connecting from `127.0.0.<n>` (the whole 127/8 reaches the server on Linux).
fn browser_at(n: u8) -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(IpAddr::from([127, 0, 0, n]))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// `per_address` failed sign-ins on `user` from each of `addresses`.
async fn fail_from(app: &TestApp, user: &TestUser, addresses: &[u8], per_address: usize) {
    for &n in addresses {
        let bot = browser_at(n);
        for _ in 0..per_address {
            let answer = app.login_with(&bot, &user.username, "Adivina-1234").await;
            assert_eq!(answer.status().as_u16(), 422);
        }
    }
}

/// 20 failures from 4 addresses (5 each, the most one address may make).
async fn botnet(app: &TestApp, user: &TestUser) {
    fail_from(app, user, &[11, 12, 13, 14], 5).await;
}

async fn login_page_after(
    app: &TestApp,
    client: &Client,
    password: &str,
    user: &TestUser,
) -> String {
    let answer = app.login_with(client, &user.username, password).await;
    assert_eq!(answer.status().as_u16(), 200);
    answer.text().await.unwrap()
}

#[tokio::test]
async fn under_guard_an_unknown_browser_gains_nothing_from_the_right_password() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    botnet(&app, &user).await;

    let attacker = browser_at(21);
    let right = login_page_after(&app, &attacker, &user.password, &user).await;
    assert!(right.contains(LINK_SENT), "{right}");
    assert_is_sent_to_login(
        &app.get_with_client(&attacker, "/dashboard/").await,
        "/dashboard/",
    );
    let other = browser_at(22);
    let wrong = login_page_after(&app, &other, "Otra-Cosa-9876", &user).await;
    let strip = |page: &str| page.replace(&csrf_token_in(page), "TOKEN");
    assert_eq!(strip(&right), strip(&wrong));
    // Only the right password mailed a link.
    let mail = app.wait_for_mail_to(&user.email, 0).await;
    assert_eq!(mail.subject, "Confirma que eres tú para entrar en cuentas");
    assert!(link_path(&mail).starts_with("/login/confirmar/"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.mails_to(&user.email).len(), 1);
}

/// Raises the guard on `user`, then signs in with the right password from a new browser:
/// that browser and the path of the link mailed to the owner.
async fn challenged(app: &TestApp, user: &TestUser) -> (reqwest::Client, String) {
    botnet(app, user).await;
    let phone = browser_at(30);
    login_page_after(app, &phone, &user.password, user).await;
    (
        phone,
        link_path(&app.wait_for_mail_to(&user.email, 0).await),
    )
}

#[tokio::test]
async fn the_owner_gets_in_through_the_mailed_link_once_after_a_click() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let (phone, link) = challenged(&app, &user).await;

    // Opening the link (a mail scanner does) changes nothing.
    for _ in 0..2 {
        let page = app.get_with_client(&phone, &link).await;
        assert_eq!(page.status().as_u16(), 200);
        let page = page.text().await.unwrap();
        assert!(page.contains(&format!("action=\"{link}\"")), "{page}");
    }
    assert_is_sent_to_login(
        &app.get_with_client(&phone, "/dashboard/").await,
        "/dashboard/",
    );

    let confirmed = app.post_form_with(&phone, &link, &[]).await;
    assert_is_redirect_to(&confirmed, "/dashboard/");
    let cookie = set_cookie(&confirmed, "cuentas_browser").expect("the known-browser cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age="),
        "{cookie}"
    );
    assert_eq!(
        status(app.get_with_client(&phone, "/dashboard/")).await,
        200
    );
    // Single use.
    assert_eq!(status(app.get_with_client(&phone, &link)).await, 410);
    assert_eq!(status(app.post_form_with(&phone, &link, &[])).await, 410);
    // This browser is known now: the password alone works from it, still under guard.
    app.post_form_with(&phone, "/logout/", &[]).await;
    assert_is_redirect_to(
        &app.login_with(&phone, &user.username, &user.password).await,
        "/dashboard/",
    );
}

#[tokio::test]
async fn a_sign_in_link_works_for_15_minutes() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let (phone, link) = challenged(&app, &user).await;
    app.clock.advance(Duration::from_secs(16 * 60));
    assert_eq!(status(app.get_with_client(&phone, &link)).await, 410);
    assert_eq!(status(app.post_form_with(&phone, &link, &[])).await, 410);
    assert_is_sent_to_login(
        &app.get_with_client(&phone, "/dashboard/").await,
        "/dashboard/",
    );
}

#[tokio::test]
async fn a_browser_that_signed_in_before_is_never_locked_out() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let laptop = browser_at(40);
    app.log_in_with(&laptop, &user).await;
    app.post_form_with(&laptop, "/logout/", &[]).await;
    botnet(&app, &user).await;
    app.log_in_with(&laptop, &user).await;
    // A cookie the account does not know is no pass.
    let jar = reqwest::cookie::Jar::default();
    let url = reqwest::Url::parse(&app.address).unwrap();
    jar.add_cookie_str(
        "cuentas_browser=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; Path=/",
        &url,
    );
    let forged = Client::builder()
        .cookie_provider(std::sync::Arc::new(jar))
        .redirect(reqwest::redirect::Policy::none())
        .local_address(IpAddr::from([127, 0, 0, 41]))
        .build()
        .unwrap();
    let answer = login_page_after(&app, &forged, &user.password, &user).await;
    assert!(answer.contains(LINK_SENT));
}

#[tokio::test]
async fn the_guard_lifts_an_hour_after_the_failures() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    botnet(&app, &user).await;
    app.clock.advance(Duration::from_secs(61 * 60));
    app.log_in_with(&browser_at(50), &user).await;
}

#[tokio::test]
async fn failures_from_fewer_than_three_addresses_raise_no_guard() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    fail_from(&app, &user, &[11, 12], 5).await;
    app.clock.advance(Duration::from_secs(16 * 60));
    fail_from(&app, &user, &[11, 12], 5).await;
    app.log_in_with(&browser_at(50), &user).await;
    // A third address tips it over.
    fail_from(&app, &user, &[13], 1).await;
    let answer = login_page_after(&app, &browser_at(51), &user.password, &user).await;
    assert!(answer.contains(LINK_SENT));
}
