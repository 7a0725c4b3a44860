//! Onboarding: the dashboard's checklist of open first steps, the status on the profile, the
//! tutorial's links; and sign-up's optional fields, a new vendedor's inherited preferences.

use cuentas::db::invoice_settings::InvoiceSettings;
use cuentas::db::schema::users;
use diesel::prelude::*;
use scraper::{Html, Selector};

use crate::helpers::{
    TestApp, assert_is_redirect_to, new_client, spawn_app, spawn_logged_in_as, text_at,
};

const PASSWORD: &str = "Vela-Roja-Tarde-42";

/// The links of the elements that match `css`.
fn links(page: &str, css: &str) -> Vec<String> {
    let document = Html::parse_document(page);
    let selector = Selector::parse(css).unwrap();
    document
        .select(&selector)
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect()
}

/// Everything the rule asks of a person, set directly.
fn complete_profile(app: &TestApp, id: i32) {
    app.update_user(
        id,
        (
            users::email_verified.eq(true),
            users::first_name.eq("Dora"),
            users::last_name.eq("Díaz"),
            users::phone.eq("+34 600 111 222"),
            users::google_photo_url.eq(Some("https://lh3.example.com/dora.jpg")),
            users::google_photo_path.eq(Some(
                "fotos_perfil/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.jpg",
            )),
            users::must_change_password.eq(false),
        ),
    );
}

#[tokio::test]
async fn a_new_admin_sees_a_link_for_each_open_step_until_every_one_is_done() {
    let (app, admin) = spawn_logged_in_as("Dora", "admin").await;
    app.set_unverified(admin.id, None);
    let page = app.get_page("/dashboard/").await;
    assert_eq!(
        links(&page, "#primeros-pasos a"),
        [
            "/perfil/#page-title",
            "/perfil/#first_name",
            "/perfil/#telefono",
            "/perfil/#foto_perfil",
            "/perfil/#factura-nombre_empresa",
        ]
    );
    assert!(page.contains("Confirma tu correo electrónico"));
    app.assert_page_says("/perfil/", &["Estado de la cuenta", "En configuración"])
        .await;

    complete_profile(&app, admin.id);
    let page = app.get_page("/dashboard/").await;
    assert_eq!(
        links(&page, "#primeros-pasos a"),
        ["/perfil/#factura-nombre_empresa"]
    );
    let saved = app
        .post_form(
            "/perfil/",
            &[
                ("nombre_empresa", "Ferretería Dora"),
                ("guardar_factura", "1"),
            ],
        )
        .await;
    assert_is_redirect_to(&saved, "/perfil/");

    let page = app.get_page("/dashboard/").await;
    assert!(!page.contains("primeros-pasos"), "the checklist is gone");
    let profile = app.get_page("/perfil/").await;
    let status = text_at(&Html::parse_document(&profile), "#account-status");
    assert_eq!(status.as_deref(), Some("Activa"));

    // Derived, not stored: losing a step opens it again.
    app.update_user(admin.id, users::phone.eq(""));
    let page = app.get_page("/dashboard/").await;
    assert_eq!(links(&page, "#primeros-pasos a"), ["/perfil/#telefono"]);
}

#[tokio::test]
async fn a_vendedor_needs_no_company_and_reads_the_status_in_english() {
    let (app, vendedor) = spawn_logged_in_as("Vero", "vendedor").await;
    app.update_user(vendedor.id, users::language.eq("en"));
    let page = app.get_page("/dashboard/").await;
    let open = links(&page, "#primeros-pasos a");
    assert!(!open.iter().any(|l| l.contains("factura")), "{open:?}");
    assert!(open.contains(&"/perfil/#telefono".to_owned()));

    complete_profile(&app, vendedor.id);
    let page = app.get_page("/dashboard/").await;
    assert!(
        !page.contains("primeros-pasos"),
        "complete without a company"
    );
    let profile = app.get_page("/perfil/").await;
    let status = text_at(&Html::parse_document(&profile), "#account-status");
    assert_eq!(status.as_deref(), Some("Active"));
}

