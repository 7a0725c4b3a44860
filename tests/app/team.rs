//! The team of vendedores: `GET, POST /equipo/` and `POST /equipo/{id}/{action}/`.

use std::time::Duration;

use chrono::TimeDelta;
use cuentas::db::schema::users;
use diesel::prelude::*;
use reqwest::Client;
use scraper::{Html, Selector};

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_is_sent_to_login, assert_status_with_text,
    new_client, spawn_app, spawn_logged_in_as, spawn_with_user, text_at,
};

const ACTIONS: [&str; 6] = [
    "desactivar",
    "activar",
    "restablecer-password",
    "reiniciar-tutorial",
    "eliminar",
    "restaurar",
];

type Fields = Vec<(&'static str, String)>;

fn new_vendedor(username: &str) -> Fields {
    form(
        username,
        &format!("{username}@tienda.example"),
        "Vera",
        "Núñez",
    )
}

fn form(username: &str, email: &str, first_name: &str, last_name: &str) -> Fields {
    vec![
        ("username", username.to_owned()),
        ("email", email.to_owned()),
        ("first_name", first_name.to_owned()),
        ("last_name", last_name.to_owned()),
    ]
}

/// The temporary password shown on the team page, if any.
fn shown_password(page: &str) -> Option<String> {
    text_at(&Html::parse_document(page), "#temp-password")
}

/// Creates a vendedor through the team page; returns their id and temporary password.
async fn create_vendedor(app: &TestApp, client: &Client, username: &str) -> (i32, String) {
    let response = app
        .post_fields(client, "/equipo/", &new_vendedor(username))
        .await;
    assert_is_redirect_to(&response, "/equipo/");
    let page = app.get_page_with(client, "/equipo/").await;
    let password = shown_password(&page).expect("the temporary password is shown");
    let normalized = username.to_lowercase();
    let id = app
        .db(|c| {
            users::table
                .filter(users::username_normalized.eq(normalized))
                .select(users::id)
                .get_result(c)
        })
        .unwrap();
    (id, password)
}

fn user_count(app: &TestApp) -> i64 {
    app.db(|c| users::table.count().get_result(c)).unwrap()
}

/// The admin `dueña`, logged in on the app's client, and `vera`, a vendedor of their team.
async fn admin_and_vendedor(app: &TestApp) -> (TestUser, TestUser) {
    let admin = app.logged_in_as("dueña", "admin").await;
    let vera = app.create_user("vera", "vendedor").await;
    app.update_user(vera.id, users::manager_id.eq(admin.id));
    (admin, vera)
}

/// Posts every team action on every target and checks each gets `status`.
async fn assert_every_action_answers(app: &TestApp, targets: &[String], status: u16) {
    for target in targets {
        for action in ACTIONS {
            let response = app
                .post_form(&format!("/equipo/{target}/{action}/"), &[])
                .await;
            assert_eq!(response.status().as_u16(), status, "{target}/{action}");
        }
    }
}

#[tokio::test]
async fn an_admin_creates_a_vendedor_and_sees_the_temporary_password_once() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let empty = app.get_page("/equipo/").await;
    assert!(empty.contains("Todavía no tienes vendedores"));

    let (id, password) = create_vendedor(&app, &app.client, "vera").await;
    assert!(
        password
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .count()
            >= 16
    );

    let vendedor = app.user(id);
    assert_eq!(vendedor.role, cuentas::domain::Role::Vendedor);
    assert_eq!(vendedor.manager_id, Some(admin.id));
    assert!(vendedor.must_change_password);
    assert!(!vendedor.tutorial_seen);
    assert!(!vendedor.email_verified);
    assert!(vendedor.is_active);
    assert_eq!(vendedor.email, "vera@tienda.example");
    assert_eq!(
        (vendedor.first_name.as_str(), vendedor.last_name.as_str()),
        ("Vera", "Núñez")
    );
    assert!(!vendedor.password_hash.expose().contains(&password));
    let expires = vendedor.temp_password_expires_at.expect("expiry set");
    let lifetime = expires - vendedor.created_at;
    assert!(
        (lifetime - TimeDelta::hours(72)).abs() < TimeDelta::minutes(1),
        "{lifetime}"
    );

    // Shown once: the next visit lists the vendedor but not the password.
    let page = app.get_page("/equipo/").await;
    assert_eq!(shown_password(&page), None);
    assert!(!page.contains(&password));
    let document = Html::parse_document(&page);
    let text = text_at(&document, &format!("tr[data-user-id='{id}']")).unwrap();
    for expected in [
        "Vera Núñez",
        "vera",
        "vera@tienda.example",
        "Activo",
        "Debe cambiar la contraseña",
        "Sin verificar",
        "Nunca",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
}

#[tokio::test]
async fn the_temporary_password_leads_into_the_forced_change_and_dies_with_it() {
    let app = spawn_app().await;
    app.logged_in_as("dueña", "admin").await;
    let (id, temp) = create_vendedor(&app, &app.client, "vera").await;

    let vendedor = new_client();
    assert_is_redirect_to(
        &app.login_with(&vendedor, "vera", &temp).await,
        "/dashboard/",
    );
    let dashboard = app.get_with_client(&vendedor, "/dashboard/").await;
    assert_is_redirect_to(&dashboard, "/cambiar-password/");

    let chosen = "Girasol-Azul-Marea-77";
    let response = app
        .change_password_with(&vendedor, &temp, chosen, chosen)
        .await;
    assert_is_redirect_to(&response, "/perfil/");
    let user = app.user(id);
    assert!(!user.must_change_password);
    assert_eq!(user.temp_password_expires_at, None);

    // Long after the temporary password would have expired, the chosen one still works…
    app.clock.advance(Duration::from_secs(100 * 3600));
    let chosen = app
        .login_with(&new_client(), "vera", "Girasol-Azul-Marea-77")
        .await;
    assert_is_redirect_to(&chosen, "/dashboard/");
    // …and the temporary one never does again.
    let response = app.login_with(&new_client(), "vera", &temp).await;
    assert_eq!(response.status().as_u16(), 422);
}

#[tokio::test]
async fn an_unused_temporary_password_expires_after_72_hours() {
    let (app, owner) = spawn_logged_in_as("dueña", "admin").await;
    let (_, temp) = create_vendedor(&app, &app.client, "vera").await;

    // Logged in just before the deadline: forced change, and the session ends at the deadline.
    app.clock.advance(Duration::from_secs(72 * 3600 - 120));
    let early = new_client();
    assert_is_redirect_to(&app.login_with(&early, "vera", &temp).await, "/dashboard/");
    app.clock.advance(Duration::from_secs(180));
    let after = app.get_with_client(&early, "/dashboard/").await;
    assert_is_sent_to_login(&after, "/dashboard/");

    assert_status_with_text(
        app.login_with(&new_client(), "vera", &temp).await,
        422,
        "Tu contraseña temporal ha caducado. Pide a tu administrador una nueva.",
    )
    .await;
    // A wrong password says nothing about the expiry.
    let wrong = app
        .login_with(&new_client(), "vera", "no-es-la-clave-1")
        .await;
    assert!(!wrong.text().await.unwrap().contains("caducado"));
    // The admin sees it (logging in again: their own session went idle meanwhile).
    let admin = app.new_logged_in_client(&owner).await;
    let page = app.get_page_with(&admin, "/equipo/").await;
    assert!(page.contains("Contraseña temporal caducada"));
}

#[tokio::test]
async fn the_expiry_is_configurable() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.temp_password_lifetime = std::time::Duration::from_secs(3600);
    })
    .await;
    app.logged_in_as("dueña", "admin").await;
    let (_, temp) = create_vendedor(&app, &app.client, "vera").await;
    app.clock.advance(Duration::from_secs(61 * 60));
    let response = app.login_with(&new_client(), "vera", &temp).await;
    assert!(response.text().await.unwrap().contains("caducado"));
}

