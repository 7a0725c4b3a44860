//! Every kind of page is valid HTML5 according to the Nu Html Checker (vnu.jar).
//!
//! Runs when `CUENTAS_HTML_CHECK=1` (CI sets it and installs the checker); it then fails if
//! Java or the checker is missing. `VNU_JAR` names the jar.

use std::process::Command;

use crate::helpers::{TestApp, TestUser, assert_is_redirect_to, new_client, spawn_app};

pub(crate) fn checker() -> Option<String> {
    if std::env::var("CUENTAS_HTML_CHECK").as_deref() != Ok("1") {
        eprintln!("HTML check not run: set CUENTAS_HTML_CHECK=1 and VNU_JAR to run it");
        return None;
    }
    let jar = std::env::var("VNU_JAR").expect("CUENTAS_HTML_CHECK=1 needs VNU_JAR");
    assert!(
        std::path::Path::new(&jar).exists(),
        "VNU_JAR={jar} does not exist: npm install vnu-jar"
    );
    Some(jar)
}

async fn body(response: reqwest::Response) -> String {
    response.text().await.unwrap()
}

async fn pages(app: &TestApp) -> Vec<(&'static str, String)> {
    let mut pages = Vec::new();
    let anonymous = new_client();
    for (name, path) in [
        ("login", "/login/"),
        ("404", "/no-such-page/"),
        ("sign-up", "/registro/"),
        ("recover password", "/recuperar-password/"),
        ("resend verification", "/reenviar-verificacion/"),
        ("invalid link", "/verificar-email/not-a-token/"),
        ("invalid sign-in link", "/login/confirmar/not-a-token/"),
    ] {
        pages.push((name, app.get_page_with(&anonymous, path).await));
    }
    // A live verification link: the page with its one button.
    let unverified = app.create_user("Nueva", "admin").await;
    app.set_unverified(unverified.id, None);
    app.post_form_with(
        &anonymous,
        "/reenviar-verificacion/",
        &[("email", &unverified.email)],
    )
    .await;
    let link = app.link_in_mail_to(&unverified.email, 0).await;
    pages.push((
        "verification button",
        app.get_page_with(&anonymous, &link).await,
    ));
    pages.push((
        "sign-up with errors",
        body(
            app.post_form_with(
                &anonymous,
                "/registro/",
                &[("username", ""), ("email", "x")],
            )
            .await,
        )
        .await,
    ));

    pages.push((
        "sign-up with errors on the optional fields",
        body(
            app.post_form_with(
                &anonymous,
                "/registro/",
                &[
                    ("username", "nueva"),
                    ("email", "nueva@example.com"),
                    ("first_name", "N0ra"),
                    ("last_name", "<b>"),
                    ("nombre_empresa", &"E".repeat(151)),
                ],
            )
            .await,
        )
        .await,
    ));

    let owner = app.logged_in_as("dueña", "admin").await;
    pages.push((
        "dashboard with tutorial and checklist",
        body(app.get("/dashboard/").await).await,
    ));
    pages.push(("profile of an admin", body(app.get("/perfil/").await).await));
    pages.push((
        "profile with errors",
        body(
            app.post_multipart_with(
                &app.client,
                "/actualizar-perfil/",
                reqwest::multipart::Form::new().text("username", ""),
            )
            .await,
        )
        .await,
    ));
    pages.push((
        "profile with errors and a photo kept for the next save",
        body(
            app.post_multipart_with(
                &app.client,
                "/actualizar-perfil/",
                reqwest::multipart::Form::new().text("username", "").part(
                    "foto_perfil",
                    reqwest::multipart::Part::bytes(tiny_png()).file_name("foto.png"),
                ),
            )
            .await,
        )
        .await,
    ));
    pages.push((
        "invoice form with errors",
        body(
            app.post_form(
                "/perfil/",
                &[
                    ("nombre_empresa", ""),
                    ("telefono", "x"),
                    ("guardar_factura", "1"),
                ],
            )
            .await,
        )
        .await,
    ));
    pages.push((
        "invoice preview",
        body(app.get("/factura/vista-previa/").await).await,
    ));
    pages.push(("empty team", body(app.get("/equipo/").await).await));
    assert_is_redirect_to(
        &app.post_form(
            "/equipo/",
            &[
                ("username", "vera"),
                ("email", "vera@example.com"),
                ("first_name", "Vera"),
                ("last_name", "Núñez"),
            ],
        )
        .await,
        "/equipo/",
    );
    pages.push((
        "team with a new password",
        body(app.get("/equipo/").await).await,
    ));
    pages.push((
        "team form with errors",
        body(
            app.post_form("/equipo/", &[("username", ""), ("email", "x")])
                .await,
        )
        .await,
    ));
    pages.push((
        "password change with errors",
        body(
            app.post_form("/cambiar-password/", &[("old_password", "")])
                .await,
        )
        .await,
    ));
    pages.push(("export", body(app.get("/cuenta/exportar/").await).await));
    pages.push(("405", body(app.get("/equipo/1/desactivar/").await).await));
    // A second session, so the security centre shows a "sign out" button.
    app.new_logged_in_client(&owner).await;
    pages.push(("security centre", body(app.get("/seguridad/").await).await));
    pages.push((
        "re-authentication",
        body(app.get("/reautenticar/?next=%2Fseguridad%2F").await).await,
    ));
    pages.push((
        "re-authentication with errors",
        body(app.post_form("/reautenticar/", &[("password", "")]).await).await,
    ));
    pages.extend(two_step_pages(app, &owner).await);
    pages.extend(token_pages(app).await);
    pages.extend(deletion_pages(app, &owner).await);
    pages
}

