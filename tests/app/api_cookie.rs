//! The API's writes with the browser's session cookie instead of a bearer token: each one
//! needs the CSRF token (`X-CSRF-Token`), refuses without it and changes nothing, and with it
//! does what the bearer token does.

use std::io::Cursor;

use cuentas::db::schema::users;
use diesel::prelude::*;
use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::{Client, Method};
use serde_json::json;

use super::api_support::{ApiAnswer, Auth, Body, call};
use super::helpers::{TestApp, spawn_app};

fn png() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(RgbImage::new(64, 64))
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// Sends the same request twice with `client`'s cookie: first without the CSRF token, which
/// must be refused with 403 and leave `unchanged()` true, then with it.
async fn without_then_with_csrf<F: Future<Output = bool>>(
    app: &TestApp,
    client: &Client,
    (method, path): (Method, &str),
    body: impl Fn() -> Body,
    unchanged: impl Fn() -> F,
) -> ApiAnswer {
    let refused = call(
        app,
        method.clone(),
        path,
        Auth::Cookie {
            client,
            csrf: false,
        },
        body(),
    )
    .await;
    assert_eq!(
        refused.status, 403,
        "{method} {path} without the CSRF token"
    );
    assert!(
        unchanged().await,
        "{method} {path} acted without the CSRF token"
    );
    call(
        app,
        method,
        path,
        Auth::Cookie { client, csrf: true },
        body(),
    )
    .await
}

#[tokio::test]
async fn the_team_is_run_with_the_session_cookie_and_its_csrf_token() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin").await;
    let new_member = || {
        Body::Json(json!({
            "username": "vera", "email": "vera@example.com",
            "first_name": "Vera", "last_name": "Luz"
        }))
    };
    let refused = call(
        &app,
        Method::POST,
        "/api/v1/team",
        Auth::Cookie {
            client: &app.client,
            csrf: false,
        },
        new_member(),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert!(app.user_by_email("vera@example.com").is_none(), "not made");

    let nobody_new = || async { app.user_by_email("vera@example.com").is_none() };
    let created = without_then_with_csrf(
        &app,
        &app.client,
        (Method::POST, "/api/v1/team"),
        new_member,
        nobody_new,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(created.body["temporary_password"].is_string());
    let id = i32::try_from(created.body["member"]["id"].as_i64().unwrap()).unwrap();
    assert_eq!(app.user(id).manager_id, Some(admin.id));

    let member = call(
        &app,
        Method::GET,
        &format!("/api/v1/team/{id}"),
        Auth::Cookie {
            client: &app.client,
            csrf: false,
        },
        Body::None,
    )
    .await;
    assert_eq!(member.status, 200);
    assert_eq!(member.body["username"], "vera");

    let deactivate = format!("/api/v1/team/{id}/desactivar");
    let still_active = || async { app.user(id).is_active };
    let deactivated = without_then_with_csrf(
        &app,
        &app.client,
        (Method::POST, &deactivate),
        || Body::None,
        still_active,
    )
    .await;
    assert_eq!(deactivated.status, 204);
    assert!(!app.user(id).is_active);

    let before = app.user(id).password_hash;
    let reset = format!("/api/v1/team/{id}/restablecer-password");
    let same_password = || async { app.user(id).password_hash == before };
    let issued = without_then_with_csrf(
        &app,
        &app.client,
        (Method::POST, &reset),
        || Body::None,
        same_password,
    )
    .await;
    assert_eq!(issued.status, 200);
    assert!(issued.body["temporary_password"].is_string());
    assert_ne!(app.user(id).password_hash, before);
}

#[tokio::test]
async fn the_refused_team_action_without_csrf_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    app.update_user(vera.id, users::manager_id.eq(admin.id));
    let before = app.user(vera.id);
    for action in ["desactivar", "restablecer-password", "eliminar"] {
        let answer = call(
            &app,
            Method::POST,
            &format!("/api/v1/team/{}/{action}", vera.id),
            Auth::Cookie {
                client: &app.client,
                csrf: false,
            },
            Body::None,
        )
        .await;
        assert_eq!(answer.status, 403, "{action}");
    }
    let after = app.user(vera.id);
    assert!(after.is_active);
    assert_eq!(after.password_hash, before.password_hash);
    assert!(after.purge_after.is_none());
}

