//! The breached-password check (OWASP ASVS 5.0, 6.2.12) through the k-anonymity range API of
//! Pwned Passwords: only the first five hex digits of the password's SHA-1 leave the server;
//! the answer lists every known suffix with that prefix (`SUFFIX:COUNT` lines) and the match
//! is made here.
//!
//! Off unless `CUENTAS_PWNED_PASSWORDS_URL` is set. The service answers within two seconds or
//! not at all: when it fails, the password is accepted (fail open) and one line is logged, so
//! an outage never stops anyone from setting a password.

use std::sync::Arc;
use std::time::Duration;

use sha1::{Digest, Sha1};
use url::Url;

/// How long the whole lookup (connect, request, body) may take.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// A real answer is about 30 KB (padded); anything far larger is not one.
const MAX_BODY: usize = 1024 * 1024;

/// The range API client, shared by every request.
#[derive(Clone)]
pub struct BreachedPasswords {
    lookup: Option<(Url, reqwest::Client)>,
}

impl BreachedPasswords {
    /// A client for the range API at `endpoint` (the prefix is appended as the last path
    /// segment), or a check that never finds anything when `None`.
    pub fn new(endpoint: Option<Url>) -> anyhow::Result<Self> {
        let Some(mut endpoint) = endpoint else {
            return Ok(Self { lookup: None });
        };
        if !endpoint.path().ends_with('/') {
            endpoint.set_path(&format!("{}/", endpoint.path()));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(TIMEOUT)
            .user_agent(concat!("cuentas/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            lookup: Some((endpoint, client)),
        })
    }

    /// True when the password appears in a known breach. False when it does not, when the
    /// check is off, and when the service could not answer (logged).
    pub async fn is_breached(&self, password: &str) -> bool {
        let Some((endpoint, client)) = &self.lookup else {
            return false;
        };
        let digest = hex_upper(&Sha1::digest(password.as_bytes()));
        let (prefix, suffix) = digest.split_at(5);
        match fetch_range(endpoint, client, prefix).await {
            Ok(body) => lists_suffix(&body, suffix),
            Err(error) => {
                tracing::warn!(
                    error = %error,
                    "breached-password check unavailable; the password was accepted without it"
                );
                false
            }
        }
    }
}

async fn fetch_range(
    endpoint: &Url,
    client: &reqwest::Client,
    prefix: &str,
) -> anyhow::Result<String> {
    let url = endpoint.join(prefix)?;
    // Padding hides the real size of the answer from anyone watching the connection.
    let mut response = client
        .get(url)
        .header("Add-Padding", "true")
        .send()
        .await?
        .error_for_status()?;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY {
            anyhow::bail!("the range answer is larger than {MAX_BODY} bytes");
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8(body)?)
}

/// True when one `SUFFIX:COUNT` line names `suffix` with a count above zero (padding lines
/// have a count of zero).
fn lists_suffix(body: &str, suffix: &str) -> bool {
    body.lines().any(|line| {
        line.trim()
            .split_once(':')
            .is_some_and(|(candidate, count)| {
                candidate.eq_ignore_ascii_case(suffix)
                    && count.trim().parse::<u64>().is_ok_and(|n| n > 0)
            })
    })
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_counted_lines_with_the_same_suffix_match() {
        let digest = hex_upper(&Sha1::digest(b"password"));
        assert_eq!(digest, "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8");
        let body = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n\
                    1E4C9B93F3F0682250B6CF8331B7EE68FD8:52256179\r\n";
        assert!(lists_suffix(body, &digest[5..]));
        assert!(!lists_suffix(body, "0000000000000000000000000000000000A"));
        let padded = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:0\r\n";
        assert!(!lists_suffix(padded, &digest[5..]));
    }
}
