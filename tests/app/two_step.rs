//! Two-step sign-in: setting up the authenticator app (TOTP on the app's manual clock),
//! recovery codes, the second step of signing in, and what may not get around it.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cuentas::accounts::two_step::{base32_decode, step_at, totp};
use cuentas::db::schema::{recovery_codes, security_events, totp_secrets};
use cuentas::token::sha256_hex;
use diesel::prelude::*;
use reqwest::Client;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_status_with_text, body_of, link_path,
    new_client, spawn_app_with, spawn_logged_in, text_at,
};

/// The base32 secret the set-up page shows to `client`.
async fn offered_secret(app: &TestApp, client: &Client) -> String {
    let page = app.get_page_with(client, "/seguridad/dos-pasos/").await;
    let document = scraper::Html::parse_document(&page);
    text_at(&document, "#totp-secret").expect("the secret is shown")
}

/// The code of `secret` for the step `offset` steps from now on the app's clock.
pub(crate) fn code_at(app: &TestApp, secret: &str, offset: i64) -> String {
    let bytes = base32_decode(secret).unwrap();
    format!("{:06}", totp(&bytes, step_at(app.clock.now()) + offset))
}

/// The recovery codes a page shows.
pub(crate) fn codes_in(page: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(page);
    let selector = scraper::Selector::parse("#recovery-codes code").unwrap();
    document
        .select(&selector)
        .map(|e| e.text().collect())
        .collect()
}

/// Moves the app's clock to just after the start of a time step, so a test has almost 30
/// seconds of real time before the step changes under it.
fn align_to_step_start(app: &TestApp) {
    let into = app
        .clock
        .now()
        .and_utc()
        .timestamp_millis()
        .rem_euclid(30_000);
    let wait = u64::try_from(30_000 - into + 200).unwrap();
    app.clock.advance(Duration::from_millis(wait));
}

/// Confirms the app's secret with a right code for the user `client` is signed in as;
/// returns the secret and the answer. The code is spent: the clock moves past its step.
pub(crate) async fn confirm_app(app: &TestApp, client: &Client) -> (String, reqwest::Response) {
    align_to_step_start(app);
    let secret = offered_secret(app, client).await;
    let code = code_at(app, &secret, 0);
    let response = app
        .post_form_with(client, "/seguridad/dos-pasos/", &[("codigo", &code)])
        .await;
    app.clock.advance(Duration::from_secs(30));
    (secret, response)
}

/// Turns the app on, as the first factor, for the user `client` is signed in as; returns
/// the secret and the codes.
pub(crate) async fn enable(app: &TestApp, client: &Client) -> (String, Vec<String>) {
    let (secret, response) = confirm_app(app, client).await;
    assert_eq!(response.status().as_u16(), 200);
    let page = body_of(response).await;
    let codes = codes_in(&page);
    assert_eq!(codes.len(), 10, "{page}");
    (secret, codes)
}

/// A fresh browser that typed `user`'s right password: it stands at the second step.
async fn at_second_step(app: &TestApp, user: &TestUser) -> Client {
    let client = new_client();
    let response = app
        .login_with(&client, &user.username, &user.password)
        .await;
    assert_is_redirect_to(&response, "/login/dos-pasos/");
    client
}

async fn send_code(app: &TestApp, client: &Client, code: &str) -> reqwest::Response {
    app.post_form_with(client, "/login/dos-pasos/", &[("codigo", code)])
        .await
}

fn sessions_of(app: &TestApp, user: &TestUser) -> i64 {
    use cuentas::db::schema::user_sessions;
    app.db(|c| {
        user_sessions::table
            .filter(user_sessions::user_id.eq(user.id))
            .filter(user_sessions::revoked_at.is_null())
            .count()
            .get_result(c)
    })
    .unwrap()
}

fn event_kinds(app: &TestApp, user: &TestUser) -> Vec<String> {
    app.db(|c| {
        security_events::table
            .filter(security_events::user_id.eq(user.id))
            .order(security_events::id)
            .select(security_events::kind)
            .load(c)
    })
    .unwrap()
}

