//! Passkeys end to end with a software authenticator (`webauthn-authenticator-rs`'s
//! `SoftPasskey`, which signs with a P-256 key and claims user verification): adding one,
//! signing in with it alone and as the second step, renaming, removing, and what must fail
//! (a replayed or tampered answer, an expired ceremony, another account's credential,
//! malformed JSON, no CSRF token, someone else's passkey id).
//!
//! `SoftPasskey` keeps no resident credentials, so where a browser would discover the
//! credential the test plays the browser's part: it names the credential in the request
//! options and returns the user handle the authenticator was given at registration.

use std::time::Duration;

use cuentas::db::schema::{passkeys, recovery_codes, security_events};
use diesel::prelude::*;
use reqwest::Client;
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse, Url,
};

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, body_of, new_client, spawn_app_with, spawn_logged_in,
};

const ORIGIN: &str = "http://localhost";

/// An app whose base URL has a host name, as passkeys need.
async fn spawn_passkey_app() -> TestApp {
    spawn_app_with(|settings| settings.base_url = Url::parse("http://localhost/").unwrap()).await
}

/// A passkey the authenticator made: its credential id and the account's user handle.
pub(crate) struct Registered {
    credential_id: String,
    user_handle: String,
}

pub(crate) fn origin() -> Url {
    Url::parse(ORIGIN).unwrap()
}

/// Posts `body` as JSON with the client's CSRF token in the header, as the script does.
async fn post_json(app: &TestApp, client: &Client, path: &str, body: &Value) -> reqwest::Response {
    let token = app.csrf_token_with(client).await;
    client
        .post(app.url(path))
        .header("X-CSRF-Token", token)
        .header("Accept", "application/json")
        .json(body)
        .send()
        .await
        .expect("POST")
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = body_of(response).await;
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, value)
}

/// The registration options for `client`, made acceptable to `SoftPasskey` (which cannot
/// keep a resident credential; the server does not insist).
async fn registration_options(
    app: &TestApp,
    client: &Client,
    name: &str,
) -> (CreationChallengeResponse, String) {
    let response = post_json(
        app,
        client,
        "/seguridad/llaves/opciones/",
        &json!({ "nombre": name }),
    )
    .await;
    let (status, mut options) = json_of(response).await;
    assert_eq!(status, 200, "{options}");
    let selection = &mut options["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    assert_eq!(selection["userVerification"], "required");
    selection["residentKey"] = json!("discouraged");
    selection["requireResidentKey"] = json!(false);
    let handle = options["publicKey"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (serde_json::from_value(options).unwrap(), handle)
}

/// Adds a passkey named `name` for the user `client` is signed in as; returns the answer of
/// the finishing request.
async fn try_register(
    app: &TestApp,
    client: &Client,
    authenticator: &mut SoftPasskey,
    name: &str,
) -> (u16, Value, Option<Registered>) {
    let (options, user_handle) = registration_options(app, client, name).await;
    let credential = authenticator
        .do_registration(origin(), options)
        .expect("the authenticator registers");
    let credential_id = credential.id.clone();
    let body = serde_json::to_value(&credential).unwrap();
    let (status, value) = json_of(post_json(app, client, "/seguridad/llaves/", &body).await).await;
    let registered = Registered {
        credential_id,
        user_handle,
    };
    (status, value, Some(registered))
}

pub(crate) async fn register(
    app: &TestApp,
    client: &Client,
    authenticator: &mut SoftPasskey,
    name: &str,
) -> Registered {
    let (status, value, registered) = try_register(app, client, authenticator, name).await;
    assert_eq!(status, 200, "{value}");
    assert_eq!(value["redirect"], "/seguridad/llaves/");
    registered.unwrap()
}

/// Request options with `credential_id` named in them (what a browser's discovery does).
fn naming(mut options: Value, credential_id: &str) -> RequestChallengeResponse {
    options["publicKey"]["allowCredentials"] =
        json!([{ "type": "public-key", "id": credential_id }]);
    serde_json::from_value(options).unwrap()
}

/// Passwordless: the options, and the authenticator's answer with the user handle.
async fn passwordless_answer(
    app: &TestApp,
    client: &Client,
    authenticator: &mut SoftPasskey,
    registered: &Registered,
) -> Value {
    let response = post_json(app, client, "/login/llave/opciones/", &json!({})).await;
    let (status, options) = json_of(response).await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["publicKey"]["userVerification"], "required");
    let options = naming(options, &registered.credential_id);
    let credential = authenticator
        .do_authentication(origin(), options)
        .expect("the authenticator signs");
    let mut answer = serde_json::to_value(&credential).unwrap();
    answer["response"]["userHandle"] = json!(registered.user_handle);
    answer
}

pub(crate) async fn sign_in(app: &TestApp, client: &Client, answer: &Value) -> (u16, Value) {
    json_of(post_json(app, client, "/login/llave/", answer).await).await
}

fn events(app: &TestApp, user_id: i32, kind: &str) -> Vec<String> {
    let kind = kind.to_owned();
    app.db(move |conn| {
        security_events::table
            .filter(security_events::user_id.eq(user_id))
            .filter(security_events::kind.eq(kind))
            .select(security_events::details)
            .load(conn)
    })
    .unwrap()
}

fn passkey_ids(app: &TestApp, user_id: i32) -> Vec<i32> {
    app.db(move |conn| {
        passkeys::table
            .filter(passkeys::user_id.eq(user_id))
            .select(passkeys::id)
            .load(conn)
    })
    .unwrap()
}

fn codes_left(app: &TestApp, user_id: i32) -> i64 {
    app.db(move |conn| {
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::used_at.is_null())
            .count()
            .get_result(conn)
    })
    .unwrap()
}

