//! The OpenID Connect provider client (Google by default, any provider by configuration):
//! discovery, the authorization request (PKCE S256, `state`, `nonce`) and the code exchange
//! with the ID token's verification (signature from the provider's keys, issuer, audience,
//! expiry, nonce). It knows nothing of accounts, sessions or pages: `accounts::oidc` decides
//! what a verified identity means, `routes::oidc` carries the browser.
//!
//! Discovery happens at start and, while it fails, again every
//! [`OidcSettings::discovery_retry`] (a minute) in the background (one log line per failure; the button stays hidden meanwhile). Once it worked it
//! is refreshed every [`REFRESH_EVERY`] so rotated signing keys are picked up.

pub mod http;
pub mod picture;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};

use self::http::ProviderHttp;
use self::picture::PictureFetcher;
use crate::config::OidcSettings;

/// A working discovery is refreshed this often (the provider rotates its keys).
pub const REFRESH_EVERY: Duration = Duration::from_secs(6 * 60 * 60);

/// An authorization request on its way: the browser goes to `url`; the rest waits in the
/// encrypted session for the callback.
pub struct Started {
    pub url: String,
    pub flow: Flow,
}

/// What the callback needs from the start of the flow (kept in the encrypted session cookie).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// A verified identity and what the ID token said about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// Lower-cased.
    pub email: Option<String>,
    /// `email_verified` was true.
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub picture: Option<String>,
}

/// Why the exchange failed (logged; the person sees one "could not sign in" message).
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("the provider is not discovered yet")]
    NotReady,
    #[error("token request: {0}")]
    Token(String),
    #[error("the token answer has no ID token")]
    NoIdToken,
    #[error("ID token: {0}")]
    Claims(#[from] openidconnect::ClaimsVerificationError),
}

/// The provider as configured, with its discovered metadata once discovery worked.
pub struct Provider {
    settings: OidcSettings,
    redirect_url: RedirectUrl,
    http: ProviderHttp,
    metadata: RwLock<Option<Arc<CoreProviderMetadata>>>,
    pictures: PictureFetcher,
}

impl Provider {
    /// `redirect_url` is the callback's absolute URL (from `CUENTAS_BASE_URL`).
    /// `max_picture_bytes`: the upload limit, which a fetched picture may not pass either.
    pub fn new(
        settings: OidcSettings,
        redirect_url: &url::Url,
        max_picture_bytes: usize,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            pictures: PictureFetcher::new(
                settings.picture_hosts.clone(),
                settings.allow_http,
                max_picture_bytes,
            )?,
            http: ProviderHttp::new(settings.allow_http)?,
            redirect_url: RedirectUrl::from_url(redirect_url.clone()),
            settings,
            metadata: RwLock::new(None),
        })
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The issuer as configured (the `issuer` of every identity).
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// True once discovery worked: the button shows.
    pub fn is_ready(&self) -> bool {
        self.current().is_some()
    }

    fn current(&self) -> Option<Arc<CoreProviderMetadata>> {
        self.metadata.read().ok().and_then(|m| m.clone())
    }

    /// Fetches the discovery document and the keys; true when it worked. A failure is one
    /// log line and keeps what was there.
    pub async fn discover(&self) -> bool {
        let issuer = match IssuerUrl::new(self.settings.issuer.clone()) {
            Ok(issuer) => issuer,
            Err(e) => {
                tracing::warn!(error = %e, "OpenID Connect issuer is not a URL");
                return false;
            }
        };
        let http = self.http.clone();
        let client = move |request| {
            let http = http.clone();
            async move { http.send(request).await }
        };
        match CoreProviderMetadata::discover_async(issuer, &client).await {
            Ok(metadata) => {
                if let Ok(mut slot) = self.metadata.write() {
                    *slot = Some(Arc::new(metadata));
                }
                true
            }
            Err(e) => {
                tracing::warn!(
                    issuer = %self.settings.issuer,
                    error = %error_chain(&e),
                    "OpenID Connect discovery failed; the sign-in button stays hidden"
                );
                false
            }
        }
    }

    /// Discovery again in the background (the first one, at start, gave `discovered`):
    /// every [`OidcSettings::discovery_retry`] while it fails, every [`REFRESH_EVERY`] once it
    /// works.
    pub async fn keep_discovered(self: Arc<Self>, mut discovered: bool) {
        loop {
            let wait = if discovered {
                REFRESH_EVERY
            } else {
                self.settings.discovery_retry
            };
            tokio::time::sleep(wait).await;
            discovered = self.discover().await;
        }
    }

    /// Fetches profile pictures under the configured rules.
    pub fn pictures(&self) -> &PictureFetcher {
        &self.pictures
    }

    fn client(
        &self,
        metadata: &CoreProviderMetadata,
    ) -> openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect_url.clone())
    }

    /// Starts an authorization-code flow with PKCE (S256), a random `state` and `nonce`;
    /// `None` while the provider is not discovered.
    pub fn start(&self) -> Option<Started> {
        let metadata = self.current()?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client(&metadata);
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Some(Started {
            url: url.into(),
            flow: Flow {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
            },
        })
    }

    /// Exchanges `code` for tokens and verifies the ID token against `flow`'s nonce. The
    /// caller has checked `state`.
    pub async fn finish(&self, flow: &Flow, code: String) -> Result<Identity, ExchangeError> {
        let metadata = self.current().ok_or(ExchangeError::NotReady)?;
        let client = self.client(&metadata);
        let http = self.http.clone();
        let http_client = move |request| {
            let http = http.clone();
            async move { http.send(request).await }
        };
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| ExchangeError::Token(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(&http_client)
            .await
            .map_err(|e| ExchangeError::Token(error_chain(&e)))?;
        let id_token = response.id_token().ok_or(ExchangeError::NoIdToken)?;
        let verifier = client.id_token_verifier();
        let claims = id_token.claims(&verifier, &Nonce::new(flow.nonce.clone()))?;
        Ok(identity_of(claims))
    }
}

fn identity_of(claims: &CoreIdTokenClaims) -> Identity {
    let name = |claim: Option<&openidconnect::LocalizedClaim<_>>| {
        claim
            .and_then(|c| c.get(None))
            .map(|n: &openidconnect::EndUserGivenName| n.as_str().trim().to_owned())
    };
    let family = claims
        .family_name()
        .and_then(|c| c.get(None))
        .map(|n| n.as_str().trim().to_owned());
    let picture = claims
        .picture()
        .and_then(|c| c.get(None))
        .map(|p| p.as_str().to_owned());
    Identity {
        issuer: claims.issuer().as_str().to_owned(),
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().trim().to_lowercase()),
        email_verified: claims.email_verified() == Some(true),
        given_name: name(claims.given_name()),
        family_name: family,
        picture,
    }
}

/// An error and its causes on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
