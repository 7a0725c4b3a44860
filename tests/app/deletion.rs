//! Deleting an account: `GET, POST /cuenta/eliminar/`, the grace period, the restore at
//! sign-in (`POST /cuenta/restaurar/`) and by the mailed link (`/cuenta/restaurar/{token}/`),
//! the purge (timer, CLI, two at once) and the team's deletions (`/equipo/{id}/eliminar/`).

use std::time::Duration;

use chrono::TimeDelta;
use cuentas::db::schema::{invoice_settings, known_browsers, security_events, users};
use cuentas::db::security_events::EventKind;
use cuentas::db::users::User;
use diesel::prelude::*;
use reqwest::Client;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_is_sent_to_login, assert_status_with_text,
    body_of, link_path, new_client, set_cookie, spawn_app, spawn_app_with, spawn_logged_in_as,
};
use cuentas::mail::SentMail;

const DELETE: &str = "/cuenta/eliminar/";
const RESTORE: &str = "/cuenta/restaurar/";

/// The deletion form filled in as `user` would.
fn confirmation(user: &TestUser) -> [(&'static str, String); 2] {
    [
        ("confirmar_email", user.email.clone()),
        ("password", user.password.clone()),
    ]
}

async fn delete_account(app: &TestApp, client: &Client, user: &TestUser) -> reqwest::Response {
    app.post_fields(client, DELETE, &confirmation(user)).await
}

/// `vendedor` joins `admin`'s team.
fn join_team(app: &TestApp, vendedor: &TestUser, admin: &TestUser) {
    app.update_user(vendedor.id, users::manager_id.eq(admin.id));
}

fn purge_after(app: &TestApp, id: i32) -> Option<chrono::NaiveDateTime> {
    app.user(id).purge_after
}

fn exists(app: &TestApp, id: i32) -> bool {
    app.db(|c| User::find(c, id)).unwrap().is_some()
}

/// The kinds of the user's events and who acted, oldest first.
fn events_of(app: &TestApp, id: i32) -> Vec<(String, Option<i32>)> {
    app.db(|c| {
        security_events::table
            .filter(security_events::user_id.eq(id))
            .order(security_events::id)
            .select((security_events::kind, security_events::actor_id))
            .load(c)
    })
    .unwrap()
}

/// The deletion mail to `user` (other mails, like new-browser notices, are skipped).
async fn deletion_mail(app: &TestApp, user: &TestUser) -> SentMail {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let found = app.mails_to(&user.email).into_iter().find(|mail| {
            mail.link
                .as_deref()
                .is_some_and(|link| link.contains(RESTORE))
        });
        if let Some(mail) = found {
            return mail;
        }
        assert!(std::time::Instant::now() < deadline, "no deletion mail");
        app.outbox.wake();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The path of the restore link in the deletion mail to `user`.
async fn restore_link(app: &TestApp, user: &TestUser) -> String {
    link_path(&deletion_mail(app, user).await)
}

/// Runs the purge as an instance's timer does, on the app's clock.
async fn purge(app: &TestApp) -> usize {
    let now = app.clock_now();
    cuentas::accounts::deletion::purge_due(&app.pool, &app.media(), now)
        .await
        .unwrap()
}

trait Now {
    fn clock_now(&self) -> chrono::NaiveDateTime;
}

impl Now for TestApp {
    fn clock_now(&self) -> chrono::NaiveDateTime {
        // The app's clock is real time plus what the test advanced; one second more covers
        // an account marked during this very second.
        self.clock.now() + TimeDelta::seconds(1)
    }
}

#[tokio::test]
async fn the_page_says_what_goes_names_the_team_and_gives_the_date() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    for (name, first) in [("vera", "Vera"), ("tomas", "Tomás")] {
        let member = app.create_user(name, "vendedor").await;
        join_team(&app, &member, &admin);
        app.update_user(member.id, users::first_name.eq(first));
    }
    let outsider = app.create_user("ajeno", "vendedor").await;
    let _ = outsider;
    app.post_form(
        "/perfil/",
        &[("guardar_factura", "1"), ("nombre_empresa", "Tienda")],
    )
    .await;
    let date = purge_day();
    let page = app
        .assert_page_says(
            DELETE,
            &[
                "datos de factura",
                "Tus 2 vendedores",
                "Vera (vera)",
                "Tomás (tomas)",
                &date,
            ],
        )
        .await;
    assert!(!page.contains("ajeno"), "only their own team is named");
    // The profile links to it.
    app.assert_page_says("/perfil/", &["href=\"/cuenta/eliminar/\""])
        .await;
    // A vendedor's page names no team and no invoice settings.
    let (app, _) = spawn_logged_in_as("vera", "vendedor").await;
    let page = app.get_page(DELETE).await;
    assert!(!page.contains("datos de factura") && !page.contains("vendedores ("));
    assert!(page.contains(&date));
}

#[tokio::test]
async fn the_page_needs_a_sign_in_and_the_form_its_csrf_token() {
    let app = spawn_app().await;
    assert_is_sent_to_login(&app.get(DELETE).await, DELETE);
    let user = app.logged_in("admin").await;
    let fields = confirmation(&user);
    let raw: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = app.post_raw(DELETE, &raw, &[]).await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(purge_after(&app, user.id), None);
}

#[tokio::test]
async fn a_wrong_or_missing_confirmation_changes_nothing_and_shows_errors_by_the_fields() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    let epoch = app.user(user.id).session_epoch;
    let cases: [(&str, &str, &str, &str); 4] = [
        (
            "otra@example.com",
            &user.password,
            "confirmar_email",
            "No es el correo de tu cuenta",
        ),
        (
            &user.email,
            "Clave-Equivocada-1",
            "password",
            "La contraseña no es correcta",
        ),
        (
            "",
            &user.password,
            "confirmar_email",
            "Este campo es obligatorio",
        ),
        (&user.email, "", "password", "Este campo es obligatorio"),
    ];
    for (email, password, field, message) in cases {
        let response = app
            .post_form(
                DELETE,
                &[("confirmar_email", email), ("password", password)],
            )
            .await;
        let page = assert_status_with_text(response, 422, message).await;
        let described = regex::Regex::new(&format!(
            r#"id="{field}"[^>]*aria-describedby="[^"]*{field}-error""#
        ))
        .unwrap();
        assert!(described.is_match(&page), "{field}: {page}");
        assert!(page.contains(&format!("id=\"{field}-error\"")));
        assert!(page.contains("error-summary"));
        // The typed address is kept; the password never is.
        assert!(page.contains(&format!("value=\"{email}\"")));
    }
    // The address is compared as the account stores it: case and spaces do not matter.
    let typed = format!("  {}  ", user.email.to_uppercase());
    let response = app
        .post_form(
            DELETE,
            &[
                ("confirmar_email", &typed),
                ("password", "Clave-Equivocada-1"),
            ],
        )
        .await;
    let page = body_of(response).await;
    assert!(!page.contains("No es el correo de tu cuenta"));
    let now = app.user(user.id);
    assert_eq!((now.purge_after, now.session_epoch), (None, epoch));
    assert!(app.mails_to(&user.email).is_empty());
    assert_eq!(app.status_of("/dashboard/").await, 200, "still signed in");
}

