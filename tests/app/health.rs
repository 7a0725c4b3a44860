use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok_when_the_database_does() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn the_root_sends_anonymous_visitors_to_login_and_users_to_the_dashboard() {
    let app = spawn_app().await;
    crate::helpers::assert_is_redirect_to(&app.get("/").await, "/login/");
    let user = app.create_user("ana", "admin").await;
    app.login(&user.username, &user.password).await;
    crate::helpers::assert_is_redirect_to(&app.get("/").await, "/dashboard/");
}
