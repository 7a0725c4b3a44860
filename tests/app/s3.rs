//! Photos on an S3-compatible bucket: with `CUENTAS_S3_TESTS=1` (`.ci/run` sets it; moto's
//! server must be installed, `python3 -m pip install 'moto[server]'`) every test app keeps its
//! photos under its own prefix of a bucket on a loopback moto server, so the photo, export
//! and deletion tests run against S3 exactly as they do against a folder. Without it they run
//! against a folder, and the test here says it was not run.

use cuentas::media::S3Location;
use url::Url;

use crate::helpers::s3_stand_in::{BUCKET, enabled};
use crate::helpers::spawn_app_with;

#[tokio::test]
async fn with_the_s3_suite_on_photos_go_to_the_bucket_and_readyz_checks_it() {
    if !enabled() {
        eprintln!("S3 test not run: set CUENTAS_S3_TESTS=1 (needs moto[server])");
        return;
    }
    let app = spawn_app_with(|_| {}).await;
    assert!(app.settings.media_s3.is_some(), "test apps use the bucket");
    assert_eq!(app.status_of("/readyz").await, 200);
    let key = app.media().save(b"jpeg".to_vec()).await.unwrap();
    assert_eq!(app.stored_photos().await, vec![key.clone()]);
    // Nothing in the folder: the bytes are in the bucket.
    let folder = app.settings.media_root.join("fotos_perfil");
    assert!(std::fs::read_dir(&folder).map_or(true, |mut d| d.next().is_none()));
    assert_eq!(app.stored_photo(&key).await, b"jpeg");
}

#[tokio::test]
async fn an_unreachable_bucket_makes_readyz_fail_but_not_healthz() {
    let app = spawn_app_with(|s| {
        s.media_s3 = Some(S3Location {
            bucket: BUCKET.to_owned(),
            prefix: String::new(),
            region: "us-east-1".to_owned(),
            // Nothing listens on port 9 of this machine.
            endpoint: Some(Url::parse("http://127.0.0.1:9").unwrap()),
            access_key_id: Some("testing".to_owned()),
            secret_access_key: Some("testing".to_owned()),
            session_token: None,
        });
    })
    .await;
    assert_eq!(app.status_of("/healthz").await, 200);
    let response = app.get("/readyz").await;
    assert_eq!(response.status().as_u16(), 503);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
        "a probe's answer, not the error page"
    );
    assert_eq!(response.text().await.unwrap(), "media store unavailable");
}