#[tokio::test]
async fn the_set_up_page_offers_a_qr_code_the_uri_and_the_key_and_a_code_confirms_it() {
    let (app, user) = spawn_logged_in("admin").await;
    let page = app.get_page("/seguridad/dos-pasos/").await;
    assert!(page.contains("<svg"), "an inline QR code");
    let document = scraper::Html::parse_document(&page);
    let secret = text_at(&document, "#totp-secret").unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let selector = scraper::Selector::parse("#otpauth-link").unwrap();
    let href = document
        .select(&selector)
        .next()
        .unwrap()
        .attr("href")
        .unwrap();
    assert!(
        href.starts_with("otpauth://totp/cuentas:ana%40example.com?secret="),
        "{href}"
    );
    assert!(href.contains(&secret) && href.contains("issuer=cuentas"));
    // Reloading keeps the same secret (a half-done scan stays good).
    assert_eq!(offered_secret(&app, &app.client).await, secret);

    // A wrong code: 422, the error tied to the field, nothing enabled.
    let wrong = code_at(&app, &secret, 5);
    let response = app
        .post_form("/seguridad/dos-pasos/", &[("codigo", &wrong)])
        .await;
    let body = assert_status_with_text(response, 422, "El código no es correcto").await;
    assert!(body.contains("aria-describedby=\"codigo-hint codigo-error\""));
    let rows: i64 = app
        .db(|c| totp_secrets::table.count().get_result(c))
        .unwrap();
    assert_eq!(rows, 0, "only a confirmed secret is enabled");

    let (_, codes) = enable(&app, &app.client).await;
    let code = regex::Regex::new("^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$").unwrap();
    assert!(codes.iter().all(|c| code.is_match(c)), "{codes:?}");
    // Stored: the secret sealed, the codes only as hashes.
    let sealed: String = app
        .db(|c| {
            totp_secrets::table
                .select(totp_secrets::secret_sealed)
                .first(c)
        })
        .unwrap();
    assert_secret_is_sealed_for(&app, &user, &sealed, &secret);
    let mut hashes: Vec<String> = app
        .db(|c| {
            recovery_codes::table
                .select(recovery_codes::code_hash)
                .load(c)
        })
        .unwrap();
    // Exactly the SHA-256 of each code shown, and nothing else.
    let mut expected: Vec<String> = codes.iter().map(|c| sha256_hex(c)).collect();
    hashes.sort();
    expected.sort();
    assert_eq!(hashes, expected);
    // Told by mail, recorded, shown in the security centre.
    let mail = app.wait_for_mail_to(&user.email, 0).await;
    assert!(mail.subject.contains("Verificación en dos pasos activada"));
    assert!(event_kinds(&app, &user).contains(&"two_step_enabled".to_owned()));
    app.assert_page_says(
        "/seguridad/",
        &["Activada", "Te quedan 10 códigos de recuperación."],
    )
    .await;
}

/// `sealed` (the stored value) holds `secret` (base32) only encrypted: the raw bytes are not
/// in it, and it opens with AES-256-GCM under the key derived from the app's secret key for
/// TOTP secrets, bound to `user`'s id, and with nothing else.
fn assert_secret_is_sealed_for(app: &TestApp, user: &TestUser, sealed: &str, secret: &str) {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::{Aes256Gcm, Nonce};
    let raw = base32_decode(secret).unwrap();
    let stored = STANDARD.decode(sealed).expect("base64");
    assert!(
        !stored.windows(raw.len()).any(|w| w == raw.as_slice()),
        "the raw secret is in the stored value"
    );
    assert_eq!(stored.len(), 12 + raw.len() + 16, "nonce, ciphertext, tag");
    let (nonce, body) = stored.split_at(12);
    let open = |purpose: &str, user_id: i32| {
        let key = app.settings.secret_key.subkey(purpose);
        let aad = user_id.to_be_bytes();
        Aes256Gcm::new_from_slice(&key).unwrap().decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: &aad,
            },
        )
    };
    assert_eq!(open("totp-secret-v1", user.id).ok(), Some(raw));
    assert!(
        open("totp-secret-v1", user.id + 1).is_err(),
        "bound to the account"
    );
    assert!(open("another-purpose", user.id).is_err(), "its own key");
}

