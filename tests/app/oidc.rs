//! Sign-in with an OpenID Connect provider, against the in-process test provider
//! (`tests/support/oidc_provider.rs`): every branch of the callback, linking and unlinking,
//! the provider's picture, and the ways its answer can be wrong.

use cuentas::db::linked_identities::LinkedIdentity;
use cuentas::db::schema::{linked_identities, security_events, users};
use cuentas::db::users::User;
use diesel::prelude::*;
use reqwest::{Client, Response};

use crate::helpers::{TestApp, assert_is_redirect_to, body_of, new_client, spawn_app_with};
use crate::oidc_provider::{Fault, Person, TestProvider};

/// A provider and an app that uses it (pictures up to 1 MiB).
async fn spawn() -> (TestProvider, TestApp) {
    spawn_with(|_| {}).await
}

async fn spawn_with(
    configure: impl FnOnce(&mut cuentas::config::Settings),
) -> (TestProvider, TestApp) {
    let provider = TestProvider::start().await;
    let settings = provider.settings();
    let app = spawn_app_with(move |s| {
        s.oidc = Some(settings);
        s.max_upload_bytes = 1024 * 1024;
        configure(s);
    })
    .await;
    (provider, app)
}

fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// From `/login/oidc/` (or a link start) through the provider's page: the callback's path and
/// query as the provider wrote it (the app's base URL has another port, so the path is what
/// counts).
async fn approve(app: &TestApp, client: &Client, start: Response) -> String {
    assert_eq!(start.status().as_u16(), 303, "{}", location(&start));
    let authorize = location(&start);
    assert!(authorize.starts_with("http://127.0.0.1:"), "{authorize}");
    let page = reqwest::get(&authorize).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().await.unwrap();
    let href = regex::Regex::new(r#"id="approve" href="([^"]+)""#)
        .unwrap()
        .captures(&page)
        .unwrap()[1]
        .replace("&amp;", "&");
    let url = url::Url::parse(&href).unwrap();
    assert_eq!(url.path(), "/login/oidc/callback/");
    let _ = (app, client);
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

/// The whole sign-in through the provider for `client`: the callback's answer.
async fn sign_in_with(app: &TestApp, client: &Client) -> Response {
    let start = app.get_with_client(client, "/login/oidc/").await;
    let callback = approve(app, client, start).await;
    app.get_with_client(client, &callback).await
}

fn identities(app: &TestApp) -> Vec<LinkedIdentity> {
    app.db(|c| {
        linked_identities::table
            .select(LinkedIdentity::as_select())
            .load(c)
    })
    .unwrap()
}

fn kinds(app: &TestApp, user_id: i32) -> Vec<String> {
    app.db(|c| {
        security_events::table
            .filter(security_events::user_id.eq(user_id))
            .order(security_events::id.asc())
            .select(security_events::kind)
            .load(c)
    })
    .unwrap()
}

fn user_count(app: &TestApp) -> i64 {
    app.db(|c| users::table.count().get_result(c)).unwrap()
}

fn dora() -> Person {
    Person::new("sub-dora", "dora@example.com")
}

#[tokio::test]
async fn the_button_shows_on_sign_in_and_sign_up_when_the_provider_is_discovered() {
    let (_provider, app) = spawn().await;
    for path in ["/login/", "/registro/"] {
        let page = app.get_page(path).await;
        assert!(page.contains("Entrar con Google"), "{path}");
        assert!(page.contains(r#"href="/login/oidc/""#), "{path}");
    }
}

#[tokio::test]
async fn without_configuration_there_is_no_button_and_no_route() {
    let app = crate::helpers::spawn_app().await;
    assert!(!app.get_page("/login/").await.contains("/login/oidc/"));
    assert_eq!(app.status_of("/login/oidc/").await, 404);
    assert_eq!(
        app.status_of("/login/oidc/callback/?code=x&state=y").await,
        404
    );
}

#[tokio::test]
async fn an_issuer_that_is_down_hides_the_button_and_the_start_says_so() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let provider = TestProvider::start().await;
    let mut settings = provider.settings();
    settings.issuer = format!("http://127.0.0.1:{port}");
    let app = spawn_app_with(move |s| s.oidc = Some(settings)).await;
    assert!(!app.get_page("/login/").await.contains("/login/oidc/"));
    assert_is_redirect_to(&app.get("/login/oidc/").await, "/login/");
    assert!(
        app.get_page("/login/")
            .await
            .contains("Ahora no se puede entrar con el proveedor")
    );
}

#[tokio::test]
async fn discovery_is_retried_and_the_button_shows_once_the_issuer_is_up() {
    let provider = TestProvider::start().await;
    provider.set_fault(Some(Fault::IssuerDown));
    let mut settings = provider.settings();
    settings.discovery_retry = std::time::Duration::from_millis(100);
    let app = spawn_app_with(move |s| s.oidc = Some(settings)).await;
    assert!(!app.get_page("/login/").await.contains("/login/oidc/"));
    provider.set_fault(None);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !app.get_page("/login/").await.contains("/login/oidc/") {
        assert!(
            std::time::Instant::now() < deadline,
            "still no button 10 s after the issuer came up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    provider.sign_in_as(dora());
    assert_is_redirect_to(&sign_in_with(&app, &new_client()).await, "/dashboard/");
}

#[tokio::test]
async fn a_new_verified_address_creates_a_confirmed_admin_signed_in_with_the_photo() {
    let (provider, app) = spawn().await;
    provider.sign_in_as(Person {
        picture: Some("/picture.png".into()),
        ..dora()
    });
    let response = sign_in_with(&app, &app.client).await;
    assert_is_redirect_to(&response, "/dashboard/");
    let user = app.user_by_email("dora@example.com").expect("created");
    assert_eq!(user.username, "dora");
    assert!(user.email_verified);
    assert_eq!(
        (user.first_name.as_str(), user.last_name.as_str()),
        ("Dora", "Explora")
    );
    assert_eq!(user.role.as_str(), "admin");
    assert_eq!(
        user.google_photo_url.as_deref(),
        Some(provider.url("/picture.png").as_str())
    );
    let photo = user.google_photo_path.clone().expect("picture stored");
    let page = app.get_page("/dashboard/").await;
    assert!(page.contains(&format!("/media/{photo}")), "{page}");
    assert_eq!(app.status_of(&format!("/media/{photo}")).await, 200);
    let linked = identities(&app);
    assert_eq!(linked.len(), 1);
    assert_eq!(
        (linked[0].issuer.as_str(), linked[0].subject.as_str()),
        (provider.issuer.as_str(), "sub-dora")
    );
    let kinds = kinds(&app, user.id);
    for kind in ["signed_up", "identity_linked", "signed_in"] {
        assert!(kinds.contains(&kind.to_owned()), "{kinds:?}");
    }
    // No password works for it.
    let login = app.login_with(&new_client(), "dora", "").await;
    assert_eq!(login.status().as_u16(), 422);
}

#[tokio::test]
async fn the_username_is_made_unique_and_the_second_sign_in_finds_the_same_account() {
    let (provider, app) = spawn().await;
    app.create_user("dora", "admin").await;
    provider.sign_in_as(Person::new("sub-x", "dora@otro.example"));
    assert_is_redirect_to(&sign_in_with(&app, &app.client).await, "/dashboard/");
    let user = app.user_by_email("dora@otro.example").unwrap();
    assert_eq!(user.username, "dora2");
    // Again, from another browser: the same account, nothing new.
    let other = new_client();
    assert_is_redirect_to(&sign_in_with(&app, &other).await, "/dashboard/");
    assert_eq!(user_count(&app), 2);
    assert_eq!(identities(&app).len(), 1);
}

#[tokio::test]
async fn a_provider_sign_in_from_a_new_browser_mails_the_owner_and_is_in_the_history() {
    let (provider, app) = spawn().await;
    provider.sign_in_as(dora());
    assert_is_redirect_to(&sign_in_with(&app, &app.client).await, "/dashboard/");
    app.wait_for_outbox_drained().await;
    assert!(
        app.mails_to("dora@example.com").is_empty(),
        "the first sign-in is no news"
    );
    assert_is_redirect_to(&sign_in_with(&app, &new_client()).await, "/dashboard/");
    let mail = app.wait_for_mail_to("dora@example.com", 0).await;
    assert!(
        mail.subject.contains("Nuevo inicio de sesión"),
        "{}",
        mail.subject
    );
    let user = app.user_by_email("dora@example.com").unwrap();
    let details: Vec<String> = app
        .db(|c| {
            security_events::table
                .filter(security_events::user_id.eq(user.id))
                .filter(security_events::kind.eq("signed_in"))
                .select(security_events::details)
                .load(c)
        })
        .unwrap();
    assert_eq!(details.len(), 2);
    assert!(
        details.iter().all(|d| d.contains(&provider.issuer)),
        "{details:?}"
    );
    let history = app.get_page("/seguridad/").await;
    assert!(
        history.contains("Cuenta de un proveedor vinculada"),
        "{history}"
    );
}

#[tokio::test]
async fn with_sign_up_off_a_new_address_gets_a_clear_page_and_nothing_is_created() {
    let (provider, app) = spawn_with(|s| s.signup_enabled = false).await;
    provider.sign_in_as(dora());
    let response = sign_in_with(&app, &app.client).await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(
        body_of(response)
            .await
            .contains("el registro de cuentas nuevas está cerrado")
    );
    assert_eq!(user_count(&app), 0);
}

#[tokio::test]
async fn an_unverified_provider_address_never_signs_in_links_or_creates() {
    let (provider, app) = spawn().await;
    let ana = app.create_user("ana", "admin").await;
    for email in ["nueva@example.com", ana.email.as_str()] {
        provider.sign_in_as(Person {
            email_verified: false,
            ..Person::new("sub-u", email)
        });
        let client = new_client();
        let response = sign_in_with(&app, &client).await;
        assert_eq!(response.status().as_u16(), 403);
        assert!(body_of(response).await.contains("no confirma tu dirección"));
    }
    assert_eq!(user_count(&app), 1);
    assert!(identities(&app).is_empty());
    // And no password sign-in afterwards links it.
    app.log_in_with(&app.client, &ana).await;
    assert!(identities(&app).is_empty());
}

#[tokio::test]
async fn an_existing_address_links_only_after_the_owner_signs_in_with_the_password() {
    let (provider, app) = spawn().await;
    let ana = app.create_user("ana", "admin").await;
    provider.sign_in_as(Person::new("sub-ana", &ana.email));
    let response = sign_in_with(&app, &app.client).await;
    assert_is_redirect_to(&response, "/login/");
    assert!(
        app.get_page("/login/")
            .await
            .contains("Entra una vez con tu contraseña")
    );
    assert!(identities(&app).is_empty());
    assert!(app.live_session_ids().is_empty());
    // A wrong password links nothing; the right one links it.
    assert_eq!(
        app.login("ana", "wrong-password").await.status().as_u16(),
        422
    );
    assert!(identities(&app).is_empty());
    app.log_in_with(&app.client, &ana).await;
    let linked = identities(&app);
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].user_id, ana.id);
    assert!(kinds(&app, ana.id).contains(&"identity_linked".to_owned()));
    // From now on the provider signs in to that account.
    let other = new_client();
    assert_is_redirect_to(&sign_in_with(&app, &other).await, "/dashboard/");
    assert!(
        app.get_page_with(&other, "/perfil/")
            .await
            .contains("ana@example.com")
    );
}

#[tokio::test]
async fn a_pending_link_is_for_that_account_only() {
    let (provider, app) = spawn().await;
    let ana = app.create_user("ana", "admin").await;
    let bea = app.create_user("bea", "admin").await;
    provider.sign_in_as(Person::new("sub-ana", &ana.email));
    assert_is_redirect_to(&sign_in_with(&app, &app.client).await, "/login/");
    app.log_in_with(&app.client, &bea).await;
    assert!(identities(&app).is_empty());
}

/// `ana`'s address at the provider, not linked yet, in a fresh browser: the provider holds it
/// for her password; the password leads to the second step, where nothing is linked yet.
async fn waiting_for_the_second_step(
    app: &TestApp,
    provider: &TestProvider,
    ana: &crate::helpers::TestUser,
) -> Client {
    provider.sign_in_as(Person::new("sub-ana", &ana.email));
    let client = new_client();
    assert_is_redirect_to(&sign_in_with(app, &client).await, "/login/");
    let response = app.login_with(&client, &ana.username, &ana.password).await;
    assert_is_redirect_to(&response, "/login/dos-pasos/");
    assert!(identities(app).is_empty(), "linked before the second step");
    client
}

/// The identity waiting for `ana` is linked now, and the history says so.
async fn assert_linked_to(app: &TestApp, client: &Client, ana: &crate::helpers::TestUser) {
    let linked = identities(app);
    assert_eq!(linked.len(), 1);
    assert_eq!(
        (linked[0].user_id, linked[0].subject.as_str()),
        (ana.id, "sub-ana")
    );
    assert!(kinds(app, ana.id).contains(&"identity_linked".to_owned()));
    let page = app.get_page_with(client, "/dashboard/").await;
    assert!(page.contains("Cuenta del proveedor vinculada"), "{page}");
}

#[tokio::test]
async fn a_link_waits_for_the_code_of_the_second_step() {
    let (provider, app) = spawn().await;
    let ana = app.create_user("ana", "admin").await;
    let (secret, _) = crate::two_step::enable(&app, &app.new_logged_in_client(&ana).await).await;
    let client = waiting_for_the_second_step(&app, &provider, &ana).await;
    let code = crate::two_step::code_at(&app, &secret, 0);
    let passed = app
        .post_form_with(&client, "/login/dos-pasos/", &[("codigo", &code)])
        .await;
    assert_is_redirect_to(&passed, "/dashboard/");
    assert_linked_to(&app, &client, &ana).await;
}

#[tokio::test]
async fn a_link_waits_for_a_passkey_as_the_second_step() {
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    let (provider, app) = spawn_with(|s| {
        s.base_url = url::Url::parse("http://localhost/").unwrap();
    })
    .await;
    let ana = app.create_user("ana", "admin").await;
    app.log_in_with(&app.client, &ana).await;
    let mut authenticator = webauthn_authenticator_rs::softpasskey::SoftPasskey::new(true);
    crate::passkeys::register(&app, &app.client, &mut authenticator, "Teléfono").await;
    let client = waiting_for_the_second_step(&app, &provider, &ana).await;
    let options = crate::passkeys::second_step_options(&app, &client).await;
    let credential = authenticator
        .do_authentication(
            crate::passkeys::origin(),
            serde_json::from_value(options).unwrap(),
        )
        .unwrap();
    let answer = serde_json::to_value(&credential).unwrap();
    let (status, value) = crate::passkeys::sign_in(&app, &client, &answer).await;
    assert_eq!(status, 200, "{value}");
    assert_eq!(value["redirect"], "/dashboard/");
    assert_linked_to(&app, &client, &ana).await;
}

#[tokio::test]
async fn a_waiting_link_needs_the_password_not_another_provider_sign_in() {
    let (provider, app) = spawn().await;
    let (ana, secret, client) = a_link_waiting_beside_a_linked_identity(&provider, &app).await;
    // ...but she signs in with the linked one and its second step instead.
    provider.sign_in_as(Person::new("sub-work", &ana.email));
    assert_is_redirect_to(&sign_in_with(&app, &client).await, "/login/dos-pasos/");
    let code = crate::two_step::code_at(&app, &secret, 0);
    let passed = app
        .post_form_with(&client, "/login/dos-pasos/", &[("codigo", &code)])
        .await;
    assert_is_redirect_to(&passed, "/dashboard/");
    assert_only_the_linked_identity(&app);
}

/// Ana with two-step sign-in on and a linked identity (`sub-work`), and a browser in which a
/// second identity with her address (`sub-ana`) waits for her password to be linked. Returns
/// her, her app's secret and that browser.
async fn a_link_waiting_beside_a_linked_identity(
    provider: &TestProvider,
    app: &TestApp,
) -> (crate::helpers::TestUser, String, Client) {
    let ana = app.create_user("ana", "admin").await;
    let (secret, _) = crate::two_step::enable(app, &app.new_logged_in_client(&ana).await).await;
    let now = chrono::Utc::now().naive_utc();
    app.db(|c| LinkedIdentity::link(c, ana.id, &provider.issuer, "sub-work", &ana.email, now))
        .unwrap();
    // A second identity with her address waits for her password...
    provider.sign_in_as(Person::new("sub-ana", &ana.email));
    let client = new_client();
    assert_is_redirect_to(&sign_in_with(app, &client).await, "/login/");
    (ana, secret, client)
}

/// Only `sub-work`, linked before the test, is linked.
fn assert_only_the_linked_identity(app: &TestApp) {
    let linked = identities(app);
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].subject, "sub-work");
}

#[tokio::test]
async fn a_known_identity_with_two_step_goes_to_the_second_step() {
    let (provider, app) = spawn().await;
    let ana = app.create_user("ana", "admin").await;
    let client = app.new_logged_in_client(&ana).await;
    let (secret, _) = crate::two_step::enable(&app, &client).await;
    // Whole seconds: PostgreSQL keeps microseconds, and the value is compared after a trip.
    let a_day_ago = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() - 86_400, 0)
        .unwrap()
        .naive_utc();
    app.db(|c| {
        LinkedIdentity::link(
            c,
            ana.id,
            &provider.issuer,
            "sub-ana",
            &ana.email,
            a_day_ago,
        )
    })
    .unwrap();
    provider.sign_in_as(Person {
        picture: Some("/picture.png".into()),
        ..Person::new("sub-ana", &ana.email)
    });
    let other = new_client();
    let response = sign_in_with(&app, &other).await;
    assert_is_redirect_to(&response, "/login/dos-pasos/");
    assert_is_redirect_to(
        &app.get_with_client(&other, "/dashboard/").await,
        "/login/?next=%2Fdashboard%2F",
    );
    // The provider alone changed nothing: no picture, the identity not used yet.
    let waiting = app.user(ana.id);
    assert_eq!(
        (waiting.google_photo_url, waiting.google_photo_path),
        (None, None)
    );
    assert_eq!(identities(&app)[0].last_used_at, a_day_ago);
    // The code finishes it; the history says the provider was the first step.
    let code = crate::two_step::code_at(&app, &secret, 0);
    let passed = app
        .post_form_with(&other, "/login/dos-pasos/", &[("codigo", &code)])
        .await;
    assert_is_redirect_to(&passed, "/dashboard/");
    let signed_in = app.user(ana.id);
    assert_eq!(
        signed_in.google_photo_url.as_deref(),
        Some(provider.url("/picture.png").as_str())
    );
    assert!(signed_in.google_photo_path.is_some());
    assert!(identities(&app)[0].last_used_at > a_day_ago);
    let last: String = app
        .db(|c| {
            security_events::table
                .filter(security_events::user_id.eq(ana.id))
                .filter(security_events::kind.eq("signed_in"))
                .order(security_events::id.desc())
                .select(security_events::details)
                .first(c)
        })
        .unwrap();
    assert!(last.contains("\"second_step\":true"), "{last}");
    assert!(last.contains(&provider.issuer), "{last}");
}

