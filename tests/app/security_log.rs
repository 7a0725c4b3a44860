//! The security log: each operation that changes an account's security writes one
//! `security_events` row with the change; old rows are purged by the maintenance loop.

use std::time::Duration;

use cuentas::db::schema::{security_events, users};
use cuentas::db::security_events::{EventKind, SecurityEvent};
use diesel::prelude::*;

use crate::helpers::{
    TestApp, assert_is_redirect_to, link_path, new_client, spawn_app, spawn_app_with,
    spawn_logged_in, spawn_with_user, status, with,
};
use crate::profile::{submit, valid};

/// The user's events, oldest first: (kind, actor).
fn events_of(app: &TestApp, user_id: i32) -> Vec<(EventKind, Option<i32>)> {
    let mut events = app
        .db(|c| SecurityEvent::list_for_user(c, user_id, 0, 100))
        .unwrap();
    events.reverse();
    events.into_iter().map(|e| (e.kind, e.actor_id)).collect()
}

fn kinds_of(app: &TestApp, user_id: i32) -> Vec<EventKind> {
    events_of(app, user_id)
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

fn all_events(app: &TestApp) -> i64 {
    app.db(|c| security_events::table.count().get_result(c))
        .unwrap()
}

fn id_of(app: &TestApp, username: &str) -> i32 {
    let normalized = username.to_lowercase();
    app.db(|c| {
        users::table
            .filter(users::username_normalized.eq(normalized))
            .select(users::id)
            .get_result(c)
    })
    .unwrap()
}

/// Opens a mailed link the way a person does: a GET, and when the page asks for a click, the
/// button's POST.
async fn open_link(app: &TestApp, client: &reqwest::Client, path: &str) {
    let opened = app.get_with_client(client, path).await;
    if opened.status().as_u16() == 200 {
        let response = app.post_form_with(client, path, &[]).await;
        assert_eq!(response.status().as_u16(), 303, "{path}");
    } else {
        assert_eq!(opened.status().as_u16(), 303, "{path}");
    }
}

#[tokio::test]
async fn a_sign_in_and_a_failed_one_are_recorded_with_the_client_but_unknown_logins_leave_no_row() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    assert_eq!(app.login("zoe", "not-the-password-1").await.status(), 422);
    assert_eq!(all_events(&app), 0);

    assert_eq!(app.login("ana", "not-the-password-1").await.status(), 422);
    app.log_in_with(&app.client, &user).await;
    assert_eq!(
        kinds_of(&app, user.id),
        [EventKind::SignInFailed, EventKind::SignedIn]
    );
    let events = app
        .db(|c| SecurityEvent::list_for_user(c, user.id, 0, 10))
        .unwrap();
    // Newest first.
    assert_eq!(events[0].kind, EventKind::SignedIn);
    assert_eq!(events[0].client_address, "127.0.0.1");
    assert_eq!(events[0].actor_id, None);
    assert!(
        events[1].details.contains("wrong_password"),
        "{}",
        events[1].details
    );
    // Nothing typed is kept.
    for event in &events {
        assert!(!event.details.contains("not-the-password"));
        assert!(!event.details.contains(&user.password));
    }
    // Paged.
    let second_page = app
        .db(|c| SecurityEvent::list_for_user(c, user.id, 1, 10))
        .unwrap();
    assert_eq!(second_page.len(), 1);
    assert_eq!(second_page[0].kind, EventKind::SignInFailed);
}

#[tokio::test]
async fn a_lockout_is_recorded_once_however_many_attempts_it_refuses() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    for _ in 0..5 {
        assert_eq!(app.login("ana", "not-the-password-1").await.status(), 422);
    }
    for _ in 0..3 {
        assert_eq!(app.login("ana", "not-the-password-1").await.status(), 429);
    }
    let kinds = kinds_of(&app, user.id);
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    assert_eq!(kinds[5], EventKind::SignInLocked);
    // A lockout of a login no account has leaves nothing.
    for _ in 0..6 {
        app.login("zoe", "not-the-password-1").await;
    }
    assert_eq!(all_events(&app), 6);
}