/// The two-step pages: the set-up (with an error), the recovery codes, the managing page, the
/// security centre with it on, and the second step of signing in (with an error).
async fn two_step_pages(app: &TestApp, owner: &TestUser) -> Vec<(&'static str, String)> {
    use cuentas::accounts::two_step::{base32_decode, step_at, totp};
    let mut pages = Vec::new();
    let set_up = body(app.get("/seguridad/dos-pasos/").await).await;
    let document = scraper::Html::parse_document(&set_up);
    let secret = crate::helpers::text_at(&document, "#totp-secret").unwrap();
    pages.push(("two-step set-up", set_up));
    pages.push((
        "two-step set-up with errors",
        body(
            app.post_form("/seguridad/dos-pasos/", &[("codigo", "abc")])
                .await,
        )
        .await,
    ));
    let code = format!(
        "{:06}",
        totp(&base32_decode(&secret).unwrap(), step_at(app.clock.now()))
    );
    pages.push((
        "recovery codes",
        body(
            app.post_form("/seguridad/dos-pasos/", &[("codigo", &code)])
                .await,
        )
        .await,
    ));
    pages.push((
        "two-step on",
        body(app.get("/seguridad/dos-pasos/").await).await,
    ));
    pages.push((
        "security centre with two-step",
        body(app.get("/seguridad/").await).await,
    ));
    let client = new_client();
    app.login_with(&client, &owner.username, &owner.password)
        .await;
    pages.push((
        "second step",
        app.get_page_with(&client, "/login/dos-pasos/").await,
    ));
    pages.push((
        "second step with errors",
        body(
            app.post_form_with(&client, "/login/dos-pasos/", &[("codigo", "x")])
                .await,
        )
        .await,
    ));
    // Off again, for the pages that follow.
    app.post_form("/seguridad/dos-pasos/desactivar/", &[]).await;
    pages
}

/// The personal-token page: empty, with errors, with a new token shown and listed.
async fn token_pages(app: &TestApp) -> Vec<(&'static str, String)> {
    let mut pages = vec![(
        "personal tokens",
        body(app.get("/seguridad/tokens/").await).await,
    )];
    let invalid = [("nombre", ""), ("expiracion", "7")];
    pages.push((
        "personal tokens with errors",
        body(app.post_form("/seguridad/tokens/", &invalid).await).await,
    ));
    let valid = [
        ("nombre", "Móvil"),
        ("scopes", "perfil:leer"),
        ("expiracion", "30"),
    ];
    pages.push((
        "personal token shown",
        body(app.post_form("/seguridad/tokens/", &valid).await).await,
    ));
    pages
}

