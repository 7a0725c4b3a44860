//! Fetching the provider's profile picture: https only (unless `CUENTAS_OIDC_ALLOW_HTTP`), from
//! a host of `CUENTAS_OIDC_PICTURE_HOSTS`, following a redirect only on the same host, at most
//! the upload limit, within 10 seconds. The bytes go through the photo pipeline like an upload
//! (`accounts::oidc`); the browser never loads anything from the provider.

use std::time::Duration;

use url::Url;

/// The whole fetch must finish within this.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Same-host redirects followed at most.
const MAX_HOPS: usize = 3;

/// Why a picture was not fetched (logged, never shown).
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("not a URL we fetch (scheme or host not allowed)")]
    NotAllowed,
    #[error("answered {0}")]
    Status(u16),
    #[error("larger than the upload limit")]
    TooLarge,
    #[error("not fetched within {TIMEOUT:?}")]
    TimedOut,
    #[error(transparent)]
    Request(#[from] reqwest::Error),
}

/// Fetches pictures for one configuration.
#[derive(Clone)]
pub struct PictureFetcher {
    client: reqwest::Client,
    hosts: Vec<String>,
    allow_http: bool,
    max_bytes: usize,
}

impl PictureFetcher {
    pub fn new(hosts: Vec<String>, allow_http: bool, max_bytes: usize) -> anyhow::Result<Self> {
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let same_host = attempt
                .previous()
                .first()
                .is_some_and(|first| first.host_str() == attempt.url().host_str());
            let same_scheme = attempt
                .previous()
                .last()
                .is_some_and(|last| last.scheme() == attempt.url().scheme());
            if same_host && same_scheme && attempt.previous().len() <= MAX_HOPS {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let client = reqwest::Client::builder()
            .redirect(policy)
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .user_agent("cuentas")
            .build()?;
        Ok(Self {
            client,
            // Host names compare without regard to case (URLs come lower-cased).
            hosts: hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
            allow_http,
            max_bytes,
        })
    }

    /// True when `url` may be fetched: its scheme and host are allowed.
    pub fn allows(&self, url: &Url) -> bool {
        let scheme_ok = match url.scheme() {
            "https" => true,
            "http" => self.allow_http,
            _ => false,
        };
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        scheme_ok && self.hosts.contains(&host)
    }

    /// The picture's bytes (not yet checked to be an image).
    pub async fn fetch(&self, url: &str) -> Result<Vec<u8>, PictureError> {
        let url = Url::parse(url).map_err(|_| PictureError::NotAllowed)?;
        if !self.allows(&url) {
            return Err(PictureError::NotAllowed);
        }
        let fetch = async {
            let mut response = self.client.get(url).send().await?;
            let status = response.status();
            if !status.is_success() {
                return Err(PictureError::Status(status.as_u16()));
            }
            if response
                .content_length()
                .is_some_and(|n| n > self.max_bytes as u64)
            {
                return Err(PictureError::TooLarge);
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if bytes.len() + chunk.len() > self.max_bytes {
                    return Err(PictureError::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(bytes)
        };
        // The client's timeout covers each request; this bounds the whole, redirects included.
        tokio::time::timeout(TIMEOUT, fetch)
            .await
            .unwrap_or(Err(PictureError::TimedOut))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetcher(hosts: &[&str], allow_http: bool) -> PictureFetcher {
        let hosts = hosts.iter().map(|h| (*h).to_owned()).collect();
        PictureFetcher::new(hosts, allow_http, 1024).unwrap()
    }

    fn allows(fetcher: &PictureFetcher, url: &str) -> bool {
        fetcher.allows(&Url::parse(url).unwrap())
    }

    #[test]
    fn https_only_unless_the_test_switch_is_on() {
        let strict = fetcher(&["lh3.googleusercontent.com"], false);
        assert!(allows(&strict, "https://lh3.googleusercontent.com/a/photo"));
        assert!(!allows(&strict, "http://lh3.googleusercontent.com/a/photo"));
        let relaxed = fetcher(&["lh3.googleusercontent.com"], true);
        assert!(allows(&relaxed, "http://lh3.googleusercontent.com/a/photo"));
        for other in ["ftp://lh3.googleusercontent.com/a", "file:///etc/passwd"] {
            assert!(!allows(&relaxed, other), "{other}");
        }
    }

    #[test]
    fn only_the_listed_hosts_and_not_look_alikes() {
        let fetcher = fetcher(&["lh3.googleusercontent.com"], false);
        for url in [
            "https://evil.example/photo",
            "https://lh4.googleusercontent.com/photo",
            "https://lh3.googleusercontent.com.evil.example/photo",
            "https://lh3.googleusercontent.com@evil.example/photo",
            "https://127.0.0.1/photo",
        ] {
            assert!(!allows(&fetcher, url), "{url}");
        }
    }

    #[test]
    fn host_names_compare_without_regard_to_case() {
        let listed_lower = fetcher(&["lh3.googleusercontent.com"], false);
        assert!(allows(
            &listed_lower,
            "https://LH3.GoogleUserContent.COM/photo"
        ));
        let listed_upper = fetcher(&["LH3.GoogleUserContent.com"], false);
        assert!(allows(
            &listed_upper,
            "https://lh3.googleusercontent.com/photo"
        ));
    }
}
