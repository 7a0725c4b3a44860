//! Settings read from the environment (and an optional `.env`), validated once at start.
//!
//! Every variable has a working default; a bad value stops the start with one line that names
//! the variable. Settings are plain data: tests build them with [`Settings::from_lookup`] and
//! adjust fields; live things (a test mailbox) are handed to `Application::build_with`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use actix_web::cookie::Key;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use url::Url;

use crate::domain::PasswordPolicy;
use crate::files;
use crate::mail::{MailTransport, SmtpUrl};
use crate::net::{self, IpBlock};

/// A configuration problem, worded for the one line printed before exiting.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl ConfigError {
    fn new(variable: &'static str, reason: impl Into<String>) -> Self {
        Self {
            variable,
            reason: reason.into(),
        }
    }
}

/// Everything the application reads from its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
    /// The photo folder (`CUENTAS_MEDIA_ROOT`, or `CUENTAS_MEDIA_URL=file://…`).
    pub media_root: PathBuf,
    /// Photos in an S3-compatible bucket instead (`CUENTAS_MEDIA_URL=s3://…`).
    pub media_s3: Option<crate::media::S3Location>,
    /// The listener of `GET /metrics` (`CUENTAS_METRICS_BIND`); `None`: no metrics.
    pub metrics_bind: Option<SocketAddr>,
    pub secret_key: SecretKey,
    pub base_url: Url,
    /// Host names accepted in `Host` besides the base URL's (`CUENTAS_ALLOWED_HOSTS`).
    pub allowed_hosts: Vec<String>,
    /// Peers whose `X-Forwarded-For` / `Forwarded` names the client (`CUENTAS_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<IpBlock>,
    /// SMTP when `CUENTAS_SMTP_URL` is set, else `.eml` files in `data/outbox/`.
    pub mail_transport: MailTransport,
    pub mail_from: String,
    pub signup_enabled: bool,
    pub session_idle: Duration,
    pub session_max: Duration,
    /// How long a "recordarme" session lasts from sign-in (`CUENTAS_REMEMBER_DAYS`).
    pub remember_for: Duration,
    /// Sensitive actions need a sign-in this recent (`CUENTAS_REAUTH_MINUTES`; 0 = always ask).
    pub reauth_within: Duration,
    /// How long an API access token works (`CUENTAS_API_ACCESS_MINUTES`, 15).
    pub api_access_lifetime: Duration,
    /// How long an API refresh token works (`CUENTAS_API_REFRESH_DAYS`, 30).
    pub api_refresh_lifetime: Duration,
    /// Origins allowed to call the API from a browser (`CUENTAS_API_CORS_ORIGINS`, comma
    /// separated; empty: no CORS headers at all).
    pub api_cors_origins: Vec<String>,
    /// Every admin must set up two-step sign-in before doing anything else.
    pub require_two_step_admins: bool,
    pub verify_token_lifetime: Duration,
    pub reset_token_lifetime: Duration,
    pub temp_password_lifetime: Duration,
    pub max_upload_bytes: usize,
    /// A request body must arrive within this (`CUENTAS_BODY_TIMEOUT_SECONDS`), else 408.
    pub body_timeout: Duration,
    pub password_min_length: usize,
    pub password_require_letter_and_digit: bool,
    /// How long security events are kept (`CUENTAS_SECURITY_EVENTS_DAYS`).
    pub security_events_retention: Duration,
    /// How long an account waits, restorable, between its deletion and the purge
    /// (`CUENTAS_DELETION_GRACE_DAYS`; 0 = purgeable at once).
    pub deletion_grace: Duration,
    /// The Pwned Passwords range API (`…/range/`); `None` leaves the breached check off.
    pub pwned_passwords_url: Option<Url>,
    /// Sign-in with an OpenID Connect provider; `None` unless `CUENTAS_OIDC_CLIENT_ID` and
    /// `CUENTAS_OIDC_CLIENT_SECRET` are both set.
    pub oidc: Option<OidcSettings>,
}

