//! `/api/v1/me…` and `/api/v1/users/{id}` with both kinds of credentials, and the refusals
//! every JSON body goes through.

use cuentas::db::schema::users;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::json;

use super::api_support::{Auth, Body, call, call_with, document, me_status, tokens_for};
use super::helpers::spawn_app;

fn cookie(client: &reqwest::Client, csrf: bool) -> Auth<'_> {
    Auth::Cookie { client, csrf }
}

#[tokio::test]
async fn the_openapi_document_is_served_and_describes_every_operation() {
    let app = spawn_app().await;
    let answer = app.get("/api/v1/openapi.json").await;
    assert_eq!(answer.status().as_u16(), 200);
    let served: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(served, document());
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in ["/api/v1/me", "/api/v1/auth/token", "/api/v1/users/{id}"] {
        assert!(served["paths"][path].is_object(), "{path}");
    }
}

#[tokio::test]
async fn me_answers_the_cookie_and_the_bearer_alike_and_nobody_else() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    let by_cookie = call(
        &app,
        Method::GET,
        "/api/v1/me",
        cookie(&app.client, false),
        Body::None,
    )
    .await;
    let by_token = call(
        &app,
        Method::GET,
        "/api/v1/me",
        Auth::Bearer(&access),
        Body::None,
    )
    .await;
    assert_eq!(by_cookie.status, 200);
    assert_eq!(by_cookie.body, by_token.body);
    assert_eq!(by_token.body["id"], user.id);
    assert_eq!(by_token.body["role"], "admin");
    assert_eq!(by_token.body["status"], "onboarding");
    let nobody = call(&app, Method::GET, "/api/v1/me", Auth::None, Body::None).await;
    assert_eq!(nobody.status, 401);
    assert!(nobody.header("www-authenticate").is_some());
}

#[tokio::test]
async fn a_patch_changes_only_the_fields_sent() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    let answer = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        Auth::Bearer(&access),
        Body::Json(json!({"first_name": "Ana", "last_name": "Sol", "telefono": "+34 600 000 000"})),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["first_name"], "Ana");
    assert_eq!(answer.body["username"], "ana");
    let stored = app.user(user.id);
    assert_eq!(stored.first_name, "Ana");
    assert_eq!(stored.language, "es");
}

#[tokio::test]
async fn unknown_forbidden_and_mistyped_fields_are_refused_by_name_and_nothing_changes() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    let answer = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        Auth::Bearer(&access),
        Body::Json(json!({
            "first_name": "Ana", "role": "admin", "email_verified": true,
            "manager_id": 3, "color": "red", "last_name": 7
        })),
    )
    .await;
    assert_eq!(answer.status, 422);
    let errors = answer.field_errors();
    for (field, code) in [
        ("role", "api-error-forbidden-field"),
        ("email_verified", "api-error-forbidden-field"),
        ("manager_id", "api-error-forbidden-field"),
        ("color", "api-error-unknown-field"),
        ("last_name", "api-error-wrong-type"),
    ] {
        assert!(errors.contains(&(field.into(), code.into())), "{errors:?}");
    }
    assert_eq!(app.user(user.id).first_name, "");
}

#[tokio::test]
async fn malformed_bodies_get_400_415_413_and_never_a_500() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    let cases: Vec<(Body, u16)> = vec![
        (
            Body::Raw("application/json", b"{\"first_name\": ".to_vec()),
            400,
        ),
        (Body::Raw("application/json", b"[1, 2]".to_vec()), 400),
        (Body::Raw("application/json", b"\"ana\"".to_vec()), 400),
        (Body::Raw("text/plain", b"{}".to_vec()), 415),
        (
            Body::Raw(
                "application/x-www-form-urlencoded",
                b"first_name=a".to_vec(),
            ),
            415,
        ),
        (Body::Raw("application/json", vec![b' '; 70 * 1024]), 413),
        (Body::Raw("application/json", vec![0xff, 0xfe]), 400),
    ];
    for (body, status) in cases {
        let answer = call(
            &app,
            Method::PATCH,
            "/api/v1/me",
            Auth::Bearer(&access),
            body,
        )
        .await;
        assert_eq!(answer.status, status, "{}", answer.body);
    }
}

