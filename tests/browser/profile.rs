use fantoccini::Locator;

use crate::harness::browser;
use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_uploads_a_photo_and_sees_it_in_the_page_and_the_navigation() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let user = app.create_user("ana", "vendedor").await;
    let photo = app.settings.data_dir.join("retrato.png");
    std::fs::create_dir_all(&app.settings.data_dir).unwrap();
    image::DynamicImage::new_rgb8(640, 480)
        .save(&photo)
        .unwrap();

    browser
        .client
        .goto(&app.url("/login/?next=%2Fperfil%2F"))
        .await
        .unwrap();
    browser.submit_login("ana", &user.password).await;
    browser.wait_for_path("/perfil/").await;
    browser.assert_accessible("profile").await;

    browser.fill("#first_name", "Ana").await;
    browser.fill("#last_name", "Pérez").await;
    let input = browser
        .client
        .find(Locator::Css("#foto_perfil"))
        .await
        .unwrap();
    input.send_keys(&photo.to_string_lossy()).await.unwrap();
    // The preview appears before anything is sent.
    let preview = browser
        .client
        .find(Locator::Css("#foto-preview"))
        .await
        .unwrap();
    assert!(preview.is_displayed().await.unwrap());
    browser
        .assert_accessible("profile with a photo preview")
        .await;
    browser
        .click("form[action='/actualizar-perfil/'] button[type=submit]")
        .await;
    browser.wait_for_path("/perfil/").await;
    assert!(
        browser
            .text_of(".flash")
            .await
            .contains("Tu perfil se ha actualizado")
    );

    let path = app.user(user.id).photo_path.expect("the photo was saved");
    for css in [".profile-photo", ".account .avatar"] {
        let src = browser
            .client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .attr("src")
            .await
            .unwrap()
            .unwrap();
        assert!(src.ends_with(&path), "{css}: {src}");
    }
    let loaded: bool = browser
        .client
        .execute("const i = document.querySelector('.profile-photo'); return i.complete && i.naturalWidth === 400", vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(loaded, "the browser loaded the stored 400x400 photo");
    browser
        .assert_accessible("profile with an uploaded photo")
        .await;
    browser.close().await;
}
