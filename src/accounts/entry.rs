//! Entering an account: what a sign-in with the right password records (the sign-in, its
//! browser, the notice when the browser is new to the account, the event) and what it hands
//! the front. Signing in (`accounts::login`) and restoring an account pending deletion at
//! sign-in (`accounts::deletion`) both end here.

use super::security_log::{self, Event};
use chrono::TimeDelta;

use super::sessions::{self, Remember};
use super::{Client, Error};
use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::known_browsers::KnownBrowser;
use crate::db::outbox::NewMail;
use crate::db::security_events::EventKind;
use crate::db::users::User;
use crate::mail::messages::{Mail, Recipient};
use crate::oidc::Identity;

/// A session begun.
pub struct SignedIn {
    pub user: User,
    pub session: sessions::Started,
    /// The known-browser id to keep in the browser (the one it sent, or a new one).
    pub browser_id: String,
}

/// A sign-in with the right password, to record (also after restoring an account pending
/// deletion, which signs in too).
pub(super) struct SignInRecord<'a> {
    pub owner: &'a User,
    pub client: &'a Client,
    /// The known-browser id the browser will keep.
    pub browser_id: &'a str,
    /// A stronger hash of the password, when the stored one is due for it.
    pub rehash: Option<&'a str>,
    /// The sign-in passed a second factor too.
    pub second_step: bool,
    /// The first step was not the password: the OpenID Connect issuer that vouched.
    pub via: Option<&'a str>,
}

impl SignInRecord<'_> {
    /// Records the sign-in, lists its browser for the account (a browser new to it mails the
    /// owner, unless this is the account's first sign-in ever) and records the event. Call
    /// inside a write transaction; true when a notice was queued (wake the outbox).
    pub(super) fn record(
        &self,
        conn: &mut DbConnection,
        now: Timestamp,
        base_url: &url::Url,
    ) -> Result<bool, Error> {
        self.record_with(conn, now, base_url, None)
    }

    /// [`Self::record`], naming in the event how the account was entered when it was not
    /// the password (`passkey`).
    pub(super) fn record_with(
        &self,
        conn: &mut DbConnection,
        now: Timestamp,
        base_url: &url::Url,
        method: Option<&'static str>,
    ) -> Result<bool, Error> {
        let id = self.owner.id;
        User::record_login(conn, id, now, self.rehash)?;
        let new_browser = KnownBrowser::remember(conn, id, self.browser_id, now)?;
        let notice = new_browser && self.owner.last_login_at.is_some();
        if notice {
            new_browser_notice(self.owner, self.client, now, base_url)?.enqueue(conn)?;
        }
        let mut event = Event::new(EventKind::SignedIn, id).with("new_browser", new_browser);
        if self.second_step {
            event = event.with("second_step", true);
        }
        if let Some(issuer) = self.via {
            event = event.with("via", issuer);
        }
        if let Some(method) = method {
            event = event.with("method", method);
        }
        security_log::record(conn, self.client, now, &event)?;
        Ok(notice)
    }
}

/// The mail that tells the owner about a sign-in from a browser the account had not used.
fn new_browser_notice(
    owner: &User,
    client: &Client,
    now: Timestamp,
    base_url: &url::Url,
) -> Result<NewMail, Error> {
    let to = Recipient::of(owner);
    let api_client = client
        .user_agent
        .strip_prefix(crate::i18n::API_DEVICE_PREFIX);
    Mail::NewSignIn {
        device: api_client.map_or_else(|| to.lang.device(&client.user_agent), str::to_owned),
        through_api: api_client.is_some(),
        address: &client.address,
        time: to.reader.date_time(now),
    }
    .compose(&to, base_url, now)
    .map_err(Error::unexpected)
}

/// A sign-in that passed its first step (the password, or a mailed sign-in link) and waits
/// for the second. The caller holds it where the client cannot read or change it (the
/// encrypted session cookie) and for a short while ([`PENDING_LIFETIME`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingSignIn {
    pub user_id: i32,
    /// The account's session epoch at the first step: a password change, a reset or "no fui
    /// yo" since then voids the pending sign-in.
    pub epoch: i32,
    /// The known-browser id to list once the session starts.
    pub browser_id: Option<String>,
    /// "Recordarme" was ticked.
    pub remember: bool,
    /// The OpenID Connect issuer that vouched for the first step, recorded with the sign-in
    /// once the second passes (absent in cookies made before it was kept).
    #[serde(default)]
    pub via: Option<String>,
    /// The identity that vouched: what its sign-in changes (the identity's last use, the
    /// address it confirms, the provider's picture) waits for the second step (absent in
    /// cookies made before it was kept: then nothing of it is done).
    #[serde(default)]
    pub identity: Option<Box<Identity>>,
}

/// How long a pending sign-in waits for its second step.
pub const PENDING_LIFETIME: TimeDelta = TimeDelta::minutes(5);

impl PendingSignIn {
    pub fn of(user: &User, browser_id: Option<String>, remember: Remember) -> Self {
        Self {
            user_id: user.id,
            epoch: user.session_epoch,
            browser_id,
            remember: remember == Remember::Yes,
            via: None,
            identity: None,
        }
    }

    /// The first step was the OpenID Connect provider vouching for `identity`.
    pub fn vouched_by(self, identity: Identity) -> Self {
        Self {
            via: Some(identity.issuer.clone()),
            identity: Some(Box::new(identity)),
            ..self
        }
    }
}
