//! API sign-in, token rotation and reuse detection, logout, and the ways tokens die.

use cuentas::db::schema::{api_tokens, security_events, users};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::json;

use super::api_support::{Auth, Body, call, call_with, me_status, tokens_for};
use super::helpers::{spawn_app, spawn_app_with};

fn token_request(login: &str, password: &str) -> Body {
    Body::Json(json!({"login": login, "password": password}))
}

#[tokio::test]
async fn a_sign_in_gives_a_bearer_pair_that_opens_the_api_and_sets_no_cookie() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let answer = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        token_request(&user.email, &user.password),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 15 * 60);
    assert!(answer.header("set-cookie").is_none());
    let access = answer.body["access_token"].as_str().unwrap();
    assert!(access.len() >= 43, "256 bits at least");
    let me = call(
        &app,
        Method::GET,
        "/api/v1/me",
        Auth::Bearer(access),
        Body::None,
    )
    .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["username"], "ana");
    assert!(me.header("set-cookie").is_none());
    // Only hashes are stored.
    let stored: Vec<String> = app
        .db(|c| api_tokens::table.select(api_tokens::token_hash).load(c))
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(!stored.iter().any(|h| h == access));
}

#[tokio::test]
async fn wrong_credentials_are_a_401_problem_that_says_how_to_authenticate() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    for (login, password) in [(user.username.as_str(), "wrong"), ("nadie", "whatever")] {
        let answer = call(
            &app,
            Method::POST,
            "/api/v1/auth/token",
            Auth::None,
            token_request(login, password),
        )
        .await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.problem_type(), "urn:cuentas:problem:unauthorized");
        assert!(
            answer
                .header("www-authenticate")
                .unwrap()
                .starts_with("Bearer")
        );
    }
    let empty = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        Body::Json(json!({})),
    )
    .await;
    assert_eq!(empty.status, 422);
    assert!(
        empty
            .field_errors()
            .contains(&("login".into(), "error-required".into()))
    );
}

#[tokio::test]
async fn the_token_endpoint_shares_the_login_throttle() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let mut last = 0;
    for _ in 0..6 {
        last = call(
            &app,
            Method::POST,
            "/api/v1/auth/token",
            Auth::None,
            token_request(&user.username, "wrong"),
        )
        .await
        .status;
    }
    assert_eq!(last, 429);
    let answer = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        token_request(&user.username, &user.password),
    )
    .await;
    assert_eq!(answer.status, 429);
    assert!(answer.header("retry-after").is_some());
}

#[tokio::test]
async fn an_unconfirmed_admin_and_an_account_pending_deletion_get_no_tokens() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    app.set_unverified(user.id, None);
    let answer = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        token_request(&user.username, &user.password),
    )
    .await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.problem_type(),
        "urn:cuentas:problem:email-not-verified"
    );

    let other = app.create_user("beto", "admin").await;
    let later = chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(7);
    app.update_user(
        other.id,
        (
            users::deletion_requested_at.eq(chrono::Utc::now().naive_utc()),
            users::purge_after.eq(later),
        ),
    );
    let answer = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        token_request(&other.username, &other.password),
    )
    .await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.problem_type(),
        "urn:cuentas:problem:pending-deletion"
    );
}