#[tokio::test]
async fn invalid_or_taken_details_are_field_errors_and_create_nobody() {
    let (app, admin) = spawn_logged_in_as("jefa", "admin").await;
    create_vendedor(&app, &app.client, "vera").await;
    let before = user_count(&app);

    let cases: Vec<(Fields, &str, &str)> = vec![
        (new_vendedor(""), "username", "usuario"),
        (new_vendedor("a b"), "username", ""),
        (new_vendedor("VERA"), "username", "en uso"),
        // Someone's address as a username: refused for its `@`, never "in use" (which
        // would tell that the address has an account).
        (
            form(&admin.email, "nueva@tienda.example", "Otra", "Más"),
            "username",
            "sin @",
        ),
        (
            form("otra", "VERA@tienda.example", "Otra", "Más"),
            "email",
            "Ya existe una cuenta",
        ),
        (
            form("otra", &admin.email, "Otra", "Más"),
            "email",
            "Ya existe una cuenta",
        ),
        (form("otra", "no-es-correo", "", "<b>"), "email", ""),
    ];
    for (fields, field, message) in cases {
        let response = app.post_fields(&app.client, "/equipo/", &fields).await;
        assert_eq!(response.status().as_u16(), 422, "{fields:?}");
        let body = response.text().await.unwrap();
        let document = Html::parse_document(&body);
        let input = Selector::parse(&format!("#{field}")).unwrap();
        let input = document.select(&input).next().unwrap();
        assert_eq!(
            input.value().attr("aria-invalid"),
            Some("true"),
            "{fields:?}"
        );
        let error = text_at(&document, &format!("#{field}-error")).unwrap();
        assert!(error.contains(message), "{error}");
        let link = Selector::parse(&format!(".error-summary a[href='#{field}']")).unwrap();
        assert_eq!(document.select(&link).count(), 1);
        // What was typed stays in the form.
        for (name, value) in &fields {
            let kept = Selector::parse(&format!("input[name={name}]")).unwrap();
            let kept = document.select(&kept).next().unwrap();
            assert_eq!(kept.value().attr("value"), Some(value.as_str()), "{name}");
        }
        assert_eq!(shown_password(&body), None);
    }
    assert_eq!(user_count(&app), before);
}

