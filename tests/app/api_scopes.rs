//! Personal access tokens: made on `/seguridad/tokens/` (behind a recent sign-in), shown
//! once, scoped, revocable, expiring, and refused with 403 naming a missing scope.

use cuentas::db::schema::api_tokens;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::json;

use super::api_support::{Auth, Body, call, me_status};
use super::helpers::{TestApp, body_of, spawn_app, text_at};

/// Makes a token on the page; returns it.
async fn make_token(app: &TestApp, name: &str, scopes: &[&str], expiry: &str) -> String {
    let mut fields = vec![("nombre", name), ("expiracion", expiry)];
    fields.extend(scopes.iter().map(|s| ("scopes", *s)));
    let response = app.post_form("/seguridad/tokens/", &fields).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = body_of(response).await;
    let document = scraper::Html::parse_document(&page);
    text_at(&document, "#new-token").expect("the token is shown")
}

#[tokio::test]
async fn a_personal_token_is_shown_once_stored_as_a_hash_and_opens_its_scopes_only() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let token = make_token(&app, "Móvil", &["perfil:leer"], "30").await;
    assert!(
        token.starts_with("cta_") && token.len() >= 4 + 43,
        "{token}"
    );
    let stored: Vec<String> = app
        .db(|c| api_tokens::table.select(api_tokens::token_hash).load(c))
        .unwrap();
    assert!(!stored.contains(&token));
    let page = app.get_page("/seguridad/tokens/").await;
    assert!(page.contains("Móvil") && !page.contains(&token));

    let me = call(
        &app,
        Method::GET,
        "/api/v1/me",
        Auth::Bearer(&token),
        Body::None,
    )
    .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], user.id);
    let patch = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        Auth::Bearer(&token),
        Body::Json(json!({"first_name": "Ana"})),
    )
    .await;
    assert_eq!(patch.status, 403);
    assert_eq!(patch.problem_type(), "urn:cuentas:problem:scope-missing");
    assert!(
        patch.body["detail"]
            .as_str()
            .unwrap()
            .contains("perfil:escribir")
    );
    for (method, path) in [
        (Method::GET, "/api/v1/team"),
        (Method::GET, "/api/v1/invoice-settings"),
        (Method::DELETE, "/api/v1/me/photo"),
    ] {
        let answer = call(&app, method, path, Auth::Bearer(&token), Body::None).await;
        assert_eq!(answer.status, 403, "{path}");
    }
    // Its use shows on the page.
    let page = app.get_page("/seguridad/tokens/").await;
    assert!(!page.contains("Sin usar"), "the last use is shown");
}

#[tokio::test]
async fn a_revoked_or_expired_personal_token_stops_working() {
    let app = spawn_app().await;
    app.logged_in("admin").await;
    let token = make_token(&app, "Script", &["perfil:leer", "equipo:leer"], "30").await;
    assert_eq!(me_status(&app, &token).await, 200);
    let id: i32 = app
        .db(|c| api_tokens::table.select(api_tokens::id).first(c))
        .unwrap();
    let revoked = app
        .post_form(&format!("/seguridad/tokens/{id}/revocar/"), &[])
        .await;
    assert_eq!(revoked.status().as_u16(), 303);
    assert_eq!(me_status(&app, &token).await, 401);
    assert!(
        app.get_page("/seguridad/tokens/")
            .await
            .contains("Aún no tienes tokens")
    );

    let lasting = make_token(&app, "Otro", &["perfil:leer"], "30").await;
    let forever = make_token(&app, "Siempre", &["perfil:leer"], "none").await;
    app.clock
        .advance(std::time::Duration::from_secs(31 * 24 * 3600));
    assert_eq!(me_status(&app, &lasting).await, 401);
    assert_eq!(me_status(&app, &forever).await, 200);
}

#[tokio::test]
async fn someone_elses_token_cannot_be_revoked() {
    let app = spawn_app().await;
    app.logged_in("admin").await;
    let token = make_token(&app, "Mío", &["perfil:leer"], "90").await;
    let id: i32 = app
        .db(|c| api_tokens::table.select(api_tokens::id).first(c))
        .unwrap();
    let other = app.create_user("beto", "admin").await;
    let client = app.new_logged_in_client(&other).await;
    let answer = app
        .post_form_with(&client, &format!("/seguridad/tokens/{id}/revocar/"), &[])
        .await;
    assert_eq!(answer.status().as_u16(), 404);
    assert_eq!(me_status(&app, &token).await, 200);
}

#[tokio::test]
async fn the_form_refuses_a_missing_name_unknown_scopes_and_other_expiries() {
    let app = spawn_app().await;
    app.logged_in("admin").await;
    for fields in [
        vec![
            ("nombre", ""),
            ("scopes", "perfil:leer"),
            ("expiracion", "30"),
        ],
        vec![("nombre", "x"), ("expiracion", "30")],
        vec![
            ("nombre", "x"),
            ("scopes", "todo:admin"),
            ("expiracion", "30"),
        ],
        vec![
            ("nombre", "x"),
            ("scopes", "perfil:leer"),
            ("expiracion", "7"),
        ],
    ] {
        let response = app.post_form("/seguridad/tokens/", &fields).await;
        assert_eq!(response.status().as_u16(), 422, "{fields:?}");
        let page = body_of(response).await;
        assert!(page.contains("error-summary"), "{fields:?}");
    }
    let count: i64 = app.db(|c| api_tokens::table.count().get_result(c)).unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn the_token_page_needs_a_recent_sign_in() {
    let app = spawn_app().await;
    app.logged_in("admin").await;
    app.clock.advance(std::time::Duration::from_secs(11 * 60));
    let page = app.get("/seguridad/tokens/").await;
    assert_eq!(page.status().as_u16(), 303);
    let refused = app
        .post_form(
            "/seguridad/tokens/",
            &[
                ("nombre", "x"),
                ("scopes", "perfil:leer"),
                ("expiracion", "30"),
            ],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 303);
    assert!(
        refused.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/reautenticar/")
    );
}

#[tokio::test]
async fn cors_headers_only_for_listed_origins() {
    let app = super::helpers::spawn_app_with(|s| {
        s.api_cors_origins = vec!["https://app.example.com".to_owned()];
    })
    .await;
    let listed = app
        .request(
            Method::OPTIONS,
            "/api/v1/me",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "PATCH"),
            ],
        )
        .await;
    assert_eq!(listed.status().as_u16(), 204);
    assert_eq!(
        listed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        listed
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let other = app
        .request(
            Method::GET,
            "/api/v1/me",
            &[("origin", "https://evil.example")],
        )
        .await;
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let plain = spawn_app().await;
    let none = plain
        .request(
            Method::GET,
            "/api/v1/me",
            &[("origin", "https://app.example.com")],
        )
        .await;
    assert!(none.headers().get("access-control-allow-origin").is_none());
}
