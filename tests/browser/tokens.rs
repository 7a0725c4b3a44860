use crate::harness::start_signed_in;

/// A personal access token made on its page (name, a scope by its checkbox, an expiry by its
/// radio button) is shown once, opens the API, and is revoked through its disclosure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_personal_token_is_made_used_and_revoked() {
    let Some((browser, app, _user)) = start_signed_in("Ana", "admin", "/dashboard/").await else {
        return;
    };
    browser
        .open_and_check(&app, "/seguridad/tokens/", "personal tokens")
        .await;
    browser.fill_in(&[("#nombre", "Inventario")]).await;
    browser.click("#scope-perfil-leer").await;
    browser.click("#expiracion-30").await;
    browser
        .click_and_wait_for_next_page("form[action='/seguridad/tokens/'] button[type=submit]")
        .await;
    let token = browser.text_of("#new-token").await;
    assert!(token.starts_with("cta_"), "{token}");
    browser.assert_accessible("personal token shown").await;
    let me = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);

    browser.click(".token summary").await;
    browser
        .click_and_wait_for_next_page(".token form button")
        .await;
    browser.assert_flash("Token revocado").await;
    assert!(browser.is_shown("#no-tokens").await);
    let me = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 401);
    browser.close().await;
}
