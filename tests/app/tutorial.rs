use crate::helpers::{TestApp, TestUser, assert_is_redirect_to, new_client, spawn_app};

async fn logged_in(app: &TestApp, role: &str) -> TestUser {
    let user = app.create_user("ana", role).await;
    app.db(|c| {
        use cuentas::db::schema::users;
        use diesel::prelude::*;
        diesel::update(users::table.find(user.id))
            .set(users::tutorial_seen.eq(false))
            .execute(c)
    })
    .unwrap();
    app.login("ana", &user.password).await;
    user
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
    let app = spawn_app().await;
    let user = logged_in(&app, "vendedor").await;
    let first = app.get("/dashboard/").await.text().await.unwrap();
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
    let again = app.get("/dashboard/").await.text().await.unwrap();
    assert_eq!(dialog_count(&again), 0);
}

#[tokio::test]
async fn admins_get_the_invoice_and_team_steps() {
    let app = spawn_app().await;
    logged_in(&app, "admin").await;
    let page = app.get("/dashboard/").await.text().await.unwrap();
    assert!(page.contains("Tus facturas."));
    assert!(page.contains("Tu equipo."));
}

#[tokio::test]
async fn two_tabs_at_once_show_it_only_once() {
    let app = spawn_app().await;
    logged_in(&app, "admin").await;
    let (a, b) = tokio::join!(app.get("/dashboard/"), app.get("/dashboard/"));
    let (a, b) = (a.text().await.unwrap(), b.text().await.unwrap());
    assert_eq!(dialog_count(&a) + dialog_count(&b), 1);
}

#[tokio::test]
async fn the_endpoint_answers_json_to_scripts_and_redirects_forms() {
    let app = spawn_app().await;
    let user = logged_in(&app, "admin").await;
    let token = app.csrf_token().await;
    assert!(
        !app.user(user.id).tutorial_seen,
        "nothing has shown the tutorial yet"
    );
    let response = app
        .client
        .post(app.url("/marcar-tutorial-visto/"))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
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
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["ok"],
        false
    );

    let user = logged_in(&app, "admin").await;
    let response = app
        .client
        .post(app.url("/marcar-tutorial-visto/"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["ok"],
        false
    );
    assert!(!app.user(user.id).tutorial_seen);
}
