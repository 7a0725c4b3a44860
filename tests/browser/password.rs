use fantoccini::Locator;
use fantoccini::key::Key;

use crate::harness::browser;
use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_user_changes_the_password_then_sees_the_tutorial_once() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let user = app.create_user("vero", "vendedor").await;
    app.require_password_change(user.id);

    browser.client.goto(&app.url("/login/")).await.unwrap();
    browser.submit_login("vero", &user.password).await;
    browser.wait_for_path("/cambiar-password/").await;
    assert!(
        browser
            .text_of(".notice")
            .await
            .contains("contraseña temporal")
    );
    browser.assert_accessible("forced password change").await;

    let new = "Vendedora-Nueva-2026";
    browser.fill("#old_password", &user.password).await;
    browser.fill("#new_password1", new).await;
    // The strength meter appears once something is typed.
    let meter = browser
        .client
        .find(Locator::Css("#password-strength"))
        .await
        .unwrap();
    assert!(meter.is_displayed().await.unwrap());
    browser
        .assert_accessible("password change with the strength meter")
        .await;
    browser.fill("#new_password2", new).await;
    browser
        .click("form[action='/cambiar-password/'] button[type=submit]")
        .await;
    browser.wait_for_path("/perfil/").await;
    assert!(
        browser
            .text_of(".flash")
            .await
            .contains("Contraseña actualizada")
    );
    browser.click("nav a[href='/dashboard/']").await;
    browser.wait_for_path("/dashboard/").await;

    // The tutorial is a modal dialog with focus inside it; Escape closes it.
    let dialog = browser.wait_until_displayed("dialog#tutorial").await;
    let focused_inside: bool = browser
        .client
        .execute(
            "return document.getElementById('tutorial').contains(document.activeElement)",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(focused_inside, "focus moves into the dialog");
    browser
        .assert_accessible("dashboard with the tutorial as a modal dialog")
        .await;
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while dialog.is_displayed().await.unwrap() {
        assert!(
            std::time::Instant::now() < deadline,
            "Escape closes the dialog"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    browser.client.refresh().await.unwrap();
    browser.wait_for_path("/dashboard/").await;
    assert!(browser.text_of("h1").await.contains("Hola"));
    let dialogs = browser
        .client
        .find_all(Locator::Css("dialog#tutorial"))
        .await
        .unwrap();
    assert!(dialogs.is_empty(), "the tutorial shows only once");
    browser
        .assert_accessible("dashboard without the tutorial")
        .await;
    assert!(app.user(user.id).tutorial_seen);
    browser.close().await;
}