/// The OpenID Connect provider (Google by default).
#[derive(Clone)]
pub struct OidcSettings {
    pub client_id: String,
    pub client_secret: String,
    /// `CUENTAS_OIDC_ISSUER`, exactly as the provider spells it in its ID tokens.
    pub issuer: String,
    /// The button's label (`CUENTAS_OIDC_NAME`).
    pub name: String,
    /// Hosts a profile picture may be fetched from (`CUENTAS_OIDC_PICTURE_HOSTS`).
    pub picture_hosts: Vec<String>,
    /// `http://` issuers and pictures are accepted (tests and local development only).
    pub allow_http: bool,
    /// While discovery fails, it is tried again this often ([`OIDC_DISCOVERY_RETRY`]; not a
    /// variable: tests shorten it).
    pub discovery_retry: Duration,
}

/// How often a failed OpenID Connect discovery is tried again.
pub const OIDC_DISCOVERY_RETRY: Duration = Duration::from_secs(60);

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("client_id", &self.client_id)
            .field("issuer", &self.issuer)
            .field("name", &self.name)
            .field("picture_hosts", &self.picture_hosts)
            .field("allow_http", &self.allow_http)
            .field("discovery_retry", &self.discovery_retry)
            .finish_non_exhaustive()
    }
}

impl OidcSettings {
    fn from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let (Some(client_id), Some(client_secret)) = (
            var("CUENTAS_OIDC_CLIENT_ID"),
            var("CUENTAS_OIDC_CLIENT_SECRET"),
        ) else {
            return Ok(None);
        };
        let allow_http = parse_switch(var, "CUENTAS_OIDC_ALLOW_HTTP", false)?;
        let issuer = parse_var(
            var,
            "CUENTAS_OIDC_ISSUER",
            "https://accounts.google.com",
            |v| {
                let url = Url::parse(v).map_err(|e| e.to_string())?;
                match url.scheme() {
                    "https" if url.host().is_some() => Ok(v.trim().to_owned()),
                    "http" if allow_http && url.host().is_some() => Ok(v.trim().to_owned()),
                    _ => Err("expected an https URL like https://accounts.google.com".to_owned()),
                }
            },
        )?;
        let picture_hosts = parse_var(
            var,
            "CUENTAS_OIDC_PICTURE_HOSTS",
            "lh3.googleusercontent.com",
            |v| {
                list(v)
                    .map(|host| {
                        url::Host::parse(host)
                            .map(|_| host.to_ascii_lowercase())
                            .map_err(|_| format!("{host:?} is not a host name"))
                    })
                    .collect()
            },
        )?;
        Ok(Some(Self {
            client_id: client_id.trim().to_owned(),
            client_secret,
            issuer,
            name: var("CUENTAS_OIDC_NAME").unwrap_or_else(|| "Google".into()),
            picture_hosts,
            allow_http,
            discovery_retry: OIDC_DISCOVERY_RETRY,
        }))
    }
}

/// The key that encrypts session cookies; its `Debug` never prints the bytes.
#[derive(Clone)]
pub struct SecretKey(Key);

impl SecretKey {
    /// Derives the cookie key from at least 32 bytes of secret material.
    pub fn derive(material: &[u8]) -> Self {
        Self(Key::derive_from(material))
    }

    pub fn cookie_key(&self) -> &Key {
        &self.0
    }

