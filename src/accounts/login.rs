//! Signing in and out.
//!
//! Every failure (unknown account, wrong password, inactive account) gives the same answer
//! after the same work: unknown accounts verify a dummy hash. Attempts are counted per typed
//! login and client, and per client, before the password is looked at.
//!
//! Distributed guessing: the per-client limits leave a botnet free to guess one account. When
//! an account collected [`GUARD_FAILURES`] failed sign-ins from [`GUARD_ADDRESSES`] or more
//! client addresses within [`GUARD_WINDOW`], a browser that never signed in to it (no
//! known-browser id listed for the account) gets [`SignInOutcome::LinkSent`] whatever the
//! password: a right one mails a single-use link that starts the session
//! ([`confirm_link`]), a wrong one counts as a failure. So the attacker learns nothing from the
//! right password, and the owner, from a known browser or through the mail, is never locked
//! out.

use chrono::TimeDelta;

use super::entry::SignInRecord;
pub use super::entry::{PENDING_LIFETIME, PendingSignIn, SignedIn};
use super::security_log::{self, Event};
use super::sessions::{self, Pass, Remember};
use super::{Client, Error, throttle};
use super::{LinkFor, queue_link_mail};
use crate::auth::password::Verification;
use crate::db;
use crate::db::known_browsers::KnownBrowser;
use crate::db::security_events::{EventKind, SecurityEvent};
use crate::db::tokens::{OneTimeToken, Purpose};
use crate::db::users::User;
use crate::domain::username::normalize_login;
use crate::domain::{Problems, Role};
use crate::mail::messages::{Mail, Recipient};
use crate::state::AppState;
use crate::token::{is_token_shaped, random_token};

/// What was typed on the sign-in form.
pub struct Credentials {
    pub login: String,
    pub password: String,
}

/// Failed sign-ins on one account within [`GUARD_WINDOW`] that put it under guard...
pub const GUARD_FAILURES: i64 = 20;
/// ...when they came from at least this many client addresses.
pub const GUARD_ADDRESSES: i64 = 3;
pub const GUARD_WINDOW: TimeDelta = TimeDelta::hours(1);
/// How long a mailed sign-in link works.
pub const LINK_LIFETIME: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// What a sign-in attempt came to.
pub enum SignInOutcome {
    SignedIn(Box<SignedIn>),
    /// The account is under guard and the browser unknown: if the password was right, a
    /// sign-in link went to the account's address.
    LinkSent,
    /// The right password for an account with two-step sign-in: no session yet; the caller
    /// keeps this (briefly) and asks for a code ([`complete_second_step`]).
    SecondStep(PendingSignIn),
}

/// True when `user` must pass a second step after the password.
async fn needs_second_step(state: &AppState, user: &User) -> Result<bool, Error> {
    Ok(super::two_step::status(state, user.id).await?.enabled())
}

/// What a passed second step came to.
pub struct SecondStepPassed {
    pub signed_in: SignedIn,
    pub how: super::two_step::Passed,
}

/// What passes a second step.
pub enum SecondFactor<'a> {
    /// An app code or a recovery code (a problem on `codigo` when wrong).
    Code(&'a str),
    /// A passkey's answer to the ceremony `ceremony` (a problem on `llave` when wrong).
    Passkey {
        ceremony: &'a str,
        answer: Box<webauthn_rs::prelude::PublicKeyCredential>,
    },
}

