use fantoccini::Locator;
use fantoccini::key::Key;

use crate::harness::start_with_user;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_user_changes_the_password_then_sees_the_tutorial_once() {
    let Some((browser, app, user)) = start_with_user("vero", "vendedor").await else {
        return;
    };
    app.require_password_change(user.id);

    browser.open(&app, "/login/").await;
    browser.submit_login("vero", &user.password).await;
    browser.wait_for_path("/cambiar-password/").await;
    let notice = browser.text_of(".notice").await;
    assert!(notice.contains("contraseña temporal"), "{notice}");
    browser.assert_accessible("forced password change").await;

    let new = "Vendedora-Nueva-2026";
    let typed = [
        ("#old_password", user.password.as_str()),
        ("#new_password1", new),
    ];
    browser.fill_in(&typed).await;
    // The strength meter appears once something is typed.
    assert!(browser.is_shown("#password-strength").await);
    browser
        .assert_accessible("password change with the strength meter")
        .await;
    browser.fill("#new_password2", new).await;
    browser
        .submit_form_to("/cambiar-password/", "/perfil/")
        .await;
    browser.assert_flash("Contraseña actualizada").await;
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
