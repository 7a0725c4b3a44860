//! Where uploaded photos live: a local folder (`CUENTAS_MEDIA_ROOT`, or `CUENTAS_MEDIA_URL`
//! `file://<path>`) or an S3-compatible bucket (`s3://bucket/prefix`), both behind the
//! `object_store` crate, so every instance of a deployment sees the same photos.
//!
//! Keys are `fotos_perfil/<name>.jpg` under the folder or the bucket's prefix; only names of
//! the shape the server gives ([`is_photo_name`]) are ever read, so no key can leave them.
//! A write is a whole object (a temporary file renamed into place, or one S3 PUT): a failed
//! write leaves nothing a row points at. Deleting is the caller's job once the row points
//! elsewhere.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{
    ClientOptions, GetOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};
use url::Url;

use crate::photos::{PHOTO_DIR, is_photo_name};
use crate::token::random_token;

/// An S3-compatible bucket, as `CUENTAS_MEDIA_URL=s3://bucket/prefix` and the `AWS_*` and
/// `CUENTAS_S3_ENDPOINT` variables describe it. `Debug` never prints the secret.
#[derive(Clone)]
pub struct S3Location {
    pub bucket: String,
    /// Keys go under this (no leading or trailing slash; empty for the bucket's root).
    pub prefix: String,
    pub region: String,
    /// A non-AWS server (MinIO, Ceph, Garage, a test stand-in), addressed path-style.
    pub endpoint: Option<Url>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Location")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint.as_ref().map(Url::as_str))
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Where photos are kept.
#[derive(Clone, Debug)]
pub enum MediaLocation {
    Folder(PathBuf),
    S3(Box<S3Location>),
}

impl MediaLocation {
    /// Reads `CUENTAS_MEDIA_URL` (unset: the folder `CUENTAS_MEDIA_ROOT`, default `./media`)
    /// through `var`; the error is the reason, for the variable named by the caller.
    pub fn from_vars(
        var: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, (&'static str, String)> {
        let folder =
            || PathBuf::from(var("CUENTAS_MEDIA_ROOT").unwrap_or_else(|| "./media".into()));
        let Some(url) = var("CUENTAS_MEDIA_URL") else {
            return Ok(Self::Folder(folder()));
        };
        let url = url.trim();
        if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                return Err((
                    "CUENTAS_MEDIA_URL",
                    "the file:// URL names no folder".into(),
                ));
            }
            return Ok(Self::Folder(PathBuf::from(path)));
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            return Err((
                "CUENTAS_MEDIA_URL",
                "expected file://<folder> or s3://<bucket>/<prefix>".into(),
            ));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok {
            return Err((
                "CUENTAS_MEDIA_URL",
                format!("{bucket:?} is not a bucket name"),
            ));
        }
        let endpoint = var("CUENTAS_S3_ENDPOINT")
            .map(|v| parse_endpoint(v.trim()).map_err(|e| ("CUENTAS_S3_ENDPOINT", e)))
            .transpose()?;
        Ok(Self::S3(Box::new(S3Location {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            region: var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".into()),
            endpoint,
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
            session_token: var("AWS_SESSION_TOKEN"),
        })))
    }

    /// The folder, for a local store.
    pub fn folder(&self) -> Option<&Path> {
        match self {
            Self::Folder(path) => Some(path),
            Self::S3(_) => None,
        }
    }
}

/// An https URL, or http only to this machine (credentials never cross a network in clear).
fn parse_endpoint(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| e.to_string())?;
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" if !host.is_empty() => Ok(url),
        "http" if crate::net::is_loopback_host(host) => Ok(url),
        "http" => Err("http is allowed only for a server on this machine; use https".into()),
        _ => Err("expected an https URL".into()),
    }
}

/// A stored photo being read: its metadata and its bytes as they arrive.
pub struct StoredPhoto {
    pub size: u64,
    /// The version's entity tag, quoted as HTTP writes it.
    pub e_tag: Option<String>,
    pub last_modified: chrono::DateTime<chrono::Utc>,
    pub body: BoxStream<'static, Result<Bytes, object_store::Error>>,
}

/// The photo store every front and worker shares (cheap to clone).
#[derive(Clone, Debug)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
}