/// The second step of a pending sign-in: `factor` (counted in the per-account throttle)
/// starts the session. A sign-in that no longer holds (the account was deactivated, its
/// password changed, it is pending deletion) is [`Error::LinkInvalid`]: start again.
pub async fn complete_second_step(
    state: &AppState,
    client: &Client,
    pending: PendingSignIn,
    factor: SecondFactor<'_>,
    replacing: Option<String>,
) -> Result<SecondStepPassed, Error> {
    let now = state.clock.now();
    let user_id = pending.user_id;
    let user = db::run(&state.pool, move |conn| {
        let user = User::find(conn, user_id)?;
        let user = match user {
            Some(user) if super::deletion::pending_in(conn, &user)?.is_none() => Some(user),
            _ => None,
        };
        Ok::<_, Error>(user)
    })
    .await?
    .filter(|u| u.is_active && u.session_epoch == pending.epoch && !u.temp_password_expired(now))
    .ok_or(Error::LinkInvalid)?;
    let how = match factor {
        SecondFactor::Code(code) => {
            super::two_step::second_step(state, client, &user, code).await?
        }
        SecondFactor::Passkey { ceremony, answer } => {
            passkey_second_step(state, client, &user, ceremony, *answer).await?
        }
    };
    let (via, vouched) = (pending.via.clone(), pending.identity.clone());
    let browser_id = pending
        .browser_id
        .filter(|id| is_token_shaped(id))
        .unwrap_or_else(random_token);
    let (owner, remembered, who) = (user.clone(), browser_id.clone(), client.clone());
    let base_url = state.settings.base_url.clone();
    let identity = vouched.clone();
    let noticed = db::run_write(&state.pool, move |conn| {
        if let Some(identity) = &identity {
            super::oidc::record_use(conn, &owner, identity, now)?;
        }
        let sign_in = SignInRecord {
            owner: &owner,
            client: &who,
            browser_id: &remembered,
            rehash: None,
            second_step: true,
            via: via.as_deref(),
        };
        sign_in.record(conn, now, &base_url)
    })
    .await?;
    if noticed {
        state.outbox.wake();
    }
    if let Some(identity) = &vouched {
        super::oidc::refresh_picture(state, &user, identity).await;
    }
    let remember = if pending.remember {
        Remember::Yes
    } else {
        Remember::No
    };
    let session = sessions::start(state, &user, client, replacing, remember).await?;
    Ok(SecondStepPassed {
        signed_in: SignedIn {
            user,
            session,
            browser_id,
        },
        how,
    })
}

/// A passkey as the second step, under the same per-account throttle as codes.
async fn passkey_second_step(
    state: &AppState,
    client: &Client,
    user: &User,
    ceremony: &str,
    answer: webauthn_rs::prelude::PublicKeyCredential,
) -> Result<super::two_step::Passed, Error> {
    throttle::admit_action(state, super::two_step::SECOND_STEP, user.id).await?;
    let rp = super::passkeys::relying_party(&state.settings)?;
    let now = state.clock.now();
    let (user_id, who, id) = (user.id, client.clone(), ceremony.to_owned());
    let right = db::run_write(&state.pool, move |conn| {
        let right = super::passkeys::check_second_step(&rp, conn, user_id, &id, &answer, now)?;
        if right {
            super::two_step::forgive(conn, user_id)?;
        } else {
            let event =
                Event::new(EventKind::SignInFailed, user_id).with("reason", "wrong_passkey");
            security_log::record(conn, &who, now, &event)?;
        }
        Ok::<_, Error>(right)
    })
    .await?;
    if right {
        Ok(super::two_step::Passed::Passkey)
    } else {
        Err(Error::field("llave", "passkey-refused"))
    }
}

/// What [`authenticate`] found.
pub enum Authenticated {
    /// The right password; the sign-in is recorded and the browser listed for the account,
    /// unless a second step must come first (`second_step`), which then records it.
    User {
        user: Box<User>,
        browser_id: String,
        second_step: bool,
    },
    /// See [`SignInOutcome::LinkSent`].
    LinkSent,
}

/// Checks the credentials under the throttle and the guard, and records the sign-in.
/// `browser` is the known-browser id the browser sent, if any. Problems are reported on
/// `login` and `password`.
pub async fn authenticate(
    state: &AppState,
    client: &Client,
    credentials: Credentials,
    browser: Option<String>,
) -> Result<Authenticated, Error> {
    let Credentials { login, password } = credentials;
    let browser = browser.filter(|id| is_token_shaped(id));
    let mut problems = Problems::new();
    if login.trim().is_empty() {
        problems.add("login", "error-required");
    }
    if password.is_empty() {
        problems.add("password", "error-required");
    }
    problems.or(())?;

    let (key, user, verification) = check_password(state, client, &login, password).await?;
    let now = state.clock.now();
    let Some(user) = user else {
        security_log::trace_unknown_login(client, &key);
        return Err(Error::field("password", "login-failed"));
    };
    if guarded(state, user.id, browser.clone()).await? {
        challenge(state, client, &user, &verification).await?;
        return Ok(Authenticated::LinkSent);
    }
    let refusal = match verification {
        Verification::Invalid => Some(("wrong_password", "login-failed")),
        Verification::Valid { .. } if !user.is_active => Some(("inactive", "login-failed")),
        // Only someone who typed the right temporary password learns that it expired.
        Verification::Valid { .. } if user.temp_password_expired(now) => {
            Some(("temporary_password_expired", "login-temp-password-expired"))
        }
        Verification::Valid { .. } => None,
    };
    if let Some((reason, problem)) = refusal {
        // The attempt stays counted as a failure.
        let event = Event::new(EventKind::SignInFailed, user.id).with("reason", reason);
        record(state, client, now, event).await?;
        return Err(Error::field("password", problem));
    }
    if let Some(pending) = super::deletion::pending_of(state, &user).await? {
        refuse_pending(state, client, key, user.id, now).await?;
        return Err(Error::PendingDeletion(Box::new(pending)));
    }
    let rehash = match verification {
        Verification::Valid { rehash } => rehash,
        Verification::Invalid => None,
    };
    let browser_id = browser.unwrap_or_else(random_token);
    let second_step = needs_second_step(state, &user).await?;
    let right = RightPassword {
        key,
        rehash,
        browser_id: browser_id.clone(),
        second_step,
    };
    record_right_password(state, client, &user, right).await?;
    // A self-registered admin must confirm the address first (a team member, created by
    // their admin, may sign in unverified). Only someone with the password learns this.
    if must_verify(&user) {
        return Err(Error::EmailNotVerified { email: user.email });
    }
    Ok(Authenticated::User {
        user: Box::new(user),
        browser_id,
        second_step,
    })
}

