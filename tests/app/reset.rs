//! Password recovery: the same answer for every address, the token moved into the session,
//! every session ended, single use, expiry, throttles, the notice.

use cuentas::db::schema::users;
use diesel::prelude::*;

use std::time::Duration;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_is_sent_to_login, link_path, new_client,
    spawn_app, spawn_with_user, status,
};

const NEW_PASSWORD: &str = "Otoño-Lluvioso-2031";

async fn recover(app: &TestApp, client: &reqwest::Client, email: &str) -> reqwest::Response {
    app.post_form_with(client, "/recuperar-password/", &[("email", email)])
        .await
}

/// Asks for a reset link for `user` and returns its path.
async fn reset_link(app: &TestApp, user: &TestUser, seen: usize) -> String {
    assert_eq!(
        recover(app, &app.client, &user.email)
            .await
            .status()
            .as_u16(),
        303
    );
    link_path(&app.wait_for_mail_to(&user.email, seen).await)
}

async fn set_new_password(
    app: &TestApp,
    client: &reqwest::Client,
    password: &str,
) -> reqwest::Response {
    app.post_form_with(
        client,
        "/restablecer-password/",
        &[("new_password1", password), ("new_password2", password)],
    )
    .await
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_and_ends_every_session() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    // Logged in elsewhere: that session must end.
    let elsewhere = new_client();
    assert_is_redirect_to(
        &app.login_with(&elsewhere, "ana", &user.password).await,
        "/dashboard/",
    );

    let path = reset_link(&app, &user, 0).await;
    let mail = app.mails_to(&user.email).remove(0);
    assert_eq!(mail.subject, "Restablece tu contraseña de cuentas");
    assert!(
        mail.link
            .clone()
            .unwrap()
            .starts_with("http://127.0.0.1/restablecer-password/")
    );
    assert!(mail.text.contains("60 minutos"));

    // The GET moves the token into the session and goes on to an address without it.
    let moved = app.get(&path).await;
    assert_is_redirect_to(&moved, "/restablecer-password/");
    assert_eq!(
        moved.headers().get("referrer-policy").unwrap(),
        "no-referrer"
    );
    let token = path
        .trim_start_matches("/restablecer-password/")
        .trim_end_matches('/');
    let form = app.get("/restablecer-password/").await;
    assert_eq!(form.status().as_u16(), 200);
    assert_eq!(
        form.headers().get("referrer-policy").unwrap(),
        "no-referrer"
    );
    let form = form.text().await.unwrap();
    assert!(!form.contains(token), "the page must not carry the token");
    assert!(form.contains("name=\"new_password1\"") && form.contains("name=\"new_password2\""));

    let done = set_new_password(&app, &app.client, NEW_PASSWORD).await;
    assert_is_redirect_to(&done, "/login/");
    assert!(
        app.get_page("/login/")
            .await
            .contains("Tu contraseña se ha cambiado")
    );
    // Not logged in automatically, and the other session is over.
    assert_is_sent_to_login(&app.get("/dashboard/").await, "/dashboard/");
    let old = elsewhere.get(app.url("/dashboard/")).send().await.unwrap();
    assert_eq!(old.status().as_u16(), 303);

    assert_eq!(status(app.login("ana", &user.password)).await, 422);
    assert_is_redirect_to(&app.login("ana", NEW_PASSWORD).await, "/dashboard/");

    let notice = app.wait_for_mail_to(&user.email, 1).await;
    assert_eq!(notice.subject, "Tu contraseña de cuentas se ha cambiado");

    // Single use: neither the link nor the session's copy works again.
    let client = new_client();
    app.assert_reset_link_is_dead(&client, &path).await;
    let direct = app
        .post_form_with(
            &client,
            &path,
            &[
                ("new_password1", "Otra-Clave-Nueva-77"),
                ("new_password2", "Otra-Clave-Nueva-77"),
            ],
        )
        .await;
    assert_eq!(direct.status().as_u16(), 410);
}

