//! Invoice settings on the profile page (`POST /perfil/` with `guardar_factura`) and the
//! invoice preview.

use cuentas::db::invoice_settings::InvoiceSettings;
use cuentas::db::schema::{invoice_settings, users};
use diesel::prelude::*;
use scraper::{Html, Selector};

use crate::helpers::{
    Fields, TestApp, assert_is_redirect_to, assert_is_sent_to_login, spawn_app, spawn_logged_in_as,
    spawn_with_user, with, without,
};

fn valid() -> Fields {
    vec![
        ("nombre_empresa", "Ferretería Núñez".into()),
        ("direccion", "Av. Reforma 100, CDMX".into()),
        ("telefono", "+52 55 1234 5678".into()),
        ("email_contacto", "ventas@ferreteria.example".into()),
        (
            "mensaje_personalizado",
            "Gracias por su compra.\r\nVuelva pronto.".into(),
        ),
        ("mostrar_direccion", "on".into()),
        ("mostrar_telefono", "on".into()),
        ("mostrar_email", "on".into()),
        ("mostrar_mensaje", "on".into()),
        ("guardar_factura", "1".into()),
    ]
}

async fn save(app: &TestApp, fields: &[(&'static str, String)]) -> reqwest::Response {
    app.post_fields(&app.client, "/perfil/", fields).await
}

fn settings_of(app: &TestApp, admin_id: i32) -> Option<InvoiceSettings> {
    app.db(|c| InvoiceSettings::find(c, admin_id)).unwrap()
}

fn rows(app: &TestApp) -> i64 {
    app.db(|c| invoice_settings::table.count().get_result(c))
        .unwrap()
}

fn select<'a>(document: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    document.select(&Selector::parse(css).unwrap()).collect()
}

#[tokio::test]
async fn an_admin_gets_one_settings_row_and_the_form_on_the_first_profile_visit() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    assert!(settings_of(&app, admin.id).is_none());

    let body = app.get_page("/perfil/").await;
    let document = Html::parse_document(&body);
    assert_eq!(select(&document, "button[name=guardar_factura]").len(), 1);
    assert_eq!(
        select(&document, "form[action='/perfil/'][method=post]").len(),
        1
    );
    // All four toggles start on; the phone input does not collide with the profile's.
    for name in [
        "mostrar_direccion",
        "mostrar_telefono",
        "mostrar_email",
        "mostrar_mensaje",
    ] {
        let boxes = select(&document, &format!("input[type=checkbox][name={name}]"));
        assert_eq!(boxes.len(), 1, "{name}");
        assert!(boxes[0].value().attr("checked").is_some(), "{name}");
        let id = boxes[0].value().id().unwrap();
        assert_eq!(select(&document, &format!("label[for='{id}']")).len(), 1);
    }
    assert_eq!(select(&document, "#telefono").len(), 1);
    assert_eq!(select(&document, "#factura-telefono").len(), 1);
    assert_eq!(
        select(&document, "a[href='/factura/vista-previa/']").len(),
        1
    );

    let settings = settings_of(&app, admin.id).expect("created on the first visit");
    assert!(
        settings.show_address
            && settings.show_phone
            && settings.show_email
            && settings.show_message
    );
    app.get("/perfil/").await;
    assert_eq!(rows(&app), 1);
}

#[tokio::test]
async fn simultaneous_first_visits_create_one_row() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let visits = (0..8).map(|_| app.get("/perfil/"));
    for response in futures_util::future::join_all(visits).await {
        assert_eq!(response.status().as_u16(), 200);
    }
    assert_eq!(rows(&app), 1);
    assert!(settings_of(&app, admin.id).is_some());
}

#[tokio::test]
async fn the_database_itself_allows_one_row_per_admin() {
    let (app, admin) = spawn_with_user("dueña", "admin").await;
    let (id, now) = (admin.id, chrono::Utc::now().naive_utc());
    let first = app
        .db(|c| InvoiceSettings::get_or_create(c, id, now))
        .unwrap();
    let second = app
        .db(|c| InvoiceSettings::get_or_create(c, id, now))
        .unwrap();
    assert_eq!(first.id, second.id);
    let duplicate = app.db(|c| {
        diesel::insert_into(invoice_settings::table)
            .values((
                invoice_settings::admin_id.eq(id),
                invoice_settings::updated_at.eq(now),
            ))
            .execute(c)
    });
    assert!(duplicate.is_err(), "the unique key refuses a second row");
    assert_eq!(rows(&app), 1);
}

