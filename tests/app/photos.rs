use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_status_with_text, spawn_app, spawn_logged_in,
};

fn picture(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
    // Left half red, right half blue, so cropping and orientation are visible.
    let image = RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// A JPEG carrying an EXIF block with a GPS position (latitude 40° N).
fn jpeg_with_gps() -> Vec<u8> {
    let jpeg = picture(ImageFormat::Jpeg, 500, 500);
    // TIFF header (little endian), IFD0 with one entry: GPSInfo -> IFD at offset 26,
    // GPS IFD with GPSLatitudeRef = "N".
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x8825u16.to_le_bytes()); // GPSInfo
    tiff.extend_from_slice(&4u16.to_le_bytes()); // LONG
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&26u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes()); // GPSLatitudeRef
    tiff.extend_from_slice(&2u16.to_le_bytes()); // ASCII
    tiff.extend_from_slice(&2u32.to_le_bytes());
    tiff.extend_from_slice(b"N\0\0\0");
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn upload(
    app: &TestApp,
    user: &TestUser,
    file_name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let fields = [
        ("username", user.username.clone()),
        ("first_name", "Ana".into()),
        ("last_name", "Pérez".into()),
        ("email", user.email.clone()),
        ("idioma", "es".into()),
        ("moneda", "USD".into()),
        ("zona_horaria", "UTC".into()),
    ];
    let photo = reqwest::multipart::Part::bytes(bytes)
        .file_name(file_name.to_owned())
        .mime_str("image/jpeg")
        .unwrap();
    app.post_multipart_fields(
        &app.client,
        "/actualizar-perfil/",
        &fields,
        Some(("foto_perfil", photo)),
    )
    .await
}

async fn stored_files(app: &TestApp) -> Vec<String> {
    app.stored_photos().await
}

#[tokio::test]
async fn every_accepted_format_is_stored_as_a_400_square_and_served() {
    let (app, user) = spawn_logged_in("vendedor").await;
    for format in [
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::Gif,
        ImageFormat::WebP,
        ImageFormat::Bmp,
    ] {
        let response = upload(&app, &user, "photo.bin", picture(format, 900, 300)).await;
        assert_is_redirect_to(&response, "/perfil/");
        let path = app.user(user.id).photo_path.expect("a photo");
        let served = app.get(&format!("/media/{path}")).await;
        assert_eq!(served.status().as_u16(), 200, "{format:?}");
        assert_eq!(served.headers()["content-type"], "image/jpeg");
        assert_eq!(served.headers()["x-content-type-options"], "nosniff");
        assert!(
            served.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        let stored = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
        assert_eq!((stored.width(), stored.height()), (400, 400), "{format:?}");
        assert_eq!(
            stored_files(&app).await.len(),
            1,
            "the previous photo was deleted ({format:?})"
        );
    }
    let page = app.get_page("/perfil/").await;
    let path = app.user(user.id).photo_path.unwrap();
    assert!(
        page.contains(&format!("src=\"/media/{path}\"")),
        "profile and navigation show it"
    );
}

#[tokio::test]
async fn exif_gps_does_not_survive() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let original = jpeg_with_gps();
    assert!(original.windows(4).any(|w| w == b"Exif"));
    assert_is_redirect_to(&upload(&app, &user, "gps.jpg", original).await, "/perfil/");
    let path = app.user(user.id).photo_path.unwrap();
    let stored = app.stored_photo(&path).await;
    assert!(!stored.windows(4).any(|w| w == b"Exif"));
    assert!(
        !stored.windows(2).any(|w| w == [0xFF, 0xE1]),
        "no APP1 segment"
    );
}