/// The throttle, then the account `login` names (if any) and the verdict on `password`: a
/// dummy hash is verified when there is no account, so both take the same time. Returns the
/// throttle key too.
async fn check_password(
    state: &AppState,
    client: &Client,
    login: &str,
    password: String,
) -> Result<(String, Option<User>, Verification), Error> {
    let login = normalize_login(login);
    let key = match throttle::admit_password(state, client, &login).await {
        Ok(key) => key,
        Err(Error::Throttled { retry_after_secs }) => {
            record_lockout(state, client, login).await?;
            return Err(Error::Throttled { retry_after_secs });
        }
        Err(e) => return Err(e),
    };
    // Input no account could have (control characters, absurd length) is not looked up: it
    // fails like an unknown account, after the same dummy verification.
    let user = if plausible_login(&login) {
        db::run(&state.pool, move |conn| {
            Ok::<_, Error>(User::find_by_login(conn, &login)?)
        })
        .await?
    } else {
        None
    };
    let verification = state
        .passwords
        .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    Ok((key, user, verification))
}

/// A self-registered admin whose address is not confirmed yet.
fn must_verify(user: &User) -> bool {
    !user.email_verified && user.role == Role::Admin && user.manager_id.is_none()
}

/// What a right password leads to.
struct RightPassword {
    /// The throttle key of the attempt (it is forgiven).
    key: String,
    /// A stronger hash of the password, when the stored one is due for it.
    rehash: Option<String>,
    browser_id: String,
    /// A second factor must pass first: then the sign-in is recorded when it does.
    second_step: bool,
}

/// The right password for an account that may sign in (or must confirm its address first):
/// the throttle forgives the attempt, and in one transaction the sign-in is recorded (see
/// [`SignInRecord`]) unless a second step must pass first.
async fn record_right_password(
    state: &AppState,
    client: &Client,
    user: &User,
    right: RightPassword,
) -> Result<(), Error> {
    let RightPassword {
        key,
        rehash,
        browser_id,
        second_step,
    } = right;
    let now = state.clock.now();
    let (owner, who, base_url) = (
        user.clone(),
        client.clone(),
        state.settings.base_url.clone(),
    );
    let noticed = db::run_write(&state.pool, move |conn| {
        throttle::forgive_password(conn, &who, &key)?;
        if must_verify(&owner) {
            let event =
                Event::new(EventKind::SignInFailed, owner.id).with("reason", "email_not_verified");
            security_log::record(conn, &who, now, &event)?;
            return Ok(false);
        }
        if second_step {
            return Ok(false);
        }
        let sign_in = SignInRecord {
            owner: &owner,
            client: &who,
            browser_id: &browser_id,
            rehash: rehash.as_deref(),
            second_step: false,
            via: None,
        };
        sign_in.record(conn, now, &base_url)
    })
    .await?;
    if noticed {
        state.outbox.wake();
    }
    Ok(())
}

