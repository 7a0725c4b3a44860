//! Signing in and out.
//!
//! Every failure (unknown account, wrong password, inactive account) gives the same answer
//! after the same work: unknown accounts verify a dummy hash. Attempts are counted per typed
//! login and client, and per client, before the password is looked at.

use super::security_log::{self, Event};
use super::{Client, Error, sessions, throttle};
use crate::auth::password::Verification;
use crate::db;
use crate::db::security_events::{EventKind, SecurityEvent};
use crate::db::users::User;
use crate::domain::username::normalize_login;
use crate::domain::{Problems, Role};
use crate::state::AppState;

/// What was typed on the sign-in form.
pub struct Credentials {
    pub login: String,
    pub password: String,
}

/// A session begun.
pub struct SignedIn {
    pub user: User,
    pub session_id: String,
}

/// Checks the credentials under the throttle and records the sign-in; the account comes
/// back. Problems are reported on `login` and `password`.
pub async fn authenticate(
    state: &AppState,
    client: &Client,
    credentials: Credentials,
) -> Result<User, Error> {
    let Credentials { login, password } = credentials;
    let mut problems = Problems::new();
    if login.trim().is_empty() {
        problems.add("login", "error-required");
    }
    if password.is_empty() {
        problems.add("password", "error-required");
    }
    problems.or(())?;

    let login = normalize_login(&login);
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
    let now = state.clock.now();
    let Some(user) = user else {
        security_log::trace_unknown_login(client, &key);
        return Err(Error::field("password", "login-failed"));
    };
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
    let rehash = match verification {
        Verification::Valid { rehash } => rehash,
        Verification::Invalid => None,
    };
    let (id, client) = (user.id, client.clone());
    // A self-registered admin must confirm the address first (a team member, created by
    // their admin, may sign in unverified). Only someone with the password learns this.
    let must_verify = !user.email_verified && user.role == Role::Admin && user.manager_id.is_none();
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            throttle::forgive_password(conn, &client, &key)?;
            let event = if must_verify {
                Event::new(EventKind::SignInFailed, id).with("reason", "email_not_verified")
            } else {
                User::record_login(conn, id, now, rehash.as_deref())?;
                Event::new(EventKind::SignedIn, id)
            };
            security_log::record(conn, &client, now, &event)?;
            Ok::<_, Error>(())
        })
    })
    .await?;
    if must_verify {
        return Err(Error::EmailNotVerified { email: user.email });
    }
    Ok(user)
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

/// [`authenticate`], then a new session (replacing the one the caller held, if any).
pub async fn sign_in(
    state: &AppState,
    client: &Client,
    credentials: Credentials,
    replacing: Option<String>,
) -> Result<SignedIn, Error> {
    let user = authenticate(state, client, credentials).await?;
    let session_id = sessions::start(state, &user, client, replacing).await?;
    Ok(SignedIn { user, session_id })
}

/// Ends the session `session_id`.
pub async fn sign_out(state: &AppState, session_id: String) -> Result<(), Error> {
    sessions::end(state, session_id).await
}

/// Usernames and emails are at most 254 characters and never contain control characters.
fn plausible_login(login: &str) -> bool {
    login.chars().count() <= 254 && !login.chars().any(char::is_control)
}
