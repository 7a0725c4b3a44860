//! The first-visit tutorial on the dashboard. A new account has not seen it.

use reqwest::Method;

use crate::helpers::{assert_is_redirect_to, new_client, spawn_app, spawn_logged_in};

const POST: Method = Method::POST;
const ACCEPT_JSON: (&str, &str) = ("accept", "application/json");

/// A script's call refused with `status` and `{"ok": false}`.
async fn assert_json_refusal(response: reqwest::Response, status: u16) {
    assert_eq!(response.status().as_u16(), status);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["ok"], false);
}

fn dialog_count(page: &str) -> usize {
    let document = scraper::Html::parse_document(page);
    document
        .select(
            &scraper::Selector::parse("dialog#tutorial[aria-labelledby=tutorial-title]").unwrap(),
        )
        .count()
}

#[tokio::test]
async fn the_tutorial_shows_once() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let first = app.get_page("/dashboard/").await;
    assert_eq!(dialog_count(&first), 1);
    assert!(
        first.contains("action=\"/marcar-tutorial-visto/\""),
        "a no-script close button"
    );
    assert!(
        !first.contains("Tus facturas."),
        "no admin steps for a vendedor"
    );
    assert!(app.user(user.id).tutorial_seen);
    let again = app.get_page("/dashboard/").await;
    assert_eq!(dialog_count(&again), 0);
}

#[tokio::test]
async fn admins_get_the_invoice_and_team_steps() {
    let (app, _) = spawn_logged_in("admin").await;
    app.assert_page_says("/dashboard/", &["Tus facturas.", "Tu equipo."])
        .await;
}

#[tokio::test]
async fn two_tabs_at_once_show_it_only_once() {
    let (app, _) = spawn_logged_in("admin").await;
    let (a, b) = tokio::join!(app.get("/dashboard/"), app.get("/dashboard/"));
    let (a, b) = (a.text().await.unwrap(), b.text().await.unwrap());
    assert_eq!(dialog_count(&a) + dialog_count(&b), 1);
}

#[tokio::test]
async fn the_endpoint_answers_json_to_scripts_and_redirects_forms() {
    let (app, user) = spawn_logged_in("admin").await;
    let token = app.csrf_token().await;
    assert!(
        !app.user(user.id).tutorial_seen,
        "nothing has shown the tutorial yet"
    );
    let headers = [("x-csrf-token", token.as_str()), ACCEPT_JSON];
    let response = app.request(POST, "/marcar-tutorial-visto/", &headers).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "ok": true }));
    assert!(app.user(user.id).tutorial_seen);
    let response = app.post_form("/marcar-tutorial-visto/", &[]).await;
    assert_is_redirect_to(&response, "/dashboard/");
}

#[tokio::test]
async fn the_endpoint_refuses_anonymous_and_tokenless_calls_with_json() {
    let app = spawn_app().await;
    let anonymous = new_client();
    let token = app.csrf_token_with(&anonymous).await;
    let response = anonymous
        .post(app.url("/marcar-tutorial-visto/"))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_json_refusal(response, 401).await;

    let user = app.logged_in("admin").await;
    let response = app
        .request(POST, "/marcar-tutorial-visto/", &[ACCEPT_JSON])
        .await;
    assert_json_refusal(response, 403).await;
    assert!(!app.user(user.id).tutorial_seen);
}
