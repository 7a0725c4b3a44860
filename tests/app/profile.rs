use cuentas::db::schema::users;
use diesel::prelude::*;

use crate::helpers::{
    Fields, TestApp, TestUser, assert_is_redirect_to, assert_status_with_text, multipart_form,
    new_client, spawn_logged_in, with,
};

/// A valid submission for `user`, to be adjusted per test.
pub fn valid(user: &TestUser) -> Fields {
    vec![
        ("username", user.username.clone()),
        ("first_name", "  María   José ".into()),
        ("last_name", "Núñez-O'Connor".into()),
        ("email", user.email.clone()),
        ("telefono", "+52 (55) 1234-5678".into()),
        ("idioma", "es".into()),
        ("moneda", "MXN".into()),
        ("zona_horaria", "America/Mexico_City".into()),
    ]
}

async fn submit_with(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&'static str, String)],
) -> reqwest::Response {
    app.post_multipart_fields(client, "/actualizar-perfil/", fields, None)
        .await
}

pub async fn submit(app: &TestApp, fields: &[(&'static str, String)]) -> reqwest::Response {
    submit_with(app, &app.client, fields).await
}

#[tokio::test]
async fn the_profile_page_shows_the_account_and_a_prefilled_form() {
    let (app, _) = spawn_logged_in("vendedor").await;
    let response = app.get("/perfil/").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = response.text().await.unwrap();
    let document = scraper::Html::parse_document(&body);
    let one = |css: &str| {
        document
            .select(&scraper::Selector::parse(css).unwrap())
            .count()
    };
    assert_eq!(
        one("form[action='/actualizar-perfil/'][enctype='multipart/form-data']"),
        1
    );
    assert_eq!(one("input#username[value='ana']"), 1);
    assert_eq!(one("input#email[value='ana@example.com']"), 1);
    assert_eq!(one("input#zona_horaria[value='UTC']"), 1);
    assert_eq!(
        one("a[href='/cambiar-password/']"),
        2,
        "nav and form footer"
    );
    assert!(body.contains("Verificado"));
    assert!(body.contains("Vendedor"));
    assert!(body.contains(cuentas::assets::url("img/default-avatar.svg")));
    for input in
        document.select(&scraper::Selector::parse("input:not([type=hidden]), select").unwrap())
    {
        let id = input.value().id().unwrap();
        assert_eq!(one(&format!("label[for='{id}']")), 1, "label for {id}");
    }
}

#[tokio::test]
async fn a_valid_update_is_saved_normalised_with_a_flash() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let response = submit(&app, &valid(&user)).await;
    assert_is_redirect_to(&response, "/perfil/");
    let page = app.get_page("/perfil/").await;
    assert!(page.contains("Tu perfil se ha actualizado correctamente."));
    let saved = app.user(user.id);
    assert_eq!(saved.first_name, "María José");
    assert_eq!(saved.last_name, "Núñez-O'Connor");
    assert_eq!(saved.phone, "+525512345678");
    assert_eq!(saved.currency, "MXN");
    assert_eq!(saved.timezone, "America/Mexico_City");
    assert!(saved.email_verified, "the email did not change");
}

#[tokio::test]
async fn switching_the_language_takes_effect_at_once() {
    let (app, user) = spawn_logged_in("vendedor").await;
    assert_is_redirect_to(
        &submit(&app, &with(valid(&user), "idioma", "en")).await,
        "/perfil/",
    );
    app.assert_page_says(
        "/perfil/",
        &["Your profile has been updated.", "<html lang=\"en\">"],
    )
    .await;
}

#[tokio::test]
async fn each_invalid_field_is_reported_beside_it_and_nothing_is_written() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let before = app.user(user.id);
    let cases: [(&'static str, &str, &str); 12] = [
        ("username", "", "Escribe un nombre de usuario."),
        ("username", "a b", "Usa solo letras"),
        ("first_name", "", "Escribe tu nombre."),
        ("first_name", "Ana3", "Usa solo letras, espacios"),
        ("last_name", &"x".repeat(101), "como máximo 100"),
        ("email", "not-an-email", "correo electrónico válido"),
        ("telefono", "12345", "entre 7 y 15 dígitos"),
        ("telefono", "555-CALL-NOW", "Usa solo números"),
        ("idioma", "fr", "Elige un idioma"),
        ("moneda", "XYZ", "Elige una moneda"),
        ("zona_horaria", "Mars/Olympus", "Elige una zona horaria"),
        ("zona_horaria", "", "Elige una zona horaria"),
    ];
    for (field, value, message) in cases {
        let response = submit(&app, &with(valid(&user), field, value)).await;
        let body = assert_status_with_text(response, 422, message).await;
        // The time zone's hint comes first: "zona_horaria-hint zona_horaria-error".
        assert!(
            body.contains(&format!("aria-describedby=\"{field}-error\""))
                || body.contains(&format!("aria-describedby=\"{field}-hint {field}-error\"")),
            "{field}"
        );
        assert!(
            body.contains(&format!("href=\"#{field}\"")),
            "summary links {field}"
        );
    }
    let after = app.user(user.id);
    assert_eq!(
        (before.first_name, before.phone, before.updated_at),
        (after.first_name, after.phone, after.updated_at)
    );
}

#[tokio::test]
async fn an_invalid_form_keeps_what_was_typed_and_the_header_keeps_the_saved_name() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let response = submit(
        &app,
        &with(with(valid(&user), "first_name", "Zoë"), "telefono", "1"),
    )
    .await;
    let body = assert_status_with_text(response, 422, "value=\"Zoë\"").await;
    assert!(
        body.contains("<span class=\"account-name\">ana</span>"),
        "the nav shows the saved name"
    );
}