#[tokio::test]
async fn a_refresh_rotates_the_pair_and_a_reused_refresh_token_ends_the_family() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, refresh) = tokens_for(&app, &user).await;
    let refreshed = call(
        &app,
        Method::POST,
        "/api/v1/auth/refresh",
        Auth::None,
        Body::Json(json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(refreshed.status, 200);
    let new_access = refreshed.body["access_token"].as_str().unwrap().to_owned();
    let new_refresh = refreshed.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, refresh);
    assert_eq!(me_status(&app, &new_access).await, 200);
    assert_eq!(
        me_status(&app, &access).await,
        401,
        "the old access token ends"
    );

    // The old refresh token again: someone holds a copy. The whole family ends.
    let reused = call(
        &app,
        Method::POST,
        "/api/v1/auth/refresh",
        Auth::None,
        Body::Json(json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(reused.status, 401);
    assert_eq!(me_status(&app, &new_access).await, 401);
    let after = call(
        &app,
        Method::POST,
        "/api/v1/auth/refresh",
        Auth::None,
        Body::Json(json!({"refresh_token": new_refresh})),
    )
    .await;
    assert_eq!(after.status, 401);
    let events: Vec<String> = app
        .db(|c| {
            security_events::table
                .filter(security_events::user_id.eq(user.id))
                .select(security_events::kind)
                .load(c)
        })
        .unwrap();
    assert!(
        events.iter().any(|k| k == "api_refresh_reused"),
        "{events:?}"
    );
}

#[tokio::test]
async fn forged_and_malformed_refresh_tokens_are_401() {
    let app = spawn_app().await;
    for token in [json!("x"), json!("a".repeat(43)), json!("")] {
        let answer = call(
            &app,
            Method::POST,
            "/api/v1/auth/refresh",
            Auth::None,
            Body::Json(json!({"refresh_token": token})),
        )
        .await;
        assert_eq!(answer.status, 401);
    }
    let wrong_type = call(
        &app,
        Method::POST,
        "/api/v1/auth/refresh",
        Auth::None,
        Body::Json(json!({"refresh_token": 5})),
    )
    .await;
    assert_eq!(wrong_type.status, 422);
    assert_eq!(
        wrong_type.field_errors(),
        vec![(
            "refresh_token".to_owned(),
            "api-error-wrong-type".to_owned()
        )]
    );
}

#[tokio::test]
async fn access_tokens_expire_and_the_refresh_token_outlives_them() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, refresh) = tokens_for(&app, &user).await;
    app.clock.advance(std::time::Duration::from_secs(15 * 60));
    assert_eq!(me_status(&app, &access).await, 401);
    let refreshed = call(
        &app,
        Method::POST,
        "/api/v1/auth/refresh",
        Auth::None,
        Body::Json(json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(refreshed.status, 200);
    // Past the refresh token's 30 days, nothing is left.
    let refresh = refreshed.body["refresh_token"].as_str().unwrap().to_owned();
    app.clock
        .advance(std::time::Duration::from_secs(30 * 24 * 3600));
    let late = call(
        &app,
        Method::POST,
        "/api/v1/auth/refresh",
        Auth::None,
        Body::Json(json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(late.status, 401);
}

#[tokio::test]
async fn the_lifetimes_come_from_the_settings() {
    let app = spawn_app_with(|s| {
        s.api_access_lifetime = std::time::Duration::from_secs(60);
    })
    .await;
    let user = app.create_user("ana", "admin").await;
    let answer = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        token_request(&user.username, &user.password),
    )
    .await;
    assert_eq!(answer.body["expires_in"], 60);
}

#[tokio::test]
async fn logout_ends_the_family() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, refresh) = tokens_for(&app, &user).await;
    let answer = call(
        &app,
        Method::POST,
        "/api/v1/auth/logout",
        Auth::Bearer(&access),
        Body::None,
    )
    .await;
    assert_eq!(answer.status, 204);
    assert_eq!(me_status(&app, &access).await, 401);
    let refreshed = call(
        &app,
        Method::POST,
        "/api/v1/auth/refresh",
        Auth::None,
        Body::Json(json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(refreshed.status, 401);
}

#[tokio::test]
async fn a_password_change_elsewhere_and_no_fui_yo_end_every_token() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    assert_eq!(me_status(&app, &access).await, 200);
    let new = "Otra-Clave-Muy-Larga-77";
    let changed = app
        .change_password_with(&app.client, &user.password, new, new)
        .await;
    assert_eq!(changed.status().as_u16(), 303);
    assert_eq!(me_status(&app, &access).await, 401);

    let other = app.create_user("beto", "admin").await;
    let client = app.new_logged_in_client(&other).await;
    let (access, _) = tokens_for(&app, &other).await;
    let response = app
        .post_form_with(&client, "/seguridad/no-fui-yo/", &[])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(me_status(&app, &access).await, 401);
}

#[tokio::test]
async fn a_token_family_shows_in_the_security_centre_and_ends_there() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let answer = call_with(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        token_request(&user.username, &user.password),
        &[("user-agent", "Inventario Android 2.1")],
    )
    .await;
    let access = answer.body["access_token"].as_str().unwrap().to_owned();
    let page = app.get_page("/seguridad/").await;
    assert!(page.contains("API: Inventario Android 2.1"), "{page}");
    let sessions = call(
        &app,
        Method::GET,
        "/api/v1/me/sessions",
        Auth::Cookie {
            client: &app.client,
            csrf: false,
        },
        Body::None,
    )
    .await;
    assert_eq!(sessions.status, 200);
    let family = sessions
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["device"] == "API: Inventario Android 2.1" && s["current"] == false);
    let id = family.expect("the family is listed")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ended = app
        .post_form(&format!("/seguridad/sesiones/{id}/cerrar/"), &[])
        .await;
    assert_eq!(ended.status().as_u16(), 303);
    assert_eq!(me_status(&app, &access).await, 401);
}

