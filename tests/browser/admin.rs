use fantoccini::Locator;

use crate::harness::browser;
use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_a_vendedor_who_must_change_the_temporary_password() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let admin = app.create_user("Dueña", "admin").await;

    browser
        .client
        .goto(&app.url("/login/?next=/equipo/"))
        .await
        .unwrap();
    browser.submit_login("Dueña", &admin.password).await;
    browser.wait_for_path("/equipo/").await;
    browser.assert_accessible("team (no vendedores yet)").await;
    browser.fill("#username", "vera").await;
    browser.fill("#email", "vera@tienda.example").await;
    browser.fill("#first_name", "Vera").await;
    browser.fill("#last_name", "Núñez").await;
    browser
        .click("form[action='/equipo/'] button[type=submit]")
        .await;
    browser.wait_for_path("/equipo/").await;
    assert!(browser.text_of(".flash").await.contains("Vendedor creado"));
    let temp = browser.text_of("#temp-password").await;
    assert_eq!(temp.chars().filter(char::is_ascii_alphanumeric).count(), 20);
    // The copy button exists only with a script and a clipboard.
    let copy = browser
        .client
        .find(Locator::Css("button[data-copy]"))
        .await
        .unwrap();
    assert!(copy.is_displayed().await.unwrap());
    assert!(
        browser
            .text_of("#team-table")
            .await
            .contains("Debe cambiar la contraseña")
    );
    browser
        .assert_accessible("team with a temporary password shown")
        .await;

    browser.click(".logout-form button").await;
    browser.wait_for_path("/login/").await;

    browser.submit_login("vera", &temp).await;
    browser.wait_for_path("/cambiar-password/").await;
    browser.assert_accessible("forced password change").await;
    let new = "Girasol-Azul-Marea-77";
    browser.fill("#old_password", &temp).await;
    browser.fill("#new_password1", new).await;
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
    browser.assert_accessible("profile of a vendedor").await;
    // A vendedor has neither the team link nor the invoice form.
    let page = browser.client.source().await.unwrap();
    assert!(!page.contains("href=\"/equipo/\""));
    assert!(!page.contains("guardar_factura"));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_saves_invoice_settings_and_previews_the_invoice() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let admin = app.create_user("Dueña", "admin").await;

    browser
        .client
        .goto(&app.url("/login/?next=/perfil/"))
        .await
        .unwrap();
    browser.submit_login("Dueña", &admin.password).await;
    browser.wait_for_path("/perfil/").await;
    browser
        .assert_accessible("profile of an admin with the invoice form")
        .await;
    browser
        .fill("#factura-nombre_empresa", "Ferretería Núñez")
        .await;
    browser.fill("#factura-direccion", "Av. Reforma 100").await;
    browser.fill("#factura-telefono", "+52 55 1234 5678").await;
    browser
        .fill("#factura-mensaje_personalizado", "Gracias por su compra.")
        .await;
    // Keyboard users toggle with the label too: turn the phone off.
    browser.click("label[for='factura-mostrar_telefono']").await;
    browser.click("button[name=guardar_factura]").await;
    browser.wait_for_path("/perfil/").await;
    assert!(
        browser
            .text_of(".flash")
            .await
            .contains("Configuración de factura guardada")
    );
    browser
        .assert_accessible("profile after saving the invoice settings")
        .await;

    browser.click("a[href='/factura/vista-previa/']").await;
    browser.wait_for_path("/factura/vista-previa/").await;
    assert_eq!(
        browser.text_of(".invoice-company-name").await,
        "Ferretería Núñez"
    );
    assert_eq!(browser.text_of("#invoice-address").await, "Av. Reforma 100");
    assert!(
        browser
            .client
            .find(Locator::Css("#invoice-phone"))
            .await
            .is_err()
    );
    // The print button appears with the script; printing hides the site's chrome.
    let print = browser
        .client
        .find(Locator::Css("button[data-print]"))
        .await
        .unwrap();
    assert!(print.is_displayed().await.unwrap());
    browser.assert_accessible("invoice preview").await;
    browser.close().await;
}
