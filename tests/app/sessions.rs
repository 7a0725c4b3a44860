use std::time::Duration;

use cuentas::db::schema::{user_sessions, users};
use diesel::prelude::*;

use crate::helpers::{
    TestApp, assert_is_redirect_to, assert_status_with_text, new_client, set_cookie,
    spawn_app_with, spawn_logged_in, spawn_with_user, status,
};

/// The raw session cookie of the last response that set it.
fn session_cookie(response: &reqwest::Response) -> String {
    set_cookie(response, "cuentas_session").expect("a session cookie")
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn dashboard_status(app: &TestApp) -> u16 {
    app.status_of("/dashboard/").await
}

/// The dashboard's status for a fresh client that sends only this cookie.
async fn dashboard_status_with_cookie(app: &TestApp, cookie: &str) -> u16 {
    let request = new_client().get(app.url("/dashboard/"));
    let response = request.header("cookie", cookie).send().await.unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn login_writes_a_session_row_and_a_new_cookie() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let before = cookie_pair(&session_cookie(&app.get("/login/").await));
    let response = app.login("ana", &user.password).await;
    let after = session_cookie(&response);
    // A cookie planted before the login (session fixation) stays anonymous.
    assert_eq!(dashboard_status_with_cookie(&app, &before).await, 303);
    assert!(after.contains("HttpOnly"));
    assert!(after.contains("SameSite=Lax"));
    assert!(!after.contains("Secure"), "plain http has no Secure flag");
    let rows: Vec<(i32, Option<chrono::NaiveDateTime>)> = app
        .db(|c| {
            user_sessions::table
                .select((user_sessions::user_id, user_sessions::revoked_at))
                .load(c)
        })
        .unwrap();
    assert_eq!(rows, vec![(user.id, None)]);
}

#[tokio::test]
async fn a_second_login_gets_a_different_session_row() {
    let (app, user) = spawn_logged_in("admin").await;
    app.login_with(&new_client(), "ana", &user.password).await;
    let ids: Vec<String> = app
        .db(|c| user_sessions::table.select(user_sessions::id).load(c))
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn logging_in_again_on_the_same_browser_ends_the_previous_session() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let first = cookie_pair(&session_cookie(&app.login("ana", &user.password).await));
    app.login("ana", &user.password).await;
    assert_eq!(dashboard_status_with_cookie(&app, &first).await, 303);
    assert_eq!(app.live_session_ids().len(), 1);
}

#[tokio::test]
async fn after_an_idle_timeout_the_logout_button_still_works() {
    let (app, _) = spawn_logged_in("admin").await;
    let token = app.csrf_token().await;
    app.clock.advance(Duration::from_secs(121 * 60));
    let response = app
        .post_raw("/logout/", &[("csrf_token", token.as_str())], &[])
        .await;
    assert_is_redirect_to(&response, "/login/");
}

#[tokio::test]
async fn on_https_the_cookie_is_a_secure_host_only_cookie() {
    // (The base URL keeps the test's host, which the Host check wants.)
    let app = spawn_app_with(|s| s.base_url = "https://127.0.0.1/".parse().unwrap()).await;
    let response = app.get("/login/").await;
    let cookie = set_cookie(&response, "__Host-cuentas_session").expect("a __Host- session cookie");
    let attributes: Vec<String> = cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attributes.contains(&"secure".to_owned()), "{cookie}");
    assert!(attributes.contains(&"path=/".to_owned()), "{cookie}");
    assert!(attributes.contains(&"httponly".to_owned()), "{cookie}");
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain")),
        "{cookie}"
    );
    assert!(response.headers().contains_key("strict-transport-security"));
}