    /// A separate 256-bit key for one purpose, derived with HKDF-SHA256 from the master key;
    /// `purpose` names it (each purpose gets an unrelated key).
    pub fn subkey(&self, purpose: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(b"cuentas"), self.0.master())
            .expand(purpose.as_bytes(), &mut out)
            .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA256 output length"));
        out
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

const MIN_SECRET_LEN: usize = 32;

impl Settings {
    /// Reads the process environment (after loading `.env` when present).
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is the normal case; a malformed one should not pass silently.
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            return Err(ConfigError::new(".env", e.to_string()));
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds settings from any variable lookup, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let bind: SocketAddr = parse_var(&var, "CUENTAS_BIND", "127.0.0.1:8000", |v| {
            v.parse()
                .map_err(|_| "expected an address like 127.0.0.1:8000".to_owned())
        })?;
        let data_dir = PathBuf::from(var("CUENTAS_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let (media_root, media_s3) = match crate::media::MediaLocation::from_vars(&var)
            .map_err(|(variable, reason)| ConfigError::new(variable, reason))?
        {
            crate::media::MediaLocation::Folder(folder) => (folder, None),
            crate::media::MediaLocation::S3(s3) => (PathBuf::from("./media"), Some(*s3)),
        };
        let metrics_bind = var("CUENTAS_METRICS_BIND")
            .map(|_| {
                parse_var(&var, "CUENTAS_METRICS_BIND", "", |v| {
                    v.parse::<SocketAddr>()
                        .map_err(|_| "expected an address like 127.0.0.1:9100".to_owned())
                })
            })
            .transpose()?;
        let database_url = var("DATABASE_URL").unwrap_or_else(|| {
            data_dir
                .join("cuentas.sqlite3")
                .to_string_lossy()
                .into_owned()
        });
        let base_url: Url = parse_var(&var, "CUENTAS_BASE_URL", &format!("http://{bind}/"), |v| {
            let url = Url::parse(v).map_err(|e| e.to_string())?;
            match url.scheme() {
                "http" | "https" if url.host().is_some() => Ok(url),
                _ => Err("expected an http or https URL".to_owned()),
            }
        })?;
        let secret_key = match var("CUENTAS_SECRET_KEY") {
            Some(v) if v.len() >= MIN_SECRET_LEN => SecretKey::derive(v.as_bytes()),
            Some(_) => {
                return Err(ConfigError::new(
                    "CUENTAS_SECRET_KEY",
                    format!("must be at least {MIN_SECRET_LEN} characters"),
                ));
            }
            None => load_or_create_secret(&data_dir)
                .map_err(|e| ConfigError::new("CUENTAS_SECRET_KEY", e))?,
        };

        let allowed_hosts = parse_var(&var, "CUENTAS_ALLOWED_HOSTS", "", |v| {
            list(v)
                .map(|host| {
                    url::Host::parse(host)
                        .map(|_| host.to_ascii_lowercase())
                        .map_err(|_| format!("{host:?} is not a host name"))
                })
                .collect()
        })?;
        let trusted_proxies = parse_var(&var, "CUENTAS_TRUSTED_PROXIES", "", |v| {
            list(v).map(IpBlock::parse).collect()
        })?;
        let mail_transport = match var("CUENTAS_SMTP_URL") {
            Some(url) => {
                let smtp = SmtpUrl::parse(url.trim())
                    .map_err(|reason| ConfigError::new("CUENTAS_SMTP_URL", reason))?;
                if smtp.sends_password_in_clear() {
                    return Err(ConfigError::new(
                        "CUENTAS_SMTP_URL",
                        "a user and password need TLS (smtps:// or ?tls=starttls) \
                         unless the server is on this machine",
                    ));
                }
                MailTransport::Smtp(smtp)
            }
            None => MailTransport::File,
        };

        Ok(Self {
            bind,
            database_url,
            media_root,
            media_s3,
            metrics_bind,
            secret_key,
            base_url,
            allowed_hosts,
            trusted_proxies,
            mail_transport,
            mail_from: parse_var(
                &var,
                "CUENTAS_MAIL_FROM",
                "cuentas <no-reply@localhost>",
                |v| {
                    v.parse::<lettre::message::Mailbox>()
                        .map(|_| v.to_owned())
                        .map_err(|e| {
                            format!("expected a sender like cuentas <no-reply@example.com>: {e}")
                        })
                },
            )?,
            signup_enabled: parse_switch(&var, "CUENTAS_SIGNUP", true)?,
            session_idle: minutes(parse_number(&var, "CUENTAS_SESSION_IDLE_MINUTES", 120, 1)?),
            session_max: minutes(60 * parse_number(&var, "CUENTAS_SESSION_MAX_HOURS", 336, 1)?),
            remember_for: minutes(24 * 60 * parse_number(&var, "CUENTAS_REMEMBER_DAYS", 30, 1)?),
            reauth_within: minutes(parse_number(&var, "CUENTAS_REAUTH_MINUTES", 10, 0)?),
            api_access_lifetime: minutes(parse_number(&var, "CUENTAS_API_ACCESS_MINUTES", 15, 1)?),
            api_refresh_lifetime: minutes(
                24 * 60 * parse_number(&var, "CUENTAS_API_REFRESH_DAYS", 30, 1)?,
            ),
            api_cors_origins: parse_var(&var, "CUENTAS_API_CORS_ORIGINS", "", |v| {
                list(v)
                    .map(|origin| {
                        Url::parse(origin)
                            .ok()
                            .filter(Url::has_host)
                            .map(|url| url.origin().ascii_serialization())
                            .ok_or_else(|| format!("{origin:?} is not an origin"))
                    })
                    .collect()
            })?,
            require_two_step_admins: parse_switch(&var, "CUENTAS_REQUIRE_TWO_STEP_ADMINS", false)?,
            verify_token_lifetime: minutes(
                60 * parse_number(&var, "CUENTAS_VERIFY_TOKEN_HOURS", 48, 1)?,
            ),
            reset_token_lifetime: minutes(parse_number(
                &var,
                "CUENTAS_RESET_TOKEN_MINUTES",
                60,
                1,
            )?),
            temp_password_lifetime: minutes(
                60 * parse_number(&var, "CUENTAS_TEMP_PASSWORD_HOURS", 72, 1)?,
            ),
            max_upload_bytes: usize::try_from(parse_number(&var, "CUENTAS_MAX_UPLOAD_MB", 5, 1)?)
                .unwrap_or(usize::MAX)
                .saturating_mul(1024 * 1024),
            body_timeout: Duration::from_secs(parse_number(
                &var,
                "CUENTAS_BODY_TIMEOUT_SECONDS",
                30,
                1,
            )?),
            password_min_length: usize::try_from(parse_number(
                &var,
                "CUENTAS_PASSWORD_MIN_LENGTH",
                8,
                1,
            )?)
            .unwrap_or(usize::MAX),
            password_require_letter_and_digit: parse_switch(
                &var,
                "CUENTAS_PASSWORD_REQUIRE_LETTER_AND_DIGIT",
                false,
            )?,
            security_events_retention: minutes(
                24 * 60 * parse_number(&var, "CUENTAS_SECURITY_EVENTS_DAYS", 365, 1)?,
            ),
            deletion_grace: minutes(
                24 * 60 * parse_number(&var, "CUENTAS_DELETION_GRACE_DAYS", 7, 0)?,
            ),
            pwned_passwords_url: var("CUENTAS_PWNED_PASSWORDS_URL")
                .map(|_| parse_var(&var, "CUENTAS_PWNED_PASSWORDS_URL", "", parse_range_url))
                .transpose()?,
            oidc: OidcSettings::from_vars(&var)?,
            data_dir,
        })
    }

    /// Where photos are kept.
    pub fn media_location(&self) -> crate::media::MediaLocation {
        match &self.media_s3 {
            Some(s3) => crate::media::MediaLocation::S3(Box::new(s3.clone())),
            None => crate::media::MediaLocation::Folder(self.media_root.clone()),
        }
    }

    /// The rules every new password must follow.
    pub fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy {
            min_length: self.password_min_length,
            require_letter_and_digit: self.password_require_letter_and_digit,
        }
    }

