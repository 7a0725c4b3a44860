//! The embedded static assets: content-hashed names cached for a year, plain names redirected,
//! and the time-zone suggestions as one cached asset instead of a list in every profile page.

use crate::helpers::{spawn_app, spawn_logged_in, with};
use crate::profile::{submit, valid};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[tokio::test]
async fn a_hashed_asset_is_served_from_the_binary_with_a_year_of_caching() {
    let app = spawn_app().await;
    for (name, content_type) in [
        ("css/app.css", "text/css; charset=utf-8"),
        ("js/app.js", "text/javascript; charset=utf-8"),
        ("img/favicon.svg", "image/svg+xml"),
    ] {
        let url = cuentas::assets::url(name);
        let stem = name.rsplit_once('.').unwrap().0;
        assert!(url.starts_with(&format!("/static/{stem}.")), "{url}");
        assert_ne!(url, format!("/static/{name}"));
        let response = app.get(url).await;
        assert_eq!(response.status().as_u16(), 200, "{url}");
        let headers = response.headers().clone();
        assert_eq!(headers["cache-control"], IMMUTABLE, "{url}");
        assert_eq!(headers["content-type"], content_type, "{url}");
        assert!(headers.contains_key("content-security-policy"));
        let body = response.bytes().await.unwrap();
        let on_disk = std::fs::read(format!("{}/static/{name}", env!("CARGO_MANIFEST_DIR")));
        assert_eq!(&body[..], &on_disk.unwrap()[..], "{name}");

        let again = app
            .client
            .get(app.url(url))
            .header("If-None-Match", headers["etag"].to_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{url}");
        let head = app.client.head(app.url(url)).send().await.unwrap();
        assert_eq!(head.status().as_u16(), 200, "{url}");
    }
}

#[tokio::test]
async fn a_plain_asset_path_redirects_to_the_hashed_name_and_unknown_ones_are_404() {
    let app = spawn_app().await;
    let response = app.get("/static/css/app.css").await;
    assert_eq!(response.status().as_u16(), 307);
    assert_eq!(
        response.headers()["location"],
        cuentas::assets::url("css/app.css")
    );
    assert_ne!(response.headers()["cache-control"], IMMUTABLE);
    for path in [
        "/static/css/nope.css",
        "/static/css/app.0000000000.css",
        "/static/../Cargo.toml",
        "/static/",
        "/static/css/",
    ] {
        assert_eq!(app.status_of(path).await, 404, "{path}");
    }
}

#[tokio::test]
async fn pages_reference_the_hashed_names() {
    let app = spawn_app().await;
    let page = app.get_page("/login/").await;
    for name in ["css/app.css", "js/app.js", "img/favicon.svg"] {
        assert!(page.contains(cuentas::assets::url(name)), "{name}");
        assert!(!page.contains(&format!("/static/{name}\"")), "{name}");
    }
    let (app, _) = spawn_logged_in("vendedor").await;
    let page = app.get_page("/perfil/").await;
    assert!(page.contains(cuentas::assets::url("img/default-avatar.svg")));
}

#[tokio::test]
async fn the_profile_page_suggests_time_zones_from_a_cached_list_instead_of_carrying_them() {
    let (app, _) = spawn_logged_in("vendedor").await;
    let page = app.get_page("/perfil/").await;
    assert!(page.len() < 16_000, "the page is {} bytes", page.len());
    let document = scraper::Html::parse_document(&page);
    let select = |css: &str| {
        document
            .select(&scraper::Selector::parse(css).unwrap())
            .map(|e| e.value().clone())
            .collect::<Vec<_>>()
    };
    let input = select("input#zona_horaria[name=zona_horaria][list=zona_horaria-lista]");
    assert_eq!(input.len(), 1);
    assert_eq!(input[0].attr("value"), Some("UTC"));
    assert!(select("select#zona_horaria").is_empty());
    let list = select("datalist#zona_horaria-lista");
    assert_eq!(list.len(), 1);
    assert!(select("datalist#zona_horaria-lista option").is_empty());
    let source = list[0].attr("data-src").unwrap().to_owned();
    assert_eq!(source, cuentas::assets::url(cuentas::assets::TIME_ZONES));

    let response = app.get(&source).await;
    assert_eq!(response.headers()["cache-control"], IMMUTABLE);
    assert_eq!(response.headers()["content-type"], "application/json");
    let zones: Vec<String> = response.json().await.unwrap();
    assert!(zones.len() > 400);
    assert!(zones.iter().any(|z| z == "America/Mexico_City"));
}

#[tokio::test]
async fn a_time_zone_typed_as_a_city_is_saved_under_its_name() {
    let (app, user) = spawn_logged_in("vendedor").await;
    for (typed, saved) in [
        ("mexico city", "America/Mexico_City"),
        ("Madrid", "Europe/Madrid"),
        ("europe/lisbon", "Europe/Lisbon"),
    ] {
        let response = submit(&app, &with(valid(&user), "zona_horaria", typed)).await;
        assert_eq!(response.status().as_u16(), 303, "{typed}");
        assert_eq!(app.user(user.id).timezone, saved);
    }
    for typed in ["Atlantis", "America/", "<script>", &"a".repeat(5000)] {
        let response = submit(&app, &with(valid(&user), "zona_horaria", typed)).await;
        assert_eq!(response.status().as_u16(), 422, "{typed}");
        let body = response.text().await.unwrap();
        assert!(body.contains("Elige una zona horaria"), "{typed}");
        assert!(!body.contains("<script>\""), "{typed}");
        assert_eq!(app.user(user.id).timezone, "Europe/Lisbon");
    }
}
