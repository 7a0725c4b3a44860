//! The API's team, invoice settings, photo and anonymous endpoints: the pages' rules, tenancy
//! and roles.

use std::io::Cursor;

use cuentas::db::schema::users;
use diesel::prelude::*;
use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::Method;
use serde_json::json;

use super::api_support::{Auth, Body, call, tokens_for};
use super::helpers::{spawn_app, spawn_app_with};

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(RgbImage::new(width, height))
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn an_admin_manages_the_team_and_a_vendedor_is_refused() {
    let app = spawn_app().await;
    let admin = app.create_user("ana", "admin").await;
    let (token, _) = tokens_for(&app, &admin).await;
    let created = call(
        &app,
        Method::POST,
        "/api/v1/team",
        Auth::Bearer(&token),
        Body::Json(json!({
            "username": "vera", "email": "vera@example.com",
            "first_name": "Vera", "last_name": "Luz"
        })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let password = created.body["temporary_password"].as_str().unwrap();
    assert!(password.chars().count() >= 20);
    let id = created.body["member"]["id"].as_i64().unwrap();
    assert_eq!(
        app.user(i32::try_from(id).unwrap()).manager_id,
        Some(admin.id)
    );

    let listed = call(
        &app,
        Method::GET,
        "/api/v1/team",
        Auth::Bearer(&token),
        Body::None,
    )
    .await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert!(
        !listed.body.to_string().contains(password),
        "shown once only"
    );
    let member = call(
        &app,
        Method::GET,
        &format!("/api/v1/team/{id}"),
        Auth::Bearer(&token),
        Body::None,
    )
    .await;
    assert_eq!(member.body["username"], "vera");

    let reset = call(
        &app,
        Method::POST,
        &format!("/api/v1/team/{id}/restablecer-password"),
        Auth::Bearer(&token),
        Body::None,
    )
    .await;
    assert_eq!(reset.status, 200);
    assert!(reset.body["temporary_password"].is_string());
    let deactivated = call(
        &app,
        Method::POST,
        &format!("/api/v1/team/{id}/desactivar"),
        Auth::Bearer(&token),
        Body::None,
    )
    .await;
    assert_eq!(deactivated.status, 204);
    assert!(!app.user(i32::try_from(id).unwrap()).is_active);
    let nonsense = call(
        &app,
        Method::POST,
        &format!("/api/v1/team/{id}/ascender"),
        Auth::Bearer(&token),
        Body::None,
    )
    .await;
    assert_eq!(nonsense.status, 404);

    let vendedor = app.create_user("vito", "vendedor").await;
    app.update_user(vendedor.id, users::manager_id.eq(admin.id));
    let (vendedor_token, _) = tokens_for(&app, &vendedor).await;
    for (method, path) in [
        (Method::GET, "/api/v1/team".to_owned()),
        (Method::GET, format!("/api/v1/team/{id}")),
        (Method::POST, format!("/api/v1/team/{id}/activar")),
        (Method::GET, "/api/v1/invoice-settings".to_owned()),
    ] {
        let answer = call(
            &app,
            method,
            &path,
            Auth::Bearer(&vendedor_token),
            Body::None,
        )
        .await;
        assert_eq!(answer.status, 403, "{path}");
    }
}

#[tokio::test]
async fn another_admins_vendedor_is_404_and_untouched() {
    let app = spawn_app().await;
    let admin = app.create_user("ana", "admin").await;
    let other = app.create_user("otro", "admin").await;
    let theirs = app.create_user("vito", "vendedor").await;
    app.update_user(theirs.id, users::manager_id.eq(other.id));
    let (token, _) = tokens_for(&app, &admin).await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/team/{}", theirs.id)),
        (
            Method::POST,
            format!("/api/v1/team/{}/desactivar", theirs.id),
        ),
        (Method::GET, format!("/api/v1/team/{}", other.id)),
        (Method::GET, "/api/v1/team/abc".to_owned()),
    ] {
        let answer = call(&app, method, &path, Auth::Bearer(&token), Body::None).await;
        assert_eq!(answer.status, 404, "{path}");
    }
    assert!(app.user(theirs.id).is_active);
}

#[tokio::test]
async fn invoice_settings_are_read_and_replaced_with_the_pages_rules() {
    let app = spawn_app().await;
    let admin = app.create_user("ana", "admin").await;
    let (token, _) = tokens_for(&app, &admin).await;
    let saved = call(
        &app,
        Method::PUT,
        "/api/v1/invoice-settings",
        Auth::Bearer(&token),
        Body::Json(json!({"nombre_empresa": "Ferretería Sol", "mostrar_direccion": true})),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.body["nombre_empresa"], "Ferretería Sol");
    assert_eq!(saved.body["mostrar_telefono"], false);
    let read = call(
        &app,
        Method::GET,
        "/api/v1/invoice-settings",
        Auth::Bearer(&token),
        Body::None,
    )
    .await;
    assert_eq!(read.body, saved.body);
    let invalid = call(
        &app,
        Method::PUT,
        "/api/v1/invoice-settings",
        Auth::Bearer(&token),
        Body::Json(json!({"email_contacto": "no es un correo", "nombre_empresa": "x".repeat(500)})),
    )
    .await;
    assert_eq!(invalid.status, 422);
    let fields: Vec<String> = invalid.field_errors().into_iter().map(|(f, _)| f).collect();
    assert!(fields.contains(&"email_contacto".to_owned()), "{fields:?}");
    assert!(fields.contains(&"nombre_empresa".to_owned()), "{fields:?}");
}

#[tokio::test]
async fn a_photo_goes_through_the_pipeline_as_a_raw_image_or_a_multipart_part() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (token, _) = tokens_for(&app, &user).await;
    let raw = call(
        &app,
        Method::PUT,
        "/api/v1/me/photo",
        Auth::Bearer(&token),
        Body::Raw("image/png", png(600, 300)),
    )
    .await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    let first = app.user(user.id).photo_path.expect("a photo");
    assert!(raw.body["photo_url"].as_str().unwrap().ends_with(".jpg"));
    let part = reqwest::multipart::Part::bytes(png(100, 100)).file_name("a.png");
    let form = reqwest::multipart::Form::new().part("foto_perfil", part);
    let multipart = call(
        &app,
        Method::PUT,
        "/api/v1/me/photo",
        Auth::Bearer(&token),
        Body::Multipart(form),
    )
    .await;
    assert_eq!(multipart.status, 200);
    assert_ne!(app.user(user.id).photo_path.unwrap(), first);

    let not_a_picture = call(
        &app,
        Method::PUT,
        "/api/v1/me/photo",
        Auth::Bearer(&token),
        Body::Raw("image/png", b"hola".to_vec()),
    )
    .await;
    assert_eq!(not_a_picture.status, 422);
    assert_eq!(not_a_picture.field_errors()[0].0, "foto_perfil");
    let wrong_type = call(
        &app,
        Method::PUT,
        "/api/v1/me/photo",
        Auth::Bearer(&token),
        Body::Raw("text/plain", b"hola".to_vec()),
    )
    .await;
    assert_eq!(wrong_type.status, 415);
    let empty = reqwest::multipart::Form::new().text("otra", "cosa");
    let missing = call(
        &app,
        Method::PUT,
        "/api/v1/me/photo",
        Auth::Bearer(&token),
        Body::Multipart(empty),
    )
    .await;
    assert_eq!(missing.status, 422);

    let removed = call(
        &app,
        Method::DELETE,
        "/api/v1/me/photo",
        Auth::Bearer(&token),
        Body::None,
    )
    .await;
    assert_eq!(removed.status, 204);
    assert!(app.user(user.id).photo_path.is_none());
}