#[tokio::test]
async fn the_recovery_codes_download_holds_exactly_the_codes_shown() {
    let (app, _) = spawn_logged_in("admin").await;
    let (_, response) = confirm_app(&app, &app.client).await;
    let page = body_of(response).await;
    let shown = codes_in(&page);
    assert_eq!(shown.len(), 10, "{page}");
    let document = scraper::Html::parse_document(&page);
    let selector = scraper::Selector::parse("a[download]").unwrap();
    let link = document.select(&selector).next().expect("a download link");
    assert_eq!(
        link.attr("download"),
        Some("cuentas-codigos-recuperacion.txt")
    );
    assert_eq!(link.text().collect::<String>(), "Descargar como .txt");
    let href = link.attr("href").unwrap();
    let data = href
        .strip_prefix("data:text/plain;charset=utf-8;base64,")
        .unwrap_or_else(|| panic!("not a base64 text data: URL: {href}"));
    let text = String::from_utf8(STANDARD.decode(data).unwrap()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("Códigos de recuperación de cuentas (cada uno sirve una vez)")
    );
    assert_eq!(lines.next(), Some(""));
    assert_eq!(lines.collect::<Vec<_>>(), shown);
}

#[tokio::test]
async fn a_right_password_leads_to_the_second_step_and_only_a_right_code_starts_the_session() {
    let (app, user) = spawn_logged_in("admin").await;
    let (secret, _) = enable(&app, &app.client).await;
    let before = sessions_of(&app, &user);
    let client = at_second_step(&app, &user).await;
    assert_eq!(sessions_of(&app, &user), before, "no session yet");
    assert_eq!(
        app.get_with_client(&client, "/dashboard/")
            .await
            .status()
            .as_u16(),
        303
    );
    let page = app.get_page_with(&client, "/login/dos-pasos/").await;
    assert!(page.contains("name=\"codigo\""));
    // Malformed and wrong codes: 422, no session.
    for (typed, message) in [
        ("", "Este campo es obligatorio."),
        ("12345", "Escribe las 6 cifras"),
        ("abcdef", "Escribe las 6 cifras"),
        (&code_at(&app, &secret, 3), "El código no es correcto"),
    ] {
        let response = send_code(&app, &client, typed).await;
        assert_status_with_text(response, 422, message).await;
    }
    assert_eq!(sessions_of(&app, &user), before);
    let response = send_code(&app, &client, &code_at(&app, &secret, 0)).await;
    assert_is_redirect_to(&response, "/dashboard/");
    assert_eq!(sessions_of(&app, &user), before + 1);
    assert_eq!(
        app.get_with_client(&client, "/dashboard/")
            .await
            .status()
            .as_u16(),
        200
    );
    // The pending sign-in is gone once used.
    let again = app.get_with_client(&client, "/login/dos-pasos/").await;
    assert_is_redirect_to(&again, "/login/");
}

#[tokio::test]
async fn codes_count_one_step_either_side_and_never_twice() {
    let (app, user) = spawn_logged_in("admin").await;
    let (secret, _) = enable(&app, &app.client).await;
    let client = at_second_step(&app, &user).await;
    // Two steps away on either side: refused.
    for offset in [-2, 2] {
        let response = send_code(&app, &client, &code_at(&app, &secret, offset)).await;
        assert_eq!(response.status().as_u16(), 422, "offset {offset}");
    }
    // One step ahead (a phone whose clock runs fast): accepted.
    let ahead = code_at(&app, &secret, 1);
    assert_is_redirect_to(&send_code(&app, &client, &ahead).await, "/dashboard/");
    // The same code again, and the current one (an earlier step), are refused.
    let client = at_second_step(&app, &user).await;
    assert_eq!(
        send_code(&app, &client, &ahead).await.status().as_u16(),
        422
    );
    let current = code_at(&app, &secret, 0);
    assert_eq!(
        send_code(&app, &client, &current).await.status().as_u16(),
        422
    );
    // A minute later the used code is one step behind, and still refused.
    app.clock.advance(Duration::from_secs(60));
    assert_eq!(
        send_code(&app, &client, &ahead).await.status().as_u16(),
        422
    );
    app.clock.advance(Duration::from_secs(30));
    let behind = code_at(&app, &secret, -1);
    // One step behind (a phone whose clock runs slow), not used yet: accepted.
    assert_is_redirect_to(&send_code(&app, &client, &behind).await, "/dashboard/");
}