#[tokio::test]
async fn guessing_the_password_on_the_form_is_throttled_like_a_sign_in() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    let mut statuses = Vec::new();
    for n in 0..12 {
        let wrong = format!("Clave-Equivocada-{n}");
        let response = app
            .post_form(
                DELETE,
                &[("confirmar_email", &user.email), ("password", &wrong)],
            )
            .await;
        statuses.push(response.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(purge_after(&app, user.id), None);
}

#[tokio::test]
async fn deleting_marks_the_account_ends_every_session_and_mails_a_restore_link() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    join_team(&app, &vera, &admin);
    let vera_client = app.new_logged_in_client(&vera).await;
    let admin_elsewhere = app.new_logged_in_client(&admin).await;
    let outsider = app.create_user("otra", "admin").await;
    let outsider_client = app.new_logged_in_client(&outsider).await;

    let response = delete_account(&app, &app.client, &admin).await;
    let date = purge_day();
    let page = assert_status_with_text(response, 200, "Tu cuenta se eliminará").await;
    assert!(page.contains(&date), "{page}");

    let marked = app.user(admin.id);
    let at = marked.purge_after.expect("marked");
    let expected = app.clock.now() + TimeDelta::days(7);
    assert!(
        (expected - at).num_seconds().abs() < 5,
        "{at} vs {expected}"
    );
    assert!(marked.deletion_requested_at.is_some());
    // Every session ends: this browser's (its cookie emptied), the admin's other one, the
    // team's; someone else's stays.
    assert_is_sent_to_login(&app.get("/dashboard/").await, "/dashboard/");
    for client in [&admin_elsewhere, &vera_client] {
        let response = app.get_with_client(client, "/dashboard/").await;
        assert_is_sent_to_login(&response, "/dashboard/");
    }
    let response = app.get_with_client(&outsider_client, "/dashboard/").await;
    assert_eq!(response.status().as_u16(), 200);
    // The mail says the date and holds the link.
    let mail = deletion_mail(&app, &admin).await;
    assert!(mail.text.contains(&date), "{}", mail.text);
    restore_link(&app, &admin).await;
    let kinds: Vec<String> = events_of(&app, admin.id).into_iter().map(|e| e.0).collect();
    assert!(kinds.contains(&EventKind::DeletionRequested.as_str().to_owned()));
}