#[tokio::test]
async fn a_password_change_and_a_reset_are_recorded_with_the_change() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let new_password = "Otoño-Lluvioso-2031";
    let changed = app
        .change_password_with(&app.client, &user.password, new_password, new_password)
        .await;
    assert_eq!(changed.status().as_u16(), 303);

    let client = new_client();
    let asked = app
        .post_form_with(&client, "/recuperar-password/", &[("email", &user.email)])
        .await;
    assert_eq!(asked.status().as_u16(), 303);
    // The first mail is the notice of the change.
    let link = link_path(&app.wait_for_mail_to(&user.email, 1).await);
    app.get_with_client(&client, &link).await;
    let reset = app
        .post_form_with(
            &client,
            "/restablecer-password/",
            &[
                ("new_password1", "Marea-Tranquila-2032"),
                ("new_password2", "Marea-Tranquila-2032"),
            ],
        )
        .await;
    assert_is_redirect_to(&reset, "/login/");
    assert_eq!(
        kinds_of(&app, user.id),
        [
            EventKind::SignedIn,
            EventKind::PasswordChanged,
            EventKind::PasswordReset
        ]
    );
}

#[tokio::test]
async fn sign_up_verification_and_an_address_change_are_recorded() {
    let app = spawn_app().await;
    let client = new_client();
    let password = "Vela-Roja-Tarde-42";
    let signed_up = app
        .post_form_with(
            &client,
            "/registro/",
            &[
                ("username", "nueva"),
                ("email", "nueva@example.com"),
                ("password1", password),
                ("password2", password),
            ],
        )
        .await;
    assert_eq!(signed_up.status().as_u16(), 303);
    let id = id_of(&app, "nueva");
    assert_eq!(kinds_of(&app, id), [EventKind::SignedUp]);
    let verify = link_path(&app.wait_for_mail_to("nueva@example.com", 0).await);
    open_link(&app, &client, &verify).await;
    assert_eq!(
        kinds_of(&app, id),
        [EventKind::SignedUp, EventKind::EmailVerified]
    );

    let user = app.logged_in("vendedor").await;
    let fields = with(
        with(valid(&user), "email", "otra@example.com"),
        "password_actual",
        &user.password,
    );
    assert_is_redirect_to(&submit(&app, &fields).await, "/perfil/");
    let confirm = link_path(&app.wait_for_mail_to("otra@example.com", 0).await);
    open_link(&app, &new_client(), &confirm).await;
    assert_eq!(
        kinds_of(&app, user.id),
        [
            EventKind::SignedIn,
            EventKind::EmailChangeRequested,
            EventKind::EmailChanged
        ]
    );
}

#[tokio::test]
async fn team_actions_are_recorded_on_the_vendedor_with_the_admin_as_actor() {
    let (app, admin) = spawn_logged_in("admin").await;
    let created = app
        .post_form(
            "/equipo/",
            &[
                ("username", "vera"),
                ("email", "vera@example.com"),
                ("first_name", "Vera"),
                ("last_name", "Luz"),
            ],
        )
        .await;
    assert_is_redirect_to(&created, "/equipo/");
    let vera = id_of(&app, "vera");
    for action in [
        "desactivar",
        "activar",
        "restablecer-password",
        "reiniciar-tutorial",
    ] {
        let acted = app
            .post_form(&format!("/equipo/{vera}/{action}/"), &[])
            .await;
        assert_is_redirect_to(&acted, "/equipo/");
    }
    let by_admin = Some(admin.id);
    assert_eq!(
        events_of(&app, vera),
        [
            (EventKind::VendedorCreated, by_admin),
            (EventKind::Deactivated, by_admin),
            (EventKind::Activated, by_admin),
            (EventKind::TemporaryPasswordSet, by_admin),
            (EventKind::TutorialReset, by_admin),
        ]
    );
    // Someone else's vendedor: refused, and nothing recorded.
    let before = all_events(&app);
    assert_eq!(
        status(app.post_form(&format!("/equipo/{}/desactivar/", admin.id), &[])).await,
        404
    );
    assert_eq!(all_events(&app), before);
}

#[tokio::test]
async fn events_past_the_retention_are_purged_by_the_maintenance_loop() {
    let app = spawn_app_with(|settings| {
        settings.security_events_retention = Duration::from_secs(10 * 24 * 3600);
    })
    .await;
    let user = app.create_user("ana", "admin").await;
    app.log_in_with(&app.client, &user).await;
    app.clock.advance(Duration::from_secs(9 * 24 * 3600));
    app.log_in_with(&new_client(), &user).await;
    assert_eq!(kinds_of(&app, user.id).len(), 2);

    // Two days on, the first sign-in is eleven days old and the second seven.
    app.clock.advance(Duration::from_secs(2 * 24 * 3600));
    app.outbox.wake();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while kinds_of(&app, user.id).len() > 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the old event was not purged"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(kinds_of(&app, user.id), [EventKind::SignedIn]);
}