/// Ended and expired sessions are kept 30 days (for a look at who signed in from where), then
/// the hourly maintenance deletes them.
#[tokio::test]
async fn sessions_that_ended_or_expired_are_deleted_after_thirty_days() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let ended = new_client();
    app.log_in_with(&ended, &user).await;
    let token = app.csrf_token_with(&ended).await;
    let out = ended
        .post(app.url("/logout/"))
        .form(&[("csrf_token", token)])
        .send()
        .await
        .unwrap();
    assert_is_redirect_to(&out, "/login/");
    // This one is never ended: it expires two hours (the idle timeout) after its last request.
    app.log_in_with(&new_client(), &user).await;
    let rows = |app: &TestApp| {
        app.db(|c| user_sessions::table.count().get_result::<i64>(c))
            .unwrap()
    };
    assert_eq!(rows(&app), 2);

    let purged_down_to = |count: i64| {
        let app = &app;
        async move {
            app.outbox.wake();
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while rows(app) != count {
                assert!(std::time::Instant::now() < deadline, "{} rows", rows(app));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    app.clock.advance(Duration::from_secs(30 * 24 * 3600 + 60));
    purged_down_to(1).await;
    // A session opened now is live and stays.
    let live = app.new_logged_in_client(&user).await;
    app.clock.advance(Duration::from_secs(3600));
    app.get_with_client(&live, "/dashboard/").await;
    app.clock.advance(Duration::from_secs(3600 + 60));
    purged_down_to(1).await;
    assert_eq!(status(app.get_with_client(&live, "/dashboard/")).await, 200);
}

#[tokio::test]
async fn logout_ends_the_session_row_so_an_old_cookie_is_worthless() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let login = app.login("ana", &user.password).await;
    let stolen = cookie_pair(&session_cookie(&login));
    let response = app.post_form("/logout/", &[]).await;
    assert_is_redirect_to(&response, "/login/");
    let page = app.get_page("/login/").await;
    assert!(page.contains("Has cerrado la sesión."));
    assert_eq!(dashboard_status(&app).await, 303);
    assert_eq!(dashboard_status_with_cookie(&app, &stolen).await, 303);
    let revoked: Option<chrono::NaiveDateTime> = app
        .db(|c| {
            user_sessions::table
                .select(user_sessions::revoked_at)
                .first(c)
        })
        .unwrap();
    assert!(revoked.is_some());
}

#[tokio::test]
async fn logout_is_post_only() {
    let (app, _) = spawn_logged_in("admin").await;
    let response = app.get("/logout/").await;
    assert_status_with_text(response, 405, "Método no permitido").await;
    assert_eq!(dashboard_status(&app).await, 200);
}

#[tokio::test]
async fn a_forged_or_truncated_cookie_is_just_anonymous() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let real = cookie_pair(&session_cookie(&app.login("ana", &user.password).await));
    let truncated = real[..real.len() - 10].to_owned();
    let mut flipped = real.clone().into_bytes();
    let last = flipped.len() - 3;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for cookie in [
        truncated,
        flipped,
        "cuentas_session=garbage".to_owned(),
        "cuentas_session=".to_owned(),
    ] {
        assert_eq!(
            dashboard_status_with_cookie(&app, &cookie).await,
            303,
            "{cookie}"
        );
    }
}

#[tokio::test]
async fn revoking_the_row_ends_the_session() {
    let (app, _) = spawn_logged_in("admin").await;
    app.db(|c| {
        diesel::update(user_sessions::table)
            .set(user_sessions::revoked_at.eq(chrono::Utc::now().naive_utc()))
            .execute(c)
    })
    .unwrap();
    assert_eq!(dashboard_status(&app).await, 303);
}

#[tokio::test]
async fn bumping_the_epoch_ends_every_session_of_the_user() {
    let (app, user) = spawn_logged_in("admin").await;
    let other = new_client();
    app.login_with(&other, "ana", &user.password).await;
    app.update_user(user.id, users::session_epoch.eq(users::session_epoch + 1));
    assert_eq!(dashboard_status(&app).await, 303);
    let response = other.get(app.url("/dashboard/")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
}

#[tokio::test]
async fn deactivating_the_account_ends_its_sessions() {
    let (app, user) = spawn_logged_in("admin").await;
    app.update_user(user.id, users::is_active.eq(false));
    assert_eq!(dashboard_status(&app).await, 303);
}

#[tokio::test]
async fn an_idle_session_expires_and_activity_keeps_it_alive() {
    let (app, _) = spawn_logged_in("admin").await;
    app.clock.advance(Duration::from_secs(90 * 60));
    assert_eq!(
        dashboard_status(&app).await,
        200,
        "90 idle minutes are within 120"
    );
    app.clock.advance(Duration::from_secs(90 * 60));
    assert_eq!(
        dashboard_status(&app).await,
        200,
        "the last request reset the idle time"
    );
    app.clock.advance(Duration::from_secs(121 * 60));
    assert_eq!(dashboard_status(&app).await, 303, "121 idle minutes end it");
}

#[tokio::test]
async fn a_session_ends_at_the_absolute_limit_even_when_active() {
    let app = spawn_app_with(|s| s.session_max = Duration::from_secs(3 * 3600)).await;
    app.logged_in("admin").await;
    for _ in 0..2 {
        app.clock.advance(Duration::from_secs(80 * 60));
        assert_eq!(dashboard_status(&app).await, 200);
    }
    app.clock.advance(Duration::from_secs(30 * 60));
    assert_eq!(dashboard_status(&app).await, 303);
}

#[tokio::test]
async fn last_seen_is_written_at_most_once_a_minute() {
    let (app, _) = spawn_logged_in("admin").await;
    let seen = || -> chrono::NaiveDateTime {
        app.db(|c| {
            user_sessions::table
                .select(user_sessions::last_seen_at)
                .first(c)
        })
        .unwrap()
    };
    let first = seen();
    dashboard_status(&app).await;
    assert_eq!(seen(), first);
    app.clock.advance(Duration::from_secs(61));
    dashboard_status(&app).await;
    assert!(seen() > first);
}