#[tokio::test]
async fn the_right_password_during_the_grace_period_offers_the_restore_which_signs_in() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    delete_account(&app, &app.client, &user).await;
    let date = purge_day();

    // A wrong password learns nothing.
    let response = app.login(&user.username, "Clave-Equivocada-1").await;
    let page = assert_status_with_text(response, 422, "no son correctos").await;
    assert!(!page.contains(&date) && !page.contains(RESTORE));
    // The right one is told the date and offered the button; it does not sign in.
    let response = app.login(&user.email, &user.password).await;
    let page = assert_status_with_text(response, 403, &date).await;
    assert!(page.contains(&format!("action=\"{RESTORE}\"")), "{page}");
    assert_is_sent_to_login(&app.get("/dashboard/").await, "/dashboard/");

    let response = app.post_form(RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/dashboard/");
    assert_eq!(app.status_of("/dashboard/").await, 200, "signed in");
    let restored = app.user(user.id);
    assert_eq!(
        (restored.purge_after, restored.deletion_requested_at),
        (None, None)
    );
    let kinds: Vec<String> = events_of(&app, user.id).into_iter().map(|e| e.0).collect();
    assert!(kinds.contains(&EventKind::DeletionCancelled.as_str().to_owned()));
    // The mailed link died with the restore.
    let link = restore_link(&app, &user).await;
    assert_eq!(app.status_of(&link).await, 410);
}

#[tokio::test]
async fn the_restore_button_works_only_briefly_after_the_right_password_in_that_browser() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    delete_account(&app, &app.client, &user).await;
    // Without the password first: nothing.
    let response = app
        .post_form(RESTORE, &[("user_id", &user.id.to_string())])
        .await;
    assert_is_redirect_to(&response, "/login/");
    assert!(purge_after(&app, user.id).is_some());
    // Another browser cannot use this one's permission.
    app.login(&user.username, &user.password).await;
    let other = new_client();
    let response = app.post_form_with(&other, RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/login/");
    assert!(purge_after(&app, user.id).is_some());
    // Five minutes later the permission is gone.
    app.clock.advance(Duration::from_secs(6 * 60));
    let response = app.post_form(RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/login/");
    assert!(purge_after(&app, user.id).is_some());
    // And without the CSRF token nothing happens either.
    app.login(&user.username, &user.password).await;
    let response = app.post_raw(RESTORE, &[], &[]).await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(purge_after(&app, user.id).is_some());
}

#[tokio::test]
async fn vendedores_of_an_admin_pending_deletion_cannot_sign_in_until_the_admin_is_restored() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    join_team(&app, &vera, &admin);
    delete_account(&app, &app.client, &admin).await;
    let date = purge_day();

    let vera_client = new_client();
    let response = app
        .login_with(&vera_client, &vera.username, &vera.password)
        .await;
    let page = assert_status_with_text(response, 403, &date).await;
    assert!(page.contains("administrador"), "{page}");
    assert!(
        !page.contains(&format!("action=\"{RESTORE}\"")),
        "no restore for the team"
    );
    let response = app.post_form_with(&vera_client, RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/login/");
    assert!(purge_after(&app, admin.id).is_some());
    assert_eq!(
        purge_after(&app, vera.id),
        None,
        "the team itself is not marked"
    );

    // The admin restores from the mail; the team signs in again.
    let link = restore_link(&app, &admin).await;
    let response = app.confirm_link_with(&new_client(), &link).await;
    assert_is_redirect_to(&response, "/login/");
    app.log_in_with(&vera_client, &vera).await;
}

#[tokio::test]
async fn the_mailed_link_restores_without_signing_in_and_works_once() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    delete_account(&app, &app.client, &user).await;
    let link = restore_link(&app, &user).await;
    // Opening it changes nothing.
    let anonymous = new_client();
    let page = app.get_page_with(&anonymous, &link).await;
    assert!(page.contains(&format!("action=\"{link}\"")));
    assert!(purge_after(&app, user.id).is_some());
    // A tampered token is a dead link.
    let tampered = format!("{}x/", link.trim_end_matches('/'));
    let response = app.get_with_client(&anonymous, &tampered).await;
    assert_eq!(response.status().as_u16(), 410);
    let response = app.post_form_with(&anonymous, &tampered, &[]).await;
    assert_eq!(response.status().as_u16(), 410);
    assert!(purge_after(&app, user.id).is_some());

    let response = app.confirm_link_with(&anonymous, &link).await;
    assert_is_redirect_to(&response, "/login/");
    assert_eq!(
        response.headers().get("referrer-policy").unwrap(),
        "no-referrer"
    );
    assert_eq!(purge_after(&app, user.id), None);
    assert_is_sent_to_login(
        &app.get_with_client(&anonymous, "/dashboard/").await,
        "/dashboard/",
    );
    // Used: gone.
    assert_eq!(
        app.get_with_client(&anonymous, &link)
            .await
            .status()
            .as_u16(),
        410
    );
    let response = app.post_form_with(&anonymous, &link, &[]).await;
    assert_eq!(response.status().as_u16(), 410);
    // The account signs in as before.
    app.log_in_with(&new_client(), &user).await;
}

