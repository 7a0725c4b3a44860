//! Signing in with an OpenID Connect provider (Google by default), linking and unlinking it,
//! and the provider's picture. `crate::oidc` verified the identity; here it meets the accounts.
//!
//! - A known identity `(issuer, subject)` signs in under the password sign-in's rules: an
//!   inactive account, an expired temporary password or an address still to confirm is
//!   refused; an account pending deletion gets [`Error::PendingDeletion`]; two-step sign-in
//!   asks for its second step; the sign-in, its browser, the new-browser notice and the event
//!   are recorded as for a password.
//! - An unknown identity whose verified address has an account is not signed in: the person
//!   signs in to that account once with its password (and second step, by code or passkey)
//!   and the identity is linked then ([`complete_link`]). An unverified provider address never links or signs in.
//! - An unknown identity with a new verified address creates an admin account when sign-up
//!   is on (the address confirmed, the names from the claims, a username made from the
//!   address), with no usable password.

use chrono::TimeDelta;

use super::entry::{PendingSignIn, SignInRecord, SignedIn};
use super::security_log::{self, Event};
use super::sessions::{self, Remember};
use super::{Client, Error};
use crate::auth::password::UNUSABLE;
use crate::clock::Timestamp;
use crate::db::linked_identities::{Linked, LinkedIdentity};
use crate::db::passkeys::PasskeyRow;
use crate::db::security_events::EventKind;
use crate::db::users::{NewUser, Taken, User};
use crate::db::{self, DbConnection};
use crate::domain::profile::PersonName;
use crate::domain::username::USERNAME_MAX;
use crate::domain::{EmailAddress, Role, Username};
use crate::oidc::{Flow, Identity};
use crate::state::AppState;
use crate::token::{is_token_shaped, random_token};
use subtle::ConstantTimeEq;

/// How long an identity waits for its owner to sign in with the password and link it.
pub const LINK_LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// An identity to link once the person signs in to `user_id` with its password. The caller
/// keeps it where the client cannot read or change it (the encrypted session cookie).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingLink {
    pub user_id: i32,
    pub identity: Identity,
    pub expires_at: Timestamp,
}

/// The browser came back from the provider.
pub struct Arrival {
    /// The flow this browser started (from its encrypted session).
    pub flow: Flow,
    /// What the provider sent back: `state` and `code` (empty when missing).
    pub state: String,
    pub code: String,
    /// The known-browser id it sent.
    pub browser: Option<String>,
    /// The session it held (replaced at sign-in).
    pub replacing: Option<String>,
    /// The signed-in user who asked to link the provider ("Vincular"), if any.
    pub linking_for: Option<User>,
}

/// What an arrival came to.
pub enum Outcome {
    /// The provider's answer did not hold (wrong `state`, a failed code exchange, an ID token
    /// that failed verification, the provider down): nothing happened; logged.
    Failed,
    SignedIn(Box<SignedIn>),
    /// The account uses two-step sign-in: the caller holds this and asks for a code.
    SecondStep(PendingSignIn),
    /// The address has an account not linked to this identity: sign in with its password.
    LinkFirst(PendingLink),
    /// The identity is now linked to the signed-in user (`true`), or already was (`false`).
    Linked(bool),
    /// The identity belongs to another account: nothing changed.
    LinkedElsewhere,
    /// The provider did not vouch for the address (or gave none): nothing happened.
    Unverified,
    /// A new address and sign-up is off.
    SignupClosed,
    /// The account may not sign in (inactive, expired temporary password, or a
    /// self-registered address still to confirm).
    Refused,
}

