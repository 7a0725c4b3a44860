//! The kinds of page that the other browser flows do not reach, each checked with axe-core:
//! error pages, invalid links, and forms re-rendered with their errors (422).

use crate::harness::{Browser, browser, spawn_app_linking_to_itself};
use crate::helpers::{TestApp, spawn_app};

/// Opens `path` and checks the page that the browser ends on.
async fn check(browser: &Browser, app: &TestApp, path: &str, page: &str) {
    browser.client.goto(&app.url(path)).await.unwrap();
    browser.assert_accessible(page).await;
}

/// Submits the form whose action is `action`, waits for the answer at `path`, and checks it.
async fn submit_and_check(browser: &Browser, action: &str, path: &str, page: &str) {
    browser
        .click_and_wait_for_next_page(&format!("form[action='{action}'] button[type=submit]"))
        .await;
    let url = browser.client.current_url().await.unwrap();
    if url.path() != path {
        let page = browser.client.source().await.unwrap();
        panic!("expected {path}, the form answered at {url}:\n{page}");
    }
    browser.assert_accessible(page).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_seen_without_an_account_pass_axe_core() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app_linking_to_itself().await;
    let user = app.create_user("Ana", "vendedor").await;

    check(&browser, &app, "/no-existe/", "404 (signed out)").await;
    check(
        &browser,
        &app,
        "/verificar-email/no-es-un-token/",
        "invalid verification link",
    )
    .await;
    check(
        &browser,
        &app,
        "/restablecer-password/no-es-un-token/",
        "invalid reset link",
    )
    .await;

    check(
        &browser,
        &app,
        "/reenviar-verificacion/",
        "verification resend",
    )
    .await;
    browser.fill("#email", "no-es-un-correo").await;
    submit_and_check(
        &browser,
        "/reenviar-verificacion/",
        "/reenviar-verificacion/",
        "verification resend with an invalid address (422)",
    )
    .await;

    check(
        &browser,
        &app,
        "/recuperar-password/",
        "password recovery request",
    )
    .await;
    browser.fill("#email", "no-es-un-correo").await;
    submit_and_check(
        &browser,
        "/recuperar-password/",
        "/recuperar-password/",
        "password recovery request with an invalid address (422)",
    )
    .await;

    check(&browser, &app, "/registro/", "sign-up").await;
    browser.fill("#username", "a b").await;
    browser.fill("#email", "no-es-un-correo").await;
    browser.fill("#password1", "corta").await;
    browser.fill("#password2", "distinta").await;
    submit_and_check(
        &browser,
        "/registro/",
        "/registro/",
        "sign-up with errors (422)",
    )
    .await;

    // A reset whose two passwords differ.
    check(
        &browser,
        &app,
        "/recuperar-password/",
        "password recovery request",
    )
    .await;
    browser.fill("#email", &user.email).await;
    browser
        .click("form[action='/recuperar-password/'] button[type=submit]")
        .await;
    let link = app.wait_for_mail_to(&user.email, 0).await.link.unwrap();
    browser.client.goto(&link).await.unwrap();
    browser.wait_for_path("/restablecer-password/").await;
    browser.fill("#new_password1", "Otoño-Lluvioso-2031").await;
    browser.fill("#new_password2", "Otoño-Lluvioso-2032").await;
    submit_and_check(
        &browser,
        "/restablecer-password/",
        "/restablecer-password/",
        "password reset with passwords that differ (422)",
    )
    .await;

    // The check itself: a page with an unlabelled image and faint text does not pass.
    check(&browser, &app, "/no-existe/", "404 (signed out)").await;
    browser
        .client
        .execute(
            // Styled through the CSSOM: the CSP drops inline style attributes.
            "const main = document.getElementById('main');
             const image = document.createElement('img');
             image.src = '/static/img/favicon.svg';
             const faint = document.createElement('p');
             faint.textContent = 'Texto tenue';
             faint.style.color = '#bbbbbb';
             main.append(image, faint);",
            vec![],
        )
        .await
        .unwrap();
    let violations = browser
        .accessibility_violations("404 with broken markup added")
        .await;
    let report: Vec<String> = violations.iter().map(ToString::to_string).collect();
    let report = report.join("\n");
    assert_eq!(violations.len(), 2, "{report}");
    for expected in [
        "- image-alt (critical): ",
        "\n    img\n      Fix any of the following: Element does not have an alt attribute; ",
        "- color-contrast (serious): ",
        "\n    #main > p\n      Fix any of the following: Element has insufficient color contrast of 1.77",
    ] {
        assert!(
            report.contains(expected),
            "{expected:?} is not in:\n{report}"
        );
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_of_a_signed_in_admin_pass_axe_core() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let admin = app.create_user("Dueña", "admin").await;
    let vendedor = app.create_user("vero", "vendedor").await;
    // One of the admin's vendedores, whose address is not confirmed yet.
    app.set_unverified(vendedor.id, Some(admin.id));

    browser
        .client
        .goto(&app.url("/login/?next=/cambiar-password/"))
        .await
        .unwrap();
    browser.submit_login("Dueña", &admin.password).await;
    browser.wait_for_path("/cambiar-password/").await;
    browser.assert_accessible("voluntary password change").await;
    browser.fill("#old_password", "no-es-la-actual-1").await;
    browser.fill("#new_password1", "corta").await;
    browser.fill("#new_password2", "otra").await;
    submit_and_check(
        &browser,
        "/cambiar-password/",
        "/cambiar-password/",
        "voluntary password change with errors (422)",
    )
    .await;

    check(&browser, &app, "/no-existe/", "404 (signed in)").await;

    check(&browser, &app, "/perfil/", "profile of an admin").await;
    browser.fill("#username", "").await;
    browser.fill("#email", "no-es-un-correo").await;
    browser.fill("#telefono", "teléfono").await;
    submit_and_check(
        &browser,
        "/actualizar-perfil/",
        "/actualizar-perfil/",
        "profile with errors (422)",
    )
    .await;

    check(&browser, &app, "/perfil/", "profile of an admin").await;
    browser
        .fill("#factura-email_contacto", "no-es-un-correo")
        .await;
    browser
        .click_and_wait_for_next_page("button[name=guardar_factura]")
        .await;
    browser.text_of("#factura .error-summary").await;
    browser
        .assert_accessible("invoice form with errors (422)")
        .await;

    // A pending change of address shows a notice and a form to cancel it.
    check(&browser, &app, "/perfil/", "profile of an admin").await;
    browser.fill("#first_name", "Dueña").await;
    browser.fill("#last_name", "Núñez").await;
    browser.fill("#email", "nueva@tienda.example").await;
    browser.fill("#password_actual", &admin.password).await;
    submit_and_check(
        &browser,
        "/actualizar-perfil/",
        "/perfil/",
        "profile with a pending change of address",
    )
    .await;
    browser.text_of("#pending-email").await;

    check(&browser, &app, "/equipo/", "team with a vendedor").await;
    browser.fill("#username", "").await;
    browser.fill("#email", "no-es-un-correo").await;
    submit_and_check(
        &browser,
        "/equipo/",
        "/equipo/",
        "team with errors in the new vendedor (422)",
    )
    .await;

    // A deactivated vendedor, and a confirmation opened.
    check(&browser, &app, "/equipo/", "team with a vendedor").await;
    browser.click("details.confirm summary").await;
    browser
        .assert_accessible("team with a confirmation open")
        .await;
    browser
        .click_and_wait_for_next_page(&format!(
            "form[action='/equipo/{}/desactivar/'] button[type=submit]",
            vendedor.id
        ))
        .await;
    browser.text_of(".flash").await;
    browser
        .assert_accessible("team with a deactivated vendedor")
        .await;
    browser.close().await;
}
