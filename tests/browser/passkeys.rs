//! Passkeys in a real browser: Chromium's virtual authenticator (the WebDriver "Add Virtual
//! Authenticator" command, sent through fantoccini's raw command support) adds a passkey on
//! `/seguridad/llaves/`, and the passkey then signs in from `/login/` without a password, and
//! as the second step after the password. The
//! app's base URL is `http://localhost:PORT/`: browsers refuse an IP address as relying party.

use std::net::TcpListener;

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::json;

use crate::harness::{Browser, browser};
use crate::helpers::{TestApp, spawn_app_with};

/// `POST /session/{id}/webauthn/authenticator`: a platform authenticator that keeps
/// discoverable credentials and verifies the user (as a fingerprint reader would).
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/webauthn/authenticator"))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// The app on a port it also names in its base URL, with `localhost` as host.
async fn spawn_on_localhost() -> (TestApp, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(|s| {
        s.bind = ([127, 0, 0, 1], port).into();
        s.base_url = url::Url::parse(&format!("http://localhost:{port}/")).unwrap();
    })
    .await;
    (app, port)
}

async fn go(browser: &Browser, port: u16, path: &str) {
    let url = format!("http://localhost:{port}{path}");
    browser.client.goto(&url).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_added_in_chromium_signs_in_alone_and_as_the_second_step() {
    let Some(browser) = browser().await else {
        return;
    };
    let (app, port) = spawn_on_localhost().await;
    let user = app.create_user("Ana", "admin").await;
    browser
        .client
        .issue_cmd(AddVirtualAuthenticator)
        .await
        .expect("Chromium adds a virtual authenticator");
    go(&browser, port, "/login/").await;
    browser.submit_login("ana", &user.password).await;
    browser.wait_for_path("/dashboard/").await;

    go(&browser, port, "/seguridad/llaves/").await;
    browser.wait_until_displayed("#passkey-add").await;
    assert!(!browser.is_shown("#passkeys-need-js").await);
    browser.assert_accessible("passkeys").await;
    browser.fill("#nombre", "Chromium").await;
    browser.click("#passkey-add button[type=submit]").await;
    // The first factor: the page shows the recovery codes once.
    let codes = browser.wait_until_displayed("#recovery-codes").await;
    assert_eq!(codes.text().await.unwrap().lines().count(), 10);
    go(&browser, port, "/seguridad/llaves/").await;
    assert!(browser.text_of("#passkeys").await.contains("Chromium"));
    browser.assert_accessible("passkeys with one").await;

    // Signed out, the passkey alone signs in.
    browser.client.delete_all_cookies().await.unwrap();
    go(&browser, port, "/login/").await;
    browser
        .wait_until_displayed("#passkey-sign-in-button")
        .await;
    browser.assert_accessible("login with passkeys").await;
    browser.click("#passkey-sign-in-button").await;
    browser.wait_for_path("/dashboard/").await;

    // After the password, the passkey is the second step.
    browser.client.delete_all_cookies().await.unwrap();
    go(&browser, port, "/login/").await;
    browser.submit_login("ana", &user.password).await;
    browser.wait_for_path("/login/dos-pasos/").await;
    browser
        .wait_until_displayed("#passkey-sign-in-button")
        .await;
    browser
        .assert_accessible("second step with a passkey")
        .await;
    browser.click("#passkey-sign-in-button").await;
    browser.wait_for_path("/dashboard/").await;
    browser.close().await;
}
