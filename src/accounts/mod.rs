//! The account operations: everything a person can do to an account, whichever front asks
//! (pages in `routes`, the JSON API, the CLI, the workers).
//!
//! An operation takes parsed domain values, the [`AppState`](crate::state::AppState) and the
//! [`Client`] asking; it does the whole job (throttle, transaction, outbox row, photo file)
//! and returns a typed outcome or an [`Error`]. Nothing here knows about forms, templates,
//! JSON, cookies or status codes.

pub mod api_tokens;
pub mod deletion;
pub mod entry;
pub mod export;
pub mod factors;
pub mod invoice;
pub mod lockdown;
pub mod login;
pub mod monitoring;
pub mod oidc;
pub mod onboarding;
pub mod passkeys;
pub mod password;
pub mod profile;
pub mod recovery;
pub mod security_centre;
pub mod security_log;
pub mod sessions;
pub mod signup;
pub mod team;
pub mod throttle;
pub mod two_step;
pub mod verification;

use std::net::IpAddr;
use std::sync::Arc;

use crate::db::StorageError;
use crate::domain::Problems;
use crate::state::AppState;

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input broke rules: one or more problems per field.
    #[error("invalid input")]
    Invalid(Problems),
    /// Too many attempts from this client or about this subject; try again after the wait.
    #[error("too many attempts; retry in {retry_after_secs}s")]
    Throttled { retry_after_secs: u64 },
    /// Nothing of that kind exists for this caller (unknown, or someone else's).
    #[error("not found")]
    NotFound,
    /// The caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The right password, for an account that must confirm its address before signing in.
    #[error("the address is not confirmed yet")]
    EmailNotVerified { email: String },
    /// A link (verification, reset) that is unknown, used, voided or expired.
    #[error("the link is not valid")]
    LinkInvalid,
    /// The right password, for an account that is pending deletion (its own, or its
    /// admin's): no sign-in; the caller may offer the restore when it is restorable.
    #[error("the account is pending deletion")]
    PendingDeletion(Box<deletion::Pending>),
    /// A sensitive action, and the password was not typed recently enough in this session
    /// (`CUENTAS_REAUTH_MINUTES`): ask for it again, then continue.
    #[error("re-authentication required")]
    ReauthRequired,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Error {
    /// Input problems that concern a single field.
    pub fn field(field: &'static str, problem: impl Into<crate::domain::Problem>) -> Self {
        Self::Invalid(Problems::one(field, problem))
    }

    pub fn unexpected(error: impl Into<anyhow::Error>) -> Self {
        Self::Unexpected(error.into())
    }
}

impl From<StorageError> for Error {
    fn from(error: StorageError) -> Self {
        Self::unexpected(error)
    }
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Self {
        Self::unexpected(StorageError::from(error))
    }
}

impl From<Problems> for Error {
    fn from(problems: Problems) -> Self {
        Self::Invalid(problems)
    }
}

/// A link to mail: what it is for, whose it is, the address it goes to and how long it works.
struct LinkFor<'a> {
    purpose: crate::db::tokens::Purpose,
    user_id: i32,
    email: &'a str,
    lifetime: std::time::Duration,
}

impl<'a> LinkFor<'a> {
    fn new(
        purpose: crate::db::tokens::Purpose,
        user_id: i32,
        email: &'a str,
        lifetime: std::time::Duration,
    ) -> Self {
        Self {
            purpose,
            user_id,
            email,
            lifetime,
        }
    }
}

/// Issues the link (voiding older ones of its purpose) and queues the mail `write` makes
/// around its token, inside the caller's transaction.
fn queue_link_mail(
    conn: &mut crate::db::DbConnection,
    link: LinkFor<'_>,
    now: crate::clock::Timestamp,
    write: impl FnOnce(&str) -> Result<crate::db::outbox::NewMail, askama::Error>,
) -> Result<(), Error> {
    let token = crate::db::tokens::OneTimeToken::issue(
        conn,
        link.purpose,
        link.user_id,
        link.email,
        now,
        link.lifetime,
    )?;
    write(&token).map_err(Error::unexpected)?.enqueue(conn)?;
    Ok(())
}

/// A link someone asks to be mailed to a typed address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkRequest {
    /// A new verification link (for an active, unverified account).
    Verification,
    /// A password-reset link (for an active account).
    PasswordReset,
}

/// Mails the link when `email` belongs to an account it fits. Counted by the mail throttle;
/// the lookup and the mail happen after the answer, off the request, so the answer and its
/// timing say nothing about whether the address has an account.
pub async fn request_link(
    state: Arc<AppState>,
    client: &Client,
    kind: LinkRequest,
    email: crate::domain::EmailAddress,
) -> Result<(), Error> {
    let purpose = match kind {
        LinkRequest::Verification => "verify",
        LinkRequest::PasswordReset => "reset",
    };
    let address = email.as_ref().to_owned();
    if !throttle::admit_mail(&state, client, throttle::MAIL, purpose, &address).await? {
        return Ok(());
    }
    tokio::spawn(async move {
        let queued = match kind {
            LinkRequest::Verification => verification::resend_to(&state, address).await,
            LinkRequest::PasswordReset => recovery::queue_reset(&state, address).await,
        };
        if let Err(e) = queued {
            tracing::error!(error = format!("{e:#}"), purpose, "a mail was not queued");
        }
    });
    Ok(())
}

/// Who is asking, as far as the operations care: the address recorded on sessions, the
/// address the throttles count, and the user agent.
#[derive(Clone, Debug)]
pub struct Client {
    /// The client address, as text (`unknown` when there is none).
    pub address: String,
    /// What the throttles count: an IPv4 address, or the /64 network of an IPv6 one (one
    /// subscriber usually holds a whole /64, so single addresses would be free to rotate).
    pub throttle_key: String,
    pub user_agent: String,
}

impl Client {
    pub fn new(ip: Option<IpAddr>, user_agent: &str) -> Self {
        let ip = ip.map(|ip| match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        });
        let throttle_key = match ip {
            Some(IpAddr::V6(v6)) => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(network))
            }
            Some(v4) => v4.to_string(),
            None => "unknown".to_owned(),
        };
        Self {
            address: ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
            throttle_key,
            user_agent: user_agent.chars().take(500).collect(),
        }
    }

    /// A client with no address, for the CLI and the workers.
    pub fn local() -> Self {
        Self::new(None, "")
    }
}

#[cfg(test)]
mod tests {
    use super::Client;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let at = |addr: &str| Client::new(Some(addr.parse().unwrap()), "").throttle_key;
        assert_eq!(at("203.0.113.7"), "203.0.113.7");
        assert_eq!(at("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            at("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            at("2001:db8:1:2::9")
        );
        assert_ne!(at("2001:db8:1:3::1"), at("2001:db8:1:2::1"));
        assert_eq!(at("::ffff:203.0.113.7"), "203.0.113.7");
    }

    #[test]
    fn the_user_agent_is_cut_to_a_sane_length() {
        let client = Client::new(None, &"x".repeat(2000));
        assert_eq!(client.user_agent.len(), 500);
        assert_eq!(client.address, "unknown");
    }
}