#[tokio::test]
async fn wrong_codes_are_throttled_per_account() {
    let (app, user) = spawn_logged_in("admin").await;
    let (secret, _) = enable(&app, &app.client).await;
    let client = at_second_step(&app, &user).await;
    for _ in 0..5 {
        let response = send_code(&app, &client, "000000").await;
        assert_eq!(response.status().as_u16(), 422);
    }
    // From another browser too: the count is the account's.
    let other = at_second_step(&app, &user).await;
    let response = send_code(&app, &other, &code_at(&app, &secret, 0)).await;
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_some());
    assert!(
        event_kinds(&app, &user)
            .iter()
            .filter(|k| *k == "sign_in_failed")
            .count()
            >= 5
    );
    app.clock.advance(Duration::from_secs(16 * 60));
    // The pending sign-in expired meanwhile: back to the password.
    let response = send_code(&app, &other, &code_at(&app, &secret, 0)).await;
    assert_is_redirect_to(&response, "/login/");
    let client = at_second_step(&app, &user).await;
    let response = send_code(&app, &client, &code_at(&app, &secret, 0)).await;
    assert_is_redirect_to(&response, "/dashboard/");
}

#[tokio::test]
async fn a_pending_sign_in_expires_and_cannot_be_carried_or_forged() {
    let (app, user) = spawn_logged_in("admin").await;
    let (secret, _) = enable(&app, &app.client).await;
    // Expired after five minutes.
    let client = at_second_step(&app, &user).await;
    app.clock.advance(Duration::from_secs(5 * 60 + 1));
    let response = send_code(&app, &client, &code_at(&app, &secret, 0)).await;
    assert_is_redirect_to(&response, "/login/");
    let page = app.get_page_with(&client, "/login/").await;
    assert!(page.contains("El inicio de sesión caducó"));
    // A browser that never typed the password has nothing to complete.
    let stranger = new_client();
    app.get_with_client(&stranger, "/login/").await;
    let response = send_code(&app, &stranger, &code_at(&app, &secret, 0)).await;
    assert_is_redirect_to(&response, "/login/");
    // A tampered cookie is no cookie at all: refused, no session.
    let client = at_second_step(&app, &user).await;
    let token = app.csrf_token_with(&client).await;
    let cookie = app
        .get_with_client(&client, "/login/dos-pasos/")
        .await
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .next();
    let jar_cookie = cookie.unwrap_or_default();
    let (name, value) = jar_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .unwrap_or_else(|| ("id".to_owned(), "x".to_owned()));
    let mut forged = value.into_bytes();
    if let Some(byte) = forged.get_mut(10) {
        *byte = if *byte == b'A' { b'B' } else { b'A' };
    }
    let forged = String::from_utf8(forged).unwrap();
    let before = sessions_of(&app, &user);
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/login/dos-pasos/"))
        .header("cookie", format!("{name}={forged}"))
        .form(&[("codigo", code_at(&app, &secret, 0)), ("csrf_token", token)])
        .send()
        .await
        .unwrap();
    assert_ne!(response.status().as_u16(), 200);
    assert_ne!(
        response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok()),
        Some("/dashboard/")
    );
    assert_eq!(sessions_of(&app, &user), before);
    // A password change between the steps voids the pending sign-in.
    let client = at_second_step(&app, &user).await;
    app.update_user(
        user.id,
        cuentas::db::schema::users::session_epoch.eq(app.user(user.id).session_epoch + 1),
    );
    let response = send_code(&app, &client, &code_at(&app, &secret, 0)).await;
    assert_is_redirect_to(&response, "/login/");
}

#[tokio::test]
async fn a_sign_in_to_another_account_drops_a_pending_second_step() {
    let (app, user) = spawn_logged_in("admin").await;
    let (secret, _) = enable(&app, &app.client).await;
    let other = app.create_user("bruno", "admin").await;
    // Ana typed her password here, then Bruno signed in with his in the same browser.
    let client = at_second_step(&app, &user).await;
    app.log_in_with(&client, &other).await;
    // Ana's pending sign-in went with it: her code no longer finishes it.
    let before = sessions_of(&app, &user);
    let response = send_code(&app, &client, &code_at(&app, &secret, 0)).await;
    assert_is_redirect_to(&response, "/login/");
    assert_eq!(sessions_of(&app, &user), before);
}