#[tokio::test]
async fn english_messages_for_english_speakers() {
    let (app, user) = spawn_logged_in("vendedor").await;
    app.update_user(user.id, users::language.eq("en"));
    let response = submit(&app, &with(valid(&user), "telefono", "12345")).await;
    assert_status_with_text(response, 422, "The phone must have 7 to 15 digits.").await;
}

#[tokio::test]
async fn labels_are_escaped_once() {
    // Labels are escaped when the catalog is loaded, not as the page is written: an
    // apostrophe must come out as one entity, neither raw nor escaped twice.
    let (app, user) = spawn_logged_in("admin").await;
    app.update_user(user.id, users::language.eq("en"));
    let page = app.get_page("/perfil/").await;
    assert!(page.contains("or the zone&#39;s name, such as America/Mexico_City."));
    assert!(!page.contains("zone's name"));
    assert!(!page.contains("&amp;#"), "escaped twice");
    let document = scraper::Html::parse_document(&page);
    let hint = crate::helpers::text_at(&document, "#zona_horaria-hint").expect("the hint");
    assert!(hint.contains("the zone's name"), "{hint}");
}

#[tokio::test]
async fn fields_outside_the_form_can_never_change_those_columns() {
    let (app, user) = spawn_logged_in("vendedor").await;
    app.update_user(user.id, users::email_verified.eq(false));
    let mut fields = valid(&user);
    for (name, value) in [
        ("role", "admin"),
        ("email_verified", "true"),
        ("must_change_password", "true"),
        ("manager_id", "1"),
        ("is_active", "false"),
        ("id", "999"),
        ("session_epoch", "7"),
    ] {
        fields.push((name, value.to_owned()));
    }
    assert_is_redirect_to(&submit(&app, &fields).await, "/perfil/");
    let saved = app.user(user.id);
    assert_eq!(saved.role, cuentas::domain::Role::Vendedor);
    assert!(!saved.email_verified);
    assert!(!saved.must_change_password);
    assert_eq!(saved.manager_id, None);
    assert!(saved.is_active);
    assert_eq!(saved.session_epoch, 0);
}

#[tokio::test]
async fn changing_the_email_needs_the_current_password_and_waits_for_confirmation() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let changed = with(valid(&user), "email", "Ana.Nueva@Example.com");
    let missing = submit(&app, &changed).await;
    assert_status_with_text(missing, 422, "para cambiar el correo").await;
    let wrong = with(changed.clone(), "password_actual", "not-it-123");
    let wrong = submit(&app, &wrong).await;
    assert_status_with_text(wrong, 422, "La contraseña actual no es correcta.").await;
    assert_eq!(app.user(user.id).email, "ana@example.com");
    let right = submit(&app, &with(changed, "password_actual", &user.password)).await;
    assert_is_redirect_to(&right, "/perfil/");
    // The new address waits for its link (see email_change.rs); the account keeps the old
    // one, still verified.
    let saved = app.user(user.id);
    assert_eq!(saved.email, "ana@example.com");
    assert!(saved.email_verified);
    let page = app.get_page("/perfil/").await;
    assert!(page.contains("ana.nueva@example.com"), "{page}");
    assert!(page.contains("Pendiente de confirmar"));
}

#[tokio::test]
async fn taken_usernames_and_emails_are_field_errors() {
    let (app, user) = spawn_logged_in("vendedor").await;
    app.create_user("Bea", "vendedor").await;
    let response = submit(&app, &with(valid(&user), "username", "BEA")).await;
    assert_status_with_text(response, 422, "Ese nombre de usuario ya está en uso.").await;
    let taken = with(valid(&user), "email", "bea@example.com");
    let response = submit(&app, &with(taken, "password_actual", &user.password)).await;
    assert_status_with_text(response, 422, "Ya existe una cuenta con ese correo.").await;
}

#[tokio::test]
async fn two_users_racing_for_one_username_get_one_winner() {
    let (app, ana) = spawn_logged_in("vendedor").await;
    let bea = app.create_user("bea", "vendedor").await;
    let bea_client = app.new_logged_in_client(&bea).await;
    let ana_fields = with(valid(&ana), "username", "carmen");
    let bea_fields = with(valid(&bea), "username", "Carmen");
    let (a, b) = tokio::join!(
        submit(&app, &ana_fields),
        submit_with(&app, &bea_client, &bea_fields)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 422]);
}

#[tokio::test]
async fn the_update_needs_its_csrf_token_and_a_login() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let form = multipart_form(&with(valid(&user), "first_name", "Hacker"), None);
    let without_token = app.client.post(app.url("/actualizar-perfil/"));
    let response = without_token.multipart(form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(app.user(user.id).first_name, "");
    let anonymous = new_client();
    let response = submit_with(&app, &anonymous, &valid(&user)).await;
    assert_is_redirect_to(&response, "/login/");
}
