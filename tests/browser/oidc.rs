//! The "Entrar con Google" button against the in-process test provider.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use fantoccini::Locator;

use crate::harness::browser;
use crate::oidc_provider::{Person, TestProvider};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_button_passes_the_provider_page_and_lands_on_the_dashboard_with_its_photo() {
    let Some(browser) = browser().await else {
        return;
    };
    let provider = TestProvider::start().await;
    provider.sign_in_as(Person {
        picture: Some("/picture.png".into()),
        ..Person::new("sub-dora", "dora@example.com")
    });
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let oidc = provider.settings();
    let app = crate::helpers::spawn_app_with(move |s| {
        s.bind = ([127, 0, 0, 1], port).into();
        s.base_url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        s.oidc = Some(oidc);
    })
    .await;
    browser.open(&app, "/login/").await;
    browser
        .assert_accessible("login with the provider button")
        .await;
    browser.click_and_wait_for_next_page("#oidc-sign-in").await;
    // The provider's own page.
    assert_eq!(browser.text_of("h1").await, "Proveedor de prueba");
    browser.click_and_wait_for_next_page("#approve").await;
    browser.wait_for_path("/dashboard/").await;
    let user = app.user_by_email("dora@example.com").expect("created");
    let photo = user.google_photo_path.expect("the picture was stored");
    // The navigation shows our stored copy, and it loads.
    let deadline = Instant::now() + Duration::from_secs(10);
    let avatar = browser
        .client
        .find(Locator::Css("img.avatar"))
        .await
        .unwrap();
    let src = avatar.attr("src").await.unwrap().unwrap_or_default();
    assert!(src.ends_with(&format!("/media/{photo}")), "{src}");
    loop {
        let width = browser
            .client
            .execute(
                "return document.querySelector('img.avatar').naturalWidth",
                vec![],
            )
            .await
            .unwrap();
        if width.as_u64().is_some_and(|w| w > 0) {
            break;
        }
        assert!(Instant::now() < deadline, "the photo did not load");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    browser
        .assert_accessible("dashboard after the provider")
        .await;
    browser.close().await;
}