#[tokio::test]
async fn each_recovery_code_works_once_in_any_case_with_or_without_dashes() {
    let (app, user) = spawn_logged_in("admin").await;
    let (_, codes) = enable(&app, &app.client).await;
    let client = at_second_step(&app, &user).await;
    let bare_upper = codes[0].replace('-', "").to_uppercase();
    assert_is_redirect_to(&send_code(&app, &client, &bare_upper).await, "/dashboard/");
    assert!(event_kinds(&app, &user).contains(&"recovery_code_used".to_owned()));
    // Used: refused, however typed.
    let client = at_second_step(&app, &user).await;
    assert_eq!(
        send_code(&app, &client, &codes[0]).await.status().as_u16(),
        422
    );
    assert_is_redirect_to(&send_code(&app, &client, &codes[1]).await, "/dashboard/");
    let page = app.get_page_with(&client, "/dashboard/").await;
    assert!(page.contains("Entraste con un código de recuperación"));
    // Down to the last-but-two: the warning, on the page and in the mail.
    app.db(|c| {
        diesel::update(
            recovery_codes::table
                .filter(recovery_codes::user_id.eq(user.id))
                .filter(recovery_codes::used_at.is_null()),
        )
        .set(recovery_codes::used_at.eq(Some(app.clock.now())))
        .execute(c)
    })
    .unwrap();
    // (All used now: make three usable again, among them codes[9].)
    let keep: Vec<String> = codes[7..].to_vec();
    for code in &keep {
        let hash = cuentas::token::sha256_hex(code);
        app.db(|c| {
            diesel::update(recovery_codes::table.filter(recovery_codes::code_hash.eq(&hash)))
                .set(recovery_codes::used_at.eq(None::<chrono::NaiveDateTime>))
                .execute(c)
        })
        .unwrap();
    }
    let client = at_second_step(&app, &user).await;
    assert_is_redirect_to(&send_code(&app, &client, &codes[9]).await, "/dashboard/");
    let page = app.get_page_with(&client, "/dashboard/").await;
    assert!(page.contains("te quedan pocos"), "{page}");
    app.wait_for_outbox_drained().await;
    let mails = app.mails_to(&user.email);
    assert!(
        mails
            .iter()
            .any(|m| m.text.contains("Te quedan 2 códigos") && m.text.contains("Te quedan pocos")),
        "{mails:#?}"
    );
}

#[tokio::test]
async fn new_recovery_codes_replace_all_the_old_ones() {
    let (app, user) = spawn_logged_in("admin").await;
    let (_, old) = enable(&app, &app.client).await;
    let response = app.post_form("/seguridad/dos-pasos/codigos/", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    let new = codes_in(&body_of(response).await);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));
    // Told by mail (after the one for turning it on), without the codes.
    let mail = app.wait_for_mail_to(&user.email, 1).await;
    assert!(
        mail.subject.contains("Nuevos códigos de recuperación"),
        "{}",
        mail.subject
    );
    assert!(
        mail.text.contains("los anteriores ya no sirven"),
        "{}",
        mail.text
    );
    assert!(new.iter().all(|c| !mail.raw.contains(c.as_str())));
    let client = at_second_step(&app, &user).await;
    assert_eq!(
        send_code(&app, &client, &old[0]).await.status().as_u16(),
        422
    );
    assert_is_redirect_to(&send_code(&app, &client, &new[0]).await, "/dashboard/");
    assert!(event_kinds(&app, &user).contains(&"recovery_codes_replaced".to_owned()));
}

#[tokio::test]
async fn turning_it_off_removes_the_secret_and_the_codes() {
    let (app, user) = spawn_logged_in("admin").await;
    enable(&app, &app.client).await;
    let response = app.post_form("/seguridad/dos-pasos/desactivar/", &[]).await;
    assert_is_redirect_to(&response, "/seguridad/");
    let (secrets, codes): (i64, i64) = app
        .db(|c| {
            Ok((
                totp_secrets::table.count().get_result(c)?,
                recovery_codes::table.count().get_result(c)?,
            ))
        })
        .unwrap();
    assert_eq!((secrets, codes), (0, 0));
    assert!(event_kinds(&app, &user).contains(&"two_step_disabled".to_owned()));
    let mail = app.wait_for_mail_to(&user.email, 1).await;
    assert!(mail.subject.contains("desactivada"));
    app.log_in_with(&new_client(), &user).await;
}

