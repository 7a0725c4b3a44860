//! `GET, POST /cuenta/exportar/`: a ZIP of one's own data, with no secret in it.

use std::io::{Cursor, Read};

use cuentas::db::schema::{known_browsers, one_time_tokens, user_sessions, users};
use diesel::prelude::*;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_is_sent_to_login, new_client,
    spawn_logged_in_as, spawn_with_user,
};

const EXPORT: &str = "/cuenta/exportar/";

/// The archive's files, by name.
struct Archive {
    bytes: Vec<u8>,
    data: serde_json::Value,
    photo: Option<Vec<u8>>,
    names: Vec<String>,
}

/// Posts the export form through `client` and reads the answer, checking its headers.
async fn download(app: &TestApp, client: &reqwest::Client, username: &str) -> Archive {
    let response = app.post_form_with(client, EXPORT, &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    // The app's clock, which a test may have moved on (across midnight too).
    let today = app.clock.now().date().format("%Y-%m-%d");
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"cuentas-{username}-{today}.zip\"")
    );
    assert_eq!(header("content-type"), "application/zip");
    assert_eq!(header("cache-control"), "no-store");
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).expect("a ZIP");
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    let mut json = String::new();
    zip.by_name("datos.json")
        .expect("datos.json")
        .read_to_string(&mut json)
        .unwrap();
    let photo = match zip.by_name("foto.jpg") {
        Ok(mut file) => {
            let mut photo = Vec::new();
            file.read_to_end(&mut photo).unwrap();
            Some(photo)
        }
        Err(_) => None,
    };
    Archive {
        bytes,
        data: serde_json::from_str(&json).expect("valid JSON"),
        photo,
        names,
    }
}

/// Every secret the database holds: password hashes, session ids, token hashes, known
/// browser hashes.
fn secrets(app: &TestApp) -> Vec<String> {
    app.db(|c| {
        let mut all: Vec<String> = users::table.select(users::password_hash).load(c)?;
        all.extend(
            user_sessions::table
                .select(user_sessions::id)
                .load::<String>(c)?,
        );
        all.extend(
            one_time_tokens::table
                .select(one_time_tokens::token_hash)
                .load::<String>(c)?,
        );
        all.extend(
            known_browsers::table
                .select(known_browsers::browser_hash)
                .load::<String>(c)?,
        );
        Ok(all)
    })
    .unwrap()
}

fn assert_holds_no_secret(app: &TestApp, archive: &Archive) {
    let secrets = secrets(app);
    assert!(secrets.len() >= 3, "the test set up secrets: {secrets:?}");
    let json = archive.data.to_string();
    for secret in secrets {
        let needle = secret.as_bytes();
        assert!(
            !archive.bytes.windows(needle.len()).any(|w| w == needle),
            "a secret is in the ZIP"
        );
        assert!(!json.contains(&secret), "a secret is in datos.json");
    }
}

fn jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 64, |x, _| image::Rgb([x as u8 * 3, 90, 200]));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

async fn upload_photo(app: &TestApp, user: &TestUser) {
    let fields = [
        ("username", user.username.clone()),
        ("first_name", "Dora".into()),
        ("last_name", "Díaz".into()),
        ("email", user.email.clone()),
        ("telefono", "+34 600 111 222".into()),
        ("idioma", "es".into()),
        ("moneda", "EUR".into()),
        ("zona_horaria", "Europe/Madrid".into()),
    ];
    let photo = reqwest::multipart::Part::bytes(jpeg())
        .file_name("yo.jpg")
        .mime_str("image/jpeg")
        .unwrap();
    let response = app
        .post_multipart_fields(
            &app.client,
            "/actualizar-perfil/",
            &fields,
            Some(("foto_perfil", photo)),
        )
        .await;
    assert_is_redirect_to(&response, "/perfil/");
}

/// A vendedor of `admin`, signed in on a client of their own.
async fn vendedor_of(app: &TestApp, admin: &TestUser, name: &str) -> (TestUser, reqwest::Client) {
    let vendedor = app.create_user(name, "vendedor").await;
    app.update_user(vendedor.id, users::manager_id.eq(admin.id));
    let client = app.new_logged_in_client(&vendedor).await;
    (vendedor, client)
}