#[tokio::test]
async fn a_double_submitted_create_form_makes_one_vendedor_and_no_error_page() {
    let app = spawn_app().await;
    app.logged_in_as("dueña", "admin").await;
    let before = user_count(&app);
    let fields = new_vendedor("vera");
    let (first, second) = tokio::join!(
        app.post_fields(&app.client, "/equipo/", &fields),
        app.post_fields(&app.client, "/equipo/", &fields)
    );
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 422]);
    assert_eq!(user_count(&app), before + 1);
}

#[tokio::test]
async fn no_field_of_the_form_can_make_an_admin_or_pick_the_manager() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let other = app.create_user("otra", "admin").await;
    let mut fields = new_vendedor("vera");
    fields.extend([
        ("role", "admin".to_owned()),
        ("manager_id", other.id.to_string()),
        ("must_change_password", "false".into()),
        ("email_verified", "true".into()),
        ("is_active", "false".into()),
    ]);
    assert_is_redirect_to(
        &app.post_fields(&app.client, "/equipo/", &fields).await,
        "/equipo/",
    );
    let created = app
        .db(|c| {
            users::table
                .filter(users::username_normalized.eq("vera"))
                .select((
                    users::role,
                    users::manager_id,
                    users::must_change_password,
                    users::email_verified,
                    users::is_active,
                ))
                .get_result::<(String, Option<i32>, bool, bool, bool)>(c)
        })
        .unwrap();
    assert_eq!(
        created,
        ("vendedor".into(), Some(admin.id), true, false, true)
    );
}

#[tokio::test]
async fn deactivating_ends_the_vendedors_sessions_at_once_and_activating_lets_them_back() {
    let app = spawn_app().await;
    let (_, vera) = admin_and_vendedor(&app).await;
    let vendedor = app.new_logged_in_client(&vera).await;
    let profile = app.get_with_client(&vendedor, "/perfil/").await;
    assert_eq!(profile.status().as_u16(), 200);

    let path = format!("/equipo/{}/desactivar/", vera.id);
    let response = app.post_form(&path, &[]).await;
    assert_is_redirect_to(&response, "/equipo/");
    assert!(!app.user(vera.id).is_active);
    app.assert_page_says("/equipo/", &["Vendedor desactivado", "Desactivado"])
        .await;

    let profile = app.get_with_client(&vendedor, "/perfil/").await;
    assert_is_sent_to_login(&profile, "/perfil/");
    let response = app.login_with(&new_client(), "vera", &vera.password).await;
    assert_eq!(response.status().as_u16(), 422);

    let path = format!("/equipo/{}/activar/", vera.id);
    assert_is_redirect_to(&app.post_form(&path, &[]).await, "/equipo/");
    assert!(app.user(vera.id).is_active);
    app.new_logged_in_client(&vera).await;
}