#[tokio::test]
async fn disguised_broken_and_huge_images_are_refused_and_nothing_changes() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let jpeg = picture(ImageFormat::Jpeg, 300, 300);
    let mut polyglot = b"<html><body><script>alert(1)</script></body></html>".to_vec();
    polyglot.extend_from_slice(&jpeg);
    let bomb = {
        // A 20000 x 20000 PNG header: refused from its dimensions, before any pixel is decoded.
        let mut out = Cursor::new(Vec::new());
        let encoder = image::codecs::png::PngEncoder::new(&mut out);
        use image::ImageEncoder;
        encoder
            .write_image(&vec![0u8; 20_000], 20_000, 1, image::ExtendedColorType::L8)
            .unwrap();
        let mut bytes = out.into_inner();
        // Rewrite the IHDR height (bytes 20..24) to 20000, and its CRC: the header now
        // promises 400 megapixels.
        bytes[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    };
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "notes.jpg",
            b"just some text, renamed".to_vec(),
            "no es una imagen",
        ),
        ("polyglot.jpg", polyglot, "no es una imagen"),
        (
            "cut.jpg",
            jpeg[..jpeg.len() / 2].to_vec(),
            "dañada o incompleta",
        ),
        ("bomb.png", bomb, "demasiado grande"),
    ];
    for (name, bytes, message) in cases {
        let started = std::time::Instant::now();
        let response = upload(&app, &user, name, bytes).await;
        let body = assert_status_with_text(response, 422, message).await;
        assert!(
            body.contains("aria-describedby=\"foto_perfil-hint foto_perfil-error\""),
            "{name}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{name} refused quickly"
        );
    }
    assert_eq!(app.user(user.id).photo_path, None);
    assert_eq!(
        app.user(user.id).first_name,
        "",
        "the other fields were not saved either"
    );
    assert!(stored_files(&app).await.is_empty());
}

/// 8000 x 8000, 16-bit RGBA, one colour (transparent black): a small file that would decode
/// to 512 MB. The samples are zeroed memory, which the encoder reads without the test's
/// process taking that memory.
fn one_colour_rgba16_8000() -> Vec<u8> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let samples = vec![0u8; 8000 * 8000 * 8];
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::NoFilter)
        .write_image(&samples, 8000, 8000, image::ExtendedColorType::Rgba16)
        .unwrap();
    out
}

#[tokio::test]
async fn a_16_bit_rgba_8000_square_png_of_one_colour_is_refused_and_changes_nothing() {
    // Made before the server starts: encoding takes a while and would starve it.
    let png = one_colour_rgba16_8000();
    let (app, user) = spawn_logged_in("vendedor").await;
    assert!(png.len() < 5 * 1024 * 1024, "{} bytes", png.len());
    let started = std::time::Instant::now();
    let response = upload(&app, &user, "flat.png", png).await;
    let body = assert_status_with_text(response, 422, "demasiado grande").await;
    assert!(body.contains("id=\"foto_perfil-error\""));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "refused from its header"
    );
    assert_eq!(app.user(user.id).photo_path, None);
    assert_eq!(app.user(user.id).first_name, "", "nothing else was saved");
    assert!(stored_files(&app).await.is_empty());
}

#[tokio::test]
async fn an_oversized_upload_gets_413_with_the_profile_page() {
    let (app, user) = spawn_logged_in("vendedor").await;
    let response = upload(&app, &user, "big.jpg", vec![0xFF; 6 * 1024 * 1024]).await;
    let body = assert_status_with_text(response, 413, "supera el límite de 5 MB").await;
    assert!(body.contains("action=\"/actualizar-perfil/\""));
    assert_eq!(app.user(user.id).photo_path, None);
}

#[tokio::test]
async fn removing_the_photo_deletes_the_file() {
    let (app, user) = spawn_logged_in("vendedor").await;
    upload(&app, &user, "a.png", picture(ImageFormat::Png, 200, 200)).await;
    let path = app.user(user.id).photo_path.unwrap();
    assert!(app.get_page("/perfil/").await.contains("Quitar la foto"));
    assert_is_redirect_to(
        &app.post_form("/perfil/foto/eliminar/", &[]).await,
        "/perfil/",
    );
    assert_eq!(app.user(user.id).photo_path, None);
    assert!(stored_files(&app).await.is_empty());
    assert_eq!(app.status_of(&format!("/media/{path}")).await, 404);
    app.assert_page_says(
        "/perfil/",
        &[
            "Se ha quitado tu foto.",
            cuentas::assets::url("img/default-avatar.svg"),
        ],
    )
    .await;
}