/// The deletion pages, signed in as `owner` (an admin with a team): the form, with errors, a
/// team member pending deletion, the page after deleting, the sign-in pending deletion, the
/// restore link (live and dead).
async fn deletion_pages(app: &TestApp, owner: &TestUser) -> Vec<(&'static str, String)> {
    let mut pages = Vec::new();
    pages.push((
        "account deletion",
        body(app.get("/cuenta/eliminar/").await).await,
    ));
    pages.push((
        "account deletion with errors",
        body(
            app.post_form("/cuenta/eliminar/", &[("confirmar_email", "x")])
                .await,
        )
        .await,
    ));
    let vera = app.user_by_email("vera@example.com").unwrap();
    app.post_form(&format!("/equipo/{}/eliminar/", vera.id), &[])
        .await;
    pages.push((
        "team with a member pending deletion",
        body(app.get("/equipo/").await).await,
    ));
    let fields = [
        ("confirmar_email", owner.email.as_str()),
        ("password", owner.password.as_str()),
    ];
    pages.push((
        "account deleted",
        body(app.post_form("/cuenta/eliminar/", &fields).await).await,
    ));
    pages.push((
        "sign-in pending deletion",
        body(app.login(&owner.username, &owner.password).await).await,
    ));
    app.wait_for_outbox_drained().await;
    let link = app
        .mails_to(&owner.email)
        .into_iter()
        .find_map(|mail| mail.link.filter(|l| l.contains("/cuenta/restaurar/")))
        .map(|link| url::Url::parse(&link).unwrap().path().to_owned())
        .expect("the restore mail");
    pages.push(("restore link", app.get_page(&link).await));
    pages.push((
        "invalid restore link",
        app.get_page("/cuenta/restaurar/not-a-token/").await,
    ));
    pages
}

#[tokio::test]
async fn every_kind_of_page_is_valid_html5() {
    let Some(jar) = checker() else {
        return;
    };
    let app = spawn_app().await;
    assert_valid(&jar, pages(&app).await);
}

/// Labels come escaped from the catalog table and the templates print them as they are; an
/// entity escaped a second time (`&amp;#39;`) would show on the page as written.
#[tokio::test]
async fn no_page_escapes_its_text_twice() {
    let app = spawn_app().await;
    for (name, html) in pages(&app).await {
        for twice in ["&amp;#", "&amp;amp;", "&amp;quot;", "&amp;lt;", "&amp;gt;"] {
            assert!(!html.contains(twice), "{name}: {twice}");
        }
    }
}

/// The passkey pages need a base URL with a host name: an app of their own.
#[tokio::test]
async fn the_passkey_pages_are_valid_html5() {
    let Some(jar) = checker() else {
        return;
    };
    assert_valid(&jar, crate::passkeys::pages_to_check().await);
}

/// Runs the Nu Html Checker on `pages` (name, HTML) and fails with its errors.
pub(crate) fn assert_valid(jar: &str, pages: Vec<(&str, String)>) {
    let folder = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (index, (name, html)) in pages.into_iter().enumerate() {
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}: not a page");
        let path = folder
            .path()
            .join(format!("{index:02}-{}.html", name.replace(' ', "-")));
        std::fs::write(&path, html).unwrap();
        files.push(path);
    }
    let output = Command::new("java")
        .args(["-jar", jar, "--errors-only", "--format", "text"])
        .args(&files)
        .output()
        .expect("java runs (apt-get install default-jre-headless)");
    assert!(
        output.status.success(),
        "the Nu Html Checker found errors:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A small valid PNG for the photo field.
fn tiny_png() -> Vec<u8> {
    let image = image::RgbImage::from_pixel(40, 40, image::Rgb([30, 120, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}