#[tokio::test]
async fn resetting_the_password_issues_a_new_temporary_one_and_ends_sessions() {
    let app = spawn_app().await;
    let (_, vera) = admin_and_vendedor(&app).await;
    let vendedor = app.new_logged_in_client(&vera).await;

    let path = format!("/equipo/{}/restablecer-password/", vera.id);
    let response = app.post_form(&path, &[]).await;
    assert_is_redirect_to(&response, "/equipo/");
    let page = app.get_page("/equipo/").await;
    let temp = shown_password(&page).expect("new temporary password shown");
    assert!(page.contains("Contraseña restablecida"));
    assert_eq!(shown_password(&app.get_page("/equipo/").await), None);

    let user = app.user(vera.id);
    assert!(user.must_change_password);
    assert!(user.temp_password_expires_at.is_some());
    let dashboard = app.get_with_client(&vendedor, "/dashboard/").await;
    assert_is_sent_to_login(&dashboard, "/dashboard/");
    let old = app.login_with(&new_client(), "vera", &vera.password).await;
    assert_eq!(old.status().as_u16(), 422);
    let fresh = new_client();
    assert_is_redirect_to(&app.login_with(&fresh, "vera", &temp).await, "/dashboard/");
    let forced = app.get_with_client(&fresh, "/perfil/").await;
    assert_is_redirect_to(&forced, "/cambiar-password/");
}

#[tokio::test]
async fn a_reset_revives_an_expired_temporary_password_which_expires_in_turn() {
    let (app, owner) = spawn_logged_in_as("dueña", "admin").await;
    let (id, first) = create_vendedor(&app, &app.client, "vera").await;
    app.clock.advance(Duration::from_secs(73 * 3600));
    let expired = app.login_with(&new_client(), "vera", &first).await;
    assert!(expired.text().await.unwrap().contains("caducado"));

    let admin = app.new_logged_in_client(&owner).await;
    let path = format!("/equipo/{id}/restablecer-password/");
    let response = app.post_form_with(&admin, &path, &[]).await;
    assert_is_redirect_to(&response, "/equipo/");
    let page = app.get_page_with(&admin, "/equipo/").await;
    let second = shown_password(&page).unwrap();
    assert_ne!(first, second);
    let vendedor = new_client();
    assert_is_redirect_to(
        &app.login_with(&vendedor, "vera", &second).await,
        "/dashboard/",
    );

    app.clock.advance(Duration::from_secs(73 * 3600));
    let again = app.login_with(&new_client(), "vera", &second).await;
    assert!(again.text().await.unwrap().contains("caducado"));
}

#[tokio::test]
async fn an_admins_reset_voids_the_reset_link_the_vendedor_asked_for() {
    let app = spawn_app().await;
    let (_, vera) = admin_and_vendedor(&app).await;
    let stranger = new_client();
    let asked = app
        .post_form_with(&stranger, "/recuperar-password/", &[("email", &vera.email)])
        .await;
    assert_eq!(asked.status().as_u16(), 303);
    let path = app.link_in_mail_to(&vera.email, 0).await;

    let reset = format!("/equipo/{}/restablecer-password/", vera.id);
    assert_is_redirect_to(&app.post_form(&reset, &[]).await, "/equipo/");
    app.assert_reset_link_is_dead(&new_client(), &path).await;
}