impl MediaStore {
    /// Opens the store the location names (a folder is created when missing). Nothing is
    /// contacted yet: [`MediaStore::check`] does that.
    pub fn open(location: &MediaLocation) -> anyhow::Result<Self> {
        let store: Arc<dyn ObjectStore> = match location {
            MediaLocation::Folder(root) => {
                std::fs::create_dir_all(root.join(PHOTO_DIR)).map_err(|e| {
                    anyhow::anyhow!("CUENTAS_MEDIA_ROOT: cannot create {}: {e}", root.display())
                })?;
                Arc::new(LocalFileSystem::new_with_prefix(root)?)
            }
            MediaLocation::S3(s3) => {
                let bucket = s3_store(s3)?;
                if s3.prefix.is_empty() {
                    Arc::new(bucket)
                } else {
                    Arc::new(PrefixStore::new(bucket, s3.prefix.as_str()))
                }
            }
        };
        Ok(Self { store })
    }

    /// A store on a local folder (tests and tools).
    pub fn folder(root: &Path) -> anyhow::Result<Self> {
        Self::open(&MediaLocation::Folder(root.to_owned()))
    }

    /// Stores the photo under a fresh random name and returns its key
    /// (`fotos_perfil/<name>.jpg`), which is what the user row keeps.
    pub async fn save(&self, jpeg: Vec<u8>) -> Result<String, object_store::Error> {
        let relative = format!("{PHOTO_DIR}/{}.jpg", random_token());
        self.store
            .put(&Key::from(relative.as_str()), PutPayload::from(jpeg))
            .await?;
        Ok(relative)
    }