/// Checks the provider's answer against the flow, exchanges the code, verifies the ID token
/// and handles the identity (see the module comment).
pub async fn arrive(state: &AppState, client: &Client, arrival: Arrival) -> Result<Outcome, Error> {
    let Some(provider) = state.oidc.as_ref() else {
        return Err(Error::NotFound);
    };
    let state_matches: bool = arrival
        .state
        .as_bytes()
        .ct_eq(arrival.flow.state.as_bytes())
        .into();
    if !state_matches || arrival.code.is_empty() || arrival.code.len() > 2048 {
        tracing::warn!(target: "security", "OpenID Connect callback with a wrong state or no code: refused");
        return Ok(Outcome::Failed);
    }
    let identity = match provider.finish(&arrival.flow, arrival.code.clone()).await {
        Ok(identity) => identity,
        Err(e) => {
            tracing::warn!(target: "security", error = %e, "OpenID Connect sign-in failed");
            return Ok(Outcome::Failed);
        }
    };
    if !identity.email_verified || identity.email.is_none() {
        tracing::info!(target: "security", issuer = %identity.issuer, "provider address not verified: refused");
        return Ok(Outcome::Unverified);
    }
    if let Some(user) = &arrival.linking_for {
        return link_signed_in(state, client, user, identity).await;
    }
    let (issuer, subject) = (identity.issuer.clone(), identity.subject.clone());
    let email = identity.email.clone().unwrap_or_default();
    let (known, owner) = db::run(&state.pool, move |conn| {
        let known = LinkedIdentity::find(conn, &issuer, &subject)?;
        let owner = match &known {
            Some(link) => User::find(conn, link.user_id)?,
            None => User::find_by_email(conn, &email)?,
        };
        Ok::<_, Error>((known, owner))
    })
    .await?;
    match (known, owner) {
        (Some(link), Some(user)) => {
            let visit = arrival_parts(arrival, identity);
            sign_in_known(state, client, visit, link, user).await
        }
        (None, Some(user)) => Ok(Outcome::LinkFirst(PendingLink {
            user_id: user.id,
            identity,
            expires_at: state.clock.now() + LINK_LIFETIME,
        })),
        (_, None) if state.settings.signup_enabled => {
            create_account(state, client, arrival_parts(arrival, identity)).await
        }
        (_, None) => Ok(Outcome::SignupClosed),
    }
}

/// The browser's side of an arrival.
struct Visit {
    identity: Identity,
    browser_id: String,
    replacing: Option<String>,
}

fn arrival_parts(arrival: Arrival, identity: Identity) -> Visit {
    Visit {
        identity,
        browser_id: arrival
            .browser
            .filter(|id| is_token_shaped(id))
            .unwrap_or_else(random_token),
        replacing: arrival.replacing,
    }
}

/// A self-registered admin whose address is not confirmed yet (as `accounts::login`).
fn must_verify(user: &User) -> bool {
    !user.email_verified && user.role == Role::Admin && user.manager_id.is_none()
}

/// Why `user` may not sign in with `identity` now, as the password sign-in would refuse it:
/// inactive, an expired temporary password, or a self-registered address still to confirm
/// (unless the provider vouches for that very address).
fn refusal(user: &User, identity: &Identity, now: Timestamp) -> Option<&'static str> {
    if !user.is_active {
        Some("inactive")
    } else if user.temp_password_expired(now) {
        Some("temporary_password_expired")
    } else if must_verify(user) && identity.email.as_deref() != Some(user.email.as_str()) {
        Some("email_not_verified")
    } else {
        None
    }
}