/// The right password for an account pending deletion: the attempt is forgiven (it was the
/// owner) and recorded as a refused sign-in.
async fn refuse_pending(
    state: &AppState,
    client: &Client,
    key: String,
    id: i32,
    now: crate::clock::Timestamp,
) -> Result<(), Error> {
    let client = client.clone();
    db::run_write(&state.pool, move |conn| {
        throttle::forgive_password(conn, &client, &key)?;
        let event = Event::new(EventKind::SignInFailed, id).with("reason", "pending_deletion");
        security_log::record(conn, &client, now, &event)?;
        Ok::<_, Error>(())
    })
    .await
}

/// True when the account is under guard (see the module comment) and `browser` is not one
/// that signed in to it before.
async fn guarded(state: &AppState, user_id: i32, browser: Option<String>) -> Result<bool, Error> {
    let since = state.clock.now() - GUARD_WINDOW;
    db::run(&state.pool, move |conn| {
        let (failures, addresses) = SecurityEvent::failures_since(conn, user_id, since)?;
        if failures < GUARD_FAILURES || addresses < GUARD_ADDRESSES {
            return Ok(false);
        }
        let known = match &browser {
            Some(id) => KnownBrowser::is_known(conn, user_id, id)?,
            None => false,
        };
        Ok::<_, Error>(!known)
    })
    .await
}

/// An attempt on a guarded account from an unknown browser. The right password (on an active
/// account whose temporary password, if any, is still good) mails a sign-in link; anything
/// else is a failure. Neither forgives the throttle, so its counts tell nothing either.
async fn challenge(
    state: &AppState,
    client: &Client,
    user: &User,
    verification: &Verification,
) -> Result<(), Error> {
    let now = state.clock.now();
    let right = matches!(verification, Verification::Valid { .. })
        && user.is_active
        && !user.temp_password_expired(now);
    if !right {
        let reason = if matches!(verification, Verification::Invalid) {
            "wrong_password"
        } else {
            "refused_under_guard"
        };
        let event = Event::new(EventKind::SignInFailed, user.id).with("reason", reason);
        return record(state, client, now, event).await;
    }
    let mail_base = state.settings.base_url.clone();
    let (recipient, id, email, client) = (
        Recipient::of(user),
        user.id,
        user.email.clone(),
        client.clone(),
    );
    db::run_write(&state.pool, move |conn| {
        let link = LinkFor::new(Purpose::ConfirmSignIn, id, &email, LINK_LIFETIME);
        let minutes = LINK_LIFETIME.as_secs() / 60;
        queue_link_mail(conn, link, now, |token| {
            Mail::ConfirmSignIn { token, minutes }.compose(&recipient, &mail_base, now)
        })?;
        let event = Event::new(EventKind::SignInChallenged, id);
        security_log::record(conn, &client, now, &event)?;
        Ok::<_, Error>(())
    })
    .await?;
    state.outbox.wake();
    Ok(())
}

/// True when `token` is a live sign-in link (reading it changes nothing).
pub async fn link_is_live(state: &AppState, token: String) -> Result<bool, Error> {
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        let found = OneTimeToken::find_live(conn, &token, &[Purpose::ConfirmSignIn], now)?;
        Ok::<_, Error>(found.is_some())
    })
    .await
}

/// Uses a mailed sign-in link: the session starts in the browser that confirms it, which is
/// listed for the account. The link reached the address, which proves it. An unknown, used,
/// voided or expired link, an inactive account or an address that changed since are all
/// [`Error::LinkInvalid`].
pub async fn confirm_link(
    state: &AppState,
    client: &Client,
    token: String,
    browser: Option<String>,
    replacing: Option<String>,
) -> Result<SignInOutcome, Error> {
    let now = state.clock.now();
    if !link_is_live(state, token.clone()).await? {
        return Err(Error::LinkInvalid);
    }
    let browser_id = browser
        .filter(|id| is_token_shaped(id))
        .unwrap_or_else(random_token);
    let (remembered, who) = (browser_id.clone(), client.clone());
    let user = db::run_write(&state.pool, move |conn| {
        let found = OneTimeToken::find_live(conn, &token, &[Purpose::ConfirmSignIn], now)?
            .ok_or(Error::LinkInvalid)?;
        let user = User::find(conn, found.user_id)?
            .filter(|u| u.is_active && !u.temp_password_expired(now) && u.email == found.email)
            .ok_or(Error::LinkInvalid)?;
        if super::deletion::pending_in(conn, &user)?.is_some() {
            return Err(Error::LinkInvalid);
        }
        if !OneTimeToken::consume(conn, found.id, now)? {
            return Err(Error::LinkInvalid);
        }
        if !user.email_verified {
            User::mark_email_verified(conn, user.id, &found.email, now)?;
        }
        User::record_login(conn, user.id, now, None)?;
        KnownBrowser::remember(conn, user.id, &remembered, now)?;
        let event = Event::new(EventKind::SignInConfirmed, user.id);
        security_log::record(conn, &who, now, &event)?;
        Ok(user)
    })
    .await?;
    // The link stands for the password, not for the second step.
    if needs_second_step(state, &user).await? {
        let pending = PendingSignIn::of(&user, Some(browser_id), Remember::No);
        return Ok(SignInOutcome::SecondStep(pending));
    }
    let session = sessions::start(state, &user, client, replacing, Remember::No).await?;
    Ok(SignInOutcome::SignedIn(Box::new(SignedIn {
        user,
        session,
        browser_id,
    })))
}

