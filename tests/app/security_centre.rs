//! The security centre (`/seguridad/`): sessions, history, "no fui yo", re-authentication,
//! "recordarme" and the new-browser notice.

use std::time::Duration;

use cuentas::db::schema::{security_events, user_sessions, users};
use diesel::prelude::*;
use reqwest::Client;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_status_with_text, csrf_token_in, get_with,
    set_cookie, spawn_app_with, spawn_logged_in, status,
};

const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// A browser-like client with this user agent.
fn browser(user_agent: &str) -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A second browser signed in as `user`.
async fn second_browser(app: &TestApp, user: &TestUser) -> Client {
    let other = browser(FIREFOX_WINDOWS);
    app.log_in_with(&other, user).await;
    other
}

/// The public ids of the user's open sessions, newest first.
fn public_ids(app: &TestApp, user_id: i32) -> Vec<(String, String)> {
    app.db(move |c| {
        user_sessions::table
            .filter(user_sessions::user_id.eq(user_id))
            .filter(user_sessions::revoked_at.is_null())
            .order(user_sessions::created_at.desc())
            .select((user_sessions::id, user_sessions::public_id))
            .load(c)
    })
    .unwrap()
}

fn event_kinds(app: &TestApp, user_id: i32) -> Vec<String> {
    app.db(move |c| {
        security_events::table
            .filter(security_events::user_id.eq(user_id))
            .order(security_events::id.asc())
            .select(security_events::kind)
            .load(c)
    })
    .unwrap()
}

