//! Mail: the [`Mailer`] and its three transports (SMTP, `.eml` files, an in-memory stub for
//! tests), the messages (`messages`) and the outbox worker (`outbox`).
//!
//! Every address goes through lettre's typed `Mailbox`/`Address`, which refuse or encode line
//! breaks, so no name or address can add a header.

pub mod messages;
pub mod outbox;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

use crate::db::outbox::OutboxMail;

/// How mail leaves the application, as configured by `CUENTAS_SMTP_URL`: a description,
/// not a connection (the [`Mailer`] is built from it at start).
#[derive(Clone, Debug)]
pub enum MailTransport {
    /// `.eml` files in `<data dir>/outbox/`, and the link in the log (no SMTP URL set).
    File,
    Smtp(SmtpUrl),
}

/// How the connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://host:port`: no TLS (a relay on localhost or a test server).
    Plain,
    /// `smtp://host:port?tls=starttls`: STARTTLS, required.
    StartTls,
    /// `smtps://host:465`: TLS from the first byte.
    Wrapper,
}

/// A validated `CUENTAS_SMTP_URL`; its `Debug` never prints the password.
#[derive(Clone)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} {}:{}{}",
            self.security,
            self.host,
            self.port,
            if self.credentials.is_some() {
                " (with credentials)"
            } else {
                ""
            }
        )
    }
}

impl SmtpUrl {
    /// Parses `smtp://host:port`, `smtp://host:port?tls=starttls` or
    /// `smtps://user:pass@host:465` (user and password percent-encoded).
    pub fn parse(value: &str) -> Result<Self, String> {
        let url = Url::parse(value).map_err(|e| e.to_string())?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the URL names no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_ascii_lowercase());
        let security = match (url.scheme(), tls.as_deref()) {
            ("smtp", None | Some("none")) => SmtpSecurity::Plain,
            ("smtp", Some("starttls" | "required")) => SmtpSecurity::StartTls,
            ("smtps", None) => SmtpSecurity::Wrapper,
            ("smtp" | "smtps", Some(other)) => {
                return Err(format!("unknown tls={other} (use tls=starttls)"));
            }
            (scheme, _) => return Err(format!("unknown scheme {scheme:?} (use smtp or smtps)")),
        };
        let port = url.port().unwrap_or(match security {
            SmtpSecurity::Plain => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Wrapper => 465,
        });
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| "the user or password is not valid UTF-8".to_owned())
        };
        let credentials = if url.username().is_empty() {
            None
        } else {
            Some((
                decode(url.username())?,
                decode(url.password().unwrap_or_default())?,
            ))
        };
        Ok(Self {
            host,
            port,
            security,
            credentials,
        })
    }
}

impl SmtpUrl {
    /// A user and password over a connection without TLS, to a server off this machine:
    /// anyone on the way would read them.
    pub fn sends_password_in_clear(&self) -> bool {
        self.credentials.is_some()
            && self.security == SmtpSecurity::Plain
            && !crate::net::is_loopback_host(&self.host)
    }
}