    /// Cookies get the `Secure` flag (and responses HSTS) when the public URL is https.
    pub fn is_https(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// Whether a request's `Host` value names this site: the base URL's host, any loopback
    /// name when that host is a loopback one, or a host of `CUENTAS_ALLOWED_HOSTS`.
    pub fn host_is_allowed(&self, host: &str) -> bool {
        let host = net::host_without_port(host).to_ascii_lowercase();
        let base = self.base_url.host_str().unwrap_or_default();
        host == base
            || (net::is_loopback_host(base) && net::is_loopback_host(&host))
            || self.allowed_hosts.contains(&host)
    }

    /// Whether `peer` is a proxy whose forwarding headers name the client.
    pub fn trusts_proxy(&self, peer: std::net::IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|block| block.contains(peer))
    }

    /// The warning for an https site that trusts no proxy: the server speaks plain HTTP, so
    /// a proxy is in front and, untrusted, every visitor looks like that one client.
    pub fn proxy_warning(&self) -> Option<&'static str> {
        (self.is_https() && self.trusted_proxies.is_empty()).then_some(
            "CUENTAS_BASE_URL is https but CUENTAS_TRUSTED_PROXIES is empty: every visitor \
             counts as the proxy's address; set it to the proxy's address (127.0.0.1 for a \
             proxy on this machine)",
        )
    }
}

