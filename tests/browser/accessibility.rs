//! The kinds of page that the other browser flows do not reach, each checked with axe-core:
//! error pages, invalid links, and forms re-rendered with their errors (422).

use crate::harness::{Browser, browser, spawn_app_linking_to_itself, start_with_user};

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

/// A form checked twice: as shown, and as answered after posting `fields`.
struct FormCheck<'a> {
    /// Where the form is shown, and what it is called there.
    page: (&'a str, &'a str),
    /// Where it posts, and where the answer is.
    action: (&'a str, &'a str),
    fields: &'a [(&'a str, &'a str)],
    answer: &'a str,
}

impl FormCheck<'_> {
    async fn check(&self, browser: &Browser, app: &crate::helpers::TestApp) {
        browser.open_and_check(app, self.page.0, self.page.1).await;
        browser.fill_in(self.fields).await;
        submit_and_check(browser, self.action.0, self.action.1, self.answer).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_seen_without_an_account_pass_axe_core() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app_linking_to_itself().await;
    let user = app.create_user("Ana", "vendedor").await;

    for (path, page) in [
        ("/no-existe/", "404 (signed out)"),
        (
            "/verificar-email/no-es-un-token/",
            "invalid verification link",
        ),
        (
            "/restablecer-password/no-es-un-token/",
            "invalid reset link",
        ),
    ] {
        browser.open_and_check(&app, path, page).await;
    }
    let bad_email = [("#email", "no-es-un-correo")];
    let resend = "/reenviar-verificacion/";
    let recover = "/recuperar-password/";
    let sign_up = [
        ("#username", "a b"),
        ("#email", "no-es-un-correo"),
        ("#password1", "corta"),
        ("#password2", "distinta"),
    ];
    for form in [
        FormCheck {
            page: (resend, "verification resend"),
            action: (resend, resend),
            fields: &bad_email,
            answer: "verification resend with an invalid address (422)",
        },
        FormCheck {
            page: (recover, "password recovery request"),
            action: (recover, recover),
            fields: &bad_email,
            answer: "password recovery request with an invalid address (422)",
        },
        FormCheck {
            page: ("/registro/", "sign-up"),
            action: ("/registro/", "/registro/"),
            fields: &sign_up,
            answer: "sign-up with errors (422)",
        },
    ] {
        form.check(&browser, &app).await;
    }

    // A reset whose two passwords differ.
    browser
        .open_and_check(&app, recover, "password recovery request")
        .await;
    browser.fill("#email", &user.email).await;
    browser.submit_form(recover).await;
    let link = app.wait_for_mail_to(&user.email, 0).await.link.unwrap();
    browser.client.goto(&link).await.unwrap();
    browser.wait_for_path("/restablecer-password/").await;
    let differ = [
        ("#new_password1", "Otoño-Lluvioso-2031"),
        ("#new_password2", "Otoño-Lluvioso-2032"),
    ];
    browser.fill_in(&differ).await;
    submit_and_check(
        &browser,
        "/restablecer-password/",
        "/restablecer-password/",
        "password reset with passwords that differ (422)",
    )
    .await;

    // The check itself: a page with an unlabelled image and faint text does not pass.
    browser
        .open_and_check(&app, "/no-existe/", "404 (signed out)")
        .await;
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
    let Some((browser, app, admin)) = start_with_user("Dueña", "admin").await else {
        return;
    };
    let vendedor = app.create_user("vero", "vendedor").await;
    // One of the admin's vendedores, whose address is not confirmed yet.
    app.set_unverified(vendedor.id, Some(admin.id));

    browser
        .log_in_to(&app, "/cambiar-password/", "Dueña", &admin.password)
        .await;
    let (change, profile, team) = ("/cambiar-password/", "/perfil/", "/equipo/");
    let bad_passwords = [
        ("#old_password", "no-es-la-actual-1"),
        ("#new_password1", "corta"),
        ("#new_password2", "otra"),
    ];
    let bad_profile = [
        ("#username", ""),
        ("#email", "no-es-un-correo"),
        ("#telefono", "teléfono"),
    ];
    let bad_vendedor = [("#username", ""), ("#email", "no-es-un-correo")];
    for form in [
        FormCheck {
            page: (change, "voluntary password change"),
            action: (change, change),
            fields: &bad_passwords,
            answer: "voluntary password change with errors (422)",
        },
        FormCheck {
            page: (profile, "profile of an admin"),
            action: ("/actualizar-perfil/", "/actualizar-perfil/"),
            fields: &bad_profile,
            answer: "profile with errors (422)",
        },
        FormCheck {
            page: (team, "team with a vendedor"),
            action: (team, team),
            fields: &bad_vendedor,
            answer: "team with errors in the new vendedor (422)",
        },
    ] {
        form.check(&browser, &app).await;
    }
    browser
        .open_and_check(&app, "/no-existe/", "404 (signed in)")
        .await;

    browser
        .open_and_check(&app, profile, "profile of an admin")
        .await;
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
    let new_address = [
        ("#first_name", "Dueña"),
        ("#last_name", "Núñez"),
        ("#email", "nueva@tienda.example"),
        ("#password_actual", admin.password.as_str()),
    ];
    FormCheck {
        page: (profile, "profile of an admin"),
        action: ("/actualizar-perfil/", profile),
        fields: &new_address,
        answer: "profile with a pending change of address",
    }
    .check(&browser, &app)
    .await;
    browser.text_of("#pending-email").await;

    // A deactivated vendedor, and a confirmation opened.
    browser
        .open_and_check(&app, team, "team with a vendedor")
        .await;
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