async fn sign_in_known(
    state: &AppState,
    client: &Client,
    visit: Visit,
    link: LinkedIdentity,
    user: User,
) -> Result<Outcome, Error> {
    let now = state.clock.now();
    if let Some(reason) = refusal(&user, &visit.identity, now) {
        let event = Event::new(EventKind::SignInFailed, user.id)
            .with("reason", reason)
            .with("via", link.issuer.as_str());
        record(state, client, event).await?;
        return Ok(Outcome::Refused);
    }
    if let Some(pending) = super::deletion::pending_of(state, &user).await? {
        let event = Event::new(EventKind::SignInFailed, user.id)
            .with("reason", "pending_deletion")
            .with("via", link.issuer.as_str());
        record(state, client, event).await?;
        return Err(Error::PendingDeletion(Box::new(pending)));
    }
    // Nothing changes before the second step passes (`accounts::login::complete_second_step`
    // does it then): the provider alone does not get to touch the account.
    if super::two_step::status(state, user.id).await?.enabled() {
        let pending = PendingSignIn::of(&user, Some(visit.browser_id), Remember::No)
            .vouched_by(visit.identity);
        return Ok(Outcome::SecondStep(pending));
    }
    let (owner, who, browser_id, base_url) = (
        user.clone(),
        client.clone(),
        visit.browser_id.clone(),
        state.settings.base_url.clone(),
    );
    let identity = visit.identity.clone();
    let noticed = db::run_write(&state.pool, move |conn| {
        record_use(conn, &owner, &identity, now)?;
        let sign_in = SignInRecord {
            owner: &owner,
            client: &who,
            browser_id: &browser_id,
            rehash: None,
            second_step: false,
            via: Some(&link.issuer),
        };
        sign_in.record(conn, now, &base_url)
    })
    .await?;
    if noticed {
        state.outbox.wake();
    }
    refresh_picture(state, &user, &visit.identity).await;
    start(state, client, user, visit).await
}

/// What a sign-in through the provider changes once it is complete (at once, or after its
/// second step): the identity's last use, and the address the account waits to confirm when
/// the provider vouches for that very address. Call inside a write transaction.
pub(super) fn record_use(
    conn: &mut DbConnection,
    owner: &User,
    identity: &Identity,
    now: Timestamp,
) -> Result<(), Error> {
    let link = LinkedIdentity::find(conn, &identity.issuer, &identity.subject)?;
    if let Some(link) = link.filter(|link| link.user_id == owner.id) {
        LinkedIdentity::touch(conn, link.id, now)?;
    }
    if must_verify(owner) && identity.email.as_deref() == Some(owner.email.as_str()) {
        User::mark_email_verified(conn, owner.id, &owner.email, now)?;
    }
    Ok(())
}

async fn start(
    state: &AppState,
    client: &Client,
    user: User,
    visit: Visit,
) -> Result<Outcome, Error> {
    let session = sessions::start(state, &user, client, visit.replacing, Remember::No).await?;
    Ok(Outcome::SignedIn(Box::new(SignedIn {
        user,
        session,
        browser_id: visit.browser_id,
    })))
}

/// A new admin account for a new verified address (sign-up is on): confirmed, named from the
/// claims, a username made from the address, no usable password; then signed in.
async fn create_account(state: &AppState, client: &Client, visit: Visit) -> Result<Outcome, Error> {
    let identity = visit.identity.clone();
    let email = EmailAddress::parse(identity.email.as_deref().unwrap_or_default())
        .map_err(|_| Error::field("email", "error-email-invalid"))?;
    let name = |n: &Option<String>| n.as_deref().and_then(|n| PersonName::parse(n).ok());
    let (first_name, last_name) = (name(&identity.given_name), name(&identity.family_name));
    let now = state.clock.now();
    let (who, browser_id, base_url) = (
        client.clone(),
        visit.browser_id.clone(),
        state.settings.base_url.clone(),
    );
    let created = db::run_write(&state.pool, move |conn| {
        let username = free_username(conn, &email)?;
        let new = NewUser::admin(&username, &email, UNUSABLE.to_owned(), "es", true, now)
            .named(first_name.as_ref(), last_name.as_ref());
        let user = match User::insert(conn, &new)? {
            Ok(user) => user,
            // Lost a race for the address or the username: nothing was created.
            Err(Taken::Email | Taken::Username) => return Ok(None),
        };
        LinkedIdentity::link(
            conn,
            user.id,
            &identity.issuer,
            &identity.subject,
            email.as_ref(),
            now,
        )?;
        let event = Event::new(EventKind::SignedUp, user.id).with("via", identity.issuer.as_str());
        security_log::record(conn, &who, now, &event)?;
        let event =
            Event::new(EventKind::IdentityLinked, user.id).with("issuer", identity.issuer.as_str());
        security_log::record(conn, &who, now, &event)?;
        let sign_in = SignInRecord {
            owner: &user,
            client: &who,
            browser_id: &browser_id,
            rehash: None,
            second_step: false,
            via: Some(&identity.issuer),
        };
        sign_in.record(conn, now, &base_url)?;
        Ok::<_, Error>(Some(user))
    })
    .await?;
    let Some(user) = created else {
        return Err(Error::Forbidden);
    };
    refresh_picture(state, &user, &visit.identity).await;
    start(state, client, user, visit).await
}