#[tokio::test]
async fn the_page_says_what_the_export_holds_and_the_profile_links_to_it() {
    let (app, _) = spawn_logged_in_as("Dora", "admin").await;
    let page = app
        .assert_page_says(
            EXPORT,
            &["datos.json", "foto.jpg", "vendedores", "csrf_token"],
        )
        .await;
    assert!(page.contains("action=\"/cuenta/exportar/\""));
    app.assert_page_says("/perfil/", &["href=\"/cuenta/exportar/\""])
        .await;
}

#[tokio::test]
async fn an_admin_gets_their_profile_invoice_settings_team_sessions_history_and_photo() {
    let (app, admin) = spawn_logged_in_as("Dora", "admin").await;
    upload_photo(&app, &admin).await;
    let saved = app
        .post_form(
            "/perfil/",
            &[
                ("nombre_empresa", "Ferretería Dora"),
                ("direccion", "Calle Mayor 1"),
                ("guardar_factura", "1"),
            ],
        )
        .await;
    assert_is_redirect_to(&saved, "/perfil/");
    let (vendedor, _) = vendedor_of(&app, &admin, "Vero").await;
    // A reset link waiting in the database: a token hash that must stay out.
    app.post_form_with(
        &new_client(),
        "/recuperar-password/",
        &[("email", &admin.email)],
    )
    .await;
    app.wait_for_mail_to(&admin.email, 0).await;

    let archive = download(&app, &app.client, "Dora").await;
    let data = &archive.data;
    assert_eq!(data["format"], 1);
    assert_eq!(data["profile"]["username"], "Dora");
    assert_eq!(data["profile"]["email"], admin.email);
    assert_eq!(data["profile"]["role"], "admin");
    assert_eq!(data["profile"]["first_name"], "Dora");
    assert_eq!(data["profile"]["phone"], "+34600111222");
    assert_eq!(data["profile"]["photo"], "foto.jpg");
    assert_eq!(data["preferences"]["currency"], "EUR");
    assert_eq!(data["preferences"]["timezone"], "Europe/Madrid");
    assert_eq!(data["preferences"]["region"], serde_json::Value::Null);
    assert_eq!(data["verification"]["email_verified"], true);
    assert_eq!(data["account"]["status"], "active");
    assert_eq!(data["account"]["profile_complete"], true);
    assert_eq!(data["invoice_settings"]["company_name"], "Ferretería Dora");
    assert_eq!(data["invoice_settings"]["address"], "Calle Mayor 1");
    let team = data["team"].as_array().expect("a team");
    assert_eq!(team.len(), 1);
    assert_eq!(team[0]["username"], vendedor.username);
    assert_eq!(team[0]["email"], vendedor.email);
    let sessions = data["sessions"].as_array().expect("sessions");
    assert!(!sessions.is_empty());
    assert_eq!(sessions[0]["address"], "127.0.0.1");
    assert!(sessions[0]["started_at"].as_str().unwrap().ends_with('Z'));
    let history = data["security_history"].as_array().expect("history");
    assert!(
        history.iter().any(|e| e["kind"] == "signed_in"),
        "{history:?}"
    );

    // The photo is the stored file, byte for byte.
    let stored = app.user(admin.id).photo_path.expect("a photo");
    let on_disk = app.stored_photo(&stored).await;
    assert_eq!(archive.photo.as_deref(), Some(on_disk.as_slice()));
    assert_holds_no_secret(&app, &archive);

    // Built in a temporary file that is gone once sent.
    let tmp = app.settings.data_dir.join("tmp");
    let left = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "files left in {}", tmp.display());
}

#[tokio::test]
async fn a_vendedors_export_holds_only_their_own_data() {
    let (app, admin) = spawn_logged_in_as("Dora", "admin").await;
    app.post_form(
        "/perfil/",
        &[
            ("nombre_empresa", "Empresa Secreta"),
            ("guardar_factura", "1"),
        ],
    )
    .await;
    let (vendedor, client) = vendedor_of(&app, &admin, "Vero").await;
    vendedor_of(&app, &admin, "Otro").await;

    let archive = download(&app, &client, "Vero").await;
    let data = &archive.data;
    assert_eq!(data["profile"]["username"], "Vero");
    assert_eq!(data["profile"]["role"], "vendedor");
    assert_eq!(data["profile"]["photo"], serde_json::Value::Null);
    assert!(data.get("team").is_none(), "{data}");
    assert!(data.get("invoice_settings").is_none(), "{data}");
    assert_eq!(archive.names, ["datos.json"]);
    let text = String::from_utf8_lossy(&archive.bytes);
    for other in ["Empresa Secreta", "otro@example.com", admin.email.as_str()] {
        assert!(!text.contains(other), "{other} is in the vendedor's export");
    }
    assert!(text.contains(&vendedor.email));
    assert_holds_no_secret(&app, &archive);
}

