//! `GET /perfil/` reads the session and the page's rows in one statement: the identity
//! middleware reads them ahead (`accounts::profile::resolve_with_page`). The page must be the
//! one the two reads gave before, and a session that fails its checks, or a user held by the
//! forced password change or the required two-step set-up, must get nothing of it.

use chrono::TimeDelta;
use cuentas::db::profile_page::{ProfilePageKey, ProfilePageRows};
use cuentas::db::schema::{invoice_settings, one_time_tokens, pending_photos, user_sessions};
use cuentas::db::tokens::{OneTimeToken, Purpose};
use diesel::prelude::*;

use crate::helpers::{
    assert_is_redirect_to, assert_is_sent_to_login, new_client, spawn_app, spawn_app_with,
};

/// A photo kept for `session` (of `user_id`), made `minutes_ago`.
fn keep_photo(app: &crate::helpers::TestApp, session: &str, user_id: i32, minutes_ago: i64) {
    let created_at = app.clock.now() - TimeDelta::minutes(minutes_ago);
    app.db(|c| {
        diesel::insert_into(pending_photos::table)
            .values((
                pending_photos::session_id.eq(session),
                pending_photos::user_id.eq(user_id),
                pending_photos::jpeg.eq(vec![0xff_u8, 0xd8]),
                pending_photos::created_at.eq(created_at),
            ))
            .execute(c)
    })
    .expect("kept photo");
}

fn sessions_of(app: &crate::helpers::TestApp, user_id: i32) -> Vec<String> {
    app.db(|c| {
        user_sessions::table
            .filter(user_sessions::user_id.eq(user_id))
            .order(user_sessions::created_at)
            .select(user_sessions::id)
            .load(c)
    })
    .expect("sessions")
}

#[tokio::test]
async fn the_rows_read_with_the_session_are_those_read_alone() {
    let app = spawn_app().await;
    let ana = app.logged_in_as("ana", "admin").await;
    let second = new_client();
    app.log_in_with(&second, &ana).await;
    let beto = app.create_user("beto", "vendedor").await;
    app.log_in_with(&new_client(), &beto).await;
    let [ana_first, ana_second] = <[String; 2]>::try_from(sessions_of(&app, ana.id)).unwrap();
    let [beto_session] = <[String; 1]>::try_from(sessions_of(&app, beto.id)).unwrap();
    let now = app.clock.now();
    // Ana: a live address change, after a used and an expired one; a photo kept for her first
    // session and an old one for her second. Beto: an address change and a photo of his own.
    app.db(|c| {
        let hour = std::time::Duration::from_secs(3600);
        OneTimeToken::issue(
            c,
            Purpose::ChangeEmail,
            ana.id,
            "viejo@example.com",
            now,
            hour,
        )?;
        diesel::update(one_time_tokens::table)
            .set(one_time_tokens::used_at.eq(Some(now)))
            .execute(c)?;
        let long_ago = now - TimeDelta::hours(5);
        OneTimeToken::issue(
            c,
            Purpose::ChangeEmail,
            ana.id,
            "x@example.com",
            long_ago,
            hour,
        )?;
        OneTimeToken::issue(
            c,
            Purpose::ChangeEmail,
            ana.id,
            "nuevo@example.com",
            now,
            hour,
        )?;
        OneTimeToken::issue(
            c,
            Purpose::ChangeEmail,
            beto.id,
            "beto2@example.com",
            now,
            hour,
        )
    })
    .expect("tokens");
    keep_photo(&app, &ana_first, ana.id, 1);
    keep_photo(&app, &ana_second, ana.id, 31);
    keep_photo(&app, &beto_session, beto.id, 1);
    // Ana saved her invoice settings; Beto has none.
    assert_eq!(app.get("/perfil/").await.status().as_u16(), 200);

    let photos_since = now - cuentas::db::pending_photos::LIFETIME;
    let cases = [
        (&ana_first, ana.id, Some("nuevo@example.com"), true),
        (&ana_second, ana.id, Some("nuevo@example.com"), false),
        (&beto_session, beto.id, Some("beto2@example.com"), true),
    ];
    for (session, user_id, pending_email, pending_photo) in cases {
        let (row, user, together) = app
            .db(|c| ProfilePageRows::read_with_session(c, session, now, photos_since))
            .expect("read")
            .expect("an open session");
        assert_eq!((&row.id, row.user_id, user.id), (session, user_id, user_id));
        let key = ProfilePageKey {
            user_id,
            session_id: session,
            now,
            photos_since,
        };
        let alone = app
            .db(|c| ProfilePageRows::read(c, key, true))
            .expect("read alone");
        assert_eq!(together.pending_email.as_deref(), pending_email);
        assert_eq!(together.pending_email, alone.pending_email);
        assert_eq!(together.pending_photo, pending_photo);
        assert_eq!(together.pending_photo, alone.pending_photo);
        let company = |rows: &ProfilePageRows| rows.invoice.as_ref().map(|i| i.admin_id);
        assert_eq!(company(&together), company(&alone));
        assert_eq!(company(&together), (user_id == ana.id).then_some(ana.id));
    }
    // A revoked session brings nothing, whatever its rows.
    app.db(|c| {
        diesel::update(user_sessions::table.find(&ana_first))
            .set(user_sessions::revoked_at.eq(Some(now)))
            .execute(c)
    })
    .expect("revoke");
    let found = app
        .db(|c| ProfilePageRows::read_with_session(c, &ana_first, now, photos_since))
        .expect("read");
    assert!(found.is_none());
}

