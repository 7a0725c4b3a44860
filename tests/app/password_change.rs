use cuentas::db::schema::{user_sessions, users};
use diesel::prelude::*;

use crate::helpers::{
    TestApp, assert_is_redirect_to, assert_is_sent_to_login, assert_status_with_text, new_client,
    spawn_app, spawn_app_with, spawn_logged_in, status,
};

const NEW: &str = "Otra-Clave-Larga-77";

async fn change(app: &TestApp, old: &str, new1: &str, new2: &str) -> reqwest::Response {
    app.change_password_with(&app.client, old, new1, new2).await
}

#[tokio::test]
async fn the_page_lists_the_rules_before_anything_is_typed() {
    let app = spawn_app_with(|s| s.password_require_letter_and_digit = true).await;
    app.logged_in("admin").await;
    let page = app.get("/cambiar-password/").await;
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let body = page.text().await.unwrap();
    assert!(body.contains("al menos 8 caracteres"));
    assert!(body.contains("al menos una letra y un número"));
    assert!(body.contains("aria-describedby=\"password-rules password-strength\""));
    assert!(!body.contains("debes cambiar la contraseña temporal"));
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login() {
    let app = spawn_app().await;
    assert_is_sent_to_login(&app.get("/cambiar-password/").await, "/cambiar-password/");
}

#[tokio::test]
async fn a_successful_change_swaps_the_password_and_keeps_only_this_session() {
    let (app, user) = spawn_logged_in("admin").await;
    let other = new_client();
    app.login_with(&other, "ana", &user.password).await;
    let old_row: String = app
        .db(|c| {
            user_sessions::table
                .select(user_sessions::id)
                .order(user_sessions::created_at)
                .first(c)
        })
        .unwrap();

    let response = change(&app, &user.password, NEW, NEW).await;
    assert_is_redirect_to(&response, "/perfil/");
    let page = app.get("/perfil/").await;
    assert_eq!(page.status().as_u16(), 200, "this session goes on");
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Contraseña actualizada correctamente.")
    );

    let from_other = other.get(app.url("/dashboard/")).send().await.unwrap();
    assert_eq!(from_other.status().as_u16(), 303, "the other session ended");

    let live = app.live_session_ids();
    assert_eq!(live.len(), 1, "only this session's new row");
    assert!(!live.contains(&old_row), "this session moved to a new id");

    assert_eq!(
        status(app.login_with(&new_client(), "ana", &user.password)).await,
        422
    );
    assert_is_redirect_to(
        &app.login_with(&new_client(), "ana", NEW).await,
        "/dashboard/",
    );
    assert_eq!(app.user(user.id).session_epoch, 1);
}

#[tokio::test]
async fn without_a_change_other_sessions_are_kept() {
    let (app, user) = spawn_logged_in("admin").await;
    let other = new_client();
    app.login_with(&other, "ana", &user.password).await;
    let response = change(&app, &user.password, NEW, "different-copy-1").await;
    assert_eq!(response.status().as_u16(), 422);
    assert_eq!(
        other
            .get(app.url("/dashboard/"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn a_wrong_current_password_is_a_field_error_and_counts_toward_the_throttle() {
    let (app, user) = spawn_logged_in("admin").await;
    let hash_before = app.user(user.id).password_hash;
    let response = change(&app, "not-my-password-1", NEW, NEW).await;
    assert_eq!(response.status().as_u16(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("La contraseña actual no es correcta."));
    assert!(body.contains("aria-describedby=\"old_password-error\""));
    assert!(body.contains("href=\"#old_password\""));
    assert_eq!(app.throttle_attempts(), 1);
    for _ in 0..4 {
        change(&app, "not-my-password-1", NEW, NEW).await;
    }
    let response = change(&app, &user.password, NEW, NEW).await;
    assert_eq!(
        response.status().as_u16(),
        429,
        "guessing through this form is throttled too"
    );
    assert_eq!(app.user(user.id).password_hash, hash_before);
    assert_eq!(status(app.login_with(&new_client(), "ana", NEW)).await, 429);
}

#[tokio::test]
async fn every_broken_rule_is_listed() {
    // The letter-and-digit rule is off by default; these cases switch it on.
    let app = spawn_app_with(|s| s.password_require_letter_and_digit = true).await;
    let user = app.logged_in("admin").await;
    let hash_before = app.user(user.id).password_hash;
    let cases: [(&str, &str, &[&str]); 6] = [
        ("1234", "1234", &["al menos 8 caracteres", "solo números"]),
        ("password1", "password1", &["demasiado común"]),
        (
            "soloLetrasLargas",
            "soloLetrasLargas",
            &["una letra y un número"],
        ),
        (
            "ana-example-2024",
            "ana-example-2024",
            &["se parece demasiado"],
        ),
        (NEW, "Otra-Clave-Larga-78", &["no coinciden"]),
        ("", "", &["obligatorio"]),
    ];
    for (new1, new2, fragments) in cases {
        let response = change(&app, &user.password, new1, new2).await;
        assert_eq!(response.status().as_u16(), 422, "{new1}");
        let body = response.text().await.unwrap();
        for fragment in fragments {
            assert!(body.contains(fragment), "{new1}: {fragment}");
        }
    }
    assert_eq!(
        app.user(user.id).password_hash,
        hash_before,
        "nothing was written"
    );
}

#[tokio::test]
async fn english_speakers_read_the_rules_in_english() {
    // The letter-and-digit rule is off by default; these cases switch it on.
    let app = spawn_app_with(|s| s.password_require_letter_and_digit = true).await;
    let user = app.logged_in("admin").await;
    app.update_user(user.id, users::language.eq("en"));
    let cases: [(&str, &str); 4] = [
        ("1234", "entirely numeric"),
        ("password1", "too common"),
        ("soloLetrasLargas", "one letter and one digit"),
        ("ana-example-2024", "too similar"),
    ];
    for (new, fragment) in cases {
        let body = change(&app, &user.password, new, new)
            .await
            .text()
            .await
            .unwrap();
        assert!(body.contains(fragment), "{new}: {fragment}");
    }
    let body = change(&app, &user.password, &user.password, &user.password)
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("must differ from the current one"));
}

#[tokio::test]
async fn the_new_password_must_differ_from_the_current_one_and_is_never_trimmed() {
    let (app, user) = spawn_logged_in("admin").await;
    let response = change(&app, &user.password, &user.password, &user.password).await;
    assert_status_with_text(response, 422, "distinta de la actual").await;
    let spaced = format!("  {NEW}  ");
    assert_is_redirect_to(
        &change(&app, &user.password, &spaced, &spaced).await,
        "/perfil/",
    );
    assert_eq!(status(app.login_with(&new_client(), "ana", NEW)).await, 422);
    assert_is_redirect_to(
        &app.login_with(&new_client(), "ana", &spaced).await,
        "/dashboard/",
    );
}

#[tokio::test]
async fn the_form_needs_its_csrf_token() {
    let (app, user) = spawn_logged_in("admin").await;
    let response = app
        .client
        .post(app.url("/cambiar-password/"))
        .form(&[
            ("old_password", user.password.as_str()),
            ("new_password1", NEW),
            ("new_password2", NEW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_is_redirect_to(
        &app.login_with(&new_client(), "ana", &user.password).await,
        "/dashboard/",
    );
}
