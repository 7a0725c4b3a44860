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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_zone_field_suggests_every_zone_once_used_and_takes_a_typed_city() {
    let Some((browser, app, user)) = start_signed_in("ana", "vendedor", "/perfil/").await else {
        return;
    };
    let suggestions = || async {
        browser
            .client
            .execute(
                "return document.querySelectorAll('#zona_horaria-lista option').length",
                vec![],
            )
            .await
            .unwrap()
            .as_u64()
            .unwrap()
    };
    assert_eq!(suggestions().await, 0, "the page carries no zone list");
    browser.click("#zona_horaria").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while suggestions().await < 400 {
        assert!(std::time::Instant::now() < deadline, "no suggestions came");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    browser
        .assert_accessible("profile with time-zone suggestions")
        .await;
    browser
        .fill_in(&[
            ("#first_name", "Ana"),
            ("#last_name", "Pérez"),
            ("#zona_horaria", "Madrid"),
        ])
        .await;
    browser
        .submit_form_to("/actualizar-perfil/", "/perfil/")
        .await;
    browser.assert_flash("Tu perfil se ha actualizado").await;
    assert_eq!(app.user(user.id).timezone, "Europe/Madrid");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_chosen_in_a_form_with_an_error_is_kept_until_the_error_is_fixed() {
    let Some((browser, app, user)) = start_signed_in("ana", "vendedor", "/perfil/").await else {
        return;
    };
    let photo = app.settings.data_dir.join("retrato.png");
    std::fs::create_dir_all(&app.settings.data_dir).unwrap();
    image::DynamicImage::new_rgb8(640, 480)
        .save(&photo)
        .unwrap();

    // The names left empty, and a photo.
    browser.fill_in(&[("#first_name", "")]).await;
    let input = browser
        .client
        .find(Locator::Css("#foto_perfil"))
        .await
        .unwrap();
    input.send_keys(&photo.to_string_lossy()).await.unwrap();
    browser.submit_form("/actualizar-perfil/").await;
    browser.wait_until_displayed("#foto-pendiente").await;
    assert!(
        browser
            .text_of("#foto-pendiente")
            .await
            .contains("se guardará cuando corrijas los errores")
    );
    let loaded: bool = browser
        .client
        .execute("const i = document.querySelector('#foto-pendiente img'); return i.complete && i.naturalWidth === 400", vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(loaded, "the kept photo shows in the form");
    browser
        .assert_accessible("profile with a photo kept for the next save")
        .await;
    assert_eq!(app.user(user.id).photo_path, None);

    // Fixing the name and saving stores it, without choosing the file again.
    browser
        .fill_in(&[("#first_name", "Ana"), ("#last_name", "Pérez")])
        .await;
    browser
        .submit_form_to("/actualizar-perfil/", "/perfil/")
        .await;
    browser.assert_flash("Tu perfil se ha actualizado").await;
    assert!(
        app.user(user.id).photo_path.is_some(),
        "the kept photo was saved"
    );
    assert!(!browser.is_shown("#foto-pendiente").await);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_chooses_a_region_and_amounts_follow_it() {
    let Some((browser, app, _user)) = start_signed_in("dueña", "admin", "/perfil/").await else {
        return;
    };
    browser
        .fill_in(&[("#first_name", "Ana"), ("#last_name", "Pérez")])
        .await;
    browser
        .client
        .find(Locator::Css("#region"))
        .await
        .unwrap()
        .select_by_value("MX")
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css("#moneda"))
        .await
        .unwrap()
        .select_by_label("MXN")
        .await
        .unwrap();
    browser
        .submit_form_to("/actualizar-perfil/", "/perfil/")
        .await;
    browser.assert_flash("Tu perfil se ha actualizado").await;
    browser.open(&app, "/factura/vista-previa/").await;
    // Mexico writes pesos with a dollar sign and a decimal point.
    let total = browser.text_of("#invoice-total").await;
    assert!(total.starts_with('$') && total.contains('.'), "{total}");
    browser.close().await;
}