#[tokio::test]
async fn the_settings_need_a_recent_password_and_the_csrf_token() {
    let app = spawn_app_with(|s| s.reauth_within = Duration::ZERO).await;
    let _user = app.logged_in("admin").await;
    let response = app.get("/seguridad/dos-pasos/").await;
    assert_is_redirect_to(&response, "/reautenticar/?next=%2Fseguridad%2Fdos-pasos%2F");
    for path in [
        "/seguridad/dos-pasos/",
        "/seguridad/dos-pasos/desactivar/",
        "/seguridad/dos-pasos/codigos/",
    ] {
        let response = app.post_form(path, &[("codigo", "123456")]).await;
        let location = response
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(location.starts_with("/reautenticar/"), "{path}: {location}");
        // Without the token: refused before anything else.
        let response = app
            .client
            .post(app.url(path))
            .form(&[("codigo", "123456")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "{path}");
    }
    let response = new_client()
        .post(app.url("/login/dos-pasos/"))
        .form(&[("codigo", "123456")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn a_password_reset_by_mail_does_not_skip_the_second_step() {
    let (app, user) = spawn_logged_in("admin").await;
    let (secret, _) = enable(&app, &app.client).await;
    app.wait_for_mail_to(&user.email, 0).await;
    let seen = 1;
    let client = new_client();
    app.post_form_with(&client, "/recuperar-password/", &[("email", &user.email)])
        .await;
    let link = link_path(&app.wait_for_mail_to(&user.email, seen).await);
    app.get_with_client(&client, &link).await;
    let new_password = "Otoño-Lluvioso-2031";
    let response = app
        .post_form_with(
            &client,
            "/restablecer-password/",
            &[
                ("new_password1", new_password),
                ("new_password2", new_password),
            ],
        )
        .await;
    assert_is_redirect_to(&response, "/login/");
    let response = app.login_with(&client, &user.username, new_password).await;
    assert_is_redirect_to(&response, "/login/dos-pasos/");
    let response = send_code(&app, &client, &code_at(&app, &secret, 0)).await;
    assert_is_redirect_to(&response, "/dashboard/");
}

#[tokio::test]
async fn the_export_says_whether_two_step_is_on_without_secrets() {
    let (app, _user) = spawn_logged_in("admin").await;
    let (secret, codes) = enable(&app, &app.client).await;
    let response = app.post_form("/cuenta/exportar/", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut json = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("datos.json").unwrap(), &mut json).unwrap();
    let data: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(data["two_step"]["authenticator_app"], true);
    assert_eq!(data["two_step"]["recovery_codes_left"], 10);
    assert!(!json.contains(&secret));
    assert!(codes.iter().all(|c| !json.contains(c)));
}

#[tokio::test]
async fn an_admin_removes_a_vendedors_factors_and_no_one_elses() {
    let (app, admin) = spawn_logged_in("admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    app.update_user(vera.id, cuentas::db::schema::users::manager_id.eq(admin.id));
    let vera_client = app.new_logged_in_client(&vera).await;
    enable(&app, &vera_client).await;
    // Another admin: 404, nothing removed.
    let other = app.create_user("otra", "admin").await;
    let other_client = app.new_logged_in_client(&other).await;
    let path = format!("/equipo/{}/reiniciar-dos-pasos/", vera.id);
    let response = app.post_form_with(&other_client, &path, &[]).await;
    assert_eq!(response.status().as_u16(), 404);
    let secrets = |app: &TestApp| -> i64 {
        app.db(|c| totp_secrets::table.count().get_result(c))
            .unwrap()
    };
    assert_eq!(secrets(&app), 1);
    // Her admin: done, she is told, the event names the admin.
    let page = app.get_page("/equipo/").await;
    assert!(page.contains(&path));
    // What goes, and what follows when the team does not require it.
    assert!(
        page.contains("su aplicación de autenticación, sus llaves de acceso y sus códigos"),
        "{page}"
    );
    assert!(page.contains("al entrar no se le pedirá un segundo paso"));
    assert!(!page.contains("tendrá que configurarla de nuevo"));
    assert_is_redirect_to(&app.post_form(&path, &[]).await, "/equipo/");
    assert_eq!(secrets(&app), 0);
    let codes: i64 = app
        .db(|c| recovery_codes::table.count().get_result(c))
        .unwrap();
    assert_eq!(codes, 0);
    let mail = app.wait_for_mail_to(&vera.email, 1).await;
    assert!(
        mail.subject.contains("quitó la verificación en dos pasos"),
        "{}",
        mail.subject
    );
    assert!(
        mail.text
            .contains("tu aplicación de autenticación, tus llaves de acceso y tus códigos"),
        "{}",
        mail.text
    );
    let actor: Option<i32> = app
        .db(|c| {
            security_events::table
                .filter(security_events::user_id.eq(vera.id))
                .filter(security_events::kind.eq("two_step_disabled"))
                .select(security_events::actor_id)
                .first(c)
        })
        .unwrap();
    assert_eq!(actor, Some(admin.id));
    // She signs in with the password alone again.
    app.log_in_with(&new_client(), &vera).await;
}

#[tokio::test]
async fn a_team_that_requires_two_step_sends_vendedores_to_set_it_up_first() {
    let (app, admin) = spawn_logged_in("admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    app.update_user(vera.id, cuentas::db::schema::users::manager_id.eq(admin.id));
    // Off by default: the switch is on the team page, unticked.
    let page = app.get_page("/equipo/").await;
    assert!(page.contains("name=\"exigir_dos_pasos\""));
    assert!(!page.contains("value=\"on\" checked"));
    let response = app
        .post_form("/equipo/dos-pasos/", &[("exigir_dos_pasos", "on")])
        .await;
    assert_is_redirect_to(&response, "/equipo/");
    assert!(
        app.get_page("/equipo/")
            .await
            .contains("value=\"on\" checked")
    );
    // A vendedor may not flip it.
    let vera_client = app.new_logged_in_client(&vera).await;
    let response = app
        .post_form_with(&vera_client, "/equipo/dos-pasos/", &[])
        .await;
    assert_eq!(response.status().as_u16(), 303, "sent to set up first");
    // Vera can do nothing but set it up (or sign out).
    for path in ["/dashboard/", "/perfil/", "/seguridad/"] {
        let response = app.get_with_client(&vera_client, path).await;
        assert_is_redirect_to(&response, "/seguridad/dos-pasos/");
    }
    let response = vera_client
        .get(app.url("/perfil/"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "two_step_required");
    // The admin is not held (no CUENTAS_REQUIRE_TWO_STEP_ADMINS).
    assert_eq!(app.get("/dashboard/").await.status().as_u16(), 200);
    enable(&app, &vera_client).await;
    assert_eq!(
        app.get_with_client(&vera_client, "/dashboard/")
            .await
            .status()
            .as_u16(),
        200
    );
    // Turned off again: a vendedor without a factor goes anywhere.
    let response = app.post_form("/equipo/dos-pasos/", &[]).await;
    assert_is_redirect_to(&response, "/equipo/");
    let bea = app.create_user("bea", "vendedor").await;
    app.update_user(bea.id, cuentas::db::schema::users::manager_id.eq(admin.id));
    let bea_client = app.new_logged_in_client(&bea).await;
    assert_eq!(
        app.get_with_client(&bea_client, "/perfil/")
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn the_setting_for_admins_holds_every_admin_without_a_factor() {
    let app = spawn_app_with(|s| s.require_two_step_admins = true).await;
    let admin = app.create_user("jefa", "admin").await;
    let client = new_client();
    let response = app
        .login_with(&client, &admin.username, &admin.password)
        .await;
    assert_is_redirect_to(&response, "/dashboard/");
    let response = app.get_with_client(&client, "/dashboard/").await;
    assert_is_redirect_to(&response, "/seguridad/dos-pasos/");
    enable(&app, &client).await;
    assert_eq!(
        app.get_with_client(&client, "/dashboard/")
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn the_sign_in_is_recorded_and_a_new_browser_noticed_only_once_the_code_passes() {
    let (app, user) = spawn_logged_in("admin").await;
    let (secret, _) = enable(&app, &app.client).await;
    let signed_in = |app: &TestApp| {
        event_kinds(app, &user)
            .iter()
            .filter(|k| *k == "signed_in")
            .count()
    };
    let notices = |app: &TestApp| {
        app.mails_to(&user.email)
            .iter()
            .filter(|m| m.subject.contains("Nuevo inicio de sesión"))
            .count()
    };
    let before = signed_in(&app);
    // The right password from a new browser: no sign-in yet, so nothing to tell the owner.
    let stranger = at_second_step(&app, &user).await;
    app.wait_for_outbox_drained().await;
    assert_eq!(signed_in(&app), before);
    assert_eq!(notices(&app), 0);
    // The code passes: now the sign-in is recorded and the owner hears of the new browser.
    let response = send_code(&app, &stranger, &code_at(&app, &secret, 0)).await;
    assert_is_redirect_to(&response, "/dashboard/");
    assert_eq!(signed_in(&app), before + 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while notices(&app) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no new-browser notice"
        );
        app.outbox.wake();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
