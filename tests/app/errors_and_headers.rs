use diesel::prelude::*;

use crate::helpers::{new_client, spawn_app, spawn_with_user};

#[tokio::test]
async fn an_unknown_page_is_a_translated_404_page() {
    let app = spawn_app().await;
    let response = app.get("/no-such-page/").await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Página no encontrada")
    );
    let english = [("accept-language", "en-GB,en;q=0.9")];
    let response = app
        .request(reqwest::Method::GET, "/no-such-page/", &english)
        .await;
    let body = response.text().await.unwrap();
    assert!(body.contains("Page not found"));
    assert!(body.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/login/",
        "/no-such-page/",
        cuentas::assets::url("css/app.css"),
        "/healthz",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(csp.contains("script-src 'self'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert!(csp.contains("base-uri 'none'"), "{path}");
        assert_eq!(headers["x-xss-protection"], "0", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert!(
            !headers.contains_key("strict-transport-security"),
            "http has no HSTS"
        );
    }
}

#[tokio::test]
async fn pages_are_not_stored_but_static_files_may_be_cached() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    app.login("ana", &user.password).await;
    let page = app.get("/dashboard/").await;
    assert_eq!(page.headers()["cache-control"], "no-store");
    let css = app.get(cuentas::assets::url("css/app.css")).await;
    assert_eq!(css.status().as_u16(), 200);
    assert_eq!(
        css.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
}

#[tokio::test]
async fn pages_have_no_inline_script() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    let login = app.get_page("/login/").await;
    app.login("ana", &user.password).await;
    let dashboard = app.get_page("/dashboard/").await;
    for page in [login, dashboard] {
        let document = scraper::Html::parse_document(&page);
        let scripts = scraper::Selector::parse("script").unwrap();
        for script in document.select(&scripts) {
            assert!(script.value().attr("src").is_some(), "inline script found");
            assert!(script.inner_html().trim().is_empty());
        }
        assert!(!page.contains(" onclick="));
    }
}

#[tokio::test]
async fn the_base_layout_has_landmarks_a_skip_link_and_labelled_fields() {
    let app = spawn_app().await;
    let page = app.get_page("/login/").await;
    let document = scraper::Html::parse_document(&page);
    let select = |css: &str| {
        document
            .select(&scraper::Selector::parse(css).unwrap())
            .count()
    };
    assert_eq!(select("a.skip-link[href='#main']"), 1);
    assert_eq!(select("header"), 1);
    assert_eq!(select("nav[aria-label]"), 1);
    assert_eq!(select("main#main"), 1);
    assert_eq!(select("footer"), 1);
    for input in document.select(&scraper::Selector::parse("input:not([type=hidden])").unwrap()) {
        let id = input.value().id().expect("input has an id");
        assert_eq!(select(&format!("label[for='{id}']")), 1, "label for {id}");
    }
}

#[tokio::test]
async fn an_internal_failure_is_a_generic_500_page_without_details() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    app.login("ana", &user.password).await;
    // Break the database under a logged-in user: the identity lookup now fails.
    // PostgreSQL needs CASCADE (tokens and kept photos refer to sessions); SQLite has no such
    // word and drops it as it is.
    app.db(|c| diesel::sql_query("DROP TABLE user_sessions CASCADE").execute(c))
        .or_else(|_| app.db(|c| diesel::sql_query("DROP TABLE user_sessions").execute(c)))
        .unwrap();
    let response = app.get("/dashboard/").await;
    assert_eq!(response.status().as_u16(), 500);
    let body = response.text().await.unwrap();
    assert!(body.contains("Algo salió mal"));
    assert!(!body.contains("user_sessions"));
    assert!(!body.to_lowercase().contains("no such table"));
    assert!(!body.to_lowercase().contains("relation"));
    // The database itself still answers.
    let health = app.get_with_client(&new_client(), "/healthz").await;
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn a_request_for_another_host_is_refused() {
    let app = spawn_app().await;
    let host = |value: &'static str| [("Host", value)];
    for forged in [
        "evil.example",
        "127.0.0.1.evil.example",
        "cuentas.example:80",
    ] {
        let response = app
            .request(reqwest::Method::GET, "/login/", &host(forged))
            .await;
        assert_eq!(response.status().as_u16(), 400, "{forged}");
        assert!(response.text().await.unwrap().contains("<html"), "{forged}");
    }
    // The base URL is a loopback one: every loopback name is this site.
    for local in ["127.0.0.1", "localhost:8000", "[::1]:8000"] {
        let response = app
            .request(reqwest::Method::GET, "/login/", &host(local))
            .await;
        assert_eq!(response.status().as_u16(), 200, "{local}");
    }

    let allowed = crate::helpers::spawn_app_with(|s| {
        s.allowed_hosts = vec!["cuentas.example".into()];
    })
    .await;
    let response = allowed
        .request(
            reqwest::Method::GET,
            "/login/",
            &host("Cuentas.Example:8443"),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn a_public_site_accepts_only_its_own_host() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.base_url = "https://cuentas.example/".parse().unwrap();
    })
    .await;
    // The test connects to 127.0.0.1, which is not the public name.
    assert_eq!(app.status_of("/healthz").await, 400);
    let response = app
        .request(
            reqwest::Method::GET,
            "/healthz",
            &[("Host", "cuentas.example")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
}