    /// Removes a stored photo; one already gone, or a key not of our shape, is fine.
    pub async fn remove(&self, relative: &str) -> Result<(), object_store::Error> {
        let Some(key) = key_of(relative) else {
            return Ok(());
        };
        match self.store.delete(&key).await {
            Err(object_store::Error::NotFound { .. }) | Ok(()) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Opens a photo for streaming (`None` when there is none of that name).
    pub async fn get(&self, relative: &str) -> Result<Option<StoredPhoto>, object_store::Error> {
        let Some(key) = key_of(relative) else {
            return Ok(None);
        };
        match self.store.get_opts(&key, GetOptions::default()).await {
            Ok(result) => Ok(Some(StoredPhoto {
                size: result.meta.size,
                // S3 quotes its tags; the local store does not.
                e_tag: result.meta.e_tag.as_deref().map(|tag| {
                    if tag.starts_with('"') {
                        tag.to_owned()
                    } else {
                        format!("\"{tag}\"")
                    }
                }),
                last_modified: result.meta.last_modified,
                body: result.into_stream(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The whole photo (a 400×400 JPEG is small), for the data export.
    pub async fn read(&self, relative: &str) -> Result<Option<Bytes>, object_store::Error> {
        let Some(key) = key_of(relative) else {
            return Ok(None);
        };
        match self.store.get(&key).await {
            Ok(result) => result.bytes().await.map(Some),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The keys of every stored photo (tests and tools; a full listing).
    pub async fn list(&self) -> Result<Vec<String>, object_store::Error> {
        let mut keys: Vec<String> = self
            .store
            .list(Some(&Key::from(PHOTO_DIR)))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await?;
        keys.sort();
        Ok(keys)
    }

    /// Whether the store answers (what `/readyz` asks): one listing of at most a page.
    pub async fn check(&self) -> Result<(), object_store::Error> {
        let mut listing = self.store.list(Some(&Key::from(PHOTO_DIR)));
        match listing.next().await {
            Some(Err(e)) => Err(e),
            _ => Ok(()),
        }
    }
}

/// The key of a stored relative path (`fotos_perfil/<name>`), when it has our shape.
fn key_of(relative: &str) -> Option<Key> {
    let name = relative.strip_prefix(PHOTO_DIR)?.strip_prefix('/')?;
    is_photo_name(name).then(|| Key::from(relative))
}

fn s3_store(s3: &S3Location) -> anyhow::Result<object_store::aws::AmazonS3> {
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(&s3.bucket)
        .with_region(&s3.region)
        // A stalled store fails the request in seconds instead of holding it.
        .with_client_options(
            ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(5))
                .with_timeout(Duration::from_secs(30)),
        )
        .with_retry(RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(10),
            ..RetryConfig::default()
        });
    if let Some(endpoint) = &s3.endpoint {
        builder = builder
            .with_endpoint(endpoint.as_str().trim_end_matches('/'))
            .with_virtual_hosted_style_request(false)
            .with_allow_http(endpoint.scheme() == "http");
    }
    if let Some(key) = &s3.access_key_id {
        builder = builder.with_access_key_id(key);
    }
    if let Some(secret) = &s3.secret_access_key {
        builder = builder.with_secret_access_key(secret);
    }
    if let Some(token) = &s3.session_token {
        builder = builder.with_token(token);
    }
    builder
        .build()
        .map_err(|e| anyhow::anyhow!("CUENTAS_MEDIA_URL: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(vars: &[(&str, &str)]) -> Result<MediaLocation, (&'static str, String)> {
        MediaLocation::from_vars(&|name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn the_media_url_names_a_folder_or_a_bucket() {
        assert!(matches!(location(&[]), Ok(MediaLocation::Folder(p)) if p == Path::new("./media")));
        assert!(matches!(
            location(&[("CUENTAS_MEDIA_ROOT", "/srv/m")]),
            Ok(MediaLocation::Folder(p)) if p == Path::new("/srv/m")
        ));
        assert!(matches!(
            location(&[("CUENTAS_MEDIA_URL", "file:///var/lib/cuentas/media")]),
            Ok(MediaLocation::Folder(p)) if p == Path::new("/var/lib/cuentas/media")
        ));
        let Ok(MediaLocation::S3(s3)) = location(&[
            ("CUENTAS_MEDIA_URL", "s3://fotos-tienda/prod/cuentas/"),
            ("CUENTAS_S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("AWS_SECRET_ACCESS_KEY", "very-secret"),
        ]) else {
            panic!("an s3 location");
        };
        assert_eq!(
            (s3.bucket.as_str(), s3.prefix.as_str()),
            ("fotos-tienda", "prod/cuentas")
        );
        assert_eq!(s3.region, "us-east-1");
        assert!(!format!("{s3:?}").contains("very-secret"));
    }

    #[test]
    fn bad_media_urls_and_endpoints_are_refused() {
        for (vars, variable) in [
            (
                vec![("CUENTAS_MEDIA_URL", "ftp://x/y")],
                "CUENTAS_MEDIA_URL",
            ),
            (vec![("CUENTAS_MEDIA_URL", "file://")], "CUENTAS_MEDIA_URL"),
            (
                vec![("CUENTAS_MEDIA_URL", "s3://A_B/x")],
                "CUENTAS_MEDIA_URL",
            ),
            (
                vec![
                    ("CUENTAS_MEDIA_URL", "s3://bucket/x"),
                    ("CUENTAS_S3_ENDPOINT", "http://minio.example.com:9000"),
                ],
                "CUENTAS_S3_ENDPOINT",
            ),
            (
                vec![
                    ("CUENTAS_MEDIA_URL", "s3://bucket/x"),
                    ("CUENTAS_S3_ENDPOINT", "not a url"),
                ],
                "CUENTAS_S3_ENDPOINT",
            ),
        ] {
            match location(&vars) {
                Err((name, _)) => assert_eq!(name, variable, "{vars:?}"),
                Ok(other) => panic!("{vars:?} accepted as {other:?}"),
            }
        }
        assert!(
            location(&[
                ("CUENTAS_MEDIA_URL", "s3://bucket"),
                ("CUENTAS_S3_ENDPOINT", "https://s3.example.com"),
            ])
            .is_ok()
        );
    }

    #[test]
    fn only_keys_of_our_shape_are_touched() {
        let good = format!("{PHOTO_DIR}/{}.jpg", "a".repeat(43));
        assert!(key_of(&good).is_some());
        for bad in [
            "fotos_perfil/../secret.jpg",
            "secret.txt",
            "fotos_perfil/x.jpg",
            "",
        ] {
            assert!(key_of(bad).is_none(), "{bad}");
        }
    }
}
