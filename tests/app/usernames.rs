//! Usernames are not email addresses: new ones hold no `@` (existing ones keep working until
//! changed), the taken check compares usernames with usernames and emails with emails, and
//! an admin's vendedor creations are throttled (each can probe an address).

use std::time::Duration;

use cuentas::db::schema::users;
use diesel::prelude::*;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_status_with_text, new_client, spawn_app,
    spawn_logged_in, spawn_with_user, with,
};
use crate::profile::valid;

const NO_AT: &str = "sin @: el nombre de usuario no es un correo";

/// Gives the account a username from before `@` was refused.
fn give_old_username(app: &TestApp, id: i32, name: &str) {
    app.update_user(
        id,
        (
            users::username.eq(name.to_owned()),
            users::username_normalized.eq(name.to_lowercase()),
        ),
    );
}

fn vendedor_form(username: &str, email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("username", username.to_owned()),
        ("email", email.to_owned()),
        ("first_name", "Vera".to_owned()),
        ("last_name", "Núñez".to_owned()),
    ]
}

async fn submit_profile(app: &TestApp, fields: &[(&'static str, String)]) -> reqwest::Response {
    app.post_multipart_fields(&app.client, "/actualizar-perfil/", fields, None)
        .await
}

async fn sign_up(app: &TestApp, username: &str, email: &str) -> reqwest::Response {
    let password = "Vela-Roja-Tarde-42";
    let fields = [
        ("username", username),
        ("email", email),
        ("password1", password),
        ("password2", password),
    ];
    app.post_form_with(&new_client(), "/registro/", &fields)
        .await
}

#[tokio::test]
async fn a_new_username_with_an_at_sign_is_refused_by_sign_up_the_team_form_and_the_profile() {
    let app = spawn_app().await;
    let response = sign_up(&app, "marta@example.com", "marta@example.com").await;
    assert_status_with_text(response, 422, NO_AT).await;
    assert!(app.user_by_email("marta@example.com").is_none());

    let admin = app.logged_in("admin").await;
    let fields = vendedor_form("vera@tienda.example", "vera@tienda.example");
    let response = app.post_fields(&app.client, "/equipo/", &fields).await;
    assert_status_with_text(response, 422, NO_AT).await;
    assert!(app.user_by_email("vera@tienda.example").is_none());

    let fields = with(valid(&admin), "username", "ana@tienda.example");
    assert_status_with_text(submit_profile(&app, &fields).await, 422, NO_AT).await;
    assert_eq!(app.user(admin.id).username, "ana");
}

#[tokio::test]
async fn an_existing_username_with_an_at_sign_keeps_working_until_it_changes() {
    let (app, user) = spawn_logged_in("vendedor").await;
    give_old_username(&app, user.id, "ana@tienda");
    assert_is_redirect_to(
        &app.login_with(&new_client(), "ANA@tienda", &user.password)
            .await,
        "/dashboard/",
    );
    let old = TestUser {
        username: "ana@tienda".into(),
        ..user.clone()
    };
    // Saving the profile with the username untouched is fine.
    assert_is_redirect_to(&submit_profile(&app, &valid(&old)).await, "/perfil/");
    assert_eq!(app.user(user.id).username, "ana@tienda");
    // Another name with `@` is not.
    let fields = with(valid(&old), "username", "ana@otra");
    assert_status_with_text(submit_profile(&app, &fields).await, 422, NO_AT).await;
    // Once changed, the old one cannot come back.
    let fields = with(valid(&old), "username", "ana.tienda");
    assert_is_redirect_to(&submit_profile(&app, &fields).await, "/perfil/");
    let fields = with(valid(&old), "username", "ana@tienda");
    assert_status_with_text(submit_profile(&app, &fields).await, 422, NO_AT).await;
    assert_eq!(app.user(user.id).username, "ana.tienda");
}

#[tokio::test]
async fn an_address_that_is_an_old_username_is_not_taken_and_names_its_owner_at_login() {
    let (app, old) = spawn_with_user("vieja", "vendedor").await;
    give_old_username(&app, old.id, "marta@example.com");
    let other = app.create_user("otra", "vendedor").await;
    give_old_username(&app, other.id, "vera@tienda.example");

    // Sign-up with that address creates the account (it used to answer as for a taken
    // address and create nothing).
    let response = sign_up(&app, "marta", "marta@example.com").await;
    assert_eq!(response.status().as_u16(), 303);
    let marta = app.user_by_email("marta@example.com").expect("created");
    assert_eq!(marta.username, "marta");

    // The team form takes it too (it used to say "email already in use").
    app.logged_in("admin").await;
    let fields = vendedor_form("vera", "vera@tienda.example");
    let response = app.post_fields(&app.client, "/equipo/", &fields).await;
    assert_is_redirect_to(&response, "/equipo/");
    assert!(app.user_by_email("vera@tienda.example").is_some());

    // The address names its owner; the old username's owner signs in with their own address.
    app.update_user(marta.id, users::email_verified.eq(true));
    let response = app
        .login_with(&new_client(), "marta@example.com", &old.password)
        .await;
    assert_eq!(
        response.status().as_u16(),
        422,
        "not the old username's owner"
    );
    assert_is_redirect_to(
        &app.login_with(&new_client(), &old.email, &old.password)
            .await,
        "/dashboard/",
    );
}

#[tokio::test]
async fn a_new_address_that_is_an_old_username_is_not_taken_on_the_profile_form() {
    let (app, other) = spawn_with_user("otra", "vendedor").await;
    give_old_username(&app, other.id, "ana.nueva@example.com");
    let user = app.logged_in("vendedor").await;
    let fields = with(
        with(valid(&user), "email", "ana.nueva@example.com"),
        "password_actual",
        &user.password,
    );
    assert_is_redirect_to(&submit_profile(&app, &fields).await, "/perfil/");
    // The confirmation link goes to the new address.
    app.wait_for_mail_to("ana.nueva@example.com", 0).await;
}

#[tokio::test]
async fn an_admin_creates_at_most_30_vendedores_an_hour() {
    let (app, taken) = spawn_with_user("vera", "vendedor").await;
    app.logged_in("admin").await;
    // Probing addresses: each answers "email already in use" until the limit.
    for i in 0..30 {
        let fields = vendedor_form(&format!("sonda{i}"), &taken.email);
        let response = app.post_fields(&app.client, "/equipo/", &fields).await;
        assert_status_with_text(response, 422, "Ya existe una cuenta con ese correo").await;
    }
    let fields = vendedor_form("nueva", "nueva@tienda.example");
    let response = app.post_fields(&app.client, "/equipo/", &fields).await;
    assert_eq!(response.status().as_u16(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    assert!(app.user_by_email("nueva@tienda.example").is_none());

    // Another admin is not held back (the count is per admin, not per address).
    let other = app.create_user("jefa", "admin").await;
    let other_client = app.new_logged_in_client(&other).await;
    let fields = vendedor_form("otro", "otro@tienda.example");
    let response = app.post_fields(&other_client, "/equipo/", &fields).await;
    assert_is_redirect_to(&response, "/equipo/");

    // An hour later the first admin may create again.
    app.clock.advance(Duration::from_secs(3601));
    let response = app
        .post_fields(&app.client, "/equipo/", &fields_for("nueva"))
        .await;
    assert_is_redirect_to(&response, "/equipo/");
}

fn fields_for(username: &str) -> Vec<(&'static str, String)> {
    vendedor_form(username, &format!("{username}@tienda.example"))
}
