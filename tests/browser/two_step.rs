//! Two-step sign-in in a real browser: turning on the authenticator app (the code computed
//! from the base32 key the page shows, as a phone would) and signing in with a code.

use std::time::Duration;

use cuentas::accounts::two_step::{base32_decode, step_at, totp};

use crate::harness::{browser, start_signed_in};
use crate::helpers::TestApp;

/// The code an authenticator app would show now for the base32 `secret`.
fn code_now(app: &TestApp, secret: &str) -> String {
    let bytes = base32_decode(secret).expect("the page shows base32");
    format!("{:06}", totp(&bytes, step_at(app.clock.now())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enabling_the_app_then_signing_in_with_a_code() {
    let Some((first, app, user)) = start_signed_in("Ana", "admin", "/seguridad/").await else {
        return;
    };
    first
        .click_and_wait_for_next_page("a[href='/seguridad/dos-pasos/']")
        .await;
    first.wait_for_path("/seguridad/dos-pasos/").await;
    first.assert_accessible("two-step set-up").await;
    assert!(first.is_shown(".qr svg").await);
    let secret = first.text_of("#totp-secret").await;
    let code = code_now(&app, &secret);
    first.fill("#codigo", &code).await;
    first
        .click_and_wait_for_next_page("form[action='/seguridad/dos-pasos/'] button")
        .await;
    let codes = first.text_of("#recovery-codes").await;
    assert_eq!(codes.lines().count(), 10, "{codes}");
    first.assert_accessible("recovery codes").await;

    let second = browser().await.expect("a second browser");
    second.open(&app, "/login/").await;
    second.submit_login("ana", &user.password).await;
    second.wait_for_path("/login/dos-pasos/").await;
    second.assert_accessible("second step").await;
    // The code already used does not work twice.
    second.fill("#codigo", &code).await;
    second
        .click_and_wait_for_next_page("form[action='/login/dos-pasos/'] button")
        .await;
    assert!(
        second
            .text_of("#codigo-error")
            .await
            .contains("no es correcto")
    );
    second.assert_accessible("second step with an error").await;
    // The next code the phone shows does.
    app.clock.advance(Duration::from_secs(30));
    second.fill("#codigo", &code_now(&app, &secret)).await;
    second
        .click_and_wait_for_next_page("form[action='/login/dos-pasos/'] button")
        .await;
    second.wait_for_path("/dashboard/").await;
    second.close().await;
    first.close().await;
}