#[tokio::test]
async fn the_cookie_needs_the_csrf_token_on_unsafe_methods_and_the_bearer_does_not() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let patch = || Body::Json(json!({"first_name": "Ana", "last_name": "Sol"}));
    let refused = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        cookie(&app.client, false),
        patch(),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(app.user(user.id).first_name, "");
    let accepted = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        cookie(&app.client, true),
        patch(),
    )
    .await;
    assert_eq!(accepted.status, 200);
    let (access, _) = tokens_for(&app, &user).await;
    let by_token = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        Auth::Bearer(&access),
        patch(),
    )
    .await;
    assert_eq!(by_token.status, 200);
}

#[tokio::test]
async fn a_new_email_needs_the_password_and_waits_for_its_link() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    let without = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        Auth::Bearer(&access),
        Body::Json(json!({"email": "nueva@example.com", "first_name": "Ana", "last_name": "Sol"})),
    )
    .await;
    assert_eq!(without.status, 422);
    assert_eq!(without.field_errors()[0].0, "password_actual");
    let with = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        Auth::Bearer(&access),
        Body::Json(json!({
            "email": "nueva@example.com", "password_actual": user.password,
            "first_name": "Ana", "last_name": "Sol"
        })),
    )
    .await;
    assert_eq!(with.status, 202, "{}", with.body);
    assert_eq!(with.body["pending_email"], "nueva@example.com");
    assert_eq!(with.body["email"], user.email);
}

#[tokio::test]
async fn field_problems_speak_the_callers_language() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    let spanish = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        Auth::Bearer(&access),
        Body::Json(json!({"idioma": "fr"})),
    )
    .await;
    app.update_user(user.id, users::language.eq("en"));
    let english = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        Auth::Bearer(&access),
        Body::Json(json!({"idioma": "fr"})),
    )
    .await;
    assert_eq!(spanish.status, 422);
    assert_eq!(
        spanish.body["errors"][0]["code"],
        english.body["errors"][0]["code"]
    );
    assert_ne!(
        spanish.body["errors"][0]["message"],
        english.body["errors"][0]["message"]
    );
    assert_ne!(spanish.body["title"], english.body["title"]);
    let anonymous = call_with(
        &app,
        Method::GET,
        "/api/v1/me",
        Auth::None,
        Body::None,
        &[("accept-language", "en-GB,en;q=0.9")],
    )
    .await;
    assert_eq!(anonymous.body["title"], "Credentials missing or not valid");
}

#[tokio::test]
async fn a_password_change_answers_204_with_the_pages_policy() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    let weak = call(
        &app,
        Method::POST,
        "/api/v1/me/password",
        Auth::Bearer(&access),
        Body::Json(json!({"old_password": user.password, "new_password": "12345678"})),
    )
    .await;
    assert_eq!(weak.status, 422);
    assert!(weak.field_errors().iter().all(|(f, _)| f == "new_password"));
    let changed = call(
        &app,
        Method::POST,
        "/api/v1/me/password",
        Auth::Bearer(&access),
        Body::Json(
            json!({"old_password": user.password, "new_password": "Otra-Clave-Muy-Larga-77"}),
        ),
    )
    .await;
    assert_eq!(changed.status, 204);
    assert_eq!(me_status(&app, &access).await, 401, "every token ends");
    let login = app.login(&user.username, "Otra-Clave-Muy-Larga-77").await;
    assert_eq!(login.status().as_u16(), 303);
}

#[tokio::test]
async fn a_password_change_by_cookie_keeps_that_session() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let changed = call(
        &app,
        Method::POST,
        "/api/v1/me/password",
        cookie(&app.client, true),
        Body::Json(
            json!({"old_password": user.password, "new_password": "Otra-Clave-Muy-Larga-77"}),
        ),
    )
    .await;
    assert_eq!(changed.status, 204);
    let me = call(
        &app,
        Method::GET,
        "/api/v1/me",
        cookie(&app.client, false),
        Body::None,
    )
    .await;
    assert_eq!(me.status, 200);
}

