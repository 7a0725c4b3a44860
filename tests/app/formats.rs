//! Dates, relative times and amounts the way each reader writes them: the profile's region,
//! the team page, the sessions list, the invoice preview and a mail, for readers in Madrid
//! (es-ES), Mexico City (es-MX) and New York (en-US).

use chrono::TimeDelta;
use cuentas::db::schema::users;
use diesel::prelude::*;
use regex::Regex;
use scraper::{Html, Selector};

use crate::helpers::{TestApp, TestUser, spawn_logged_in_as, with};

/// Who reads, and what they must see.
struct Reader {
    language: &'static str,
    region: Option<&'static str>,
    timezone: &'static str,
    /// A medium date and a short time, as a pattern.
    date_time: &'static str,
    five_minutes_ago: &'static str,
    just_now: &'static str,
}

const MADRID: Reader = Reader {
    language: "es",
    region: Some("ES"),
    timezone: "Europe/Madrid",
    date_time: r"\b\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept|oct|nov|dic) \d{4}, \d{2}:\d{2}\b",
    five_minutes_ago: "hace 5 minutos",
    just_now: "ahora",
};

const MEXICO: Reader = Reader {
    language: "es",
    region: None, // from the time zone
    timezone: "America/Mexico_City",
    date_time: r"\b\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept|oct|nov|dic) \d{4}, \d{1,2}:\d{2}\x{202f}[ap]\.m\.",
    five_minutes_ago: "hace 5 minutos",
    just_now: "ahora",
};

const NEW_YORK: Reader = Reader {
    language: "en",
    region: Some("US"),
    timezone: "America/New_York",
    date_time: r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}, \d{1,2}:\d{2}\x{202f}[AP]M",
    five_minutes_ago: "5 minutes ago",
    just_now: "now",
};

fn becomes(app: &TestApp, user: &TestUser, reader: &Reader) {
    app.update_user(
        user.id,
        (
            users::language.eq(reader.language),
            users::region.eq(reader.region),
            users::timezone.eq(reader.timezone),
        ),
    );
}