fn percent_decode(value: &str) -> Option<String> {
    url::form_urlencoded::parse(format!("x={}", value.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// The test transport: every mail the worker sends, readable from the test.
#[derive(Clone, Default)]
pub struct MemoryMailbox(Arc<Mutex<MemoryState>>);

#[derive(Default)]
struct MemoryState {
    sent: Vec<SentMail>,
    failing: bool,
}

/// A mail as the stub received it.
#[derive(Clone, Debug)]
pub struct SentMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub link: Option<String>,
    pub language: String,
    /// The whole message as it would go over the wire.
    pub raw: String,
}

impl MemoryMailbox {
    pub fn sent(&self) -> Vec<SentMail> {
        self.lock().sent.clone()
    }

    /// While failing, every send fails like an unreachable server.
    pub fn set_failing(&self, failing: bool) {
        self.lock().failing = failing;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why a send failed: worth retrying or not.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("temporary failure: {0}")]
    Transient(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// Sends one outbox row through the configured transport.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(PathBuf),
    Memory(MemoryMailbox),
}

/// How long one SMTP exchange may take; the claim lease is much longer.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

impl Mailer {
    pub fn new(
        transport: &MailTransport,
        mail_from: &str,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        let from: Mailbox = mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("CUENTAS_MAIL_FROM: {e}"))?;
        let transport = match transport {
            MailTransport::File => Transport::File(data_dir.join("outbox")),
            MailTransport::Smtp(url) => {
                let mut builder =
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.clone())
                        .port(url.port)
                        .timeout(Some(SMTP_TIMEOUT));
                let tls = || {
                    TlsParameters::new(url.host.clone())
                        .map_err(|e| anyhow::anyhow!("CUENTAS_SMTP_URL: {e}"))
                };
                builder = match url.security {
                    SmtpSecurity::Plain => builder.tls(Tls::None),
                    SmtpSecurity::StartTls => builder.tls(Tls::Required(tls()?)),
                    SmtpSecurity::Wrapper => builder.tls(Tls::Wrapper(tls()?)),
                };
                if let Some((user, password)) = &url.credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Transport::Smtp(builder.build())
            }
        };
        Ok(Self { from, transport })
    }

    /// A mailer that keeps what it sends in `mailbox`, for tests to read.
    pub fn memory(mail_from: &str, mailbox: MemoryMailbox) -> anyhow::Result<Self> {
        let from: Mailbox = mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("CUENTAS_MAIL_FROM: {e}"))?;
        Ok(Self {
            from,
            transport: Transport::Memory(mailbox),
        })
    }

    /// Builds the message from the row and hands it to the transport.
    pub async fn send(&self, mail: &OutboxMail) -> Result<(), SendError> {
        let message = self.message(mail)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Transient(e.to_string())
                }
            }),
            Transport::Memory(mailbox) => {
                let mut state = mailbox.lock();
                if state.failing {
                    return Err(SendError::Transient("the stub is set to fail".into()));
                }
                state.sent.push(SentMail {
                    to: mail.recipient.clone(),
                    subject: mail.subject.clone(),
                    text: mail.body_text.clone(),
                    html: mail.body_html.clone(),
                    link: mail.link.clone(),
                    language: mail.language.clone(),
                    raw: String::from_utf8_lossy(&message.formatted()).into_owned(),
                });
                Ok(())
            }
            Transport::File(dir) => {
                let (dir, bytes) = (dir.clone(), message.formatted());
                let name = format!(
                    "{}-{}.eml",
                    mail.created_at.format("%Y%m%dT%H%M%S"),
                    mail.id
                );
                let path = dir.join(name);
                let written = path.clone();
                // A mail may hold a live link: only this account reads the folder.
                tokio::task::spawn_blocking(move || {
                    crate::files::private_dir(&dir)?;
                    crate::files::write_private_file(&written, &bytes)
                })
                .await
                .map_err(|e| SendError::Transient(e.to_string()))?
                .map_err(|e| SendError::Transient(format!("{}: {e}", path.display())))?;
                tracing::info!(
                    to = %mail.recipient,
                    subject = %mail.subject,
                    file = %path.display(),
                    link = mail.link.as_deref().unwrap_or("-"),
                    "mail written to the outbox folder (no CUENTAS_SMTP_URL set)"
                );
                Ok(())
            }
        }
    }

    fn message(&self, mail: &OutboxMail) -> Result<Message, SendError> {
        let address: Address = mail
            .recipient
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient address: {e}")))?;
        // Names are validated when saved, but a header is no place to trust that: control
        // characters become spaces (lettre then encodes what is left as one header value).
        let name: String = mail
            .recipient_name
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let name = Some(name).filter(|n| !n.is_empty());
        // One id per outbox row, the same on every attempt, so a mail sent twice (an
        // instance that died between sending and recording it) can be recognised.
        let message_id = format!(
            "<cuentas.{}.{}@{}>",
            mail.id,
            mail.created_at.and_utc().timestamp(),
            self.from.email.domain()
        );
        Message::builder()
            .message_id(Some(message_id))
            .from(self.from.clone())
            .to(Mailbox::new(name, address))
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.body_text.clone(),
                mail.body_html.clone(),
            ))
            .map_err(|e| SendError::Permanent(e.to_string()))
    }
}

/// An absolute link into the site, built from `CUENTAS_BASE_URL` only (never from the request's
/// Host header). `path` starts with `/`; a path in the base URL is kept.
pub fn link(base: &Url, path: &str) -> String {
    format!("{}{}", base.as_str().trim_end_matches('/'), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_choose_the_security() {
        let plain = SmtpUrl::parse("smtp://127.0.0.1:2525").expect("plain");
        assert_eq!(
            (plain.host.as_str(), plain.port, plain.security),
            ("127.0.0.1", 2525, SmtpSecurity::Plain)
        );
        let starttls = SmtpUrl::parse("smtp://mail.example.com?tls=starttls").expect("starttls");
        assert_eq!(
            (starttls.port, starttls.security),
            (587, SmtpSecurity::StartTls)
        );
        let wrapper =
            SmtpUrl::parse("smtps://ana%40x.com:p%2Fss@mail.example.com:465").expect("smtps");
        assert_eq!(wrapper.security, SmtpSecurity::Wrapper);
        assert_eq!(
            wrapper.credentials,
            Some(("ana@x.com".to_owned(), "p/ss".to_owned()))
        );
        assert!(!format!("{wrapper:?}").contains("p/ss"));
        for bad in ["http://x", "smtp://", "smtp://x?tls=maybe", "not a url"] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad}");
        }
        let in_clear = |url: &str| SmtpUrl::parse(url).expect(url).sends_password_in_clear();
        assert!(in_clear("smtp://ana:pw@mail.example.com:587"));
        assert!(!in_clear("smtp://ana:pw@mail.example.com:587?tls=starttls"));
        assert!(!in_clear("smtps://ana:pw@mail.example.com"));
        assert!(!in_clear("smtp://ana:pw@127.0.0.1:2525"));
        assert!(!in_clear("smtp://ana:pw@localhost:2525"));
        assert!(!in_clear("smtp://[::1]:2525"));
        assert!(!in_clear("smtp://relay.example.com:25"));
    }

    #[test]
    fn links_keep_the_base_path_and_ignore_everything_else() {
        let base = Url::parse("https://cuentas.example/app/").expect("url");
        assert_eq!(
            link(&base, "/verificar-email/abc/"),
            "https://cuentas.example/app/verificar-email/abc/"
        );
    }
}
