use fantoccini::Locator;

use crate::harness::start_signed_in;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_uploads_a_photo_and_sees_it_in_the_page_and_the_navigation() {
    let Some((browser, app, user)) = start_signed_in("ana", "vendedor", "/perfil/").await else {
        return;
    };
    let photo = app.settings.data_dir.join("retrato.png");
    std::fs::create_dir_all(&app.settings.data_dir).unwrap();
    image::DynamicImage::new_rgb8(640, 480)
        .save(&photo)
        .unwrap();

    browser.assert_accessible("profile").await;

    let names = [("#first_name", "Ana"), ("#last_name", "Pérez")];
    browser.fill_in(&names).await;
    let input = browser
        .client
        .find(Locator::Css("#foto_perfil"))
        .await
        .unwrap();
    input.send_keys(&photo.to_string_lossy()).await.unwrap();
    // The preview appears before anything is sent.
    assert!(browser.is_shown("#foto-preview").await);
    browser
        .assert_accessible("profile with a photo preview")
        .await;
    browser
        .submit_form_to("/actualizar-perfil/", "/perfil/")
        .await;
    browser.assert_flash("Tu perfil se ha actualizado").await;

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