#[tokio::test]
async fn past_the_date_nothing_restores_the_account_and_the_purge_removes_it() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    delete_account(&app, &app.client, &user).await;
    let link = restore_link(&app, &user).await;
    // The date passes (moved in the database: moving the clock would let the app's own
    // timer purge it first); the purge has not run yet.
    let past = app.clock.now() - TimeDelta::minutes(1);
    app.update_user(user.id, users::purge_after.eq(Some(past)));
    assert_eq!(app.status_of(&link).await, 410);
    let response = app.post_form(&link, &[]).await;
    assert_eq!(response.status().as_u16(), 410);
    // Nor does the password offer anything.
    let response = app.login(&user.username, &user.password).await;
    assert_eq!(response.status().as_u16(), 403);
    let response = app.post_form(RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/login/");
    assert_eq!(purge(&app).await, 1);
    assert!(!exists(&app, user.id));
    assert_eq!(app.status_of(&link).await, 410);
    let response = app.post_form(&link, &[]).await;
    assert_eq!(response.status().as_u16(), 410);
    let response = app.login(&user.username, &user.password).await;
    assert_status_with_text(response, 422, "no son correctos").await;
}

#[tokio::test]
async fn the_mailed_link_dies_with_the_grace_period() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    delete_account(&app, &app.client, &user).await;
    let link = restore_link(&app, &user).await;
    assert_eq!(app.status_of(&link).await, 200);
    app.clock.advance(Duration::from_secs(7 * 24 * 3600 + 60));
    // Expired, or purged by the app's timer meanwhile: gone either way.
    assert_eq!(app.status_of(&link).await, 410);
    let response = app.post_form(&link, &[]).await;
    assert_eq!(response.status().as_u16(), 410);
}

/// Every table of the database, but the migrations' own.
fn tables(app: &TestApp) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let sql = if app.settings.database_url.starts_with("postgres") {
        "SELECT table_name AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    };
    let names: Vec<Name> = app.db(|c| diesel::sql_query(sql).load(c)).unwrap();
    names
        .into_iter()
        .map(|n| n.name)
        .filter(|n| n != "__diesel_schema_migrations")
        .collect()
}

fn columns(app: &TestApp, table: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let sql = if app.settings.database_url.starts_with("postgres") {
        format!(
            "SELECT column_name AS name FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = '{table}'"
        )
    } else {
        format!("SELECT name FROM pragma_table_info('{table}')")
    };
    let names: Vec<Name> = app.db(|c| diesel::sql_query(sql).load(c)).unwrap();
    names.into_iter().map(|n| n.name).collect()
}

/// How many rows of any table name `user`: their id in a column that names a user (`id` of
/// `users`, `*user_id`, `actor_id`, `admin_id`, `manager_id`), or their address or username
/// anywhere in a text.
fn rows_naming(app: &TestApp, user: &TestUser) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut found = Vec::new();
    for table in tables(app) {
        for column in columns(app, &table) {
            let names_a_user = (table == "users" && column == "id")
                || column.ends_with("user_id")
                || ["actor_id", "admin_id", "manager_id"].contains(&column.as_str());
            let mut condition = format!(
                "LOWER(CAST(\"{column}\" AS TEXT)) LIKE '%{}%' OR LOWER(CAST(\"{column}\" AS TEXT)) = '{}'",
                user.email,
                user.username.to_lowercase()
            );
            if names_a_user {
                condition = format!("{condition} OR CAST(\"{column}\" AS TEXT) = '{}'", user.id);
            }
            let sql = format!("SELECT COUNT(*) AS n FROM \"{table}\" WHERE {condition}");
            let count: Count = app.db(|c| diesel::sql_query(sql).get_result(c)).unwrap();
            if count.n > 0 {
                found.push(format!("{table}.{column}: {}", count.n));
            }
        }
    }
    found
}

