//! Small screens (WCAG 1.4.10, reflow): every kind of page, opened 320 CSS pixels wide,
//! scrolls only up and down.

use diesel::ExpressionMethods;

use crate::harness::{Browser, start_with_user};

const WIDTH: i64 = 320;

async fn number(browser: &Browser, script: &str) -> i64 {
    browser
        .client
        .execute(script, vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap()
}

/// Makes the viewport (not the window, which has borders in some modes) 320 pixels wide.
async fn set_viewport_width(browser: &Browser) {
    let mut window = WIDTH;
    for _ in 0..3 {
        browser
            .client
            .set_window_size(window as u32, 800)
            .await
            .unwrap();
        let inner = number(browser, "return window.innerWidth").await;
        if inner == WIDTH {
            return;
        }
        window += WIDTH - inner;
    }
    let inner = number(browser, "return window.innerWidth").await;
    assert_eq!(
        inner, WIDTH,
        "the viewport could not be made {WIDTH}px wide"
    );
}

/// Fails when the current page is wider than the viewport, naming what sticks out.
async fn assert_fits(browser: &Browser, page: &str) {
    let inner = number(browser, "return window.innerWidth").await;
    assert_eq!(inner, WIDTH, "{page}: the viewport is not {WIDTH}px wide");
    let scroll = number(browser, "return document.documentElement.scrollWidth").await;
    // Stricter than the viewport: a vertical scroll bar takes its width from the layout.
    let layout = number(browser, "return document.documentElement.clientWidth").await;
    if scroll <= inner && scroll <= layout {
        return;
    }
    let culprits = browser
        .client
        .execute(
            "const w = document.documentElement.clientWidth; return Array.from(document.querySelectorAll('body *'))\
             .filter(e => e.getBoundingClientRect().right > w + 0.5)\
             .slice(0, 12)\
             .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + \
                  (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + \
                  ' right=' + Math.round(e.getBoundingClientRect().right))\
             .join('\\n')",
            vec![],
        )
        .await
        .unwrap();
    panic!(
        "{page}: {scroll}px of content in a {inner}px viewport ({layout}px for the page); \
         sticking out:\n{}",
        culprits.as_str().unwrap_or_default()
    );
}

/// The two-step pages: set-up, recovery codes, the second step of signing in, managing it;
/// then it is turned off again.
async fn two_step_pages(
    browser: &Browser,
    app: &crate::helpers::TestApp,
    admin: &crate::helpers::TestUser,
) {
    use cuentas::accounts::two_step::{base32_decode, step_at, totp};
    let code = |secret: &str| {
        let bytes = base32_decode(secret).unwrap();
        format!("{:06}", totp(&bytes, step_at(app.clock.now())))
    };
    browser.open(app, "/seguridad/dos-pasos/").await;
    assert_fits(browser, "two-step set-up").await;
    let secret = browser.text_of("#totp-secret").await;
    browser.fill("#codigo", &code(&secret)).await;
    browser.submit_form("/seguridad/dos-pasos/").await;
    browser.text_of("#recovery-codes").await;
    assert_fits(browser, "recovery codes").await;
    app.clock.advance(std::time::Duration::from_secs(30));
    browser.submit_form_to("/logout/", "/login/").await;
    browser.submit_login(&admin.username, &admin.password).await;
    browser.wait_for_path("/login/dos-pasos/").await;
    assert_fits(browser, "second step").await;
    browser.fill("#codigo", &code(&secret)).await;
    browser
        .submit_form_to("/login/dos-pasos/", "/dashboard/")
        .await;
    browser.open(app, "/seguridad/dos-pasos/").await;
    assert_fits(browser, "two-step on").await;
    browser.click("details.confirm summary").await;
    browser
        .submit_form_to("/seguridad/dos-pasos/desactivar/", "/seguridad/")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_page_fits_a_320_pixel_wide_screen() {
    let Some((browser, app, admin)) = start_with_user("Dueña", "admin").await else {
        return;
    };
    set_viewport_width(&browser).await;

    browser.open(&app, "/login/").await;
    assert_fits(&browser, "login").await;
    browser.open(&app, "/no-existe/").await;
    assert_fits(&browser, "404").await;
    browser.open(&app, "/registro/").await;
    assert_fits(&browser, "sign-up").await;
    browser
        .fill_in(&[
            (
                "#username",
                "una-persona-con-un-nombre-de-usuario-larguisimo",
            ),
            ("#email", "x"),
            ("#first_name", "N0ra"),
        ])
        .await;
    browser.submit_form_to("/registro/", "/registro/").await;
    assert_fits(&browser, "sign-up with errors").await;

    browser.open(&app, "/login/").await;
    browser.submit_login(&admin.username, &admin.password).await;
    browser.wait_for_path("/dashboard/").await;
    browser.wait_until_displayed("#tutorial").await;
    assert!(browser.is_shown("#primeros-pasos").await);
    assert_fits(&browser, "dashboard with the checklist and the tutorial").await;

    browser.open(&app, "/perfil/").await;
    assert_fits(&browser, "profile").await;
    browser.fill_in(&[("#username", "")]).await;
    browser
        .submit_form_to("/actualizar-perfil/", "/actualizar-perfil/")
        .await;
    assert_fits(&browser, "profile with errors").await;

    browser.open(&app, "/perfil/").await;
    browser
        .fill_in(&[
            (
                "#factura-nombre_empresa",
                "Ferretería y Suministros Industriales Hermanos Núñez",
            ),
            (
                "#factura-direccion",
                "Avenida de la Constitución 1234, Planta 5, Oficina B",
            ),
            (
                "#factura-email_contacto",
                "facturacion.hermanos.nunez@ferreteria.example",
            ),
        ])
        .await;
    browser.click("button[name=guardar_factura]").await;
    browser.wait_for_path("/perfil/").await;
    browser.open(&app, "/factura/vista-previa/").await;
    assert_fits(&browser, "invoice preview").await;
    // The lines table fits its card too (its scrolling box is only a safety net).
    let overflow = number(
        &browser,
        "const w = document.querySelector('.invoice-lines-wrap'); \
         return w.scrollWidth - w.clientWidth",
    )
    .await;
    assert!(
        overflow <= 0,
        "the invoice's table is {overflow}px too wide"
    );
    browser.assert_accessible("invoice preview at 320px").await;

    browser.open(&app, "/cambiar-password/").await;
    assert_fits(&browser, "password change").await;
    browser
        .submit_form_to("/cambiar-password/", "/cambiar-password/")
        .await;
    assert_fits(&browser, "password change with errors").await;

    browser.open(&app, "/equipo/").await;
    browser
        .fill_in(&[
            ("#username", "vera"),
            ("#email", "vera.nunez.de.la.fuente@tienda.example"),
            ("#first_name", "Vera"),
            ("#last_name", "Núñez"),
        ])
        .await;
    browser.submit_form_to("/equipo/", "/equipo/").await;
    assert!(browser.is_shown("#temp-password").await);
    assert_fits(&browser, "team with a fresh password").await;

    browser.open(&app, "/cuenta/exportar/").await;
    assert_fits(&browser, "export").await;
    browser.open(&app, "/seguridad/").await;
    assert_fits(&browser, "security centre").await;
    two_step_pages(&browser, &app, &admin).await;
    browser
        .open(&app, "/reautenticar/?next=%2Fcuenta%2Fexportar%2F")
        .await;
    assert_fits(&browser, "re-authentication").await;

    // Deleting: the team with a member pending deletion, the form (with errors), the date
    // after deleting, the sign-in pending deletion.
    let vera = app
        .user_by_email("vera.nunez.de.la.fuente@tienda.example")
        .unwrap();
    let later = chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(7);
    app.update_user(
        vera.id,
        cuentas::db::schema::users::purge_after.eq(Some(later)),
    );
    browser.open(&app, "/equipo/").await;
    assert_fits(&browser, "team with a member pending deletion").await;
    browser.open(&app, "/cuenta/eliminar/").await;
    assert_fits(&browser, "account deletion").await;
    browser.fill_in(&[("#confirmar_email", "x")]).await;
    browser.submit_form("/cuenta/eliminar/").await;
    browser.text_of("#confirmar_email-error").await;
    assert_fits(&browser, "account deletion with errors").await;
    browser
        .fill_in(&[
            ("#confirmar_email", &admin.email),
            ("#password", &admin.password),
        ])
        .await;
    browser.submit_form("/cuenta/eliminar/").await;
    // The answer's date (`.lead`), not the form's, which has the same id.
    browser.text_of("#deletion-date.lead").await;
    assert_fits(&browser, "account deleted").await;
    browser.open(&app, "/login/").await;
    browser.submit_login(&admin.username, &admin.password).await;
    browser.text_of("#pending-date").await;
    assert_fits(&browser, "sign-in pending deletion").await;
    browser.close().await;
}
