use cuentas::db::schema::user_sessions;
use diesel::prelude::*;
use reqwest::Method;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_is_sent_to_login, spawn_app,
};

async fn forced_user(app: &TestApp) -> TestUser {
    let user = app.create_user("vero", "vendedor").await;
    app.require_password_change(user.id);
    user
}

#[tokio::test]
async fn every_route_leads_to_the_change_page_until_the_password_changes() {
    let app = spawn_app().await;
    let user = forced_user(&app).await;
    // Login itself works and then lands on the forced change.
    let response = app.login("vero", &user.password).await;
    assert_is_redirect_to(&response, "/dashboard/");
    for path in [
        "/",
        "/dashboard/",
        "/login/",
        "/no-such-page/",
        "/perfil/",
        "/equipo/",
    ] {
        assert_is_redirect_to(&app.get(path).await, "/cambiar-password/");
    }
    let sessions_before: i64 = app
        .db(|c| user_sessions::table.count().get_result(c))
        .unwrap();
    let response = app
        .post_form(
            "/login/",
            &[("login", "vero"), ("password", &user.password)],
        )
        .await;
    assert_is_redirect_to(&response, "/cambiar-password/");
    let sessions_after: i64 = app
        .db(|c| user_sessions::table.count().get_result(c))
        .unwrap();
    assert_eq!(
        sessions_before, sessions_after,
        "the login handler never ran"
    );
    for path in ["/actualizar-perfil/", "/equipo/"] {
        let response = app.post_form(path, &[("first_name", "Cambiado")]).await;
        assert_is_redirect_to(&response, "/cambiar-password/");
    }

    let page = app.get("/cambiar-password/").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("debes cambiar la contraseña temporal")
    );
    assert_eq!(
        app.status_of(cuentas::assets::url("css/app.css")).await,
        200
    );
    assert_eq!(app.status_of("/healthz").await, 200);

    let new = "Vendedora-Nueva-2026";
    let response = app
        .change_password_with(&app.client, &user.password, new, new)
        .await;
    assert_is_redirect_to(&response, "/perfil/");
    assert!(!app.user(user.id).must_change_password);
    assert_eq!(app.status_of("/dashboard/").await, 200);
}

#[tokio::test]
async fn json_requests_get_403_json_instead_of_a_redirect() {
    let app = spawn_app().await;
    let user = forced_user(&app).await;
    app.login("vero", &user.password).await;
    let token = app.csrf_token().await;
    let response = app
        .request(
            Method::POST,
            "/marcar-tutorial-visto/",
            &[("x-csrf-token", &token)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["ok"], false);
    let accept_json = [("accept", "application/json")];
    let response = app.request(Method::GET, "/dashboard/", &accept_json).await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(!app.user(user.id).tutorial_seen);
}

#[tokio::test]
async fn logging_out_is_still_allowed() {
    let app = spawn_app().await;
    let user = forced_user(&app).await;
    app.login("vero", &user.password).await;
    assert_is_redirect_to(&app.post_form("/logout/", &[]).await, "/login/");
    assert_is_sent_to_login(&app.get("/dashboard/").await, "/dashboard/");
}