#[tokio::test]
async fn valid_settings_are_saved_with_line_breaks_and_toggles() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let fields = without(without(valid(), "mostrar_email"), "mostrar_telefono");
    assert_is_redirect_to(&save(&app, &fields).await, "/perfil/");

    let settings = settings_of(&app, admin.id).unwrap();
    assert_eq!(settings.company_name, "Ferretería Núñez");
    assert_eq!(settings.address, "Av. Reforma 100, CDMX");
    assert_eq!(settings.phone, "+52 55 1234 5678");
    assert_eq!(settings.contact_email, "ventas@ferreteria.example");
    assert_eq!(
        settings.custom_message,
        "Gracias por su compra.\nVuelva pronto."
    );
    assert!(settings.show_address && settings.show_message);
    assert!(!settings.show_phone && !settings.show_email);

    let page = app.get_page("/perfil/").await;
    assert!(page.contains("Configuración de factura guardada."));
    // The form shows what was saved.
    let document = Html::parse_document(&page);
    let phone_box = select(&document, "input[name=mostrar_telefono]");
    assert!(phone_box[0].value().attr("checked").is_none());
    let message = select(&document, "textarea[name=mensaje_personalizado]");
    assert_eq!(
        message[0].text().collect::<String>(),
        "Gracias por su compra.\nVuelva pronto."
    );
}

#[tokio::test]
async fn the_flash_speaks_english_to_english_speakers() {
    let (app, admin) = spawn_logged_in_as("owner", "admin").await;
    let id = admin.id;
    app.update_user(id, users::language.eq("en"));
    assert_is_redirect_to(&save(&app, &valid()).await, "/perfil/");
    let page = app.get_page("/perfil/").await;
    assert!(page.contains("Invoice settings saved."));
}

#[tokio::test]
async fn invalid_settings_show_both_forms_with_errors_and_write_nothing() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    assert_is_redirect_to(&save(&app, &valid()).await, "/perfil/");
    let before = settings_of(&app, admin.id).unwrap();

    let cases: Vec<(&str, String, &str)> = vec![
        ("nombre_empresa", "x".repeat(151), "como máximo 150"),
        ("direccion", "d".repeat(201), "como máximo 200"),
        ("telefono", "55-CALL-NOW".into(), "Usa solo números"),
        ("telefono", "5".repeat(51), "como máximo 50"),
        ("email_contacto", "ventas@".into(), "correo"),
        (
            "mensaje_personalizado",
            "m".repeat(1001),
            "como máximo 1000",
        ),
        (
            "direccion",
            "Calle\u{7}1".into(),
            "caracteres no permitidos",
        ),
    ];
    for (field, value, message) in cases {
        let fields = with(without(valid(), "mostrar_mensaje"), field, &value);
        let response = save(&app, &fields).await;
        assert_eq!(response.status().as_u16(), 422, "{field}={value:?}");
        let body = response.text().await.unwrap();
        let document = Html::parse_document(&body);
        assert_eq!(
            select(&document, "form[action='/actualizar-perfil/']").len(),
            1
        );
        assert_eq!(select(&document, "button[name=guardar_factura]").len(), 1);
        let id = format!("factura-{field}");
        let input = select(&document, &format!("#{id}"));
        assert_eq!(
            input[0].value().attr("aria-invalid"),
            Some("true"),
            "{field}"
        );
        let described = input[0].value().attr("aria-describedby").unwrap();
        let error_id = format!("{id}-error");
        assert!(described.split(' ').any(|d| d == error_id), "{field}");
        let error = select(&document, &format!("#{error_id}"));
        let text = error[0].text().collect::<String>();
        assert!(
            text.to_lowercase().contains(&message.to_lowercase()),
            "{field}: {text}"
        );
        assert_eq!(
            select(&document, &format!(".error-summary a[href='#{id}']")).len(),
            1
        );
        // The submitted (unchecked) toggle is what the form shows again.
        let message_box = select(&document, "input[name=mostrar_mensaje]");
        assert!(message_box[0].value().attr("checked").is_none());
    }
    let after = settings_of(&app, admin.id).unwrap();
    assert_eq!(after.updated_at, before.updated_at);
    assert_eq!(after.company_name, before.company_name);
    assert!(after.show_message);
}

#[tokio::test]
async fn a_vendedor_never_sees_the_form_and_cannot_save_it() {
    let app = spawn_app().await;
    app.logged_in_as("vera", "vendedor").await;
    let page = app.get_page("/perfil/").await;
    assert!(!page.contains("guardar_factura"));
    assert!(!page.contains("/factura/vista-previa/"));

    let response = save(&app, &valid()).await;
    assert_is_redirect_to(&response, "/perfil/");
    let page = app.get_page("/perfil/").await;
    assert!(page.contains("No tienes permisos para modificar la configuración de factura."));
    assert_eq!(rows(&app), 0);
    assert_eq!(app.status_of("/factura/vista-previa/").await, 403);
}

#[tokio::test]
async fn the_form_writes_only_the_current_admins_row() {
    let (app, other) = spawn_with_user("otra", "admin").await;
    let other_id = other.id;
    app.db(|c| InvoiceSettings::get_or_create(c, other_id, chrono::Utc::now().naive_utc()))
        .unwrap();
    let admin = app.logged_in_as("dueña", "admin").await;
    let fields = with(with(valid(), "admin_id", &other.id.to_string()), "id", "1");
    assert_is_redirect_to(&save(&app, &fields).await, "/perfil/");
    assert_eq!(settings_of(&app, other.id).unwrap().company_name, "");
    assert_eq!(
        settings_of(&app, admin.id).unwrap().company_name,
        "Ferretería Núñez"
    );
}