/// Posts `path` with `client`'s CSRF token (from the security page) and a Referer.
async fn post_from_security(app: &TestApp, client: &Client, path: &str) -> reqwest::Response {
    let page = app.get_page_with(client, "/seguridad/").await;
    client
        .post(app.url(path))
        .header("referer", app.url("/seguridad/"))
        .form(&[("csrf_token", csrf_token_in(&page))])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_centre_lists_each_live_session_in_words_and_marks_this_one() {
    let (app, user) = spawn_logged_in("admin").await;
    let chrome = browser(CHROME_LINUX);
    app.log_in_with(&chrome, &user).await;
    let page = app.get_page_with(&chrome, "/seguridad/").await;
    let document = scraper::Html::parse_document(&page);
    assert_eq!(
        crate::helpers::text_at(&document, "title").as_deref(),
        Some("Seguridad · cuentas")
    );
    assert!(page.contains("Chrome en Linux"), "{page}");
    assert!(page.contains("Esta sesión"));
    assert!(page.contains("127.0.0.1"));
    // Two sessions: the app's client and Chrome; only the other one has a button.
    let ids = public_ids(&app, user.id);
    assert_eq!(ids.len(), 2);
    assert_eq!(page.matches("/cerrar/\"").count(), 1);
    // Neither session secret is in the page: only public ids are.
    for (secret, public) in &ids {
        assert!(!page.contains(secret.as_str()));
        assert_ne!(secret, public);
    }
    // The history names what happened, newest first.
    assert!(page.contains("Inicio de sesión"));
}

#[tokio::test]
async fn ending_another_session_stops_it_at_its_next_request() {
    let (app, user) = spawn_logged_in("admin").await;
    let other = second_browser(&app, &user).await;
    let (other_secret, other_public) = public_ids(&app, user.id)[0].clone();
    let response = post_from_security(
        &app,
        &app.client,
        &format!("/seguridad/sesiones/{other_public}/cerrar/"),
    )
    .await;
    assert_is_redirect_to(&response, "/seguridad/");
    assert!(
        app.get_page("/seguridad/")
            .await
            .contains("Se cerró esa sesión.")
    );
    assert_eq!(status(get_with(&other, &app.url("/dashboard/"))).await, 303);
    assert_eq!(app.status_of("/dashboard/").await, 200, "this one goes on");
    assert!(
        !public_ids(&app, user.id)
            .iter()
            .any(|(s, _)| *s == other_secret)
    );
    assert!(event_kinds(&app, user.id).contains(&"session_ended".to_owned()));
}

#[tokio::test]
async fn someone_elses_unknown_or_secret_session_id_is_404_and_ends_nothing() {
    let (app, user) = spawn_logged_in("admin").await;
    let intruder = app.create_user("eva", "admin").await;
    let eva = second_browser(&app, &intruder).await;
    let _ = eva;
    let (eva_secret, eva_public) = public_ids(&app, intruder.id)[0].clone();
    let (own_secret, own_public) = public_ids(&app, user.id)[0].clone();
    for id in [
        eva_public.as_str(),
        eva_secret.as_str(),
        own_secret.as_str(),
        own_public.as_str(), // this session: that is signing out, not this button
        "no-such-session",
        "%2e%2e",
    ] {
        let path = format!("/seguridad/sesiones/{id}/cerrar/");
        let response = post_from_security(&app, &app.client, &path).await;
        assert_eq!(response.status().as_u16(), 404, "{id}");
    }
    assert_eq!(public_ids(&app, intruder.id).len(), 1);
    assert_eq!(public_ids(&app, user.id).len(), 1);
    // Without the CSRF token nothing happens either.
    let path = format!("/seguridad/sesiones/{eva_public}/cerrar/");
    assert_eq!(app.post_raw(&path, &[], &[]).await.status().as_u16(), 403);
}

#[tokio::test]
async fn ending_the_other_sessions_keeps_only_this_one() {
    let (app, user) = spawn_logged_in("admin").await;
    let first = second_browser(&app, &user).await;
    let second = second_browser(&app, &user).await;
    let response = post_from_security(&app, &app.client, "/seguridad/sesiones/cerrar-otras/").await;
    assert_is_redirect_to(&response, "/seguridad/");
    for client in [&first, &second] {
        assert_eq!(status(get_with(client, &app.url("/dashboard/"))).await, 303);
    }
    assert_eq!(public_ids(&app, user.id).len(), 1);
    assert_eq!(app.status_of("/dashboard/").await, 200);
}

#[tokio::test]
async fn a_sensitive_action_asks_for_the_password_once_then_continues() {
    let app = spawn_app_with(|s| s.reauth_within = Duration::ZERO).await;
    let user = app.logged_in("admin").await;
    let other = second_browser(&app, &user).await;
    let before = public_ids(&app, user.id);
    // The action goes to /reautenticar/, back to the page it started from.
    let response = post_from_security(&app, &app.client, "/seguridad/sesiones/cerrar-otras/").await;
    assert_is_redirect_to(&response, "/reautenticar/?next=%2Fseguridad%2F");
    assert_eq!(public_ids(&app, user.id), before, "nothing ended");
    // A wrong or empty password: 422, the error beside the field, nothing renewed.
    let page = app.get_page("/reautenticar/?next=%2Fseguridad%2F").await;
    assert!(page.contains("name=\"next\" value=\"/seguridad/\""));
    for (password, message) in [
        ("", "Este campo es obligatorio."),
        ("nope", "La contraseña no es correcta."),
    ] {
        let response = app
            .post_form(
                "/reautenticar/",
                &[("password", password), ("next", "/seguridad/")],
            )
            .await;
        let body = assert_status_with_text(response, 422, message).await;
        assert!(body.contains("aria-describedby=\"password-error\""));
    }
    assert_eq!(public_ids(&app, user.id), before);
    // The right one renews this session's id, and goes on.
    let response = app
        .post_form(
            "/reautenticar/",
            &[("password", &user.password), ("next", "//evil.example")],
        )
        .await;
    assert_is_redirect_to(&response, "/seguridad/");
    let after = public_ids(&app, user.id);
    assert_eq!(after.len(), 2);
    assert!(
        !after.contains(&before[1]),
        "the old id of this session is gone"
    );
    assert!(event_kinds(&app, user.id).contains(&"reauthenticated".to_owned()));
    // One action: it proceeds; the next asks again.
    let response = post_from_security(&app, &app.client, "/seguridad/sesiones/cerrar-otras/").await;
    assert_is_redirect_to(&response, "/seguridad/");
    assert_eq!(status(get_with(&other, &app.url("/dashboard/"))).await, 303);
    let again = post_from_security(&app, &app.client, "/seguridad/sesiones/cerrar-otras/").await;
    assert_is_redirect_to(&again, "/reautenticar/?next=%2Fseguridad%2F");
}

#[tokio::test]
async fn a_sign_in_older_than_the_window_needs_the_password_again() {
    let (app, user) = spawn_logged_in("admin").await;
    let _other = second_browser(&app, &user).await;
    app.clock.advance(Duration::from_secs(11 * 60));
    let response = post_from_security(&app, &app.client, "/seguridad/sesiones/cerrar-otras/").await;
    assert_is_redirect_to(&response, "/reautenticar/?next=%2Fseguridad%2F");
    // Wrong passwords count toward the sign-in throttle like any other.
    for _ in 0..10 {
        app.post_form("/reautenticar/", &[("password", "wrong")])
            .await;
    }
    let response = app
        .post_form("/reautenticar/", &[("password", &user.password)])
        .await;
    assert_eq!(response.status().as_u16(), 429);
}

#[tokio::test]
async fn not_me_ends_everything_disables_the_password_and_mails_a_reset_link() {
    let (app, user) = spawn_logged_in("admin").await;
    let other = second_browser(&app, &user).await;
    let hash_before = app
        .db(move |c| {
            users::table
                .find(user.id)
                .select(users::password_hash)
                .first::<String>(c)
        })
        .unwrap();
    let response = post_from_security(&app, &app.client, "/seguridad/no-fui-yo/").await;
    assert_is_redirect_to(&response, "/login/");
    let page = app.get_page("/login/").await;
    assert!(page.contains("Cerramos todas tus sesiones"), "{page}");
    for client in [&app.client, &other] {
        assert_eq!(status(get_with(client, &app.url("/dashboard/"))).await, 303);
    }
    assert!(public_ids(&app, user.id).is_empty());
    // The old password no longer works.
    let response = app.login("ana", &user.password).await;
    assert_eq!(response.status().as_u16(), 422);
    let hash = app
        .db(move |c| {
            users::table
                .find(user.id)
                .select(users::password_hash)
                .first::<String>(c)
        })
        .unwrap();
    assert_ne!(hash, hash_before);
    // The mailed link sets a new password, which works.
    let link = app.link_in_mail_to(&user.email, 1).await;
    assert!(link.starts_with("/restablecer-password/"), "{link}");
    let mail = app.mails_to(&user.email).pop().unwrap();
    assert!(mail.subject.contains("Protegimos"), "{}", mail.subject);
    assert_is_redirect_to(&app.get(&link).await, "/restablecer-password/");
    let response = app
        .post_form(
            "/restablecer-password/",
            &[
                ("new_password1", "Otra-Clave-Nueva-2026"),
                ("new_password2", "Otra-Clave-Nueva-2026"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_is_redirect_to(
        &app.login("ana", "Otra-Clave-Nueva-2026").await,
        "/dashboard/",
    );
    assert!(event_kinds(&app, user.id).contains(&"account_locked_down".to_owned()));
}

#[tokio::test]
async fn the_history_pages_by_twenty_and_names_the_admin() {
    let (app, boss) = spawn_logged_in("admin").await;
    let _ = boss;
    let member = app.create_user("vende", "vendedor").await;
    let admin_id = boss.id;
    app.db(move |c| {
        diesel::update(users::table.find(member.id))
            .set(users::manager_id.eq(Some(admin_id)))
            .execute(c)
    })
    .unwrap();
    let now = chrono::Utc::now().naive_utc();
    let member_id = member.id;
    app.db(move |c| {
        for i in 0..25 {
            diesel::insert_into(security_events::table)
                .values((
                    security_events::user_id.eq(member_id),
                    security_events::actor_id.eq(Some(admin_id)),
                    security_events::kind.eq(if i == 0 {
                        "deactivated"
                    } else {
                        "tutorial_reset"
                    }),
                    security_events::client_address.eq("192.0.2.7"),
                    security_events::user_agent.eq(CHROME_LINUX),
                    security_events::created_at.eq(now - chrono::TimeDelta::minutes(60 - i)),
                    security_events::details.eq("{}"),
                ))
                .execute(c)?;
        }
        Ok(())
    })
    .unwrap();
    let client = browser(CHROME_LINUX);
    app.log_in_with(&client, &member).await;
    let first = app.get_page_with(&client, "/seguridad/").await;
    let document = scraper::Html::parse_document(&first);
    let items = scraper::Selector::parse("#history li").unwrap();
    assert_eq!(document.select(&items).count(), 20);
    assert!(first.contains("Inicio de sesión"), "the newest first");
    assert!(first.contains("por ana"), "the admin is named");
    assert!(first.contains("?pagina=2"));
    let second = app.get_page_with(&client, "/seguridad/?pagina=2").await;
    let document = scraper::Html::parse_document(&second);
    assert_eq!(document.select(&items).count(), 6);
    assert!(second.contains("Cuenta desactivada"), "the oldest last");
    assert!(second.contains("?pagina=1"));
    assert!(!second.contains("?pagina=3"));
    // Nonsense page numbers are page 1, never an error.
    for page in ["0", "-3", "abc", "99999999999999999999", ""] {
        let path = format!("/seguridad/?pagina={page}");
        assert_eq!(
            status(get_with(&client, &app.url(&path))).await,
            200,
            "{page}"
        );
    }
}

#[tokio::test]
async fn remember_me_makes_the_cookie_persist_and_the_session_outlive_idleness() {
    let (app, user) = crate::helpers::spawn_with_user("ana", "admin").await;
    // Without it: a browser-session cookie.
    let plain = app.login("ana", &user.password).await;
    let cookie = set_cookie(&plain, "cuentas_session").unwrap();
    assert!(!cookie.contains("Max-Age"), "{cookie}");
    // With it: the cookie lasts the 30 days, and so does the session, idle or not.
    let remembered = browser(CHROME_LINUX);
    let response = app
        .post_form_with(
            &remembered,
            "/login/",
            &[
                ("login", "ana"),
                ("password", &user.password),
                ("recordarme", "on"),
            ],
        )
        .await;
    assert_is_redirect_to(&response, "/dashboard/");
    let cookie = set_cookie(&response, "cuentas_session").unwrap();
    let max_age: i64 = cookie
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Max-Age="))
        .expect("Max-Age")
        .parse()
        .unwrap();
    assert!(
        (30 * 86_400 - 60..=30 * 86_400).contains(&max_age),
        "{cookie}"
    );
    let page = app.get_page_with(&remembered, "/seguridad/").await;
    assert!(page.contains("Recordada hasta"));
    app.clock.advance(Duration::from_secs(20 * 86_400));
    assert_eq!(
        status(get_with(&remembered, &app.url("/dashboard/"))).await,
        200
    );
    assert_eq!(
        app.status_of("/dashboard/").await,
        303,
        "the plain one timed out"
    );
    app.clock.advance(Duration::from_secs(11 * 86_400));
    assert_eq!(
        status(get_with(&remembered, &app.url("/dashboard/"))).await,
        303
    );
}

#[tokio::test]
async fn a_sign_in_from_a_new_browser_mails_the_owner_once() {
    let (app, user) = spawn_logged_in("admin").await;
    assert!(
        app.mails_to(&user.email).is_empty(),
        "the first sign-in is no news"
    );
    let chrome = browser(CHROME_LINUX);
    app.log_in_with(&chrome, &user).await;
    let mail = app.wait_for_mail_to(&user.email, 0).await;
    assert!(
        mail.subject.contains("Nuevo inicio de sesión"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("Chrome en Linux"));
    assert!(mail.text.contains("127.0.0.1"));
    assert!(mail.text.contains("/seguridad/"));
    // The same browser again: no second mail.
    let logout_page = app.get_page_with(&chrome, "/dashboard/").await;
    chrome
        .post(app.url("/logout/"))
        .form(&[("csrf_token", csrf_token_in(&logout_page))])
        .send()
        .await
        .unwrap();
    app.log_in_with(&chrome, &user).await;
    app.wait_for_outbox_drained().await;
    assert_eq!(app.mails_to(&user.email).len(), 1);
}

#[tokio::test]
async fn the_centre_needs_a_sign_in() {
    let app = crate::helpers::spawn_app().await;
    crate::helpers::assert_is_sent_to_login(&app.get("/seguridad/").await, "/seguridad/");
    let response = app.post_form("/seguridad/no-fui-yo/", &[]).await;
    assert_eq!(response.status().as_u16(), 303);
}