#[tokio::test]
async fn a_known_identity_of_an_inactive_or_deleted_account_does_not_sign_in() {
    let (provider, app) = spawn().await;
    let ana = app.create_user("ana", "admin").await;
    let now = chrono::Utc::now().naive_utc();
    app.db(|c| LinkedIdentity::link(c, ana.id, &provider.issuer, "sub-ana", &ana.email, now))
        .unwrap();
    provider.sign_in_as(Person::new("sub-ana", &ana.email));
    app.update_user(ana.id, users::is_active.eq(false));
    assert_is_redirect_to(&sign_in_with(&app, &new_client()).await, "/login/");
    app.update_user(
        ana.id,
        (
            users::is_active.eq(true),
            users::purge_after.eq(Some(now + chrono::TimeDelta::days(3))),
            users::deletion_requested_at.eq(Some(now)),
        ),
    );
    // Pending deletion: the same page as after the password, with the restore button.
    let client = new_client();
    let response = sign_in_with(&app, &client).await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(
        body_of(response)
            .await
            .contains(r#"action="/cuenta/restaurar/""#)
    );
    assert!(app.live_session_ids().is_empty());
    let restored = app.post_form_with(&client, "/cuenta/restaurar/", &[]).await;
    assert_is_redirect_to(&restored, "/dashboard/");
    assert_eq!(app.user(ana.id).purge_after, None);
}

#[tokio::test]
async fn a_restore_begun_at_the_provider_does_not_complete_a_waiting_link() {
    let (provider, app) = spawn().await;
    let (ana, secret, client) = a_link_waiting_beside_a_linked_identity(&provider, &app).await;
    let now = chrono::Utc::now().naive_utc();
    app.update_user(
        ana.id,
        (
            users::purge_after.eq(Some(now + chrono::TimeDelta::days(3))),
            users::deletion_requested_at.eq(Some(now)),
        ),
    );
    // ...but the linked one arrives instead, and the account is restored and entered with
    // the second step: no password was typed, so nothing is linked.
    provider.sign_in_as(Person::new("sub-work", &ana.email));
    assert_eq!(sign_in_with(&app, &client).await.status().as_u16(), 403);
    let restored = app.post_form_with(&client, "/cuenta/restaurar/", &[]).await;
    assert_is_redirect_to(&restored, "/login/dos-pasos/");
    let code = crate::two_step::code_at(&app, &secret, 0);
    let passed = app
        .post_form_with(&client, "/login/dos-pasos/", &[("codigo", &code)])
        .await;
    assert_is_redirect_to(&passed, "/dashboard/");
    assert_eq!(app.user(ana.id).purge_after, None);
    assert_only_the_linked_identity(&app);
}

#[tokio::test]
async fn a_forced_password_change_still_holds_after_a_provider_sign_in() {
    let (provider, app) = spawn().await;
    let ana = app.create_user("ana", "admin").await;
    let now = chrono::Utc::now().naive_utc();
    app.db(|c| LinkedIdentity::link(c, ana.id, &provider.issuer, "sub-ana", &ana.email, now))
        .unwrap();
    app.require_password_change(ana.id);
    provider.sign_in_as(Person::new("sub-ana", &ana.email));
    assert_is_redirect_to(&sign_in_with(&app, &app.client).await, "/dashboard/");
    assert_is_redirect_to(&app.get("/dashboard/").await, "/cambiar-password/");
}

/// A callback that must fail: 400 page, no session, nothing created.
async fn assert_refused(app: &TestApp, client: &Client, path: &str) {
    let response = app.get_with_client(client, path).await;
    assert_eq!(response.status().as_u16(), 400, "{path}");
    assert!(
        body_of(response)
            .await
            .contains("No se pudo iniciar sesión")
    );
    assert!(app.live_session_ids().is_empty());
    assert_eq!(user_count(app), 0);
}

#[tokio::test]
async fn a_wrong_or_missing_state_and_a_replayed_code_are_refused() {
    let (provider, app) = spawn().await;
    provider.sign_in_as(dora());
    let start = app.get("/login/oidc/").await;
    let callback = approve(&app, &app.client, start).await;
    let forged = regex::Regex::new(r"state=[^&]+")
        .unwrap()
        .replace(&callback, "state=forged")
        .into_owned();
    assert_refused(&app, &app.client, &forged).await;
    // The flow was spent by the wrong state: the right one no longer works either.
    assert_refused(&app, &app.client, &callback).await;
    assert_eq!(provider.token_requests(), 0);
    // No flow at all (another browser), nonsense input.
    for path in [
        "/login/oidc/callback/",
        "/login/oidc/callback/?code=&state=",
        "/login/oidc/callback/?error=access_denied",
    ] {
        assert_refused(&app, &new_client(), path).await;
    }
    // A code used once does not work in another browser's flow either (its PKCE verifier
    // differs; the true replay, with the flow it was made for, is the next test).
    let start = app.get("/login/oidc/").await;
    let callback = approve(&app, &app.client, start).await;
    assert_is_redirect_to(&app.get(&callback).await, "/dashboard/");
    let replay = new_client();
    let start = app.get_with_client(&replay, "/login/oidc/").await;
    let fresh = approve(&app, &replay, start).await;
    let state = regex::Regex::new(r"state=([^&]+)")
        .unwrap()
        .captures(&fresh)
        .unwrap()[1]
        .to_owned();
    let code = regex::Regex::new(r"code=([^&]+)")
        .unwrap()
        .captures(&callback)
        .unwrap()[1]
        .to_owned();
    let response = app
        .get_with_client(
            &replay,
            &format!("/login/oidc/callback/?code={code}&state={state}"),
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
}

/// The cookies a response sets, as a `Cookie` header.
fn cookies_set_by(response: &Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn a_callback_replayed_with_the_cookie_of_its_flow_is_refused() {
    let (provider, app) = spawn().await;
    provider.sign_in_as(dora());
    // A browser that keeps its cookies by hand, to send the one from before the callback twice.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let start = browser.get(app.url("/login/oidc/")).send().await.unwrap();
    let with_flow = cookies_set_by(&start);
    assert!(!with_flow.is_empty());
    let callback = approve(&app, &browser, start).await;
    let send = || {
        browser
            .get(app.url(&callback))
            .header("cookie", &with_flow)
            .send()
    };
    assert_is_redirect_to(&send().await.unwrap(), "/dashboard/");
    let sessions = || -> i64 {
        use cuentas::db::schema::user_sessions;
        app.db(|c| user_sessions::table.count().get_result(c))
            .unwrap()
    };
    assert_eq!((sessions(), provider.token_requests()), (1, 1));
    // The old cookie still holds the flow (state, nonce, PKCE verifier all match): the code
    // goes to the provider again, which refuses it as spent, and nothing starts.
    let replay = send().await.unwrap();
    assert_eq!(replay.status().as_u16(), 400);
    assert!(body_of(replay).await.contains("No se pudo iniciar sesión"));
    assert_eq!((sessions(), provider.token_requests()), (1, 2));
    assert_eq!(user_count(&app), 1);
}

#[tokio::test]
async fn id_tokens_that_fail_verification_sign_nobody_in() {
    let (provider, app) = spawn().await;
    provider.sign_in_as(dora());
    for fault in [
        Fault::WrongAudience,
        Fault::WrongIssuer,
        Fault::Expired,
        Fault::BadSignature,
        Fault::Unsigned,
        Fault::WrongNonce,
        Fault::TokenEndpointDown,
    ] {
        provider.set_fault(Some(fault));
        let client = new_client();
        let start = app.get_with_client(&client, "/login/oidc/").await;
        let callback = approve(&app, &client, start).await;
        assert_refused(&app, &client, &callback).await;
        let _ = fault;
    }
    provider.set_fault(None);
    assert_is_redirect_to(&sign_in_with(&app, &new_client()).await, "/dashboard/");
}

#[tokio::test]
async fn a_token_endpoint_that_redirects_to_another_host_is_not_followed() {
    let (provider, app) = spawn().await;
    provider.sign_in_as(dora());
    provider.set_fault(Some(Fault::TokenRedirectsElsewhere));
    let client = new_client();
    let start = app.get_with_client(&client, "/login/oidc/").await;
    let callback = approve(&app, &client, start).await;
    assert_refused(&app, &client, &callback).await;
    assert_eq!(provider.token_requests(), 1);
    assert_eq!(provider.elsewhere_requests(), 0);
}

#[tokio::test]
async fn the_callback_of_a_link_needs_the_same_user_still_signed_in() {
    let (provider, app) = spawn().await;
    let ana = app.create_user("ana", "admin").await;
    app.log_in_with(&app.client, &ana).await;
    provider.sign_in_as(Person::new("sub-ana", "ana.personal@example.com"));
    let start = app.post_form("/seguridad/identidades/vincular/", &[]).await;
    let callback = approve(&app, &app.client, start).await;
    app.post_form("/logout/", &[]).await;
    assert_eq!(app.get(&callback).await.status().as_u16(), 400);
    assert!(identities(&app).is_empty());
}

#[tokio::test]
async fn a_signed_in_user_links_and_unlinks_from_the_security_page() {
    let (provider, app) = spawn().await;
    let ana = app.create_user("ana", "admin").await;
    app.log_in_with(&app.client, &ana).await;
    let page = app.get_page("/seguridad/").await;
    assert!(page.contains("Vincular Google"), "{page}");
    // Without the CSRF token nothing starts.
    let bare = app
        .client
        .post(app.url("/seguridad/identidades/vincular/"))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status().as_u16(), 403);
    // Any other address works for linking (the person is signed in).
    provider.sign_in_as(Person::new("sub-ana", "ana.personal@example.com"));
    let start = app.post_form("/seguridad/identidades/vincular/", &[]).await;
    let callback = approve(&app, &app.client, start).await;
    assert_is_redirect_to(&app.get(&callback).await, "/seguridad/");
    let page = app.get_page("/seguridad/").await;
    assert!(page.contains("ana.personal@example.com"), "{page}");
    let linked = identities(&app);
    assert_eq!(linked.len(), 1);
    // Someone else's or an unknown id: 404, nothing removed.
    let bea = app.create_user("bea", "admin").await;
    let bea_client = app.new_logged_in_client(&bea).await;
    let path = format!("/seguridad/identidades/{}/desvincular/", linked[0].id);
    assert_eq!(
        app.post_form_with(&bea_client, &path, &[])
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.post_form("/seguridad/identidades/999999/desvincular/", &[])
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.post_form("/seguridad/identidades/nope/desvincular/", &[])
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(identities(&app).len(), 1);
    // Ana has a password: unlinking is allowed.
    assert_is_redirect_to(&app.post_form(&path, &[]).await, "/seguridad/");
    assert!(identities(&app).is_empty());
    let kinds = kinds(&app, ana.id);
    assert!(
        kinds.contains(&"identity_linked".to_owned())
            && kinds.contains(&"identity_unlinked".to_owned())
    );
}

#[tokio::test]
async fn linking_an_identity_of_another_account_changes_nothing() {
    let (provider, app) = spawn().await;
    provider.sign_in_as(dora());
    assert_is_redirect_to(&sign_in_with(&app, &new_client()).await, "/dashboard/");
    let ana = app.create_user("ana", "admin").await;
    app.log_in_with(&app.client, &ana).await;
    let start = app.post_form("/seguridad/identidades/vincular/", &[]).await;
    let callback = approve(&app, &app.client, start).await;
    assert_is_redirect_to(&app.get(&callback).await, "/seguridad/");
    assert!(
        app.get_page("/seguridad/")
            .await
            .contains("vinculada a otra cuenta")
    );
    let linked = identities(&app);
    assert_eq!(linked.len(), 1);
    assert_ne!(linked[0].user_id, ana.id);
}

#[tokio::test]
async fn the_only_way_in_cannot_be_unlinked() {
    let (provider, app) = spawn().await;
    provider.sign_in_as(dora());
    assert_is_redirect_to(&sign_in_with(&app, &app.client).await, "/dashboard/");
    let linked = identities(&app);
    let path = format!("/seguridad/identidades/{}/desvincular/", linked[0].id);
    assert_is_redirect_to(&app.post_form(&path, &[]).await, "/seguridad/");
    assert!(
        app.get_page("/seguridad/")
            .await
            .contains("es tu única forma de entrar")
    );
    assert_eq!(identities(&app).len(), 1);
}

/// Dora signs up through the provider with `picture`; her account afterwards.
async fn picture_after(provider: &TestProvider, app: &TestApp, picture: &str) -> User {
    picture_of(provider, app, dora(), picture).await
}

/// `person` signs in through the provider with `picture`; their account afterwards.
async fn picture_of(provider: &TestProvider, app: &TestApp, person: Person, picture: &str) -> User {
    let email = person.email.clone().unwrap();
    provider.sign_in_as(Person {
        picture: Some(picture.to_owned()),
        ..person
    });
    assert_is_redirect_to(&sign_in_with(app, &new_client()).await, "/dashboard/");
    app.user_by_email(&email).unwrap()
}

#[tokio::test]
async fn pictures_come_only_from_allowed_hosts_within_the_limit_and_as_images() {
    let (provider, app) = spawn().await;
    for (n, picture) in [
        "/big.png",
        "/not-an-image",
        "/other-host-redirect",
        "https://127.0.0.1:1/picture.png",
        "ftp://127.0.0.1/picture.png",
    ]
    .into_iter()
    .enumerate()
    {
        let person = Person::new(&format!("sub-{n}"), &format!("p{n}@example.com"));
        let user = picture_of(&provider, &app, person, picture).await;
        assert_eq!(user.google_photo_path, None, "{picture}");
        assert_eq!(user.google_photo_url, None, "{picture}");
    }
    // A host not in CUENTAS_OIDC_PICTURE_HOSTS.
    let (provider, app) = spawn_with(|s| {
        if let Some(oidc) = s.oidc.as_mut() {
            oidc.picture_hosts = vec!["lh3.googleusercontent.com".into()];
        }
    })
    .await;
    assert_eq!(
        picture_after(&provider, &app, "/picture.png")
            .await
            .google_photo_path,
        None
    );
}

#[tokio::test]
async fn plain_http_needs_the_test_switch() {
    let (_provider, app) = spawn_with(|s| {
        if let Some(oidc) = s.oidc.as_mut() {
            oidc.allow_http = false;
        }
    })
    .await;
    assert!(
        !app.get_page("/login/").await.contains("/login/oidc/"),
        "an http issuer is not discovered"
    );
    assert_is_redirect_to(&app.get("/login/oidc/").await, "/login/");
}

#[tokio::test]
async fn a_redirect_on_the_same_host_is_followed() {
    let (provider, app) = spawn().await;
    let user = picture_after(&provider, &app, "/same-host-redirect").await;
    assert!(user.google_photo_path.is_some());
}

#[tokio::test]
async fn a_failed_fetch_keeps_the_picture_there_was_and_the_upload_wins_over_it() {
    let (provider, app) = spawn().await;
    let first = picture_after(&provider, &app, "/picture.png").await;
    let stored = first.google_photo_path.clone().unwrap();
    let user = picture_after(&provider, &app, "/not-an-image").await;
    assert_eq!(user.google_photo_path.as_deref(), Some(stored.as_str()));
    assert_eq!(user.google_photo_url, first.google_photo_url);
    // An uploaded photo shows first; removing it falls back to the provider's.
    let uploaded = "fotos_perfil/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB.jpg";
    app.update_user(user.id, users::photo_path.eq(Some(uploaded)));
    let client = new_client();
    assert_is_redirect_to(&sign_in_with(&app, &client).await, "/dashboard/");
    assert!(
        app.get_page_with(&client, "/dashboard/")
            .await
            .contains(uploaded)
    );
    assert_is_redirect_to(
        &app.post_form_with(&client, "/perfil/foto/eliminar/", &[])
            .await,
        "/perfil/",
    );
    let page = app.get_page_with(&client, "/perfil/").await;
    assert!(page.contains(&format!("/media/{stored}")), "{page}");
}

#[tokio::test]
async fn a_picture_that_failed_is_fetched_again_at_the_next_sign_in() {
    let (provider, app) = spawn().await;
    let first = picture_after(&provider, &app, "/picture.png").await;
    // The new picture fails: the URL stays the one the stored file came from...
    let failed = picture_after(&provider, &app, "/flaky.png").await;
    assert_eq!(failed.google_photo_url, first.google_photo_url);
    assert_eq!(failed.google_photo_path, first.google_photo_path);
    // ...so the next sign-in knows to try it again.
    let fetched = picture_after(&provider, &app, "/flaky.png").await;
    assert_eq!(
        fetched.google_photo_url.as_deref(),
        Some(provider.url("/flaky.png").as_str())
    );
    assert!(fetched.google_photo_path.is_some());
    assert_ne!(fetched.google_photo_path, first.google_photo_path);
}

#[tokio::test]
async fn the_provider_pages_are_plain_and_nothing_loads_from_the_provider() {
    let (provider, app) = spawn().await;
    provider.sign_in_as(Person {
        picture: Some("/picture.png".into()),
        ..dora()
    });
    assert_is_redirect_to(&sign_in_with(&app, &app.client).await, "/dashboard/");
    let page = app.get_page("/perfil/").await;
    assert!(
        !page.contains(&provider.issuer),
        "the browser never loads from the provider"
    );
}

#[tokio::test]
async fn every_provider_page_is_valid_html5() {
    let Some(jar) = crate::html::checker() else {
        return;
    };
    let (provider, app) = spawn_with(|s| s.signup_enabled = false).await;
    let mut pages = vec![
        ("login with the button", app.get_page("/login/").await),
        ("sign-up with the button", app.get_page("/registro/").await),
        (
            "provider failed",
            app.get_page("/login/oidc/callback/").await,
        ),
    ];
    provider.sign_in_as(dora());
    pages.push((
        "sign-up closed",
        body_of(sign_in_with(&app, &new_client()).await).await,
    ));
    let ana = app.create_user("ana", "admin").await;
    app.log_in_with(&app.client, &ana).await;
    pages.push(("security without links", app.get_page("/seguridad/").await));
    provider.sign_in_as(Person::new("sub-ana", &ana.email));
    let start = app.post_form("/seguridad/identidades/vincular/", &[]).await;
    let callback = approve(&app, &app.client, start).await;
    app.get(&callback).await;
    pages.push(("security with a link", app.get_page("/seguridad/").await));
    crate::html::assert_valid(&jar, pages);
}