/// A photo file for `user`, as an upload leaves it.
async fn give_photo(app: &TestApp, user: &TestUser) -> String {
    let relative = app
        .media()
        .save(b"\xff\xd8 not really a jpeg".to_vec())
        .await
        .unwrap();
    app.update_user(user.id, users::photo_path.eq(Some(relative.clone())));
    relative
}

async fn photo_files(app: &TestApp) -> Vec<String> {
    app.stored_photos()
        .await
        .into_iter()
        .map(|key| key.trim_start_matches("fotos_perfil/").to_owned())
        .collect()
}

#[tokio::test]
async fn the_purge_leaves_no_row_of_the_account_or_its_team_and_no_photo() {
    let app = spawn_app_with(|s| s.deletion_grace = Duration::ZERO).await;
    let admin = app.logged_in_as("dueña", "admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    join_team(&app, &vera, &admin);
    // Rows of every kind: sessions, known browsers, security events (some by the admin on
    // the vendedor), invoice settings, tokens, outbox rows, throttle counts.
    let vera_client = app.new_logged_in_client(&vera).await;
    app.login_with(&new_client(), &vera.username, "Clave-Equivocada-1")
        .await;
    app.post_form(&format!("/equipo/{}/reiniciar-tutorial/", vera.id), &[])
        .await;
    app.post_form(
        "/perfil/",
        &[("guardar_factura", "1"), ("nombre_empresa", "Tienda")],
    )
    .await;
    app.post_form_with(
        &new_client(),
        "/recuperar-password/",
        &[("email", &vera.email)],
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !app.mails_to(&vera.email).iter().any(|m| {
        m.link
            .as_deref()
            .is_some_and(|l| l.contains("/restablecer-password/"))
    }) {
        assert!(std::time::Instant::now() < deadline, "no reset mail");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = vera_client;
    let admin_photo = give_photo(&app, &admin).await;
    let vera_photo = give_photo(&app, &vera).await;
    // Two-step rows (an app secret and recovery codes) for both.
    for user in [&admin, &vera] {
        let now = app.clock.now();
        app.db(|c| {
            cuentas::db::two_step::TotpSecret::replace(c, user.id, "sealed", 1, now)?;
            cuentas::db::two_step::RecoveryCodes::replace(c, user.id, &["h".to_owned()], now)
        })
        .unwrap();
    }
    // Someone else, who keeps everything.
    let other = app.create_user("otra", "admin").await;
    let other_client = app.new_logged_in_client(&other).await;
    let other_photo = give_photo(&app, &other).await;
    for user in [&admin, &vera] {
        assert!(!rows_naming(&app, user).is_empty());
    }
    let other_rows = rows_naming(&app, &other);
    assert!(
        app.db(|c| known_browsers::table.count().get_result::<i64>(c))
            .unwrap()
            >= 3
    );
    assert_eq!(
        app.db(|c| invoice_settings::table.count().get_result::<i64>(c))
            .unwrap(),
        1
    );

    delete_account(&app, &app.client, &admin).await;
    deletion_mail(&app, &admin).await;
    assert_eq!(purge(&app).await, 2, "the admin and the vendedor");

    for user in [&admin, &vera] {
        assert_eq!(
            rows_naming(&app, user),
            Vec::<String>::new(),
            "{}",
            user.username
        );
    }
    assert_eq!(
        rows_naming(&app, &other),
        other_rows,
        "nothing of others goes"
    );
    let files = photo_files(&app).await;
    let name = |p: &str| p.trim_start_matches("fotos_perfil/").to_owned();
    assert!(!files.contains(&name(&admin_photo)) && !files.contains(&name(&vera_photo)));
    assert!(files.contains(&name(&other_photo)), "{files:?}");
    let response = app.get_with_client(&other_client, "/dashboard/").await;
    assert_eq!(response.status().as_u16(), 200);
    // Nothing more to purge.
    assert_eq!(purge(&app).await, 0);
}

#[tokio::test]
async fn two_purges_at_once_remove_each_account_once_and_count_it_once() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for n in 0..8 {
        let user = app.create_user(&format!("borrar{n}"), "admin").await;
        ids.push(user.id);
    }
    let member = app.create_user("equipo", "vendedor").await;
    app.update_user(member.id, users::manager_id.eq(ids[0]));
    let keep = app.create_user("queda", "admin").await;
    let past = app.clock.now() - TimeDelta::minutes(1);
    app.db(|c| {
        diesel::update(users::table.filter(users::id.eq_any(&ids)))
            .set(users::purge_after.eq(past))
            .execute(c)
    })
    .unwrap();
    // Two instances: each its own pool on the same database, purging at the same moment.
    let url = app.settings.database_url.clone();
    let media = app.media();
    let now = app.clock_now();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (url, media, barrier) = (url.clone(), media.clone(), barrier.clone());
            std::thread::spawn(move || {
                let pool = cuentas::db::connect(&url).unwrap();
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                barrier.wait();
                runtime
                    .block_on(cuentas::accounts::deletion::purge_due(&pool, &media, now))
                    .unwrap()
            })
        })
        .collect();
    let counts: Vec<usize> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    assert_eq!(counts.iter().sum::<usize>(), 9, "{counts:?}");
    for id in ids.iter().chain([&member.id]) {
        assert!(!exists(&app, *id));
    }
    assert!(exists(&app, keep.id));
}

