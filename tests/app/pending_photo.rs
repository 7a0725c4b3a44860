//! A photo chosen in a profile form that has another error is not lost: it is kept (processed)
//! for the session that chose it, shown with "se guardará cuando corrijas los errores", stored
//! by the next valid save, and can be discarded. `/perfil/foto/pendiente/` and
//! `/perfil/foto/pendiente/descartar/`.

use std::io::Cursor;

use chrono::TimeDelta;
use cuentas::db::schema::pending_photos;
use diesel::prelude::*;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::Client;

use crate::helpers::{TestApp, TestUser, assert_is_redirect_to, spawn_logged_in_as, with};

const PENDING: &str = "/perfil/foto/pendiente/";
const DISCARD: &str = "/perfil/foto/pendiente/descartar/";
const NOTICE: &str = "se guardará cuando corrijas los errores";

fn png() -> Vec<u8> {
    let image = RgbImage::from_fn(300, 200, |x, _| Rgb([(x % 255) as u8, 40, 90]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

async fn submit(
    app: &TestApp,
    client: &Client,
    user: &TestUser,
    first_name: &str,
    photo: Option<Vec<u8>>,
) -> reqwest::Response {
    let fields = with(crate::profile::valid(user), "first_name", first_name);
    let part = photo.map(|bytes| {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("foto.png")
            .mime_str("image/png")
            .expect("mime");
        ("foto_perfil", part)
    });
    app.post_multipart_fields(client, "/actualizar-perfil/", &fields, part)
        .await
}

fn kept(app: &TestApp) -> i64 {
    app.db(|c| pending_photos::table.count().get_result(c))
        .expect("count")
}

fn stored_files(app: &TestApp) -> usize {
    let dir = app.settings.media_root.join("fotos_perfil");
    std::fs::read_dir(dir).map_or(0, |entries| entries.count())
}

#[tokio::test]
async fn a_photo_survives_a_422_and_the_next_valid_save_stores_it() {
    let (app, user) = spawn_logged_in_as("ana", "vendedor").await;
    let refused = submit(&app, &app.client, &user, "", Some(png())).await;
    assert_eq!(refused.status().as_u16(), 422);
    let page = refused.text().await.expect("body");
    assert!(page.contains(NOTICE), "the form says the photo waits");
    assert!(page.contains(r#"src="/perfil/foto/pendiente/""#));
    assert_eq!(kept(&app), 1);
    assert_eq!(app.user(user.id).photo_path, None, "nothing saved yet");
    assert_eq!(stored_files(&app), 0, "no file stored for a refused form");

    // Only this session sees it, processed, never cached.
    let shown = app.get(PENDING).await;
    assert_eq!(shown.status().as_u16(), 200);
    assert_eq!(shown.headers()["content-type"], "image/jpeg");
    assert_eq!(shown.headers()["cache-control"], "no-store");
    let jpeg = shown.bytes().await.expect("bytes");
    let decoded = image::load_from_memory(&jpeg).expect("a picture");
    assert_eq!((decoded.width(), decoded.height()), (400, 400));

    // Reloading the profile still shows it.
    assert!(app.get_page("/perfil/").await.contains(NOTICE));

    // The next valid save, without choosing the file again, stores it.
    let saved = submit(&app, &app.client, &user, "Ana", None).await;
    assert_is_redirect_to(&saved, "/perfil/");
    let path = app
        .user(user.id)
        .photo_path
        .expect("the kept photo was stored");
    let served = app.get(&format!("/media/{path}")).await;
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.bytes().await.expect("bytes"), jpeg);
    assert_eq!(kept(&app), 0);
    assert_eq!(app.get(PENDING).await.status().as_u16(), 404);
    assert!(!app.get_page("/perfil/").await.contains(NOTICE));
}

#[tokio::test]
async fn a_new_photo_replaces_the_kept_one_and_a_fresh_upload_wins_at_the_save() {
    let (app, user) = spawn_logged_in_as("ana", "vendedor").await;
    submit(&app, &app.client, &user, "", Some(png())).await;
    let first = app.get(PENDING).await.bytes().await.expect("bytes");
    let mut other = png();
    // Another picture: a different colour.
    other = {
        let image = image::load_from_memory(&other).expect("png").to_rgb8();
        let image = RgbImage::from_fn(image.width(), image.height(), |_, _| Rgb([10, 200, 10]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image)
            .write_to(&mut out, ImageFormat::Png)
            .expect("png");
        out.into_inner()
    };
    submit(&app, &app.client, &user, "", Some(other)).await;
    assert_eq!(kept(&app), 1, "at most one per session");
    let second = app.get(PENDING).await.bytes().await.expect("bytes");
    assert_ne!(first, second);
    let saved = submit(&app, &app.client, &user, "Ana", None).await;
    assert_is_redirect_to(&saved, "/perfil/");
    let path = app.user(user.id).photo_path.expect("stored");
    assert_eq!(
        app.get(&format!("/media/{path}"))
            .await
            .bytes()
            .await
            .expect("bytes"),
        second
    );
}

#[tokio::test]
async fn the_kept_photo_can_be_discarded_and_needs_the_csrf_token() {
    let (app, user) = spawn_logged_in_as("ana", "vendedor").await;
    submit(&app, &app.client, &user, "", Some(png())).await;

    let forged = app.post_raw(DISCARD, &[], &[]).await;
    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(kept(&app), 1, "a request without the token changes nothing");

    let discarded = app.post_form(DISCARD, &[]).await;
    assert_is_redirect_to(&discarded, "/perfil/");
    assert_eq!(kept(&app), 0);
    assert!(
        app.get_page("/perfil/")
            .await
            .contains("Foto nueva descartada.")
    );
    let saved = submit(&app, &app.client, &user, "Ana", None).await;
    assert_is_redirect_to(&saved, "/perfil/");
    assert_eq!(
        app.user(user.id).photo_path,
        None,
        "a discarded photo is not stored"
    );
}

#[tokio::test]
async fn another_session_neither_sees_nor_stores_the_kept_photo() {
    let (app, user) = spawn_logged_in_as("ana", "vendedor").await;
    submit(&app, &app.client, &user, "", Some(png())).await;
    let other = app.new_logged_in_client(&user).await;
    let response = app.get_with_client(&other, PENDING).await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(!app.get_page_with(&other, "/perfil/").await.contains(NOTICE));
    let saved = submit(&app, &other, &user, "Ana", None).await;
    assert_is_redirect_to(&saved, "/perfil/");
    assert_eq!(app.user(user.id).photo_path, None);
    assert_eq!(kept(&app), 1, "still waiting for its own session");
}

#[tokio::test]
async fn a_kept_photo_older_than_30_minutes_is_gone() {
    let (app, user) = spawn_logged_in_as("ana", "vendedor").await;
    submit(&app, &app.client, &user, "", Some(png())).await;
    let long_ago = chrono::Utc::now().naive_utc() - TimeDelta::minutes(31);
    app.db(|c| {
        diesel::update(pending_photos::table)
            .set(pending_photos::created_at.eq(long_ago))
            .execute(c)
    })
    .expect("update");
    assert_eq!(app.get(PENDING).await.status().as_u16(), 404);
    assert!(!app.get_page("/perfil/").await.contains(NOTICE));
    let saved = submit(&app, &app.client, &user, "Ana", None).await;
    assert_is_redirect_to(&saved, "/perfil/");
    assert_eq!(app.user(user.id).photo_path, None);
}

#[tokio::test]
async fn a_photo_that_is_not_an_image_is_refused_and_not_kept() {
    let (app, user) = spawn_logged_in_as("ana", "vendedor").await;
    let refused = submit(&app, &app.client, &user, "", Some(b"<svg/>".to_vec())).await;
    assert_eq!(refused.status().as_u16(), 422);
    let page = refused.text().await.expect("body");
    assert!(page.contains(r#"id="foto_perfil-error""#));
    assert!(!page.contains(NOTICE));
    assert_eq!(kept(&app), 0);
}

#[tokio::test]
async fn a_visitor_gets_no_kept_photo() {
    let (app, _user) = spawn_logged_in_as("ana", "vendedor").await;
    let anonymous = crate::helpers::new_client();
    let response = app.get_with_client(&anonymous, PENDING).await;
    assert_eq!(response.status().as_u16(), 303);
}