#[tokio::test]
async fn the_photo_is_put_and_removed_with_the_session_cookie() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let no_photo = || async { app.user(user.id).photo_path.is_none() };
    let put = without_then_with_csrf(
        &app,
        &app.client,
        (Method::PUT, "/api/v1/me/photo"),
        || Body::Raw("image/png", png()),
        no_photo,
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let stored = app.user(user.id).photo_path.expect("a photo");
    assert_eq!(app.stored_photos().await.len(), 1);

    let photo_kept = || async { app.user(user.id).photo_path.as_ref() == Some(&stored) };
    let removed = without_then_with_csrf(
        &app,
        &app.client,
        (Method::DELETE, "/api/v1/me/photo"),
        || Body::None,
        photo_kept,
    )
    .await;
    assert_eq!(removed.status, 204);
    assert!(app.user(user.id).photo_path.is_none());
    assert!(
        !app.stored_photos().await.contains(&stored),
        "the file went with the row"
    );
}

#[tokio::test]
async fn a_photo_put_without_the_csrf_token_stores_nothing() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let part = reqwest::multipart::Part::bytes(png()).file_name("a.png");
    let form = reqwest::multipart::Form::new().part("foto_perfil", part);
    let refused = call(
        &app,
        Method::PUT,
        "/api/v1/me/photo",
        Auth::Cookie {
            client: &app.client,
            csrf: false,
        },
        Body::Multipart(form),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert!(app.user(user.id).photo_path.is_none());
    assert!(app.stored_photos().await.is_empty());
}

#[tokio::test]
async fn another_session_is_ended_with_the_session_cookie() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let phone = app.new_logged_in_client(&user).await;
    let listed = call(
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
    let sessions = listed.body.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions
        .iter()
        .find(|s| s["current"] == false)
        .expect("the phone's session");
    let path = format!("/api/v1/me/sessions/{}", other["id"].as_str().unwrap());
    let phone_signed_in =
        || async { app.get_with_client(&phone, "/perfil/").await.status() == 200 };
    let ended = without_then_with_csrf(
        &app,
        &app.client,
        (Method::DELETE, &path),
        || Body::None,
        phone_signed_in,
    )
    .await;
    assert_eq!(ended.status, 204);
    let phone_now = app.get_with_client(&phone, "/perfil/").await;
    assert_eq!(phone_now.status().as_u16(), 303, "the phone is signed out");
    assert_eq!(app.status_of("/perfil/").await, 200, "this one is not");
}

#[tokio::test]
async fn the_account_is_deleted_with_the_session_cookie_and_the_session_ends() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let confirm = || Body::Json(json!({"password": user.password, "confirmar_email": user.email}));
    let refused = call(
        &app,
        Method::DELETE,
        "/api/v1/me",
        Auth::Cookie {
            client: &app.client,
            csrf: false,
        },
        confirm(),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert!(
        app.user(user.id).purge_after.is_none(),
        "not without the token"
    );
    let deleted = call(
        &app,
        Method::DELETE,
        "/api/v1/me",
        Auth::Cookie {
            client: &app.client,
            csrf: true,
        },
        confirm(),
    )
    .await;
    assert_eq!(deleted.status, 202, "{}", deleted.body);
    assert!(deleted.body["purge_after"].is_string());
    assert!(app.user(user.id).purge_after.is_some());
    let me = call(
        &app,
        Method::GET,
        "/api/v1/me",
        Auth::Cookie {
            client: &app.client,
            csrf: false,
        },
        Body::None,
    )
    .await;
    assert_eq!(
        me.status, 401,
        "the cookie's session ended with the request"
    );
}