/// A username made from the address's local part (the characters a username allows), made
/// unique with a number when taken.
fn free_username(conn: &mut DbConnection, email: &EmailAddress) -> Result<Username, Error> {
    let local = email.as_ref().split('@').next().unwrap_or_default();
    let mut base: String = local
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '+' | '-' | '_'))
        .take(USERNAME_MAX - 8)
        .collect();
    while base.chars().count() < 3 {
        base.push('_');
    }
    for n in 1..1000 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}{n}")
        };
        let username = Username::parse(&candidate).map_err(|_| derived_refused())?;
        if !User::username_taken(conn, &username.normalized())? {
            return Ok(username);
        }
    }
    let username = Username::parse(&format!("{base}-{}", &random_token()[..6]))
        .map_err(|_| derived_refused())?;
    Ok(username)
}

fn derived_refused() -> Error {
    Error::unexpected(anyhow::anyhow!(
        "a username made from an address broke the rules"
    ))
}

/// Links the identity to the signed-in `user` ("Vincular" on the security page).
async fn link_signed_in(
    state: &AppState,
    client: &Client,
    user: &User,
    identity: Identity,
) -> Result<Outcome, Error> {
    let linked = link(state, client, user.id, &identity).await?;
    match linked {
        Linked::Elsewhere => Ok(Outcome::LinkedElsewhere),
        Linked::AlreadyYours => Ok(Outcome::Linked(false)),
        Linked::Created => {
            refresh_picture(state, user, &identity).await;
            Ok(Outcome::Linked(true))
        }
    }
}

async fn link(
    state: &AppState,
    client: &Client,
    user_id: i32,
    identity: &Identity,
) -> Result<Linked, Error> {
    let (now, who, identity) = (state.clock.now(), client.clone(), identity.clone());
    db::run_write(&state.pool, move |conn| {
        let email = identity.email.clone().unwrap_or_default();
        let linked = LinkedIdentity::link(
            conn,
            user_id,
            &identity.issuer,
            &identity.subject,
            &email,
            now,
        )?;
        if linked == Linked::Created {
            let event = Event::new(EventKind::IdentityLinked, user_id)
                .with("issuer", identity.issuer.as_str());
            security_log::record(conn, &who, now, &event)?;
        }
        Ok::<_, Error>(linked)
    })
    .await
}

/// How a completed sign-in began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstStep {
    /// The account's password (a mailed sign-in link is sent only after it).
    Password,
    /// The OpenID Connect provider (or anything else that is not the password).
    Other,
}

impl FirstStep {
    /// The first step of a pending sign-in that just passed its second step.
    pub fn of(pending: &PendingSignIn) -> Self {
        if pending.via.is_some() {
            Self::Other
        } else {
            Self::Password
        }
    }
}

/// After the person signed in to `user` with the password (`first_step`) and, when the
/// account has one, the second step: links the identity that waited for it, when it was
/// waiting for this account and is still fresh. True when it was linked now.
pub async fn complete_link(
    state: &AppState,
    client: &Client,
    user: &User,
    pending: PendingLink,
    first_step: FirstStep,
) -> Result<bool, Error> {
    if first_step != FirstStep::Password
        || pending.user_id != user.id
        || pending.expires_at < state.clock.now()
    {
        return Ok(false);
    }
    let linked = link(state, client, user.id, &pending.identity).await?;
    if linked == Linked::Created {
        refresh_picture(state, user, &pending.identity).await;
    }
    Ok(linked == Linked::Created)
}

/// The identities linked to `user`.
pub async fn linked_identities(
    state: &AppState,
    user: &User,
) -> Result<Vec<LinkedIdentity>, Error> {
    let id = user.id;
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(LinkedIdentity::of_user(conn, id)?)
    })
    .await
}

