use crate::harness::start_signed_in;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_a_vendedor_who_must_change_the_temporary_password() {
    let Some((browser, _app, _)) = start_signed_in("Dueña", "admin", "/equipo/").await else {
        return;
    };
    browser.assert_accessible("team (no vendedores yet)").await;
    let vendedor = [
        ("#username", "vera"),
        ("#email", "vera@tienda.example"),
        ("#first_name", "Vera"),
        ("#last_name", "Núñez"),
    ];
    browser.fill_in(&vendedor).await;
    browser.submit_form_to("/equipo/", "/equipo/").await;
    browser.assert_flash("Vendedor creado").await;
    let temp = browser.text_of("#temp-password").await;
    assert_eq!(temp.chars().filter(char::is_ascii_alphanumeric).count(), 20);
    // The copy button exists only with a script and a clipboard.
    assert!(browser.is_shown("button[data-copy]").await);
    let team = browser.text_of("#team-table").await;
    assert!(team.contains("Debe cambiar la contraseña"));
    browser
        .assert_accessible("team with a temporary password shown")
        .await;

    browser.click(".logout-form button").await;
    browser.wait_for_path("/login/").await;

    browser.submit_login("vera", &temp).await;
    browser.wait_for_path("/cambiar-password/").await;
    browser.assert_accessible("forced password change").await;
    let new = "Girasol-Azul-Marea-77";
    let change = [
        ("#old_password", temp.as_str()),
        ("#new_password1", new),
        ("#new_password2", new),
    ];
    browser.fill_in(&change).await;
    browser
        .submit_form_to("/cambiar-password/", "/perfil/")
        .await;
    browser.assert_flash("Contraseña actualizada").await;
    browser.assert_accessible("profile of a vendedor").await;
    // A vendedor has neither the team link nor the invoice form.
    let page = browser.client.source().await.unwrap();
    assert!(!page.contains("href=\"/equipo/\""));
    assert!(!page.contains("guardar_factura"));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_saves_invoice_settings_and_previews_the_invoice() {
    let Some((browser, _app, _)) = start_signed_in("Dueña", "admin", "/perfil/").await else {
        return;
    };
    browser
        .assert_accessible("profile of an admin with the invoice form")
        .await;
    let settings = [
        ("#factura-nombre_empresa", "Ferretería Núñez"),
        ("#factura-direccion", "Av. Reforma 100"),
        ("#factura-telefono", "+52 55 1234 5678"),
        ("#factura-mensaje_personalizado", "Gracias por su compra."),
    ];
    browser.fill_in(&settings).await;
    // Keyboard users toggle with the label too: turn the phone off.
    browser.click("label[for='factura-mostrar_telefono']").await;
    browser.click("button[name=guardar_factura]").await;
    browser.wait_for_path("/perfil/").await;
    browser
        .assert_flash("Configuración de factura guardada")
        .await;
    browser
        .assert_accessible("profile after saving the invoice settings")
        .await;

    browser.click("a[href='/factura/vista-previa/']").await;
    browser.wait_for_path("/factura/vista-previa/").await;
    let company = browser.text_of(".invoice-company-name").await;
    assert_eq!(company, "Ferretería Núñez");
    assert_eq!(browser.text_of("#invoice-address").await, "Av. Reforma 100");
    assert!(!browser.is_shown("#invoice-phone").await);
    // The print button appears with the script; printing hides the site's chrome.
    assert!(browser.is_shown("button[data-print]").await);
    browser.assert_accessible("invoice preview").await;
    browser.close().await;
}
