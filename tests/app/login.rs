use std::time::Duration;

use cuentas::db::schema::users;
use diesel::prelude::*;

use crate::helpers::{
    assert_is_redirect_to, assert_is_sent_to_login, assert_status_with_text, new_client, spawn_app,
    spawn_with_user, status,
};

#[tokio::test]
async fn a_user_logs_in_with_username_or_email_in_any_case_and_sees_the_dashboard() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    for login in ["Ana", "ana", "ANA@EXAMPLE.COM", "  ana@example.com "] {
        let client = new_client();
        let response = app.login_with(&client, login, &user.password).await;
        assert_is_redirect_to(&response, "/dashboard/");
        let page = client.get(app.url("/dashboard/")).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        let body = page.text().await.unwrap();
        assert!(body.contains("Hola, Ana"), "{login}: {body}");
        assert!(body.contains("Cerrar sesión"));
    }
    let last_login: Option<chrono::NaiveDateTime> = app
        .db(|c| {
            users::table
                .find(user.id)
                .select(users::last_login_at)
                .first(c)
        })
        .unwrap();
    assert!(last_login.is_some());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user("ana", "admin").await;
    let wrong = app.login("ana", "not-the-password-1").await;
    assert_eq!(wrong.status().as_u16(), 422);
    let wrong = wrong.text().await.unwrap();
    let unknown = app.login("zoe", "not-the-password-1").await;
    assert_eq!(unknown.status().as_u16(), 422);
    let unknown = unknown.text().await.unwrap();
    assert!(wrong.contains("El usuario o la contraseña no son correctos."));
    let strip = |page: &str, login: &str| {
        page.replace(&format!("value=\"{login}\""), "value=\"LOGIN\"")
            .replace(&crate::helpers::csrf_token_in(page), "TOKEN")
    };
    assert_eq!(strip(&wrong, "ana"), strip(&unknown, "zoe"));
    // Nobody got a session.
    assert_is_sent_to_login(&app.get("/dashboard/").await, "/dashboard/");
}

#[tokio::test]
async fn empty_fields_are_refused_beside_each_field_without_touching_the_throttle() {
    let app = spawn_app().await;
    let response = app.login("", "").await;
    assert_eq!(response.status().as_u16(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("aria-describedby=\"login-error\""));
    assert!(body.contains("aria-describedby=\"password-error\""));
    assert!(body.contains("class=\"error-summary\""));
    assert!(body.contains("href=\"#login\""));
    assert_eq!(app.throttle_attempts(), 0);
}

#[tokio::test]
async fn missing_form_fields_are_field_errors_not_a_crash() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let response = app
        .post_raw("/login/", &[("csrf_token", token.as_str())], &[])
        .await;
    assert_eq!(response.status().as_u16(), 422);
}

#[tokio::test]
async fn an_inactive_account_cannot_log_in() {
    let (app, user) = spawn_with_user("ana", "vendedor").await;
    app.update_user(user.id, users::is_active.eq(false));
    let response = app.login("ana", &user.password).await;
    assert_status_with_text(response, 422, "no son correctos").await;
}

#[tokio::test]
async fn next_is_followed_to_local_paths_only() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let cases = [
        ("/dashboard/?x=1", "/dashboard/?x=1"),
        ("//evil.example/", "/dashboard/"),
        ("/\\evil.example", "/dashboard/"),
        ("http://evil.example/", "/dashboard/"),
        ("javascript:alert(1)", "/dashboard/"),
        ("\\\\evil.example", "/dashboard/"),
    ];
    for (next, expected) in cases {
        let client = new_client();
        let response = app
            .post_form_with(
                &client,
                "/login/",
                &[
                    ("login", "ana"),
                    ("password", &user.password),
                    ("next", next),
                ],
            )
            .await;
        assert_is_redirect_to(&response, expected);
    }
}

#[tokio::test]
async fn a_protected_page_sends_anonymous_visitors_to_login_and_back() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let response = app.get("/dashboard/").await;
    assert_is_sent_to_login(&response, "/dashboard/");
    let form = app.get_page("/login/?next=%2Fdashboard%2F").await;
    assert!(form.contains("name=\"next\" value=\"/dashboard/\""));
    let response = app
        .post_form(
            "/login/",
            &[
                ("login", "ana"),
                ("password", &user.password),
                ("next", "/dashboard/"),
            ],
        )
        .await;
    assert_is_redirect_to(&response, "/dashboard/");
}