#[tokio::test]
async fn every_instance_purges_on_its_timer_once_the_grace_period_is_over() {
    let app = spawn_app_with(|s| s.deletion_grace = Duration::ZERO).await;
    let user = app.logged_in("admin").await;
    let response = delete_account(&app, &app.client, &user).await;
    let page = assert_status_with_text(response, 200, "Tu cuenta se eliminará").await;
    assert!(!page.contains("error"));
    // Purgeable at once: nothing restores it.
    app.login(&user.username, &user.password).await;
    let response = app.post_form(RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/login/");
    assert!(purge_after(&app, user.id).is_some());
    app.clock.advance(Duration::from_secs(6 * 60));
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while exists(&app, user.id) {
        assert!(
            std::time::Instant::now() < deadline,
            "not purged by the timer"
        );
        app.outbox.wake();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_admin_deletes_and_restores_a_vendedor_of_their_team() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    join_team(&app, &vera, &admin);
    let vera_client = app.new_logged_in_client(&vera).await;
    // The action sits behind the confirmation disclosure.
    let page = app.get_page("/equipo/").await;
    let form = format!("action=\"/equipo/{}/eliminar/\"", vera.id);
    let at = page.find(&form).expect("the delete form");
    let before = &page[..at];
    assert!(before.rfind("<details").unwrap() > before.rfind("</details>").unwrap_or(0));

    let response = app
        .post_form(&format!("/equipo/{}/eliminar/", vera.id), &[])
        .await;
    assert_is_redirect_to(&response, "/equipo/");
    assert!(purge_after(&app, vera.id).is_some());
    let response = app.get_with_client(&vera_client, "/dashboard/").await;
    assert_is_sent_to_login(&response, "/dashboard/");
    let date = purge_day();
    app.assert_page_says(
        "/equipo/",
        &["Se eliminará el", &date, "El vendedor quedó marcado"],
    )
    .await;
    let events = events_of(&app, vera.id);
    assert!(events.contains(&(
        EventKind::DeletionRequested.as_str().to_owned(),
        Some(admin.id)
    )));
    // The vendedor sees the date but cannot restore themselves.
    let response = app
        .login_with(&vera_client, &vera.username, &vera.password)
        .await;
    let page = assert_status_with_text(response, 403, &date).await;
    assert!(!page.contains(&format!("action=\"{RESTORE}\"")));
    // A second delete is 404; the restore brings them back.
    let response = app
        .post_form(&format!("/equipo/{}/eliminar/", vera.id), &[])
        .await;
    assert_eq!(response.status().as_u16(), 404);
    let response = app
        .post_form(&format!("/equipo/{}/restaurar/", vera.id), &[])
        .await;
    assert_is_redirect_to(&response, "/equipo/");
    assert_eq!(purge_after(&app, vera.id), None);
    let events = events_of(&app, vera.id);
    assert!(events.contains(&(
        EventKind::DeletionCancelled.as_str().to_owned(),
        Some(admin.id)
    )));
    app.log_in_with(&vera_client, &vera).await;
    // Restoring someone not pending is 404.
    let response = app
        .post_form(&format!("/equipo/{}/restaurar/", vera.id), &[])
        .await;
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn an_admin_cannot_delete_or_restore_anyone_outside_their_team() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let other_admin = app.create_user("otra", "admin").await;
    let theirs = app.create_user("ajeno", "vendedor").await;
    join_team(&app, &theirs, &other_admin);
    let pending = app.create_user("pendiente", "vendedor").await;
    join_team(&app, &pending, &other_admin);
    // Whole seconds: PostgreSQL keeps microseconds only.
    let later =
        chrono::Timelike::with_nanosecond(&(app.clock.now() + TimeDelta::days(3)), 0).unwrap();
    app.update_user(pending.id, users::purge_after.eq(Some(later)));
    for target in [theirs.id, other_admin.id, admin.id, pending.id, 999_999] {
        for action in ["eliminar", "restaurar"] {
            let response = app
                .post_form(&format!("/equipo/{target}/{action}/"), &[])
                .await;
            assert_eq!(response.status().as_u16(), 404, "{target}/{action}");
        }
    }
    assert_eq!(purge_after(&app, theirs.id), None);
    assert_eq!(purge_after(&app, other_admin.id), None);
    assert_eq!(purge_after(&app, admin.id), None);
    assert_eq!(purge_after(&app, pending.id), Some(later));
    // A vendedor gets 403.
    let vendedor_client = app
        .new_logged_in_client(&app.create_user("vende", "vendedor").await)
        .await;
    let response = app
        .post_form_with(
            &vendedor_client,
            &format!("/equipo/{}/eliminar/", theirs.id),
            &[],
        )
        .await;
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn the_pages_speak_english_to_an_english_account() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    app.update_user(user.id, users::language.eq("en"));
    app.assert_page_says(DELETE, &["Delete my account", "deleted for good on"])
        .await;
    delete_account(&app, &app.client, &user).await;
    let mail = deletion_mail(&app, &user).await;
    assert!(mail.subject.contains("will be deleted"), "{}", mail.subject);
}

#[tokio::test]
async fn deleting_asks_for_the_password_again_after_the_reauthentication_window() {
    let app = spawn_app_with(|s| s.reauth_within = Duration::ZERO).await;
    let user = app.logged_in("admin").await;
    let response = app.get(DELETE).await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/reautenticar/"), "{location}");
    let response = delete_account(&app, &app.client, &user).await;
    assert_eq!(response.status().as_u16(), 303, "the post asks too");
    assert_eq!(purge_after(&app, user.id), None);
    // After typing the password again, the page and then the deletion go through.
    let response = app
        .post_form(
            "/reautenticar/",
            &[("password", &user.password), ("next", DELETE)],
        )
        .await;
    assert_is_redirect_to(&response, DELETE);
    assert_eq!(app.status_of(DELETE).await, 200);
    let response = delete_account(&app, &app.client, &user).await;
    assert_status_with_text(response, 200, "Tu cuenta se eliminará").await;
    assert!(purge_after(&app, user.id).is_some());
}

#[tokio::test]
async fn a_restore_after_a_sign_in_with_recordarme_keeps_the_cookie() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    delete_account(&app, &app.client, &user).await;
    let response = app
        .post_form(
            "/login/",
            &[
                ("login", user.username.as_str()),
                ("password", user.password.as_str()),
                ("recordarme", "on"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 403);
    let response = app.post_form(RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/dashboard/");
    let cookie = set_cookie(&response, "cuentas_session").unwrap();
    assert!(cookie.contains("Max-Age="), "{cookie}");
    app.assert_page_says("/seguridad/", &["Recordada hasta"])
        .await;
}

#[tokio::test]
async fn a_vendedor_who_deleted_their_own_account_may_restore_it_and_their_admin_too() {
    let app = spawn_app().await;
    let admin = app.create_user("dueña", "admin").await;
    let vera = app.logged_in_as("vera", "vendedor").await;
    join_team(&app, &vera, &admin);
    let page = app.get_page(DELETE).await;
    assert!(!page.contains("datos de factura"));
    delete_account(&app, &app.client, &vera).await;
    // Their own deletion: the sign-in offers the restore.
    let response = app.login(&vera.username, &vera.password).await;
    let page = assert_status_with_text(response, 403, "Restaurar mi cuenta").await;
    assert!(page.contains(&format!("action=\"{RESTORE}\"")));
    // Their admin sees it on the team page and may restore it too.
    let admin_client = app.new_logged_in_client(&admin).await;
    let team = app.get_page_with(&admin_client, "/equipo/").await;
    assert!(team.contains(&format!("action=\"/equipo/{}/restaurar/\"", vera.id)));
    let response = app.post_form(RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/dashboard/");
    assert_eq!(purge_after(&app, vera.id), None);
}

#[tokio::test]
async fn an_old_restore_link_cannot_undo_what_the_admin_decided_later() {
    let app = spawn_app().await;
    let admin = app.create_user("dueña", "admin").await;
    let vera = app.logged_in_as("vera", "vendedor").await;
    join_team(&app, &vera, &admin);
    // Vera deletes her own account (a restore link goes out); her admin restores her, then
    // deletes her.
    delete_account(&app, &app.client, &vera).await;
    let link = restore_link(&app, &vera).await;
    let admin_client = app.new_logged_in_client(&admin).await;
    for action in ["restaurar", "eliminar"] {
        let path = format!("/equipo/{}/{action}/", vera.id);
        let response = app.post_form_with(&admin_client, &path, &[]).await;
        assert_is_redirect_to(&response, "/equipo/");
    }
    // Vera's old link is dead: the admin's deletion stands.
    assert_eq!(app.status_of(&link).await, 410);
    let response = app.post_form_with(&new_client(), &link, &[]).await;
    assert_eq!(response.status().as_u16(), 410);
    assert!(purge_after(&app, vera.id).is_some());
}

#[tokio::test]
async fn while_the_admin_is_pending_a_vendedor_cannot_restore_their_own_deletion() {
    let app = spawn_app().await;
    let admin = app.create_user("dueña", "admin").await;
    let vera = app.logged_in_as("vera", "vendedor").await;
    join_team(&app, &vera, &admin);
    delete_account(&app, &app.client, &vera).await;
    let link = restore_link(&app, &vera).await;
    let admin_client = app.new_logged_in_client(&admin).await;
    delete_account(&app, &admin_client, &admin).await;
    // Neither the sign-in nor the mailed link restores Vera while her admin is leaving.
    let response = app.login(&vera.username, &vera.password).await;
    let page = assert_status_with_text(response, 403, "administrador").await;
    assert!(!page.contains(&format!("action=\"{RESTORE}\"")));
    let response = app.post_form(RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/login/");
    assert_eq!(app.status_of(&link).await, 410);
    assert!(purge_after(&app, vera.id).is_some());
}

#[tokio::test]
async fn a_restore_at_sign_in_from_a_new_browser_tells_the_owner_and_lists_the_browser() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    delete_account(&app, &app.client, &user).await;
    let stranger = new_client();
    app.login_with(&stranger, &user.username, &user.password)
        .await;
    let response = app.post_form_with(&stranger, RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/dashboard/");
    assert!(set_cookie(&response, "cuentas_browser").is_some());
    let browsers = app
        .db(move |c| {
            known_browsers::table
                .filter(known_browsers::user_id.eq(user.id))
                .count()
                .get_result::<i64>(c)
        })
        .unwrap();
    assert_eq!(browsers, 2);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !app
        .mails_to(&user.email)
        .iter()
        .any(|m| m.subject.contains("Nuevo inicio de sesión"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no new-browser notice"
        );
        app.outbox.wake();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_restore_offer_goes_when_someone_else_signs_in_in_that_browser() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    let other = app.create_user("eva", "admin").await;
    delete_account(&app, &app.client, &user).await;
    let response = app.login(&user.username, &user.password).await;
    assert_eq!(response.status().as_u16(), 403);
    app.log_in_with(&app.client, &other).await;
    let response = app.post_form(RESTORE, &[]).await;
    assert_is_redirect_to(&response, "/login/");
    assert!(purge_after(&app, user.id).is_some());
}

#[tokio::test]
async fn the_purge_removes_mail_to_a_pending_new_address_too() {
    let app = spawn_app_with(|s| s.deletion_grace = Duration::ZERO).await;
    let user = app.logged_in_as("ana", "admin").await;
    // An address change waits for confirmation: a mail went to the new address.
    let fields = crate::helpers::with(
        crate::helpers::with(crate::profile::valid(&user), "email", "nueva@example.com"),
        "password_actual",
        &user.password,
    );
    let response = crate::profile::submit(&app, &fields).await;
    assert_eq!(response.status().as_u16(), 303);
    let someone = app.create_user("otra", "admin").await;
    delete_account(&app, &app.client, &user).await;
    purge(&app).await;
    let left: Vec<String> = app
        .db(|c| {
            cuentas::db::schema::mail_outbox::table
                .select(cuentas::db::schema::mail_outbox::recipient)
                .load(c)
        })
        .unwrap();
    assert!(
        !left
            .iter()
            .any(|r| r == "nueva@example.com" || r == &user.email),
        "{left:?}"
    );
    assert!(exists(&app, someone.id));
}

/// The day the purge comes, as a Spanish reader in UTC (the test accounts' zone) reads it: the
/// pages and the mail write it as "7 dic 2026, 10:00", whose date part this is.
fn purge_day() -> String {
    let at = (chrono::Utc::now() + TimeDelta::days(7)).naive_utc();
    cuentas::locale::Reader::new(cuentas::i18n::Lang::Es, None, "UTC").date(at)
}