#[tokio::test]
async fn an_ended_session_gets_the_sign_in_page_and_none_of_the_profile() {
    let app = spawn_app().await;
    let ana = app.logged_in_as("ana", "admin").await;
    assert_eq!(app.get("/perfil/").await.status().as_u16(), 200);
    // Signed out everywhere from another browser: this browser's cookie names a revoked row.
    let other = new_client();
    app.log_in_with(&other, &ana).await;
    let response = app
        .post_form_with(&other, "/seguridad/sesiones/cerrar-otras/", &[])
        .await;
    assert_is_redirect_to(&response, "/seguridad/");
    let response = app.get("/perfil/").await;
    assert_is_sent_to_login(&response, "/perfil/");
    // The identity left the cookie: the next page is anonymous too, without another check.
    assert_is_sent_to_login(&app.get("/perfil/").await, "/perfil/");
}

#[tokio::test]
async fn a_held_admin_is_sent_to_set_up_two_step_and_nothing_is_written() {
    let app = spawn_app_with(|s| s.require_two_step_admins = true).await;
    let ana = app.create_user("ana", "admin").await;
    app.db(|c| diesel::delete(invoice_settings::table).execute(c))
        .expect("no settings yet");
    let client = new_client();
    app.log_in_with(&client, &ana).await;
    let response = app.get_with_client(&client, "/perfil/").await;
    assert_is_redirect_to(&response, "/seguridad/dos-pasos/");
    // The first sight of an admin's page makes the invoice settings; this was no sight.
    let rows: i64 = app
        .db(|c| invoice_settings::table.count().get_result(c))
        .expect("count");
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn a_user_under_a_forced_change_is_sent_to_change_it_and_nothing_is_written() {
    let app = spawn_app().await;
    let ana = app.create_user("ana", "admin").await;
    app.db(|c| diesel::delete(invoice_settings::table).execute(c))
        .expect("no settings yet");
    let client = new_client();
    app.log_in_with(&client, &ana).await;
    app.require_password_change(ana.id);
    let response = app.get_with_client(&client, "/perfil/").await;
    assert_is_redirect_to(&response, "/cambiar-password/");
    let rows: i64 = app
        .db(|c| invoice_settings::table.count().get_result(c))
        .expect("count");
    assert_eq!(rows, 0);
    // Once free, the page shows and its first sight makes the settings.
    app.update_user(
        ana.id,
        cuentas::db::schema::users::must_change_password.eq(false),
    );
    let response = app.get_with_client(&client, "/perfil/").await;
    assert_eq!(response.status().as_u16(), 200);
    let rows: i64 = app
        .db(|c| invoice_settings::table.count().get_result(c))
        .expect("count");
    assert_eq!(rows, 1);
}