#[tokio::test]
async fn the_export_needs_a_session_and_the_csrf_token() {
    let (app, user) = spawn_with_user("Dora", "admin").await;
    let anonymous = app.get(EXPORT).await;
    assert_is_sent_to_login(&anonymous, EXPORT);
    let response = app.post_form(EXPORT, &[]).await;
    assert_eq!(response.status().as_u16(), 303, "anonymous POST");

    app.log_in_with(&app.client, &user).await;
    let response = app.post_raw(EXPORT, &[], &[]).await;
    assert_eq!(response.status().as_u16(), 403);
    let response = app
        .post_raw(EXPORT, &[("csrf_token", "not-the-token")], &[])
        .await;
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn an_old_sign_in_types_the_password_again_before_the_export() {
    let (app, user) = spawn_logged_in_as("Dora", "admin").await;
    app.clock.advance(std::time::Duration::from_secs(11 * 60));
    let to_reauth = "/reautenticar/?next=%2Fcuenta%2Fexportar%2F";
    // The page only explains; the download asks for the password.
    assert_eq!(app.status_of(EXPORT).await, 200);
    let referer = app.url(EXPORT);
    let response = app
        .post_form_headers(&app.client, EXPORT, &[], &[("Referer", &referer)])
        .await;
    assert_is_redirect_to(&response, to_reauth);

    let wrong = app
        .post_form(
            "/reautenticar/",
            &[("password", "not-the-password"), ("next", EXPORT)],
        )
        .await;
    assert_eq!(wrong.status().as_u16(), 422);
    let again = app
        .post_form(
            "/reautenticar/",
            &[("password", &user.password), ("next", EXPORT)],
        )
        .await;
    assert_is_redirect_to(&again, EXPORT);
    let archive = download(&app, &app.client, "Dora").await;
    assert_eq!(archive.data["profile"]["username"], "Dora");
}

#[tokio::test]
async fn with_no_grace_every_export_asks_for_the_password() {
    let app = crate::helpers::spawn_app_with(|s| s.reauth_within = std::time::Duration::ZERO).await;
    let user = app.logged_in_as("Dora", "admin").await;
    let referer = app.url(EXPORT);
    let ask = || async {
        app.post_form_headers(&app.client, EXPORT, &[], &[("Referer", &referer)])
            .await
    };
    assert_is_redirect_to(&ask().await, "/reautenticar/?next=%2Fcuenta%2Fexportar%2F");
    let again = app
        .post_form(
            "/reautenticar/",
            &[("password", &user.password), ("next", EXPORT)],
        )
        .await;
    assert_is_redirect_to(&again, EXPORT);
    download(&app, &app.client, "Dora").await;
    // The pass was spent by that download.
    assert_is_redirect_to(&ask().await, "/reautenticar/?next=%2Fcuenta%2Fexportar%2F");
}

#[tokio::test]
async fn linked_identities_are_in_the_export_and_only_ones_own() {
    let (app, dora) = spawn_logged_in_as("Dora", "admin").await;
    let other = app.create_user("otra", "admin").await;
    let now = chrono::Utc::now().naive_utc();
    for (user, subject, email) in [
        (dora.id, "sub-dora", "dora@gmail.example"),
        (other.id, "sub-otra", "otra@gmail.example"),
    ] {
        app.db(|c| {
            cuentas::db::linked_identities::LinkedIdentity::link(
                c,
                user,
                "https://accounts.google.com",
                subject,
                email,
                now,
            )
        })
        .unwrap();
    }
    let archive = download(&app, &app.client, "Dora").await;
    let linked = archive.data["linked_identities"]
        .as_array()
        .expect("linked_identities");
    assert_eq!(linked.len(), 1, "{linked:?}");
    assert_eq!(linked[0]["issuer"], "https://accounts.google.com");
    assert_eq!(linked[0]["subject"], "sub-dora");
    assert_eq!(linked[0]["email"], "dora@gmail.example");
    assert!(linked[0]["linked_at"].as_str().unwrap().ends_with('Z'));
    let text = String::from_utf8_lossy(&archive.bytes);
    assert!(!text.contains("sub-otra"), "another account's identity");
}
