use crate::helpers::{assert_is_redirect_to, assert_status_with_text, spawn_app, spawn_with_user};

#[tokio::test]
async fn a_post_without_a_token_is_refused_and_changes_nothing() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    app.get("/login/").await;
    let fields = [("login", "ana"), ("password", user.password.as_str())];
    let response = app.post_raw("/login/", &fields, &[]).await;
    assert_status_with_text(response, 403, "Acceso denegado").await;
    assert_eq!(app.status_of("/dashboard/").await, 303);
}

#[tokio::test]
async fn a_wrong_token_or_one_from_another_session_is_refused() {
    let app = spawn_app().await;
    let other_token = app.csrf_token_with(&crate::helpers::new_client()).await;
    app.get("/login/").await;
    for token in ["wrong", other_token.as_str(), ""] {
        let fields = [("login", "ana"), ("password", "x"), ("csrf_token", token)];
        let response = app.post_raw("/login/", &fields, &[]).await;
        assert_eq!(response.status().as_u16(), 403, "{token:?}");
    }
    assert_eq!(app.throttle_attempts(), 0, "the handler never ran");
}

#[tokio::test]
async fn a_post_with_no_session_at_all_is_refused() {
    let app = spawn_app().await;
    let response = crate::helpers::new_client()
        .post(app.url("/logout/"))
        .form(&[("csrf_token", "anything")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn the_token_may_come_in_the_header() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let token = app.csrf_token().await;
    let fields = [("login", "ana"), ("password", user.password.as_str())];
    let response = app
        .post_raw("/login/", &fields, &[("x-csrf-token", &token)])
        .await;
    assert_is_redirect_to(&response, "/dashboard/");
}

#[tokio::test]
async fn a_foreign_origin_is_refused_even_with_the_right_token() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let token = app.csrf_token().await;
    let fields = [
        ("login", "ana"),
        ("password", user.password.as_str()),
        ("csrf_token", &token),
    ];
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("referer", "https://evil.example/page"),
    ] {
        let response = app.post_raw("/login/", &fields, &[(header, value)]).await;
        assert_eq!(response.status().as_u16(), 403, "{header}: {value}");
    }
    // The same request from our own origin works.
    let response = app
        .post_raw("/login/", &fields, &[("origin", app.address.as_str())])
        .await;
    assert_is_redirect_to(&response, "/dashboard/");
}

#[tokio::test]
async fn a_multipart_form_carries_its_token_as_a_field() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let post =
        |form: reqwest::multipart::Form| app.client.post(app.url("/login/")).multipart(form).send();
    // The right token gets past CSRF to the handler (which wants a url-encoded form: 400).
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token.clone())
        .text("login", "ana")
        .part(
            "foto",
            reqwest::multipart::Part::bytes(vec![0u8; 2048]).file_name("x.jpg"),
        );
    assert_eq!(post(form).await.unwrap().status().as_u16(), 400);
    for form in [
        reqwest::multipart::Form::new().text("csrf_token", "wrong"),
        reqwest::multipart::Form::new().text("login", "ana"),
        reqwest::multipart::Form::new().text("csrf_token", "x".repeat(10_000)),
    ] {
        assert_eq!(post(form).await.unwrap().status().as_u16(), 403);
    }
}

#[tokio::test]
async fn a_malformed_or_oversized_multipart_body_is_refused_cleanly() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let post = |content_type: &'static str, body: String| {
        app.client
            .post(app.url("/login/"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cut = format!("--XYZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n{token}");
    let malformed = post("multipart/form-data; boundary=XYZ", cut)
        .await
        .unwrap();
    assert_eq!(malformed.status().as_u16(), 403);
    let no_boundary = post("multipart/form-data", "garbage".into()).await.unwrap();
    assert_eq!(no_boundary.status().as_u16(), 403);
    let huge = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .part(
            "foto",
            reqwest::multipart::Part::bytes(vec![0u8; 6 * 1024 * 1024]).file_name("big.jpg"),
        );
    let response = app.client.post(app.url("/login/")).multipart(huge).send();
    assert_status_with_text(response.await.unwrap(), 413, "supera el tamaño permitido").await;
}

#[tokio::test]
async fn an_oversized_form_is_refused_with_413() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let huge = "x".repeat(200 * 1024);
    let fields = [
        ("login", huge.as_str()),
        ("password", "x"),
        ("csrf_token", &token),
    ];
    let response = app.post_raw("/login/", &fields, &[]).await;
    assert_status_with_text(response, 413, "supera el tamaño permitido").await;
}

/// Browsers send `Origin: null` for a form on a `Referrer-Policy: no-referrer` page (the
/// password reset pages): it claims nothing, so the token decides.
#[tokio::test]
async fn origin_null_claims_nothing_and_the_token_decides() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let origin_null = [("origin", "null")];
    let mut fields = vec![("login", "ana"), ("password", user.password.as_str())];
    let without_token = app.post_raw("/login/", &fields, &origin_null).await;
    assert_eq!(without_token.status().as_u16(), 403);
    let token = app.csrf_token().await;
    fields.push(("csrf_token", &token));
    let with_token = app.post_raw("/login/", &fields, &origin_null).await;
    assert_eq!(with_token.status().as_u16(), 303);
}