#[tokio::test]
async fn five_failures_for_one_account_and_ip_are_throttled_whether_or_not_it_exists() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    for login in ["ana", "nobody"] {
        for _ in 0..5 {
            let response = app.login(login, "wrong-password-1").await;
            assert_eq!(response.status().as_u16(), 422);
        }
        let response = app.login(login, "wrong-password-1").await;
        assert_eq!(response.status().as_u16(), 429, "{login}");
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry_after > 0 && retry_after <= 15 * 60);
        let body = response.text().await.unwrap();
        assert!(body.contains("Demasiados intentos"));
    }
    // Even the right password waits out the window...
    assert_eq!(status(app.login("ana", &user.password)).await, 429);
    // ...and works once it has passed.
    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    assert_is_redirect_to(&app.login("ana", &user.password).await, "/dashboard/");
}

#[tokio::test]
async fn the_throttle_page_speaks_english_when_asked() {
    let app = spawn_app().await;
    for _ in 0..5 {
        app.login("nobody", "wrong-password-1").await;
    }
    let token = app.csrf_token().await;
    let fields = [
        ("login", "nobody"),
        ("password", "x"),
        ("csrf_token", &token),
    ];
    let response = app
        .post_raw("/login/", &fields, &[("accept-language", "en")])
        .await;
    assert_status_with_text(response, 429, "Too many attempts").await;
}

#[tokio::test]
async fn one_ip_is_capped_across_accounts() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    // 50 failures spread over 13 names, never 5 for one of them.
    for i in 0..50 {
        let response = app
            .login(&format!("user{}", i % 13), "wrong-password-1")
            .await;
        assert_eq!(response.status().as_u16(), 422, "attempt {i}");
    }
    assert_eq!(status(app.login("ana", &user.password)).await, 429);
}

#[tokio::test]
async fn a_hash_with_weaker_parameters_is_replaced_at_login() {
    use argon2::password_hash::PasswordHasher;
    let (app, user) = spawn_with_user("ana", "admin").await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).unwrap(),
    )
    .hash_password(user.password.as_bytes())
    .unwrap()
    .to_string();
    app.update_user(user.id, users::password_hash.eq(&weak));
    assert_is_redirect_to(&app.login("ana", &user.password).await, "/dashboard/");
    let stored = app.user(user.id).password_hash.expose().to_owned();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    // And the new hash still logs in.
    assert_is_redirect_to(
        &app.login_with(&new_client(), "ana", &user.password).await,
        "/dashboard/",
    );
}

#[tokio::test]
async fn parallel_guesses_cannot_slip_under_the_throttle() {
    let app = spawn_app().await;
    app.create_user("ana", "admin").await;
    let token = app.csrf_token().await;
    let attempts = (0..20).map(|_| {
        app.client
            .post(app.url("/login/"))
            .form(&[
                ("login", "ana"),
                ("password", "wrong-password-1"),
                ("csrf_token", token.as_str()),
            ])
            .send()
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    // Never more than five get their password checked. (Under a race a few fewer may: a
    // refused attempt is counted for an instant before it is removed. That errs safe.)
    let checked = statuses.iter().filter(|s| **s == 422).count();
    assert!((1..=5).contains(&checked), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 20 - checked);
}

#[tokio::test]
async fn absurd_logins_fail_like_unknown_accounts() {
    let app = spawn_app().await;
    let long = "a".repeat(5000);
    for login in [
        "ana\0@example.com",
        "ana\u{0}",
        long.as_str(),
        "ana\r\nX: y",
    ] {
        let response = app.login(login, "whatever-password-1").await;
        assert_eq!(
            response.status().as_u16(),
            422,
            "{:?}",
            &login[..login.len().min(20)]
        );
    }
}

#[tokio::test]
async fn an_email_wins_over_a_username_that_looks_like_it() {
    let (app, owner) = spawn_with_user("ana", "admin").await;
    // New usernames hold no @; one from before may equal somebody's email.
    let old = app.create_user("vieja", "admin").await;
    app.update_user(
        old.id,
        (
            users::username.eq("ana@example.com"),
            users::username_normalized.eq("ana@example.com"),
        ),
    );
    assert_is_redirect_to(
        &app.login("ana@example.com", &owner.password).await,
        "/dashboard/",
    );
}