#[tokio::test]
async fn the_tutorial_steps_link_to_the_pages_they_describe() {
    let (app, _) = spawn_logged_in_as("Dora", "admin").await;
    let page = app.get_page("/dashboard/").await;
    assert_eq!(
        links(&page, "#tutorial ol a"),
        [
            "/perfil/",
            "/perfil/#foto_perfil",
            "/cambiar-password/",
            "/perfil/#factura",
            "/equipo/",
        ]
    );

    let (app, _) = spawn_logged_in_as("Vero", "vendedor").await;
    let page = app.get_page("/dashboard/").await;
    assert_eq!(
        links(&page, "#tutorial ol a"),
        ["/perfil/", "/perfil/#foto_perfil", "/cambiar-password/"]
    );
}

async fn sign_up(app: &TestApp, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut fields = vec![
        ("username", "Nueva"),
        ("email", "nueva@example.com"),
        ("password1", PASSWORD),
        ("password2", PASSWORD),
    ];
    fields.extend_from_slice(extra);
    app.post_form_with(&new_client(), "/registro/", &fields)
        .await
}

#[tokio::test]
async fn sign_up_takes_names_and_a_company_name_for_the_invoice_settings() {
    let app = spawn_app().await;
    let form = app.get_page("/registro/").await;
    for field in ["first_name", "last_name", "nombre_empresa"] {
        assert!(form.contains(&format!("name=\"{field}\"")), "{field}");
    }
    let response = sign_up(
        &app,
        &[
            ("first_name", "  Nora "),
            ("last_name", "Gil  Vega"),
            ("nombre_empresa", " Papelería   Nora "),
        ],
    )
    .await;
    assert_is_redirect_to(&response, "/login/");
    let user = app.user_by_email("nueva@example.com").expect("created");
    assert_eq!(user.first_name, "Nora");
    assert_eq!(user.last_name, "Gil Vega");
    let settings = app
        .db(|c| InvoiceSettings::find(c, user.id))
        .unwrap()
        .expect("invoice settings created with the account");
    assert_eq!(settings.company_name, "Papelería Nora");
}

#[tokio::test]
async fn sign_up_without_the_optional_fields_still_works() {
    let app = spawn_app().await;
    assert_is_redirect_to(&sign_up(&app, &[]).await, "/login/");
    let user = app.user_by_email("nueva@example.com").expect("created");
    assert_eq!(
        (user.first_name.as_str(), user.last_name.as_str()),
        ("", "")
    );
    assert!(
        app.db(|c| InvoiceSettings::find(c, user.id))
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn bad_names_or_company_are_shown_beside_their_fields_and_create_nothing() {
    let app = spawn_app().await;
    let long_company = "E".repeat(151);
    let response = sign_up(
        &app,
        &[
            ("first_name", "N0ra"),
            ("last_name", "<script>"),
            ("nombre_empresa", &long_company),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    let document = Html::parse_document(&page);
    for field in ["first_name", "last_name", "nombre_empresa"] {
        let input = format!("#{field}[aria-invalid='true'][aria-describedby~='{field}-error']");
        assert!(text_at(&document, &input).is_some(), "{field}:\n{page}");
        assert!(text_at(&document, &format!("#{field}-error")).is_some());
        assert!(
            text_at(&document, &format!(".error-summary a[href='#{field}']")).is_some(),
            "{field} in the summary"
        );
    }
    // The values come back (escaped); the passwords do not.
    assert!(page.contains("value=\"N0ra\""));
    assert!(
        page.contains("value=\"&lt;script&gt;\"") || page.contains("value=\"&#60;script&#62;\"")
    );
    assert!(page.contains(&long_company));
    assert!(page.contains("value=\"Nueva\""));
    assert!(!page.contains(PASSWORD));
    assert!(app.user_by_email("nueva@example.com").is_none());
}

#[tokio::test]
async fn a_new_vendedor_starts_with_the_admins_language_currency_and_time_zone() {
    let (app, admin) = spawn_logged_in_as("Dora", "admin").await;
    app.update_user(
        admin.id,
        (
            users::language.eq("en"),
            users::currency.eq("EUR"),
            users::timezone.eq("Europe/Madrid"),
        ),
    );
    let response = app
        .post_form(
            "/equipo/",
            &[
                ("username", "vero"),
                ("email", "vero@tienda.example"),
                ("first_name", "Vera"),
                ("last_name", "Núñez"),
            ],
        )
        .await;
    assert_is_redirect_to(&response, "/equipo/");
    let vendedor = app.user_by_email("vero@tienda.example").expect("created");
    assert_eq!(
        (
            vendedor.language.as_str(),
            vendedor.currency.as_str(),
            vendedor.timezone.as_str()
        ),
        ("en", "EUR", "Europe/Madrid")
    );
}