/// True when `user` can still sign in without the linked identity `except`: a usable
/// password, a passkey, or another linked identity.
pub fn has_other_way_in(conn: &mut DbConnection, user: &User, except: i32) -> Result<bool, Error> {
    if user.password_hash.expose() != UNUSABLE || PasskeyRow::count(conn, user.id)? > 0 {
        return Ok(true);
    }
    let others = LinkedIdentity::of_user(conn, user.id)?
        .into_iter()
        .any(|link| link.id != except);
    Ok(others)
}

/// Unlinks the identity `id` of `user`: someone else's or an unknown id is
/// [`Error::NotFound`]; the only way in is [`Error::Forbidden`].
pub async fn unlink(state: &AppState, client: &Client, user: &User, id: i32) -> Result<(), Error> {
    let (now, who) = (state.clock.now(), client.clone());
    let user_id = user.id;
    db::run_write(&state.pool, move |conn| {
        // Read again inside the transaction: the password may have changed since the page.
        let user = User::find(conn, user_id)?.ok_or(Error::NotFound)?;
        let mine = LinkedIdentity::of_user(conn, user_id)?
            .into_iter()
            .any(|link| link.id == id);
        if !mine {
            return Err(Error::NotFound);
        }
        if !has_other_way_in(conn, &user, id)? {
            return Err(Error::Forbidden);
        }
        let removed = LinkedIdentity::unlink(conn, user_id, id)?.ok_or(Error::NotFound)?;
        let event = Event::new(EventKind::IdentityUnlinked, user_id)
            .with("issuer", removed.issuer.as_str());
        security_log::record(conn, &who, now, &event)?;
        Ok(())
    })
    .await
}

/// Fetches the identity's `picture` (when it names one we have not stored yet) through the
/// photo pipeline into its own file and points `google_photo_url`/`google_photo_path` at it.
/// A failure changes nothing and is one log line: the URL stays the one the stored file came
/// from (not the claim's), so the next sign-in tries the new picture again and the data export
/// never names a picture the account does not show.
pub(super) async fn refresh_picture(state: &AppState, user: &User, identity: &Identity) {
    let (Some(url), Some(provider)) = (identity.picture.clone(), state.oidc.as_ref()) else {
        return;
    };
    if user.google_photo_url.as_deref() == Some(url.as_str()) && user.google_photo_path.is_some() {
        return;
    }
    if let Err(reason) = store_picture(state, user.id, &url, provider).await {
        tracing::warn!(user_id = user.id, %reason, "the provider's picture was not fetched; kept what was there");
    }
}

async fn store_picture(
    state: &AppState,
    user_id: i32,
    url: &str,
    provider: &crate::oidc::Provider,
) -> Result<(), String> {
    let bytes = provider
        .pictures()
        .fetch(url)
        .await
        .map_err(|e| e.to_string())?;
    let jpeg = state
        .photos
        .process(bytes)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|problem| format!("not a usable image ({})", problem.message_key()))?;
    let path = state.media.save(jpeg).await.map_err(|e| e.to_string())?;
    let (now, url, stored) = (state.clock.now(), url.to_owned(), path.clone());
    let replaced = db::run(&state.pool, move |conn| {
        Ok::<_, Error>(User::set_google_photo(conn, user_id, &url, &stored, now)?)
    })
    .await;
    let orphan = match &replaced {
        Ok(old) => old.clone(),
        Err(_) => Some(path),
    };
    if let Some(orphan) = orphan
        && let Err(e) = state.media.remove(&orphan).await
    {
        tracing::warn!(error = %e, "a replaced provider picture could not be deleted");
    }
    replaced.map(drop).map_err(|e| e.to_string())
}

/// Records one event on its own (a refusal changes nothing else).
async fn record(state: &AppState, client: &Client, event: Event) -> Result<(), Error> {
    let (now, client) = (state.clock.now(), client.clone());
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(security_log::record(conn, &client, now, &event)?)
    })
    .await
}