/// Records one event on its own (a failure changes nothing else).
async fn record(
    state: &AppState,
    client: &Client,
    now: crate::clock::Timestamp,
    event: Event,
) -> Result<(), Error> {
    let client = client.clone();
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(security_log::record(conn, &client, now, &event)?)
    })
    .await
}

/// A refused (throttled) attempt on a known account: one `sign_in_locked` event per lockout
/// window, however many attempts hit it, so a flood cannot fill the log.
async fn record_lockout(state: &AppState, client: &Client, login: String) -> Result<(), Error> {
    if !plausible_login(&login) {
        return Ok(());
    }
    let (now, client) = (state.clock.now(), client.clone());
    let since = now - throttle::PASSWORDS.window;
    db::run(&state.pool, move |conn| {
        let Some(user) = User::find_by_login(conn, &login)? else {
            return Ok(());
        };
        db::write_transaction(conn, |conn| {
            if !SecurityEvent::recorded_since(conn, user.id, EventKind::SignInLocked, since)? {
                let event = Event::new(EventKind::SignInLocked, user.id);
                security_log::record(conn, &client, now, &event)?;
            }
            Ok::<_, Error>(())
        })
    })
    .await
}

/// [`authenticate`], then a new session (replacing the one the caller held, if any), kept
/// past the browser's closing when `remember` says so.
pub async fn sign_in(
    state: &AppState,
    client: &Client,
    credentials: Credentials,
    browser: Option<String>,
    replacing: Option<String>,
    remember: Remember,
) -> Result<SignInOutcome, Error> {
    let authenticated = authenticate(state, client, credentials, browser).await?;
    let Authenticated::User {
        user,
        browser_id,
        second_step,
    } = authenticated
    else {
        return Ok(SignInOutcome::LinkSent);
    };
    if second_step {
        let pending = PendingSignIn::of(&user, Some(browser_id), remember);
        return Ok(SignInOutcome::SecondStep(pending));
    }
    let session = sessions::start(state, &user, client, replacing, remember).await?;
    Ok(SignInOutcome::SignedIn(Box::new(SignedIn {
        user: *user,
        session,
        browser_id,
    })))
}

/// Signing in again inside a session, for a sensitive action: the right password (counted like
/// a sign-in attempt) renews the session's id and marks it as just authenticated. Returns the
/// new id; a wrong or empty password is a problem on `password`.
pub async fn reauthenticate(
    state: &AppState,
    client: &Client,
    current: &sessions::LiveSession,
    password: String,
) -> Result<String, Error> {
    if password.is_empty() {
        return Err(Error::field("password", "error-required"));
    }
    if !super::password::verify_own(state, client, &current.user, password).await? {
        return Err(Error::field("password", "reauth-wrong-password"));
    }
    let now = state.clock.now();
    let (old, epoch, user_id, who) = (
        current.id.to_string(),
        current.user.session_epoch,
        current.user.id,
        client.clone(),
    );
    db::run_write(&state.pool, move |conn| {
        let renewed = sessions::renew(conn, &old, epoch, &who, now, Pass::Grant)?;
        let event = Event::new(EventKind::Reauthenticated, user_id);
        security_log::record(conn, &who, now, &event)?;
        Ok(renewed)
    })
    .await
}

/// Ends the session `session_id`.
pub async fn sign_out(state: &AppState, session_id: String) -> Result<(), Error> {
    sessions::end(state, session_id).await
}

/// Usernames and emails are at most 254 characters and never contain control characters.
fn plausible_login(login: &str) -> bool {
    login.chars().count() <= 254 && !login.chars().any(char::is_control)
}