#[tokio::test]
async fn a_photo_over_the_limit_is_413() {
    let app = spawn_app_with(|s| s.max_upload_bytes = 1024 * 1024).await;
    let user = app.create_user("ana", "admin").await;
    let (token, _) = tokens_for(&app, &user).await;
    let big = call(
        &app,
        Method::PUT,
        "/api/v1/me/photo",
        Auth::Bearer(&token),
        Body::Raw("image/png", vec![0u8; 2 * 1024 * 1024]),
    )
    .await;
    assert_eq!(big.status, 413);
}

#[tokio::test]
async fn sign_up_and_the_mailed_links_answer_202_whether_or_not_the_address_has_an_account() {
    let app = spawn_app().await;
    let owner = app.create_user("ana", "admin").await;
    let registered = call(
        &app,
        Method::POST,
        "/api/v1/auth/register",
        Auth::None,
        Body::Json(json!({
            "username": "bea", "email": "bea@example.com",
            "password": "Una-Clave-Bastante-Larga-9", "nombre_empresa": "Bea S.L."
        })),
    )
    .await;
    assert_eq!(registered.status, 202, "{}", registered.body);
    app.wait_for_mail_to("bea@example.com", 0).await;
    let taken = call(
        &app,
        Method::POST,
        "/api/v1/auth/register",
        Auth::None,
        Body::Json(json!({
            "username": "bea2", "email": owner.email,
            "password": "Una-Clave-Bastante-Larga-9"
        })),
    )
    .await;
    assert_eq!(taken.status, 202);
    let weak = call(
        &app,
        Method::POST,
        "/api/v1/auth/register",
        Auth::None,
        Body::Json(json!({"username": "cai", "email": "cai@example.com", "password": "123", "role": "admin"})),
    )
    .await;
    assert_eq!(weak.status, 422);
    assert!(
        weak.field_errors()
            .contains(&("role".into(), "api-error-forbidden-field".into()))
    );

    for path in [
        "/api/v1/auth/resend-verification",
        "/api/v1/auth/password-reset",
    ] {
        for email in [owner.email.as_str(), "nadie@example.com"] {
            let answer = call(
                &app,
                Method::POST,
                path,
                Auth::None,
                Body::Json(json!({"email": email})),
            )
            .await;
            assert_eq!(answer.status, 202, "{path} {email}");
        }
        let invalid = call(
            &app,
            Method::POST,
            path,
            Auth::None,
            Body::Json(json!({"email": "no"})),
        )
        .await;
        assert_eq!(invalid.status, 422);
    }
}

#[tokio::test]
async fn every_read_and_a_write_work_with_the_session_cookie_too() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin").await;
    let cookie = || Auth::Cookie {
        client: &app.client,
        csrf: false,
    };
    for path in [
        "/api/v1/me".to_owned(),
        "/api/v1/me/sessions".to_owned(),
        "/api/v1/me/events".to_owned(),
        "/api/v1/team".to_owned(),
        "/api/v1/invoice-settings".to_owned(),
        format!("/api/v1/users/{}", admin.id),
    ] {
        let answer = call(&app, Method::GET, &path, cookie(), Body::None).await;
        assert_eq!(answer.status, 200, "{path}");
    }
    let body = || Body::Json(json!({"nombre_empresa": "Sol"}));
    let refused = call(
        &app,
        Method::PUT,
        "/api/v1/invoice-settings",
        cookie(),
        body(),
    )
    .await;
    assert_eq!(refused.status, 403);
    let with_csrf = Auth::Cookie {
        client: &app.client,
        csrf: true,
    };
    let saved = call(
        &app,
        Method::PUT,
        "/api/v1/invoice-settings",
        with_csrf,
        body(),
    )
    .await;
    assert_eq!(saved.status, 200);
    assert_eq!(saved.body["nombre_empresa"], "Sol");
}
