//! Changing the email from the profile: the new address applies once confirmed by its link;
//! the old one gets a notice; a pending change can be cancelled.

use cuentas::db::schema::users;
use diesel::prelude::*;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, link_path, new_client, spawn_logged_in, with,
};
use crate::profile::{submit, valid};

async fn request_change(app: &TestApp, user: &TestUser, new_email: &str) {
    let fields = with(
        with(valid(user), "email", new_email),
        "password_actual",
        &user.password,
    );
    assert_is_redirect_to(&submit(app, &fields).await, "/perfil/");
}

#[tokio::test]
async fn a_new_address_applies_only_once_confirmed_and_the_old_one_hears_of_it() {
    let (app, user) = spawn_logged_in("vendedor").await;
    request_change(&app, &user, "Ana.Nueva@Example.com").await;
    assert_eq!(app.user(user.id).email, "ana@example.com");

    app.assert_page_says(
        "/perfil/",
        &[
            "Te enviamos un enlace a la nueva dirección",
            "<strong>ana.nueva@example.com</strong>",
            "action=\"/perfil/email/cancelar/\"",
        ],
    )
    .await;

    let confirm = app.wait_for_mail_to("ana.nueva@example.com", 0).await;
    assert_eq!(confirm.subject, "Confirma tu nuevo correo en cuentas");
    assert!(
        confirm
            .link
            .clone()
            .unwrap()
            .starts_with("http://127.0.0.1/verificar-email/")
    );
    let notice = app.wait_for_mail_to("ana@example.com", 0).await;
    assert_eq!(notice.subject, "Se pidió cambiar el correo de tu cuenta");
    assert!(notice.text.contains("ana.nueva@example.com"));
    assert!(notice.link.is_none());

    // The link works from any browser, logged in or not.
    let other = new_client();
    let opened = app.confirm_link_with(&other, &link_path(&confirm)).await;
    assert_is_redirect_to(&opened, "/login/");
    let saved = app.user(user.id);
    assert_eq!(saved.email, "ana.nueva@example.com");
    assert!(saved.email_verified);
    let page = app.get_page("/perfil/").await;
    assert!(!page.contains("Pendiente de confirmar"));
    assert_eq!(app.status_of(&link_path(&confirm)).await, 410);
    // The new address logs in.
    assert_is_redirect_to(
        &app.login_with(&new_client(), "ana.nueva@example.com", &user.password)
            .await,
        "/dashboard/",
    );
}

#[tokio::test]
async fn cancelling_a_pending_change_voids_its_link() {
    let (app, user) = spawn_logged_in("vendedor").await;
    request_change(&app, &user, "nueva@example.com").await;
    let confirm = app.link_in_mail_to("nueva@example.com", 0).await;
    let cancelled = app.post_form("/perfil/email/cancelar/", &[]).await;
    assert_is_redirect_to(&cancelled, "/perfil/");
    let page = app.get_page("/perfil/").await;
    assert!(!page.contains("Pendiente de confirmar"));
    assert_eq!(app.status_of(&confirm).await, 410);
    assert_eq!(app.user(user.id).email, "ana@example.com");
}

#[tokio::test]
async fn a_newer_request_replaces_the_pending_address() {
    let (app, user) = spawn_logged_in("vendedor").await;
    request_change(&app, &user, "primera@example.com").await;
    request_change(&app, &user, "segunda@example.com").await;
    let first = app.link_in_mail_to("primera@example.com", 0).await;
    let second = app.link_in_mail_to("segunda@example.com", 0).await;
    assert_eq!(app.status_of(&first).await, 410);
    assert_is_redirect_to(&app.confirm_link(&second).await, "/perfil/");
    assert_eq!(app.user(user.id).email, "segunda@example.com");
}

#[tokio::test]
async fn an_address_taken_before_confirmation_is_not_switched_to() {
    let (app, user) = spawn_logged_in("vendedor").await;
    request_change(&app, &user, "libre@example.com").await;
    let confirm = app.link_in_mail_to("libre@example.com", 0).await;
    // Someone else gets the address first (a sign-up, say).
    let taker = app.create_user("Libre", "admin").await;
    app.update_user(taker.id, users::email.eq("libre@example.com"));
    assert_eq!(app.status_of(&confirm).await, 410);
    assert_eq!(app.user(user.id).email, "ana@example.com");
}

#[tokio::test]
async fn a_reset_link_sent_to_the_old_address_dies_with_the_change() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let anonymous = new_client();
    app.post_form_with(
        &anonymous,
        "/recuperar-password/",
        &[("email", &user.email)],
    )
    .await;
    let reset = app.link_in_mail_to(&user.email, 0).await;
    request_change(&app, &user, "nueva@example.com").await;
    let confirm = app.link_in_mail_to("nueva@example.com", 0).await;
    assert_is_redirect_to(&app.confirm_link(&confirm).await, "/perfil/");
    app.assert_reset_link_is_dead(&anonymous, &reset).await;
}

/// Someone who learnt the password asks to move the account to their address; the owner
/// changes the password, and the link dies with it.
#[tokio::test]
async fn changing_the_password_voids_a_pending_address_change() {
    let (app, user) = spawn_logged_in("vendedor").await;
    request_change(&app, &user, "intruso@example.com").await;
    let confirm = app.link_in_mail_to("intruso@example.com", 0).await;

    let owner = app.new_logged_in_client(&user).await;
    let new = "Girasol-Azul-Marea-77";
    let changed = app
        .change_password_with(&owner, &user.password, new, new)
        .await;
    assert_is_redirect_to(&changed, "/perfil/");

    let opened = app.get_with_client(&new_client(), &confirm).await;
    assert_eq!(opened.status().as_u16(), 410);
    assert_eq!(app.user(user.id).email, "ana@example.com");
}

/// The confirmation link goes to an address the user typed: like every such mail, at most 3
/// per address in 15 minutes, whatever the answer says.
#[tokio::test]
async fn confirmation_mails_to_one_address_are_throttled() {
    let (app, user) = spawn_logged_in("vendedor").await;
    for _ in 0..5 {
        request_change(&app, &user, "nueva@example.com").await;
    }
    app.wait_for_outbox_drained().await;
    assert_eq!(app.mails_to("nueva@example.com").len(), 3);
}