#[tokio::test]
async fn deleting_the_account_answers_202_with_the_purge_time() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    let wrong = call(
        &app,
        Method::DELETE,
        "/api/v1/me",
        Auth::Bearer(&access),
        Body::Json(json!({"password": "nope", "confirmar_email": "otra@example.com"})),
    )
    .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(wrong.field_errors().len(), 2);
    let deleted = call(
        &app,
        Method::DELETE,
        "/api/v1/me",
        Auth::Bearer(&access),
        Body::Json(json!({"password": user.password, "confirmar_email": user.email})),
    )
    .await;
    assert_eq!(deleted.status, 202, "{}", deleted.body);
    assert!(deleted.body["purge_after"].as_str().is_some());
    assert!(app.user(user.id).purge_after.is_some());
}

#[tokio::test]
async fn an_old_sign_in_must_be_renewed_before_deleting() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, refresh) = tokens_for(&app, &user).await;
    app.clock.advance(std::time::Duration::from_secs(11 * 60));
    let refreshed = call(
        &app,
        Method::POST,
        "/api/v1/auth/refresh",
        Auth::None,
        Body::Json(json!({"refresh_token": refresh})),
    )
    .await;
    let access2 = refreshed.body["access_token"].as_str().unwrap();
    let answer = call(
        &app,
        Method::DELETE,
        "/api/v1/me",
        Auth::Bearer(access2),
        Body::Json(json!({"password": user.password, "confirmar_email": user.email})),
    )
    .await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.problem_type(), "urn:cuentas:problem:reauth");
    assert!(app.user(user.id).purge_after.is_none());
    let _ = access;
}

#[tokio::test]
async fn sessions_are_listed_and_ended_and_someone_elses_is_404() {
    let app = spawn_app().await;
    let user = app.logged_in("admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    let listed = call(
        &app,
        Method::GET,
        "/api/v1/me/sessions",
        Auth::Bearer(&access),
        Body::None,
    )
    .await;
    assert_eq!(listed.status, 200);
    let sessions = listed.body.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0]["current"], true);
    let browser = sessions[1]["id"].as_str().unwrap().to_owned();
    let own = sessions[0]["id"].as_str().unwrap().to_owned();

    let other = app.create_user("beto", "admin").await;
    let (other_access, _) = tokens_for(&app, &other).await;
    let theirs = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/sessions/{browser}"),
        Auth::Bearer(&other_access),
        Body::None,
    )
    .await;
    assert_eq!(theirs.status, 404);
    let current = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/sessions/{own}"),
        Auth::Bearer(&access),
        Body::None,
    )
    .await;
    assert_eq!(current.status, 404);
    let ended = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/sessions/{browser}"),
        Auth::Bearer(&access),
        Body::None,
    )
    .await;
    assert_eq!(ended.status, 204);
    assert_eq!(app.get("/perfil/").await.status().as_u16(), 303);
}

#[tokio::test]
async fn events_are_paged_and_nonsense_pages_are_page_one() {
    let app = spawn_app().await;
    let user = app.create_user("ana", "admin").await;
    let (access, _) = tokens_for(&app, &user).await;
    for path in [
        "/api/v1/me/events",
        "/api/v1/me/events?page=abc",
        "/api/v1/me/events?page=-3",
    ] {
        let answer = call(&app, Method::GET, path, Auth::Bearer(&access), Body::None).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body["page"], 1);
        assert_eq!(answer.body["events"][0]["kind"], "signed_in");
    }
    let far = call(
        &app,
        Method::GET,
        "/api/v1/me/events?page=99999999999",
        Auth::Bearer(&access),
        Body::None,
    )
    .await;
    assert_eq!(far.status, 200);
    assert_eq!(far.body["events"], json!([]));
}