#[tokio::test]
async fn saves_at_the_same_time_leave_one_file_the_one_the_row_points_at() {
    let (app, user) = spawn_logged_in("vendedor").await;
    upload(&app, &user, "a.png", picture(ImageFormat::Png, 200, 200)).await;
    // Six saves at once, each of which saw the first photo when it began: each must delete
    // the file it replaced in the database, not the one it saw.
    let saves = (0..6).map(|_| upload(&app, &user, "b.png", picture(ImageFormat::Png, 300, 200)));
    for response in futures_util::future::join_all(saves).await {
        assert_is_redirect_to(&response, "/perfil/");
    }
    let kept = app.user(user.id).photo_path.expect("a photo");
    assert_eq!(
        stored_files(&app).await,
        vec![kept],
        "no file without its row"
    );
}

#[tokio::test]
async fn media_urls_only_serve_names_of_our_shape() {
    let app = spawn_app().await;
    // (With the S3 suite the folder is not the store, and nothing there is reachable either.)
    std::fs::create_dir_all(&app.settings.media_root).unwrap();
    std::fs::write(app.settings.media_root.join("secret.txt"), "secret").unwrap();
    for path in [
        "/media/fotos_perfil/..%2Fsecret.txt",
        "/media/fotos_perfil/secret.txt",
        "/media/fotos_perfil/%2E%2E%2F%2E%2E%2FCargo.toml",
        &format!("/media/fotos_perfil/{}.jpg", "a".repeat(43)),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
}

/// CRC-32 as PNG chunks use it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn a_photo_is_streamed_with_its_length_and_tag_and_a_held_copy_gets_304() {
    let (app, user) = spawn_logged_in("vendedor").await;
    upload(&app, &user, "a.png", picture(ImageFormat::Png, 200, 200)).await;
    let path = app.user(user.id).photo_path.unwrap();
    let served = app.get(&format!("/media/{path}")).await;
    assert_eq!(served.status().as_u16(), 200);
    let tag = served.headers()["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    assert!(served.headers().contains_key("last-modified"));
    let length: usize = served.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(served.bytes().await.unwrap().len(), length);
    let again = app
        .client
        .get(app.url(&format!("/media/{path}")))
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    // The date it was sent with (or a later one) is as good as the tag; an earlier one, or
    // another tag beside it (the tag wins), gets the photo.
    let modified = served_header(&app, &path, "last-modified").await;
    let get = |headers: Vec<(&'static str, String)>| {
        let mut request = app.client.get(app.url(&format!("/media/{path}")));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        get(vec![("If-Modified-Since", modified.clone())]).await,
        304
    );
    let later = "Fri, 01 Jan 2100 00:00:00 GMT".to_owned();
    assert_eq!(get(vec![("If-Modified-Since", later)]).await, 304);
    let earlier = "Thu, 01 Jan 2015 00:00:00 GMT".to_owned();
    assert_eq!(get(vec![("If-Modified-Since", earlier)]).await, 200);
    let other_tag = vec![
        ("If-None-Match", "\"otra\"".to_owned()),
        ("If-Modified-Since", modified),
    ];
    assert_eq!(get(other_tag).await, 200);
    assert_eq!(
        get(vec![("If-Modified-Since", "ayer".to_owned())]).await,
        200,
        "a date that is not one is ignored"
    );
}

async fn served_header(app: &TestApp, path: &str, name: &str) -> String {
    let served = app.get(&format!("/media/{path}")).await;
    served.headers()[name].to_str().unwrap().to_owned()
}