#[tokio::test]
async fn saving_needs_the_csrf_token_and_the_button() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let fields = valid();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = app.post_raw("/perfil/", &fields, &[]).await;
    assert_eq!(response.status().as_u16(), 403);
    let response = save(&app, &without(valid(), "guardar_factura")).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(settings_of(&app, admin.id).is_none());
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_log_in() {
    let app = spawn_app().await;
    assert_is_sent_to_login(
        &app.get("/factura/vista-previa/").await,
        "/factura/vista-previa/",
    );
}

/// Every combination of the four toggles shows exactly the parts that are on.
#[tokio::test]
async fn the_preview_shows_exactly_the_parts_whose_toggles_are_on() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let id = admin.id;
    app.update_user(id, users::currency.eq("MXN"));
    let toggles = [
        "mostrar_direccion",
        "mostrar_telefono",
        "mostrar_email",
        "mostrar_mensaje",
    ];
    let parts = [
        "#invoice-address",
        "#invoice-phone",
        "#invoice-email",
        "#invoice-message",
    ];
    for mask in 0..16u8 {
        let mut fields = valid();
        for (bit, toggle) in toggles.iter().enumerate() {
            if mask & (1 << bit) == 0 {
                fields = without(fields, toggle);
            }
        }
        assert_is_redirect_to(&save(&app, &fields).await, "/perfil/");
        let response = app.get("/factura/vista-previa/").await;
        assert_eq!(response.status().as_u16(), 200);
        let body = response.text().await.unwrap();
        let document = Html::parse_document(&body);
        let company = select(&document, ".invoice-company-name");
        assert_eq!(company[0].text().collect::<String>(), "Ferretería Núñez");
        for (bit, part) in parts.iter().enumerate() {
            let expected = usize::from(mask & (1 << bit) != 0);
            assert_eq!(
                select(&document, part).len(),
                expected,
                "mask {mask:04b}: {part}"
            );
        }
        let text = document.root_element().text().collect::<String>();
        assert_eq!(text.contains("Av. Reforma 100, CDMX"), mask & 1 != 0);
        assert_eq!(text.contains("+52 55 1234 5678"), mask & 2 != 0);
        assert_eq!(text.contains("ventas@ferreteria.example"), mask & 4 != 0);
        assert_eq!(text.contains("Vuelva pronto."), mask & 8 != 0);
        if mask & 8 != 0 {
            let message = select(&document, "#invoice-message");
            assert_eq!(
                message[0].text().collect::<String>(),
                "Gracias por su compra.\nVuelva pronto."
            );
        }
        // Totals in the admin's currency, at 18 MXN to the dollar:
        // (2×450 + 10×32.50 + 1200) × 18 = 43,650.00, plus 16 % = 50,634.00.
        let total = select(&document, "#invoice-total");
        assert_eq!(total[0].text().collect::<String>(), "50.634,00\u{a0}MXN");
        assert_eq!(select(&document, ".invoice-lines tbody tr").len(), 3);
    }
}

#[tokio::test]
async fn the_preview_escapes_what_the_admin_typed_and_prints_cleanly() {
    let app = spawn_app().await;
    app.logged_in_as("dueña", "admin").await;
    let fields = with(
        with(valid(), "nombre_empresa", "<script>alert(1)</script> & Cía"),
        "mensaje_personalizado",
        "<img src=x onerror=alert(1)>",
    );
    assert_is_redirect_to(&save(&app, &fields).await, "/perfil/");
    let body = app.get_page("/factura/vista-previa/").await;
    assert!(!body.contains("<script>alert(1)"));
    assert!(!body.contains("<img src=x"));
    let document = Html::parse_document(&body);
    assert_eq!(select(&document, ".invoice script, .invoice img").len(), 0);
    let company = select(&document, ".invoice-company-name");
    assert_eq!(
        company[0].text().collect::<String>(),
        "<script>alert(1)</script> & Cía"
    );
    let css = app.get_page(cuentas::assets::url("css/app.css")).await;
    assert!(css.contains("@media print"));
    assert!(css.contains("@page"));
}

#[tokio::test]
async fn the_sample_is_priced_like_the_admins_currency() {
    let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
    let id = admin.id;
    for (currency, total) in [
        // A Spanish reader with no region (the test accounts' UTC): CLDR's "es".
        ("CLP", "2.531.700\u{a0}CLP"),
        ("ARS", "2.813.000,00\u{a0}ARS"),
        ("USD", "2813,00\u{a0}US$"),
    ] {
        app.update_user(id, users::currency.eq(currency));
        let body = app.get_page("/factura/vista-previa/").await;
        let document = Html::parse_document(&body);
        let shown = select(&document, "#invoice-total")[0]
            .text()
            .collect::<String>();
        assert_eq!(shown, total);
    }
}