#[tokio::test]
async fn users_by_id_show_oneself_and_an_admins_own_vendedor_and_refuse_anyone_else() {
    let app = spawn_app().await;
    let admin = app.create_user("ana", "admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    app.update_user(vera.id, users::manager_id.eq(admin.id));
    let other = app.create_user("otro", "admin").await;
    let (admin_token, _) = tokens_for(&app, &admin).await;
    let (vera_token, _) = tokens_for(&app, &vera).await;
    let get = |id: i32, token: &str| {
        let (app, token) = (&app, token.to_owned());
        async move {
            call(
                app,
                Method::GET,
                &format!("/api/v1/users/{id}"),
                Auth::Bearer(&token),
                Body::None,
            )
            .await
            .status
        }
    };
    assert_eq!(get(admin.id, &admin_token).await, 200);
    assert_eq!(get(vera.id, &admin_token).await, 200);
    assert_eq!(get(other.id, &admin_token).await, 403);
    assert_eq!(get(99_999, &admin_token).await, 403);
    assert_eq!(get(vera.id, &vera_token).await, 200);
    assert_eq!(get(admin.id, &vera_token).await, 403);
    let not_an_id = call(
        &app,
        Method::GET,
        "/api/v1/users/abc",
        Auth::Bearer(&admin_token),
        Body::None,
    )
    .await;
    assert_eq!(not_an_id.status, 404);
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_are_problems_too() {
    let app = spawn_app().await;
    let unknown = call(&app, Method::GET, "/api/v1/nada", Auth::None, Body::None).await;
    assert_eq!(unknown.status, 404);
    let wrong = call(
        &app,
        Method::PUT,
        "/api/v1/me/sessions",
        Auth::None,
        Body::None,
    )
    .await;
    assert_eq!(wrong.status, 405);
}

#[tokio::test]
async fn a_forced_password_change_leaves_only_the_password_endpoint_open() {
    let app = spawn_app().await;
    let user = app.create_user("vera", "vendedor").await;
    let (access, _) = tokens_for(&app, &user).await;
    app.require_password_change(user.id);
    let me = call(
        &app,
        Method::GET,
        "/api/v1/me",
        Auth::Bearer(&access),
        Body::None,
    )
    .await;
    assert_eq!(me.status, 403);
    let changed = call(
        &app,
        Method::POST,
        "/api/v1/me/password",
        Auth::Bearer(&access),
        Body::Json(
            json!({"old_password": user.password, "new_password": "Otra-Clave-Muy-Larga-77"}),
        ),
    )
    .await;
    assert_eq!(changed.status, 204);
}

#[tokio::test]
async fn a_vendedor_held_by_the_teams_two_step_rule_gets_403_json_with_a_token() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    app.update_user(vera.id, users::manager_id.eq(admin.id));
    let response = app
        .post_form("/equipo/dos-pasos/", &[("exigir_dos_pasos", "on")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    // No factor yet: the password alone gives her a token, which opens nothing.
    let (access, _) = tokens_for(&app, &vera).await;
    for (method, path) in [
        (Method::GET, "/api/v1/me"),
        (Method::GET, "/api/v1/me/sessions"),
    ] {
        let answer = call(&app, method, path, Auth::Bearer(&access), Body::None).await;
        assert_eq!(answer.status, 403, "{path}: {}", answer.body);
        // The problem says why, so that the client can send her to the security page.
        assert_eq!(
            answer.problem_type(),
            "urn:cuentas:problem:set-up-two-step",
            "{path}: {}",
            answer.body
        );
        assert!(
            answer.body["detail"]
                .as_str()
                .unwrap()
                .contains("verificación en dos pasos"),
            "{}",
            answer.body
        );
    }
    // She may still sign the token out.
    let out = call(
        &app,
        Method::POST,
        "/api/v1/auth/logout",
        Auth::Bearer(&access),
        Body::None,
    )
    .await;
    assert_eq!(out.status, 204, "{}", out.body);
    assert_eq!(me_status(&app, &access).await, 401);
    // Her admin is not held.
    let (admin_access, _) = tokens_for(&app, &admin).await;
    assert_eq!(me_status(&app, &admin_access).await, 200);
}