/// An app, `ana` signed in on its client, with one passkey "Teléfono".
async fn ana_with_passkey() -> (TestApp, TestUser, SoftPasskey, Registered) {
    let app = spawn_passkey_app().await;
    let ana = app.logged_in("admin").await;
    let mut authenticator = SoftPasskey::new(true);
    let registered = register(&app, &app.client, &mut authenticator, "Teléfono").await;
    (app, ana, authenticator, registered)
}

#[tokio::test]
async fn the_first_passkey_is_listed_and_brings_recovery_codes_once() {
    let (app, ana, mut authenticator, _) = ana_with_passkey().await;
    // The script goes on to the page: the recovery codes, shown this once.
    let page = app.get_page("/seguridad/llaves/").await;
    let document = scraper::Html::parse_document(&page);
    let selector = scraper::Selector::parse("#recovery-codes code").unwrap();
    assert_eq!(document.select(&selector).count(), 10, "{page}");
    assert_eq!(codes_left(&app, ana.id), 10);
    let page = app.get_page("/seguridad/llaves/").await;
    assert!(page.contains("Teléfono"), "{page}");
    assert!(page.contains("Nunca"), "{page}");
    // A second passkey keeps the codes.
    register(&app, &app.client, &mut authenticator, "Portátil").await;
    let page = app.get_page("/seguridad/llaves/").await;
    assert!(page.contains("Portátil") && page.contains("Llave de acceso añadida."));
    assert_eq!(codes_left(&app, ana.id), 10);
    assert_eq!(events(&app, ana.id, "passkey_added").len(), 2);
    let centre = app.get_page("/seguridad/").await;
    assert!(centre.contains("Tienes 2 llaves de acceso."), "{centre}");
    // With passkeys alone, the codes are managed on the two-step page too.
    let two_step = app.get_page("/seguridad/dos-pasos/").await;
    assert!(two_step.contains("id=\"codes-left\""), "{two_step}");
    let response = app.post_form("/seguridad/dos-pasos/codigos/", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(codes_left(&app, ana.id), 10);
    app.wait_for_outbox_drained().await;
    assert!(
        app.mails_to(&ana.email)
            .iter()
            .any(|m| m.subject.contains("Nueva llave de acceso"))
    );
}

#[tokio::test]
async fn a_passkey_alone_signs_in_and_is_recorded_like_a_password() {
    let (app, ana, mut authenticator, registered) = ana_with_passkey().await;
    let client = new_client();
    let answer = passwordless_answer(&app, &client, &mut authenticator, &registered).await;
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(status, 200, "{value}");
    assert_eq!(value["redirect"], "/dashboard/");
    let dashboard = app.get_with_client(&client, "/dashboard/").await;
    assert_eq!(dashboard.status().as_u16(), 200);
    let signed_in = events(&app, ana.id, "signed_in");
    assert!(
        signed_in
            .iter()
            .any(|d| d.contains("\"method\":\"passkey\"")),
        "{signed_in:?}"
    );
    let page = app.get_page("/seguridad/llaves/").await;
    let page = if page.contains("<code>") {
        app.get_page("/seguridad/llaves/").await
    } else {
        page
    };
    assert!(!page.contains("Nunca"), "the last use is shown: {page}");
}

#[tokio::test]
async fn a_replayed_answer_finds_no_ceremony() {
    let (app, _ana, mut authenticator, registered) = ana_with_passkey().await;
    let client = new_client();
    let answer = passwordless_answer(&app, &client, &mut authenticator, &registered).await;
    assert_eq!(sign_in(&app, &client, &answer).await.0, 200);
    // The same answer again, from a browser that starts a new ceremony, and from one that
    // holds none.
    let other = new_client();
    post_json(&app, &other, "/login/llave/opciones/", &json!({})).await;
    let (status, value) = sign_in(&app, &other, &answer).await;
    assert_eq!(status, 422, "{value}");
    let (status, value) = sign_in(&app, &new_client(), &answer).await;
    assert_eq!(status, 422, "{value}");
    assert_eq!(value["field"], "llave");
}

#[tokio::test]
async fn a_wrong_answer_uses_the_ceremony_up() {
    let (app, ana, mut authenticator, registered) = ana_with_passkey().await;
    let client = new_client();
    let good = passwordless_answer(&app, &client, &mut authenticator, &registered).await;
    let mut bad = good.clone();
    let signature = bad["response"]["signature"].as_str().unwrap().to_owned();
    let flipped = if signature.starts_with('M') { "N" } else { "M" };
    bad["response"]["signature"] = json!(format!("{flipped}{}", &signature[1..]));
    assert_eq!(sign_in(&app, &client, &bad).await.0, 422);
    // The right answer to the same ceremony comes too late: one answer per ceremony.
    let (status, value) = sign_in(&app, &client, &good).await;
    assert_eq!(status, 422, "{value}");
    // Ana's own password sign-in may be there; no sign-in with the passkey is.
    let signed_in = events(&app, ana.id, "signed_in");
    assert!(
        signed_in.iter().all(|d| !d.contains("passkey")),
        "{signed_in:?}"
    );
}

#[tokio::test]
async fn a_refused_passkey_sign_in_of_an_account_pending_deletion_stays_in_its_history() {
    let (app, ana, mut authenticator, registered) = ana_with_passkey().await;
    let fields = [
        ("confirmar_email", ana.email.as_str()),
        ("password", ana.password.as_str()),
    ];
    app.post_form("/cuenta/eliminar/", &fields).await;
    let client = new_client();
    let answer = passwordless_answer(&app, &client, &mut authenticator, &registered).await;
    assert_eq!(sign_in(&app, &client, &answer).await.0, 403);
    let failures = events(&app, ana.id, "sign_in_failed");
    assert!(
        failures.iter().any(|d| d.contains("pending_deletion")),
        "{failures:?}"
    );
}

#[tokio::test]
async fn the_last_passkey_of_an_account_without_a_password_stays() {
    use cuentas::db::schema::users;
    let (app, ana, _, _) = ana_with_passkey().await;
    // An account made through the provider: no usable password, no identity left linked.
    app.update_user(
        ana.id,
        users::password_hash.eq(cuentas::auth::password::UNUSABLE),
    );
    let id = passkey_ids(&app, ana.id)[0];
    let response = app
        .post_form(&format!("/seguridad/llaves/{id}/eliminar/"), &[])
        .await;
    assert_is_redirect_to(&response, "/seguridad/llaves/");
    assert_eq!(passkey_ids(&app, ana.id), [id], "still there");
    assert!(
        app.get_page("/seguridad/llaves/")
            .await
            .contains("Es tu única forma de entrar")
    );
}

#[tokio::test]
async fn an_expired_ceremony_is_refused() {
    let (app, _ana, mut authenticator, registered) = ana_with_passkey().await;
    let client = new_client();
    let answer = passwordless_answer(&app, &client, &mut authenticator, &registered).await;
    app.clock.advance(Duration::from_secs(5 * 60 + 1));
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(status, 422, "{value}");
    assert!(
        value["error"].as_str().unwrap().contains("caducó"),
        "{value}"
    );
    assert_eq!(
        app.get_with_client(&client, "/dashboard/")
            .await
            .status()
            .as_u16(),
        303
    );
}

#[tokio::test]
async fn a_tampered_challenge_or_origin_is_refused() {
    let (app, _ana, mut authenticator, registered) = ana_with_passkey().await;
    // The browser signs another challenge than the one the server holds.
    let client = new_client();
    let response = post_json(&app, &client, "/login/llave/opciones/", &json!({})).await;
    let (_, mut options) = json_of(response).await;
    options["publicKey"]["challenge"] = json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let options = naming(options, &registered.credential_id);
    let credential = authenticator.do_authentication(origin(), options).unwrap();
    let mut answer = serde_json::to_value(&credential).unwrap();
    answer["response"]["userHandle"] = json!(registered.user_handle);
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(status, 422, "{value}");
    // Another origin (another port of the host).
    let client = new_client();
    let response = post_json(&app, &client, "/login/llave/opciones/", &json!({})).await;
    let (_, options) = json_of(response).await;
    let options = naming(options, &registered.credential_id);
    let elsewhere = Url::parse("http://localhost:9999").unwrap();
    let credential = authenticator.do_authentication(elsewhere, options).unwrap();
    let mut answer = serde_json::to_value(&credential).unwrap();
    answer["response"]["userHandle"] = json!(registered.user_handle);
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(status, 422, "{value}");
    // A signature with a byte changed.
    let client = new_client();
    let mut answer = passwordless_answer(&app, &client, &mut authenticator, &registered).await;
    let signature = answer["response"]["signature"].as_str().unwrap().to_owned();
    let flipped = if signature.starts_with('M') { "N" } else { "M" };
    answer["response"]["signature"] = json!(format!("{flipped}{}", &signature[1..]));
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(status, 422, "{value}");
    assert_eq!(
        app.get_with_client(&client, "/dashboard/")
            .await
            .status()
            .as_u16(),
        303
    );
}

/// A challenge the server never issued (32 zero bytes, base64url).
const FORGED_CHALLENGE: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// Registration options for `client`, changed by `tamper`, answered by the authenticator as
/// if from `at`, and sent to `POST /seguridad/llaves/`.
async fn register_tampered(
    app: &TestApp,
    client: &Client,
    authenticator: &mut SoftPasskey,
    at: Url,
    tamper: impl FnOnce(&mut Value),
) -> (u16, Value) {
    let (options, _) = registration_options(app, client, "Cambiada").await;
    let mut options = serde_json::to_value(options).unwrap();
    tamper(&mut options);
    let options: CreationChallengeResponse = serde_json::from_value(options).unwrap();
    let credential = authenticator
        .do_registration(at, options)
        .expect("the authenticator registers");
    let body = serde_json::to_value(&credential).unwrap();
    json_of(post_json(app, client, "/seguridad/llaves/", &body).await).await
}

#[tokio::test]
async fn a_registration_answer_to_a_tampered_challenge_or_origin_adds_nothing() {
    let (app, ana, _, _) = ana_with_passkey().await;
    let mut authenticator = SoftPasskey::new(true);
    let forged = |options: &mut Value| options["publicKey"]["challenge"] = json!(FORGED_CHALLENGE);
    let elsewhere = Url::parse("http://localhost:9999").unwrap();
    let refusals = [
        register_tampered(&app, &app.client, &mut authenticator, origin(), forged).await,
        register_tampered(&app, &app.client, &mut authenticator, elsewhere, |_| {}).await,
    ];
    for (status, value) in refusals {
        assert_eq!(
            (status, value["field"].as_str()),
            (422, Some("llave")),
            "{value}"
        );
        // Refused by the check of the answer, not for want of a ceremony.
        assert!(
            value["error"].as_str().unwrap().contains("no es válida"),
            "{value}"
        );
    }
    assert_eq!(passkey_ids(&app, ana.id).len(), 1, "only the first passkey");
    assert_eq!(events(&app, ana.id, "passkey_added").len(), 1);
    // The same authenticator, answering the real challenge from the real origin, is welcome.
    register(&app, &app.client, &mut authenticator, "Portátil").await;
    assert_eq!(passkey_ids(&app, ana.id).len(), 2);
}

#[tokio::test]
async fn a_second_step_answer_to_a_tampered_challenge_is_refused() {
    let (app, ana, mut authenticator, _) = ana_with_passkey().await;
    let client = at_second_step(&app, &ana).await;
    let mut options = second_step_options(&app, &client).await;
    options["publicKey"]["challenge"] = json!(FORGED_CHALLENGE);
    let options: RequestChallengeResponse = serde_json::from_value(options).unwrap();
    let credential = authenticator.do_authentication(origin(), options).unwrap();
    let answer = serde_json::to_value(&credential).unwrap();
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(
        (status, value["field"].as_str()),
        (422, Some("llave")),
        "{value}"
    );
    assert!(
        value["error"].as_str().unwrap().contains("no es válida"),
        "{value}"
    );
    assert_eq!(
        app.get_with_client(&client, "/dashboard/")
            .await
            .status()
            .as_u16(),
        303,
        "no session"
    );
    let failures = events(&app, ana.id, "sign_in_failed");
    assert!(
        failures.iter().any(|d| d.contains("wrong_passkey")),
        "{failures:?}"
    );
}

#[tokio::test]
async fn a_ceremony_is_finished_only_at_the_endpoint_it_was_started_for() {
    let (app, ana, mut authenticator, registered) = ana_with_passkey().await;
    // A registration answered, then a passwordless sign-in started in the same browser: the
    // registration answer finds a sign-in ceremony, not its own.
    let (options, _) = registration_options(&app, &app.client, "Otra").await;
    let mut second = SoftPasskey::new(true);
    let credential = second.do_registration(origin(), options).unwrap();
    let body = serde_json::to_value(&credential).unwrap();
    post_json(&app, &app.client, "/login/llave/opciones/", &json!({})).await;
    let response = post_json(&app, &app.client, "/seguridad/llaves/", &body).await;
    let (status, value) = json_of(response).await;
    assert_eq!(status, 422, "{value}");
    assert!(
        value["error"].as_str().unwrap().contains("caducó"),
        "{value}"
    );
    assert_eq!(passkey_ids(&app, ana.id).len(), 1);
    // A passwordless answer, then a registration started in the same browser: the answer
    // finds a registration ceremony, which signs nobody in.
    let answer = passwordless_answer(&app, &app.client, &mut authenticator, &registered).await;
    let response = post_json(
        &app,
        &app.client,
        "/seguridad/llaves/opciones/",
        &json!({ "nombre": "X" }),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let (status, value) = sign_in(&app, &app.client, &answer).await;
    assert_eq!(status, 422, "{value}");
    assert!(
        value["error"].as_str().unwrap().contains("caducó"),
        "{value}"
    );
    let signed_in = events(&app, ana.id, "signed_in");
    assert!(
        signed_in.iter().all(|d| !d.contains("passkey")),
        "{signed_in:?}"
    );
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

pub(crate) async fn second_step_options(app: &TestApp, client: &Client) -> Value {
    let response = post_json(
        app,
        client,
        "/login/llave/opciones/",
        &json!({ "second_step": true }),
    )
    .await;
    let (status, options) = json_of(response).await;
    assert_eq!(status, 200, "{options}");
    options
}

#[tokio::test]
async fn a_passkey_passes_the_second_step_after_the_password() {
    let (app, ana, mut authenticator, _) = ana_with_passkey().await;
    let client = at_second_step(&app, &ana).await;
    let page = app.get_page_with(&client, "/login/dos-pasos/").await;
    assert!(page.contains("Usar una llave de acceso"), "{page}");
    assert!(
        page.contains("<noscript><p class=\"notice\" id=\"passkey-sign-in-need-js\">Usar una llave de acceso necesita JavaScript"),
        "{page}"
    );
    let options = second_step_options(&app, &client).await;
    let options: RequestChallengeResponse = serde_json::from_value(options).unwrap();
    let credential: PublicKeyCredential =
        authenticator.do_authentication(origin(), options).unwrap();
    let answer = serde_json::to_value(&credential).unwrap();
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(status, 200, "{value}");
    assert_eq!(value["redirect"], "/dashboard/");
    assert_eq!(
        app.get_with_client(&client, "/dashboard/")
            .await
            .status()
            .as_u16(),
        200
    );
    let signed_in = events(&app, ana.id, "signed_in");
    assert!(
        signed_in.iter().any(|d| d.contains("second_step")),
        "{signed_in:?}"
    );
}

#[tokio::test]
async fn another_accounts_passkey_passes_neither_step() {
    let (app, ana, mut ana_key, ana_passkey) = ana_with_passkey().await;
    let bruno = app.create_user("bruno", "admin").await;
    let bruno_client = app.new_logged_in_client(&bruno).await;
    let mut bruno_key = SoftPasskey::new(true);
    let bruno_passkey = register(&app, &bruno_client, &mut bruno_key, "Llave").await;
    // At bruno's second step, ana's passkey answers.
    let client = at_second_step(&app, &bruno).await;
    let options = second_step_options(&app, &client).await;
    let credential = ana_key
        .do_authentication(origin(), naming(options, &ana_passkey.credential_id))
        .unwrap();
    let answer = serde_json::to_value(&credential).unwrap();
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(status, 422, "{value}");
    assert_eq!(
        app.get_with_client(&client, "/dashboard/")
            .await
            .status()
            .as_u16(),
        303
    );
    // Passwordless: ana's credential presented with bruno's user handle.
    let client = new_client();
    let mut answer = passwordless_answer(&app, &client, &mut ana_key, &ana_passkey).await;
    answer["response"]["userHandle"] = json!(bruno_passkey.user_handle);
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(status, 422, "{value}");
    assert_eq!(
        events(&app, ana.id, "signed_in").len(),
        1,
        "only the password sign-in"
    );
}

#[tokio::test]
async fn malformed_json_a_bad_name_and_no_csrf_token_are_refused() {
    let (app, ana, _, _) = ana_with_passkey().await;
    let token = app.csrf_token().await;
    for path in [
        "/login/llave/",
        "/seguridad/llaves/",
        "/seguridad/llaves/opciones/",
    ] {
        let response = app
            .client
            .post(app.url(path))
            .header("X-CSRF-Token", &token)
            .header("Content-Type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        let (status, value) = json_of(response).await;
        assert_eq!(status, 422, "{path}: {value}");
    }
    // A credential of the wrong shape.
    let (status, _) = sign_in(&app, &new_client(), &json!({ "id": 5 })).await;
    assert_eq!(status, 422);
    for (name, field) in [
        ("", "nombre"),
        (&"x".repeat(61)[..], "nombre"),
        ("a\u{7}b", "nombre"),
    ] {
        let response = post_json(
            &app,
            &app.client,
            "/seguridad/llaves/opciones/",
            &json!({ "nombre": name }),
        )
        .await;
        let (status, value) = json_of(response).await;
        assert_eq!(
            (status, value["field"].as_str()),
            (422, Some(field)),
            "{value}"
        );
    }
    // No token: the handler never runs.
    let response = app
        .client
        .post(app.url("/seguridad/llaves/opciones/"))
        .json(&json!({ "nombre": "Sin token" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let response = new_client()
        .post(app.url("/login/llave/opciones/"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(passkey_ids(&app, ana.id).len(), 1);
}

#[tokio::test]
async fn a_passkey_is_renamed_and_removed_only_by_its_owner() {
    let (app, ana, _, _) = ana_with_passkey().await;
    let id = passkey_ids(&app, ana.id)[0];
    let bruno = app.create_user("bruno", "admin").await;
    let bruno_client = app.new_logged_in_client(&bruno).await;
    let rename = format!("/seguridad/llaves/{id}/nombre/");
    let remove = format!("/seguridad/llaves/{id}/eliminar/");
    let response = app
        .post_form_with(&bruno_client, &rename, &[("nombre", "Mía")])
        .await;
    assert_eq!(response.status().as_u16(), 404);
    let response = app.post_form_with(&bruno_client, &remove, &[]).await;
    assert_eq!(response.status().as_u16(), 404);
    for bad in [
        "/seguridad/llaves/abc/eliminar/",
        "/seguridad/llaves/99999999999/eliminar/",
    ] {
        assert_eq!(
            app.post_form(bad, &[]).await.status().as_u16(),
            404,
            "{bad}"
        );
    }
    // The owner: a bad name is shown beside its field; a good one is kept.
    let response = app.post_form(&rename, &[("nombre", "  ")]).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = body_of(response).await;
    assert!(
        page.contains(&format!("id=\"nombre-{id}-error\"")),
        "{page}"
    );
    let response = app
        .post_form(&rename, &[("nombre", "Teléfono nuevo")])
        .await;
    assert_is_redirect_to(&response, "/seguridad/llaves/");
    app.get_page("/seguridad/llaves/").await; // the recovery codes, once
    assert!(
        app.get_page("/seguridad/llaves/")
            .await
            .contains("Teléfono nuevo")
    );
    // Removing the last factor takes the recovery codes and the second step away.
    let response = app.post_form(&remove, &[]).await;
    assert_is_redirect_to(&response, "/seguridad/llaves/");
    assert!(passkey_ids(&app, ana.id).is_empty());
    assert_eq!(codes_left(&app, ana.id), 0);
    assert_eq!(events(&app, ana.id, "passkey_removed").len(), 1);
    app.wait_for_outbox_drained().await;
    let mails = app.mails_to(&ana.email);
    let removed = mails
        .iter()
        .find(|m| m.subject.contains("Llave de acceso quitada"))
        .unwrap_or_else(|| panic!("no notice of the removal: {mails:#?}"));
    assert!(
        removed.text.contains("Se quitó la última llave de acceso"),
        "{}",
        removed.text
    );
    // Bruno's refused attempts told nobody.
    let bruno_told = app.mails_to(&bruno.email);
    assert!(
        bruno_told
            .iter()
            .all(|m| !m.subject.contains("Llave de acceso")),
        "{bruno_told:#?}"
    );
    let response = app
        .login_with(&new_client(), &ana.username, &ana.password)
        .await;
    assert_is_redirect_to(&response, "/dashboard/");
    assert_eq!(app.post_form(&remove, &[]).await.status().as_u16(), 404);
}

#[tokio::test]
async fn removing_the_last_passkey_says_that_two_step_sign_in_is_off() {
    let (app, ana, mut authenticator, _) = ana_with_passkey().await;
    register(&app, &app.client, &mut authenticator, "Portátil").await;
    let ids = passkey_ids(&app, ana.id);
    app.get_page("/seguridad/llaves/").await; // the recovery codes, once
    app.wait_for_outbox_drained().await;
    let seen = app.mails_to(&ana.email).len();
    // One of two: a passkey is gone, two-step sign-in stays.
    let response = app
        .post_form(&format!("/seguridad/llaves/{}/eliminar/", ids[0]), &[])
        .await;
    assert_is_redirect_to(&response, "/seguridad/llaves/");
    let page = app.get_page("/seguridad/llaves/").await;
    assert!(page.contains("Llave de acceso quitada."), "{page}");
    assert!(!page.contains("verificación en dos pasos está desactivada"));
    let mail = app.wait_for_mail_to(&ana.email, seen).await;
    assert_eq!(mail.subject, "Llave de acceso quitada en cuentas");
    assert_eq!(codes_left(&app, ana.id), 10);
    assert!(events(&app, ana.id, "two_step_disabled").is_empty());
    // The last one: two-step sign-in is off, and the flash, the mail and the history say so.
    let response = app
        .post_form(&format!("/seguridad/llaves/{}/eliminar/", ids[1]), &[])
        .await;
    assert_is_redirect_to(&response, "/seguridad/llaves/");
    let page = app.get_page("/seguridad/llaves/").await;
    assert!(
        page.contains("la verificación en dos pasos está desactivada"),
        "{page}"
    );
    let mail = app.wait_for_mail_to(&ana.email, seen + 1).await;
    assert!(
        mail.subject
            .contains("verificación en dos pasos desactivada"),
        "{}",
        mail.subject
    );
    assert!(
        mail.text.contains("ya no se pide un segundo paso"),
        "{}",
        mail.text
    );
    assert_eq!(codes_left(&app, ana.id), 0);
    assert_eq!(events(&app, ana.id, "passkey_removed").len(), 2);
    let off = events(&app, ana.id, "two_step_disabled");
    assert_eq!(off.len(), 1, "{off:?}");
    assert!(off[0].contains("\"method\":\"passkey\""), "{off:?}");
    let centre = app.get_page("/seguridad/").await;
    assert!(
        centre.contains("Verificación en dos pasos desactivada"),
        "{centre}"
    );
}

#[tokio::test]
async fn an_ip_base_url_says_to_use_a_host_name() {
    let (app, _) = spawn_logged_in("admin").await;
    let page = app.get_page("/seguridad/llaves/").await;
    assert!(page.contains("id=\"passkeys-host-name\""), "{page}");
    assert!(page.contains("http://localhost:8000"));
    assert!(!app.get_page("/login/").await.contains("passkey-sign-in"));
    let response = post_json(
        &app,
        &app.client,
        "/seguridad/llaves/opciones/",
        &json!({ "nombre": "X" }),
    )
    .await;
    let (status, value) = json_of(response).await;
    assert_eq!(status, 403, "{value}");
}

#[tokio::test]
async fn the_login_page_offers_a_passkey_and_the_page_works_without_script() {
    let app = spawn_passkey_app().await;
    let login = app.get_page("/login/").await;
    assert!(login.contains("Entrar con una llave de acceso"), "{login}");
    assert!(login.contains("/static/js/passkeys."));
    // The button stays hidden without the script; a line says why.
    let document = scraper::Html::parse_document(&login);
    let noscript = scraper::Selector::parse("noscript").unwrap();
    let said: String = document.select(&noscript).flat_map(|e| e.text()).collect();
    assert!(
        said.contains("Entrar con una llave de acceso necesita JavaScript"),
        "{login}"
    );
    app.logged_in("admin").await;
    let page = app.get_page("/seguridad/llaves/").await;
    assert!(page.contains("id=\"passkeys-need-js\""), "{page}");
    assert!(page.contains("id=\"passkey-add\""));
}

#[tokio::test]
async fn the_export_lists_passkeys_without_key_material() {
    use std::io::{Cursor, Read};
    let (app, _ana, _, registered) = ana_with_passkey().await;
    let response = app.post_form("/cuenta/exportar/", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP");
    let mut json = String::new();
    zip.by_name("datos.json")
        .unwrap()
        .read_to_string(&mut json)
        .unwrap();
    let data: Value = serde_json::from_str(&json).unwrap();
    let listed = &data["two_step"]["passkeys"];
    assert_eq!(listed[0]["name"], "Teléfono", "{data}");
    assert!(listed[0]["added_at"].is_string());
    assert!(listed[0]["last_used_at"].is_null());
    assert!(!json.contains(&registered.credential_id));
    assert!(!json.contains(&registered.user_handle));
    assert!(!json.contains("cred_id") && !json.contains("\"cred\""));
}

/// The passkey pages for the HTML check (`html.rs`): the list with a rename error, the login
/// page and the second step with their passkey buttons, the page for an IP base URL.
pub async fn pages_to_check() -> Vec<(&'static str, String)> {
    let (app, ana, _, _) = ana_with_passkey().await;
    let mut pages = vec![(
        "passkey recovery codes",
        app.get_page("/seguridad/llaves/").await,
    )];
    pages.push(("passkeys", app.get_page("/seguridad/llaves/").await));
    let id = passkey_ids(&app, ana.id)[0];
    let rename = format!("/seguridad/llaves/{id}/nombre/");
    let response = app.post_form(&rename, &[("nombre", "")]).await;
    pages.push(("passkeys with errors", body_of(response).await));
    pages.push((
        "security centre with a passkey",
        app.get_page("/seguridad/").await,
    ));
    pages.push((
        "login with passkeys",
        app.get_page_with(&new_client(), "/login/").await,
    ));
    let client = at_second_step(&app, &ana).await;
    let second_step = app.get_page_with(&client, "/login/dos-pasos/").await;
    pages.push(("second step with a passkey", second_step));
    let (ip_app, _) = spawn_logged_in("admin").await;
    pages.push((
        "passkeys on an IP address",
        ip_app.get_page("/seguridad/llaves/").await,
    ));
    pages
}

#[tokio::test]
async fn a_passkey_satisfies_a_team_rule_and_the_admin_can_remove_it() {
    use cuentas::db::schema::users;
    let app = spawn_passkey_app().await;
    let admin = app.logged_in("admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    app.update_user(vera.id, users::manager_id.eq(admin.id));
    let response = app
        .post_form("/equipo/dos-pasos/", &[("exigir_dos_pasos", "on")])
        .await;
    assert_is_redirect_to(&response, "/equipo/");
    let vera_client = app.new_logged_in_client(&vera).await;
    let held = app.get_with_client(&vera_client, "/dashboard/").await;
    assert_is_redirect_to(&held, "/seguridad/dos-pasos/");
    // The set-up page points to passkeys, which she may use while held.
    let set_up = app
        .get_page_with(&vera_client, "/seguridad/dos-pasos/")
        .await;
    assert!(set_up.contains("href=\"/seguridad/llaves/\""));
    let mut key = SoftPasskey::new(true);
    register(&app, &vera_client, &mut key, "Móvil").await;
    let free = app.get_with_client(&vera_client, "/dashboard/").await;
    assert_eq!(free.status().as_u16(), 200);
    // Her admin removes her factors: the passkey goes, and she is held again, as the team
    // page warns.
    let team = app.get_page("/equipo/").await;
    assert!(team.contains("sus llaves de acceso"), "{team}");
    assert!(team.contains("tendrá que configurarla de nuevo"), "{team}");
    assert!(!team.contains("no se le pedirá un segundo paso"));
    let path = format!("/equipo/{}/reiniciar-dos-pasos/", vera.id);
    assert_is_redirect_to(&app.post_form(&path, &[]).await, "/equipo/");
    assert!(passkey_ids(&app, vera.id).is_empty());
    assert_eq!(codes_left(&app, vera.id), 0);
    let held = app.get_with_client(&vera_client, "/dashboard/").await;
    assert_is_redirect_to(&held, "/seguridad/dos-pasos/");
}

#[tokio::test]
async fn a_passkey_does_not_open_an_account_pending_deletion_or_inactive() {
    use cuentas::db::schema::users;
    let (app, ana, mut authenticator, registered) = ana_with_passkey().await;
    let fields = [
        ("confirmar_email", ana.email.as_str()),
        ("password", ana.password.as_str()),
    ];
    app.post_form("/cuenta/eliminar/", &fields).await;
    let client = new_client();
    let answer = passwordless_answer(&app, &client, &mut authenticator, &registered).await;
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(status, 403, "{value}");
    assert!(
        value["error"]
            .as_str()
            .unwrap()
            .contains("pendiente de eliminación")
    );
    let response = app.get_with_client(&client, "/dashboard/").await;
    assert_eq!(response.status().as_u16(), 303);
    // Its owner goes on to the page with the restore button, as after a password.
    assert_eq!(value["redirect"], "/cuenta/restaurar/");
    let page = app.get_page_with(&client, "/cuenta/restaurar/").await;
    assert!(page.contains("id=\"pending-date\""), "{page}");
    assert!(page.contains("action=\"/cuenta/restaurar/\""), "{page}");
    // Another browser, without that permission, is sent to sign in.
    let stranger = app
        .get_with_client(&new_client(), "/cuenta/restaurar/")
        .await;
    assert_is_redirect_to(&stranger, "/login/");
    // Restored and signed in: the passkey was both steps, so no second one is asked for.
    let restored = app.post_form_with(&client, "/cuenta/restaurar/", &[]).await;
    assert_is_redirect_to(&restored, "/dashboard/");
    assert!(app.user(ana.id).purge_after.is_none());
    let dashboard = app.get_with_client(&client, "/dashboard/").await;
    assert_eq!(dashboard.status().as_u16(), 200);
    let signed_in = events(&app, ana.id, "signed_in");
    assert!(
        signed_in
            .last()
            .is_some_and(|d| d.contains("\"method\":\"passkey\"")),
        "{signed_in:?}"
    );
    // Inactive: the same refusal as a passkey nobody knows.
    app.update_user(
        ana.id,
        users::deletion_requested_at.eq(None::<chrono::NaiveDateTime>),
    );
    app.update_user(ana.id, users::purge_after.eq(None::<chrono::NaiveDateTime>));
    app.update_user(ana.id, users::is_active.eq(false));
    let answer = passwordless_answer(&app, &client, &mut authenticator, &registered).await;
    let (status, value) = sign_in(&app, &client, &answer).await;
    assert_eq!(
        (status, value["field"].as_str()),
        (422, Some("llave")),
        "{value}"
    );
}

#[tokio::test]
async fn passwordless_starts_are_counted_per_client() {
    let app = spawn_passkey_app().await;
    let client = new_client();
    for _ in 0..30 {
        let response = post_json(&app, &client, "/login/llave/opciones/", &json!({})).await;
        assert_eq!(response.status().as_u16(), 200);
    }
    let response = post_json(&app, &client, "/login/llave/opciones/", &json!({})).await;
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().contains_key("retry-after"));
    // The script shows the refusal's words beside the button, as for any other refusal.
    let value: serde_json::Value = response.json().await.unwrap();
    assert_eq!(value["field"], "llave");
    assert!(
        value["error"]
            .as_str()
            .unwrap()
            .contains("demasiados intentos"),
        "{value}"
    );
}

#[tokio::test]
async fn an_old_sign_in_types_the_password_again_before_passkeys_change() {
    let (app, ana, _, _) = ana_with_passkey().await;
    let id = passkey_ids(&app, ana.id)[0];
    app.clock.advance(Duration::from_secs(11 * 60));
    let response = app.get("/seguridad/llaves/").await;
    assert_is_redirect_to(&response, "/reautenticar/?next=%2Fseguridad%2Fllaves%2F");
    let response = post_json(
        &app,
        &app.client,
        "/seguridad/llaves/opciones/",
        &json!({ "nombre": "Otra" }),
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let remove = format!("/seguridad/llaves/{id}/eliminar/");
    assert_eq!(app.post_form(&remove, &[]).await.status().as_u16(), 303);
    assert_eq!(passkey_ids(&app, ana.id), vec![id]);
}

#[tokio::test]
async fn the_app_beside_a_passkey_keeps_the_recovery_codes_the_user_saved() {
    let (app, ana, _, _) = ana_with_passkey().await;
    let saved = crate::two_step::codes_in(&app.get_page("/seguridad/llaves/").await);
    assert_eq!(saved.len(), 10);
    let (_, response) = crate::two_step::confirm_app(&app, &app.client).await;
    // No new codes to show: the page says the saved ones still work.
    assert_is_redirect_to(&response, "/seguridad/dos-pasos/");
    let page = app.get_page("/seguridad/dos-pasos/").await;
    assert!(page.contains("los que guardaste siguen valiendo"), "{page}");
    assert!(crate::two_step::codes_in(&page).is_empty(), "{page}");
    assert!(page.contains("Quitar la aplicación de autenticación"));
    assert_eq!(codes_left(&app, ana.id), 10);
    assert_eq!(events(&app, ana.id, "recovery_codes_replaced").len(), 0);
    // A saved code still passes the second step.
    let client = at_second_step(&app, &ana).await;
    let response = app
        .post_form_with(&client, "/login/dos-pasos/", &[("codigo", &saved[0])])
        .await;
    assert_is_redirect_to(&response, "/dashboard/");
    assert_eq!(codes_left(&app, ana.id), 9);
}

#[tokio::test]
async fn the_app_beside_a_passkey_brings_new_codes_when_every_saved_one_is_used() {
    let (app, ana, _, _) = ana_with_passkey().await;
    let now = chrono::Utc::now().naive_utc();
    app.db(|c| {
        diesel::update(recovery_codes::table.filter(recovery_codes::user_id.eq(ana.id)))
            .set(recovery_codes::used_at.eq(Some(now)))
            .execute(c)
    })
    .unwrap();
    assert_eq!(codes_left(&app, ana.id), 0);
    // None left to keep: the app comes with ten new ones, shown once.
    let (_, response) = crate::two_step::confirm_app(&app, &app.client).await;
    assert_eq!(response.status().as_u16(), 200);
    let page = body_of(response).await;
    assert_eq!(crate::two_step::codes_in(&page).len(), 10, "{page}");
    assert_eq!(codes_left(&app, ana.id), 10);
}

#[tokio::test]
async fn turning_the_app_off_beside_a_passkey_says_that_the_second_step_stays() {
    let (app, ana, _, _) = ana_with_passkey().await;
    let (_, response) = crate::two_step::confirm_app(&app, &app.client).await;
    assert_is_redirect_to(&response, "/seguridad/dos-pasos/");
    let page = app.get_page("/seguridad/dos-pasos/").await;
    assert!(
        page.contains("Quitar la aplicación de autenticación"),
        "{page}"
    );
    assert!(
        page.contains("seguirán sirviendo como segundo paso"),
        "{page}"
    );
    assert!(
        !page.contains("para entrar bastará la contraseña"),
        "{page}"
    );

    let response = app.post_form("/seguridad/dos-pasos/desactivar/", &[]).await;
    crate::helpers::assert_is_redirect_to(&response, "/seguridad/");
    let centre = app.get_page("/seguridad/").await;
    assert!(
        centre.contains("Se quitó la aplicación de autenticación."),
        "{centre}"
    );
    assert_eq!(codes_left(&app, ana.id), 10, "the codes stay");
    app.wait_for_outbox_drained().await;
    let mails = app.mails_to(&ana.email);
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("Aplicación de autenticación quitada")),
        "{mails:?}"
    );
    assert!(
        !mails
            .iter()
            .any(|m| m.subject.contains("Verificación en dos pasos desactivada")),
        "two-step sign-in is not off"
    );
    let history = app.get_page("/seguridad/").await;
    assert!(
        history.contains("Aplicación de autenticación quitada"),
        "{history}"
    );
    // Without a passkey, the same button turns all of it off, as it says.
    let ids = passkey_ids(&app, ana.id);
    let remove = format!("/seguridad/llaves/{}/eliminar/", ids[0]);
    app.post_form(&remove, &[]).await;
    assert!(passkey_ids(&app, ana.id).is_empty());
    crate::two_step::enable(&app, &app.client).await;
    let page = app.get_page("/seguridad/dos-pasos/").await;
    assert!(
        page.contains("Desactivar la verificación en dos pasos"),
        "{page}"
    );
    assert!(!page.contains("Quitar la aplicación"), "{page}");
}