fn texts(page: &str, css: &str) -> Vec<String> {
    let selector = Selector::parse(css).expect("selector");
    Html::parse_document(page)
        .select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn assert_date_time(text: &str, reader: &Reader) {
    let pattern = Regex::new(reader.date_time).expect("pattern");
    assert!(
        pattern.is_match(text),
        "{text:?} is not {}",
        reader.date_time
    );
}

#[tokio::test]
async fn the_team_page_says_how_long_ago_each_member_signed_in() {
    for reader in [MADRID, MEXICO, NEW_YORK] {
        let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
        becomes(&app, &admin, &reader);
        let vera = app.create_user("vera", "vendedor").await;
        let five_minutes_ago = chrono::Utc::now().naive_utc() - TimeDelta::minutes(5);
        app.update_user(
            vera.id,
            (
                users::manager_id.eq(admin.id),
                users::last_login_at.eq(five_minutes_ago),
            ),
        );
        let page = app.get_page("/equipo/").await;
        let times: Vec<String> = texts(&page, "td time");
        assert_eq!(times, [reader.five_minutes_ago]);
        // The instant for machines, the full date and time for whoever hovers.
        let document = Html::parse_document(&page);
        let time = document
            .select(&Selector::parse("td time").expect("selector"))
            .next()
            .expect("a time");
        let datetime = time.value().attr("datetime").expect("datetime");
        assert_eq!(
            datetime,
            five_minutes_ago.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        );
        assert_date_time(time.value().attr("title").expect("title"), &reader);
    }
}

#[tokio::test]
async fn the_sessions_list_writes_its_times_in_the_readers_locale() {
    for reader in [MADRID, MEXICO, NEW_YORK] {
        let (app, user) = spawn_logged_in_as("ana", "admin").await;
        becomes(&app, &user, &reader);
        let page = app.get_page("/seguridad/").await;
        let times = texts(&page, "#sessions time");
        assert!(times.len() >= 2, "{times:?}");
        // Started at a date and time; last seen just now.
        assert_date_time(&times[0], &reader);
        assert_eq!(times[1], reader.just_now);
        // The history says how long ago too.
        let history = texts(&page, ".item-meta time");
        assert!(!history.is_empty());
        assert!(history.iter().all(|t| t == reader.just_now), "{history:?}");
    }
}

#[tokio::test]
async fn the_invoice_preview_writes_amounts_for_the_admins_locale() {
    let cases = [
        (MADRID, "EUR", "2813,00\u{a0}€"),
        (MEXICO, "MXN", "$50,634.00"),
        (NEW_YORK, "USD", "$2,813.00"),
        (NEW_YORK, "EUR", "€2,813.00"),
        (MEXICO, "CLP", "CLP\u{a0}2,531,700"),
    ];
    for (reader, currency, total) in cases {
        let (app, admin) = spawn_logged_in_as("dueña", "admin").await;
        becomes(&app, &admin, &reader);
        app.update_user(admin.id, users::currency.eq(currency));
        let page = app.get_page("/factura/vista-previa/").await;
        assert_eq!(texts(&page, "#invoice-total"), [total], "{currency}");
    }
}

#[tokio::test]
async fn the_deletion_mail_writes_the_date_in_the_recipients_locale() {
    for reader in [MADRID, MEXICO, NEW_YORK] {
        let (app, user) = spawn_logged_in_as("ana", "admin").await;
        becomes(&app, &user, &reader);
        let fields = [
            ("confirmar_email", user.email.clone()),
            ("password", user.password.clone()),
        ];
        app.post_fields(&app.client, "/cuenta/eliminar/", &fields)
            .await;
        let mail = app.wait_for_mail_to(&user.email, 0).await;
        let purge_after = app.user(user.id).purge_after.expect("pending deletion");
        let written = cuentas::locale::Reader::new(
            cuentas::i18n::Lang::from_code(reader.language).expect("a language"),
            reader
                .region
                .or(Some("MX").filter(|_| reader.timezone == "America/Mexico_City"))
                .and_then(|code| cuentas::domain::region::Region::parse(code).ok()),
            reader.timezone,
        )
        .date_time(purge_after);
        assert_date_time(&written, &reader);
        assert!(
            mail.text.contains(&written),
            "{written:?} not in {}",
            mail.text
        );
    }
}

#[tokio::test]
async fn the_region_is_chosen_on_the_profile_or_left_to_the_time_zone() {
    let (app, user) = spawn_logged_in_as("ana", "admin").await;
    let fields = crate::profile::valid(&user);
    let saved = app
        .post_multipart_fields(
            &app.client,
            "/actualizar-perfil/",
            &with(fields.clone(), "region", "mx"),
            None,
        )
        .await;
    assert_eq!(saved.status().as_u16(), 303);
    assert_eq!(app.user(user.id).region.as_deref(), Some("MX"));
    let page = app.get_page("/perfil/").await;
    assert_eq!(texts(&page, "#region option[selected]"), ["México"]);

    // Not on the list: a clear error tied to the field, nothing saved.
    let refused = app
        .post_multipart_fields(
            &app.client,
            "/actualizar-perfil/",
            &with(fields.clone(), "region", "FR"),
            None,
        )
        .await;
    assert_eq!(refused.status().as_u16(), 422);
    let page = refused.text().await.expect("body");
    assert_eq!(
        texts(&page, "#region-error"),
        ["Elige una región de la lista o «Automática»."]
    );
    assert!(page.contains(r#"aria-describedby="region-hint region-error""#));
    assert_eq!(app.user(user.id).region.as_deref(), Some("MX"));

    // Back to automatic.
    app.post_multipart_fields(
        &app.client,
        "/actualizar-perfil/",
        &with(fields, "region", ""),
        None,
    )
    .await;
    assert_eq!(app.user(user.id).region, None);
}

#[tokio::test]
async fn every_public_page_describes_itself_in_the_pages_language() {
    let app = crate::helpers::spawn_app().await;
    let client = reqwest::Client::new();
    for (language, login_words) in [("es", "Entra en cuentas"), ("en", "Sign in to cuentas")] {
        for path in [
            "/login/",
            "/registro/",
            "/recuperar-password/",
            "/reenviar-verificacion/",
        ] {
            let page = client
                .get(app.url(path))
                .header("Accept-Language", language)
                .send()
                .await
                .expect("response")
                .text()
                .await
                .expect("body");
            let document = Html::parse_document(&page);
            let description = document
                .select(&Selector::parse(r#"meta[name="description"]"#).expect("selector"))
                .filter_map(|meta| meta.value().attr("content"))
                .collect::<Vec<_>>();
            assert_eq!(description.len(), 1, "{path} {language}");
            assert!(description[0].len() > 30, "{path}: {:?}", description[0]);
            if path == "/login/" {
                assert!(
                    description[0].starts_with(login_words),
                    "{:?}",
                    description[0]
                );
            }
        }
    }
}

#[tokio::test]
async fn the_profile_says_since_when_and_how_long_ago_in_the_readers_locale() {
    for (reader, since) in [
        (
            MADRID,
            r"^\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept|oct|nov|dic) \d{4}$",
        ),
        (
            MEXICO,
            r"^\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept|oct|nov|dic) \d{4}$",
        ),
        (
            NEW_YORK,
            r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}$",
        ),
    ] {
        let (app, user) = spawn_logged_in_as("ana", "admin").await;
        becomes(&app, &user, &reader);
        let five_minutes_ago = chrono::Utc::now().naive_utc() - TimeDelta::minutes(5);
        app.update_user(user.id, users::last_login_at.eq(five_minutes_ago));
        let page = app.get_page("/perfil/").await;
        let times = texts(&page, "dd time");
        assert_eq!(times.len(), 2, "{times:?}");
        assert!(
            Regex::new(since).expect("pattern").is_match(&times[0]),
            "{times:?}"
        );
        assert_eq!(times[1], reader.five_minutes_ago);
    }
}