#[tokio::test]
async fn resetting_the_tutorial_shows_it_again() {
    let app = spawn_app().await;
    let (_, vera) = admin_and_vendedor(&app).await;
    let id = vera.id;
    app.update_user(id, users::tutorial_seen.eq(true));
    let path = format!("/equipo/{id}/reiniciar-tutorial/");
    assert_is_redirect_to(&app.post_form(&path, &[]).await, "/equipo/");
    assert!(!app.user(id).tutorial_seen);
    let vendedor = app.new_logged_in_client(&vera).await;
    let dashboard = app.get_page_with(&vendedor, "/dashboard/").await;
    assert!(dashboard.contains("id=\"tutorial\""));
}

#[tokio::test]
async fn an_admin_cannot_touch_anyone_outside_their_team() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let other_admin = app.create_user("otra", "admin").await;
    let theirs = app.create_user("ajeno", "vendedor").await;
    app.update_user(theirs.id, users::manager_id.eq(other_admin.id));
    let orphan = app.create_user("huerfano", "vendedor").await;
    let snapshot = |app: &TestApp| {
        app.db(|c| {
            users::table
                .order(users::id)
                .select((
                    users::id,
                    users::is_active,
                    users::password_hash,
                    users::tutorial_seen,
                    users::session_epoch,
                    users::must_change_password,
                ))
                .load::<(i32, bool, String, bool, i32, bool)>(c)
        })
        .unwrap()
    };
    let before = snapshot(&app);
    let mut targets: Vec<String> = [theirs.id, other_admin.id, admin.id, orphan.id, 999_999]
        .iter()
        .map(ToString::to_string)
        .collect();
    targets.extend([
        "abc".into(),
        "-1".into(),
        "1.5".into(),
        "99999999999999999999".into(),
    ]);
    assert_every_action_answers(&app, &targets, 404).await;
    // An unknown action on one's own vendedor is 404 too.
    let mine = app.create_user("vera", "vendedor").await;
    app.update_user(mine.id, users::manager_id.eq(admin.id));
    let path = format!("/equipo/{}/hacer-admin/", mine.id);
    let response = app.post_form(&path, &[]).await;
    assert_eq!(response.status().as_u16(), 404);
    let after: Vec<_> = snapshot(&app)
        .into_iter()
        .filter(|row| row.0 != mine.id)
        .collect();
    assert_eq!(before, after);
    // Nor see them.
    let page = app.get_page("/equipo/").await;
    assert!(!page.contains("ajeno") && !page.contains("huerfano") && !page.contains("otra@"));
}

#[tokio::test]
async fn a_vendedor_gets_403_on_every_team_route() {
    let (app, admin) = spawn_with_user("dueña", "admin").await;
    let vendedor = app.logged_in_as("vera", "vendedor").await;
    let colleague = app.create_user("colega", "vendedor").await;
    for member in [vendedor.id, colleague.id] {
        app.update_user(member, users::manager_id.eq(admin.id));
    }
    assert_eq!(app.status_of("/equipo/").await, 403);
    let before = user_count(&app);
    let response = app
        .post_fields(&app.client, "/equipo/", &new_vendedor("nuevo"))
        .await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(user_count(&app), before);
    let targets = [
        colleague.id.to_string(),
        vendedor.id.to_string(),
        admin.id.to_string(),
        "abc".into(),
    ];
    assert_every_action_answers(&app, &targets, 403).await;
    let colleague_now = app.user(colleague.id);
    assert!(colleague_now.is_active && !colleague_now.must_change_password);
    // The same client's token is accepted elsewhere: the 403s above are the role's.
    let profile = app.post_form("/perfil/", &[("guardar_factura", "1")]).await;
    assert_is_redirect_to(&profile, "/perfil/");
    // The nav offers no team link to a vendedor.
    let page = app.get_page("/perfil/").await;
    assert!(!page.contains("href=\"/equipo/\""));
}

#[tokio::test]
async fn team_actions_need_the_csrf_token_and_a_login() {
    let app = spawn_app().await;
    let (_, vera) = admin_and_vendedor(&app).await;
    let path = format!("/equipo/{}/desactivar/", vera.id);
    let response = app.request(reqwest::Method::POST, &path, &[]).await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(app.user(vera.id).is_active);

    let anonymous = new_client();
    let response = app.get_with_client(&anonymous, "/equipo/").await;
    assert_is_sent_to_login(&response, "/equipo/");
}