/// The items of a comma-separated list, blanks skipped.
fn list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// The Pwned Passwords range API: an http(s) URL the five-digit prefix is appended to.
fn parse_range_url(v: &str) -> Result<Url, String> {
    let url = Url::parse(v).map_err(|e| e.to_string())?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err("expected an http or https URL like https://api.pwnedpasswords.com/range/".into()),
    }
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(n.saturating_mul(60))
}

fn parse_var<T>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let raw = var(name).unwrap_or_else(|| default.to_owned());
    parse(raw.trim()).map_err(|reason| ConfigError::new(name, format!("{reason} (got {raw:?})")))
}

fn parse_number(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    min: u64,
) -> Result<u64, ConfigError> {
    parse_var(var, name, &default.to_string(), |v| {
        match v.parse::<u64>() {
            Ok(n) if n >= min && n <= 1_000_000 => Ok(n),
            _ => Err(format!("expected a whole number from {min} to 1000000")),
        }
    })
}

fn parse_switch(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    let default = if default { "on" } else { "off" };
    parse_var(var, name, default, |v| {
        match v.to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Ok(true),
            "off" | "false" | "0" | "no" => Ok(false),
            _ => Err("expected on or off".to_owned()),
        }
    })
}

/// Reads `<data_dir>/secret_key`, creating it (mode 0600) with 64 random bytes the first time,
/// so sessions survive restarts without any configuration.
fn load_or_create_secret(data_dir: &Path) -> Result<SecretKey, String> {
    let path = data_dir.join("secret_key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let bytes = URL_SAFE_NO_PAD
                .decode(text.trim())
                .map_err(|_| format!("{} is not a key this program wrote", path.display()))?;
            if bytes.len() < MIN_SECRET_LEN {
                return Err(format!("{} holds too short a key", path.display()));
            }
            Ok(SecretKey::derive(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            files::private_dir(data_dir)
                .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
            let mut bytes = [0u8; 64];
            rand::rng().fill_bytes(&mut bytes);
            files::write_new_private_file(&path, URL_SAFE_NO_PAD.encode(bytes).as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(SecretKey::derive(&bytes))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings_with(vars: &[(&str, &str)], dir: &Path) -> Result<Settings, ConfigError> {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        map.insert(
            "CUENTAS_DATA_DIR".into(),
            dir.to_string_lossy().into_owned(),
        );
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn oidc_is_on_with_a_client_id_and_secret_and_defaults_to_google() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(settings_with(&[], dir.path()).unwrap().oidc.is_none());
        let only_id = [("CUENTAS_OIDC_CLIENT_ID", "id")];
        assert!(settings_with(&only_id, dir.path()).unwrap().oidc.is_none());
        let both = [
            ("CUENTAS_OIDC_CLIENT_ID", "id"),
            ("CUENTAS_OIDC_CLIENT_SECRET", "shh"),
        ];
        let oidc = settings_with(&both, dir.path()).unwrap().oidc.unwrap();
        assert_eq!(oidc.issuer, "https://accounts.google.com");
        assert_eq!(oidc.name, "Google");
        assert_eq!(oidc.picture_hosts, ["lh3.googleusercontent.com"]);
        assert!(!oidc.allow_http);
        assert_eq!(oidc.discovery_retry, Duration::from_secs(60));
        assert!(
            !format!("{oidc:?}").contains("shh"),
            "the secret never prints"
        );
        let http = [
            ("CUENTAS_OIDC_CLIENT_ID", "id"),
            ("CUENTAS_OIDC_CLIENT_SECRET", "shh"),
            ("CUENTAS_OIDC_ISSUER", "http://127.0.0.1:9000"),
        ];
        let error = settings_with(&http, dir.path()).unwrap_err();
        assert_eq!(error.variable, "CUENTAS_OIDC_ISSUER");
        let allowed = [http.as_slice(), &[("CUENTAS_OIDC_ALLOW_HTTP", "on")]].concat();
        assert!(settings_with(&allowed, dir.path()).unwrap().oidc.is_some());
        let bad_host = [both.as_slice(), &[("CUENTAS_OIDC_PICTURE_HOSTS", "a b")]].concat();
        let error = settings_with(&bad_host, dir.path()).unwrap_err();
        assert_eq!(error.variable, "CUENTAS_OIDC_PICTURE_HOSTS");
    }

    #[test]
    fn defaults_work_and_create_a_private_secret_key_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = settings_with(&[], dir.path()).expect("defaults are valid");
        assert_eq!(settings.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(settings.session_idle, Duration::from_secs(120 * 60));
        assert!(settings.signup_enabled);
        assert!(
            !settings.password_require_letter_and_digit,
            "ASVS 5.0 6.2.5"
        );
        assert!(settings.pwned_passwords_url.is_none());
        let key_file = dir.path().join("secret_key");
        let first = std::fs::read_to_string(&key_file).expect("key written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_file)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        settings_with(&[], dir.path()).expect("second start");
        assert_eq!(first, std::fs::read_to_string(&key_file).expect("key kept"));
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, value) in [
            ("CUENTAS_BIND", "localhost"),
            ("CUENTAS_SESSION_IDLE_MINUTES", "-3"),
            ("CUENTAS_SESSION_MAX_HOURS", "many"),
            ("CUENTAS_SIGNUP", "maybe"),
            ("CUENTAS_BASE_URL", "ftp://example.com"),
            ("CUENTAS_SECRET_KEY", "short"),
            ("CUENTAS_MAX_UPLOAD_MB", "0"),
            ("CUENTAS_SECURITY_EVENTS_DAYS", "0"),
            ("CUENTAS_DELETION_GRACE_DAYS", "-1"),
            ("CUENTAS_SMTP_URL", "http://mail.example.com"),
            // A password in clear to a server off this machine.
            (
                "CUENTAS_SMTP_URL",
                "smtp://ana:secreto@mail.example.com:587",
            ),
            ("CUENTAS_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.0/33"),
            ("CUENTAS_TRUSTED_PROXIES", "proxy.example.com"),
            ("CUENTAS_ALLOWED_HOSTS", "cuentas.example, bad host"),
            ("CUENTAS_BODY_TIMEOUT_SECONDS", "0"),
            (
                "CUENTAS_MAIL_FROM",
                "cuentas <no-reply@localhost>\r\nBcc: x@evil.example",
            ),
        ] {
            let err = settings_with(&[(name, value)], dir.path()).expect_err(name);
            assert_eq!(err.variable, name);
            assert!(err.to_string().starts_with(name), "{err}");
        }
    }

    #[test]
    fn a_password_over_plain_smtp_is_accepted_only_on_this_machine() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = settings_with(
            &[(
                "CUENTAS_SMTP_URL",
                "smtp://ana:secreto@mail.example.com:587",
            )],
            dir.path(),
        )
        .expect_err("refused");
        assert!(err.to_string().contains("TLS"), "{err}");
        assert!(!err.to_string().contains("secreto"), "{err}");
        for fine in [
            "smtp://ana:secreto@127.0.0.1:2525",
            "smtp://ana:secreto@mail.example.com:587?tls=starttls",
            "smtps://ana:secreto@mail.example.com",
            "smtp://relay.example.com:25",
        ] {
            settings_with(&[("CUENTAS_SMTP_URL", fine)], dir.path()).expect(fine);
        }
    }

    #[test]
    fn an_https_site_without_a_trusted_proxy_is_warned_about() {
        let dir = tempfile::tempdir().expect("tempdir");
        let https = [("CUENTAS_BASE_URL", "https://cuentas.example/")];
        let settings = settings_with(&https, dir.path()).expect("valid");
        let warning = settings.proxy_warning().expect("a warning");
        assert!(warning.contains("CUENTAS_TRUSTED_PROXIES"), "{warning}");
        let behind = [
            ("CUENTAS_BASE_URL", "https://cuentas.example/"),
            ("CUENTAS_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
        ];
        let settings = settings_with(&behind, dir.path()).expect("valid");
        assert_eq!(settings.proxy_warning(), None);
        assert!(settings.trusts_proxy("10.2.3.4".parse().expect("ip")));
        assert!(!settings.trusts_proxy("192.0.2.1".parse().expect("ip")));
        let plain = settings_with(&[], dir.path()).expect("valid");
        assert_eq!(plain.proxy_warning(), None);
        assert_eq!(plain.body_timeout, Duration::from_secs(30));
    }

    #[test]
    fn the_host_must_be_the_base_urls_or_an_allowed_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let vars = [
            ("CUENTAS_BASE_URL", "https://cuentas.example/"),
            ("CUENTAS_ALLOWED_HOSTS", "www.cuentas.example, 10.0.0.5"),
        ];
        let settings = settings_with(&vars, dir.path()).expect("valid");
        let local_vars = [("CUENTAS_BASE_URL", "http://127.0.0.1:8000/")];
        let local = settings_with(&local_vars, dir.path()).expect("valid");
        let cases: [(&Settings, &[&str], bool); 3] = [
            (
                &settings,
                &[
                    "cuentas.example",
                    "CUENTAS.example:443",
                    "www.cuentas.example",
                    "10.0.0.5:8000",
                ],
                true,
            ),
            (
                &settings,
                &[
                    "evil.example",
                    "localhost",
                    "127.0.0.1:8000",
                    "cuentas.example.evil",
                    "",
                ],
                false,
            ),
            (
                &local,
                &[
                    "127.0.0.1:8000",
                    "localhost:8000",
                    "[::1]:8000",
                    "127.0.0.1",
                ],
                true,
            ),
        ];
        for (settings, hosts, allowed) in cases {
            for host in hosts {
                assert_eq!(settings.host_is_allowed(host), allowed, "{host}");
            }
        }
        assert!(!local.host_is_allowed("evil.example"));
    }

    #[test]
    fn https_base_url_turns_on_secure_cookies() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = settings_with(
            &[("CUENTAS_BASE_URL", "https://cuentas.example/")],
            dir.path(),
        )
        .expect("valid");
        assert!(settings.is_https());
    }
}
