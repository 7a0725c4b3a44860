//! The HTTP client the OpenID Connect exchange runs on: our reqwest (rustls), never following
//! a redirect (a 3xx from the provider is an answer, not a hop), plain `http://` refused unless
//! `CUENTAS_OIDC_ALLOW_HTTP` is on, bounded in time and size.

use std::time::Duration;

use openidconnect::{HttpRequest, HttpResponse};

/// The most a discovery document, key set or token answer may weigh.
const MAX_BODY: usize = 1024 * 1024;
/// Each call to the provider must finish within this.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a call to the provider failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("plain http is off (CUENTAS_OIDC_ALLOW_HTTP)")]
    PlainHttp,
    #[error("the answer is larger than {MAX_BODY} bytes")]
    TooLarge,
    #[error(transparent)]
    Request(#[from] reqwest::Error),
    #[error(transparent)]
    Http(#[from] http::Error),
}

/// A reqwest client set up for the provider; cheap to clone.
#[derive(Clone)]
pub struct ProviderHttp {
    client: reqwest::Client,
    allow_http: bool,
}

impl ProviderHttp {
    pub fn new(allow_http: bool) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .user_agent("cuentas")
            .build()?;
        Ok(Self { client, allow_http })
    }

    /// Sends one request and reads its answer (whatever its status: the crate judges it).
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let scheme_ok = match request.uri().scheme_str() {
            Some("https") => true,
            Some("http") => self.allow_http,
            _ => false,
        };
        if !scheme_ok {
            return Err(HttpError::PlainHttp);
        }
        let (parts, body) = request.into_parts();
        let mut response = self
            .client
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .await?;
        let mut builder = http::Response::builder().status(response.status());
        if let Some(headers) = builder.headers_mut() {
            headers.extend(response.headers().clone());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(HttpError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(builder.body(bytes)?)
    }
}