#[tokio::test]
async fn known_and_unknown_addresses_get_identical_answers_and_only_accounts_get_mail() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    let inactive = app.create_user("Bea", "vendedor").await;
    app.update_user(inactive.id, users::is_active.eq(false));
    let client = new_client();
    let mut answers = Vec::new();
    for email in [
        user.email.as_str(),
        "nadie@example.com",
        inactive.email.as_str(),
    ] {
        let response = recover(&app, &client, email).await;
        answers.push(app.answer_and_next_page(&client, response, "/login/").await);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[1], answers[2]);
    app.wait_for_mail_to(&user.email, 0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.wait_for_outbox_drained().await;
    let recipients: Vec<String> = app.outbox_rows().into_iter().map(|r| r.recipient).collect();
    assert_eq!(recipients, vec![user.email.clone()]);
}

#[tokio::test]
async fn reset_links_expire_and_a_newer_link_voids_the_older() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    let first = reset_link(&app, &user, 0).await;
    let second = reset_link(&app, &user, 1).await;
    assert_is_redirect_to(&app.get(&first).await, "/restablecer-password/");
    assert_eq!(app.status_of("/restablecer-password/").await, 410);

    app.clock.advance(Duration::from_secs(61 * 60));
    assert_is_redirect_to(&app.get(&second).await, "/restablecer-password/");
    let expired = app.get("/restablecer-password/").await;
    assert_eq!(expired.status().as_u16(), 410);
    let page = expired.text().await.unwrap();
    assert!(page.contains("href=\"/recuperar-password/\""));
    assert_eq!(
        set_new_password(&app, &app.client, NEW_PASSWORD)
            .await
            .status()
            .as_u16(),
        410
    );
    assert_is_redirect_to(&app.login("ana", &user.password).await, "/dashboard/");
}

#[tokio::test]
async fn a_reset_link_dies_when_the_password_changes() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    let path = reset_link(&app, &user, 0).await;
    assert_is_redirect_to(&app.login("ana", &user.password).await, "/dashboard/");
    let changed = app
        .change_password_with(&app.client, &user.password, NEW_PASSWORD, NEW_PASSWORD)
        .await;
    assert_is_redirect_to(&changed, "/perfil/");
    // The change sends its own notice.
    let notice = app.wait_for_mail_to(&user.email, 1).await;
    assert_eq!(notice.subject, "Tu contraseña de cuentas se ha cambiado");

    app.assert_reset_link_is_dead(&new_client(), &path).await;
}

#[tokio::test]
async fn the_new_password_follows_the_policy() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    let path = reset_link(&app, &user, 0).await;
    app.get(&path).await;
    let weak = set_new_password(&app, &app.client, "12345678").await;
    assert_eq!(weak.status().as_u16(), 422);
    let page = weak.text().await.unwrap();
    assert!(page.contains("id=\"new_password1-error\""));
    assert!(page.contains("class=\"error-summary\""));
    let mismatch = app
        .post_form(
            "/restablecer-password/",
            &[
                ("new_password1", NEW_PASSWORD),
                ("new_password2", "Otra-Cosa-123"),
            ],
        )
        .await;
    assert_eq!(mismatch.status().as_u16(), 422);
    // The link still works after a refused form.
    assert_is_redirect_to(
        &set_new_password(&app, &app.client, NEW_PASSWORD).await,
        "/login/",
    );
}

#[tokio::test]
async fn the_reset_mail_speaks_the_account_language() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    app.update_user(user.id, users::language.eq("en"));
    reset_link(&app, &user, 0).await;
    let mail = app.mails_to(&user.email).remove(0);
    assert_eq!(mail.language, "en");
    assert_eq!(mail.subject, "Reset your cuentas password");
    assert!(mail.html.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn recovery_is_throttled_per_ip() {
    let app = spawn_app().await;
    let nobody = (0..20).map(|n| format!("nadie{n}@example.com"));
    let statuses = app.post_emails("/recuperar-password/", nobody).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    let over = recover(&app, &app.client, "ana@example.com").await;
    assert_eq!(over.status().as_u16(), 429);
}

#[tokio::test]
async fn simultaneous_requests_from_one_ip_cannot_slip_under_the_limit() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let requests = (0..30).map(|n| {
        let email = format!("nadie{n}@example.com");
        let token = token.clone();
        let client = app.client.clone();
        let url = app.url("/recuperar-password/");
        async move {
            client
                .post(url)
                .form(&[("email", email.as_str()), ("csrf_token", token.as_str())])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(requests).await;
    let admitted = statuses.iter().filter(|s| **s == 303).count();
    assert!(admitted <= 20, "{admitted} admitted: {statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 429),
        "{statuses:?}"
    );
}