#[tokio::test]
async fn a_bearer_that_is_not_one_is_401_even_with_a_good_cookie() {
    let app = spawn_app().await;
    app.logged_in("admin").await;
    for header in ["Bearer nope", "Basic YTpi", "Bearer", "cta_x"] {
        let answer = call_with(
            &app,
            Method::GET,
            "/api/v1/me",
            Auth::Cookie {
                client: &app.client,
                csrf: false,
            },
            Body::None,
            &[("authorization", header)],
        )
        .await;
        assert_eq!(answer.status, 401, "{header}");
    }
}

#[tokio::test]
async fn with_two_step_on_the_token_needs_the_code_too() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let (_, codes) = super::two_step::enable(&app, &app.client).await;
    let without = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        token_request(&user.username, &user.password),
    )
    .await;
    assert_eq!(without.status, 401);
    assert_eq!(without.problem_type(), "urn:cuentas:problem:code-required");
    let wrong = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        Body::Json(json!({"login": user.username, "password": user.password, "codigo": "000000"})),
    )
    .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(wrong.field_errors()[0].0, "codigo");
    let with = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        Body::Json(json!({"login": user.username, "password": user.password, "codigo": codes[0]})),
    )
    .await;
    assert_eq!(with.status, 200, "{}", with.body);
    // A wrong password with a code is still only a wrong password.
    let guess = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        Body::Json(json!({"login": user.username, "password": "nope", "codigo": codes[1]})),
    )
    .await;
    assert_eq!(guess.status, 401);
    assert_eq!(guess.problem_type(), "urn:cuentas:problem:unauthorized");
}

#[tokio::test]
async fn an_app_code_opens_the_token_endpoint_once() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let (secret, _) = super::two_step::enable(&app, &app.client).await;
    let code = super::two_step::code_at(&app, &secret, 0);
    let with_code =
        || Body::Json(json!({"login": user.username, "password": user.password, "codigo": code}));
    let first = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        with_code(),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let access = first.body["access_token"].as_str().unwrap();
    assert_eq!(me_status(&app, access).await, 200);
    // The same code again (someone who saw it): refused, and no new family.
    let families = app
        .db(|c| {
            api_tokens::table
                .filter(api_tokens::kind.eq("refresh"))
                .count()
                .get_result::<i64>(c)
        })
        .unwrap();
    let replayed = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        with_code(),
    )
    .await;
    assert_eq!(replayed.status, 422);
    assert_eq!(replayed.field_errors()[0].0, "codigo");
    let after = app
        .db(|c| {
            api_tokens::table
                .filter(api_tokens::kind.eq("refresh"))
                .count()
                .get_result::<i64>(c)
        })
        .unwrap();
    assert_eq!(after, families);
}

#[tokio::test]
async fn each_api_sign_in_is_mailed_naming_the_client() {
    let app = spawn_app().await;
    // A browser sign-in first: the account's first sign-in ever is never told.
    let user = app.logged_in("admin").await;
    let seen = app.mails_to(&user.email).len();
    for (round, client) in ["inventario-movil/2.1", "inventario-movil/2.1"]
        .iter()
        .enumerate()
    {
        let answer = call_with(
            &app,
            Method::POST,
            "/api/v1/auth/token",
            Auth::None,
            token_request(&user.username, &user.password),
            &[("user-agent", client)],
        )
        .await;
        assert_eq!(answer.status, 200);
        let mail = app.wait_for_mail_to(&user.email, seen + round).await;
        assert!(mail.subject.contains("Nuevo inicio de sesión"), "{mail:?}");
        let text = mail.text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains("a través de la API con el cliente «inventario-movil/2.1»"),
            "{text}"
        );
        assert!(!text.contains("navegador que no había usado"));
    }
}

#[tokio::test]
async fn bad_bearer_tokens_use_up_no_ones_sign_in_attempts() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    // A bearer token names no account, so a wrong one cannot count against one; and at 256
    // bits a guess is hopeless, so it is refused without writing anything.
    for token in [
        "cta_nope",
        "x",
        &"a".repeat(43),
        &format!("cta_{}", "b".repeat(43)),
    ] {
        assert_eq!(me_status(&app, token).await, 401);
    }
    assert_eq!(app.throttle_attempts(), 0);
    let answer = call(
        &app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        token_request(&user.username, &user.password),
    )
    .await;
    assert_eq!(answer.status, 200);
}
