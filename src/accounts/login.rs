//! Signing in and out.
//!
//! Every failure (unknown account, wrong password, inactive account) gives the same answer
//! after the same work: unknown accounts verify a dummy hash. Attempts are counted per typed
//! login and client, and per client, before the password is looked at.

use super::{Client, Error, sessions, throttle};
use crate::auth::password::Verification;
use crate::db;
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
    let key = throttle::admit_password(state, client, &login).await?;
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
    let (Some(user), Verification::Valid { rehash }) = (user, verification) else {
        // The attempt stays counted as a failure.
        return Err(Error::field("password", "login-failed"));
    };
    if !user.is_active {
        return Err(Error::field("password", "login-failed"));
    }
    // Only someone who typed the right temporary password learns that it expired.
    if user.temp_password_expired(now) {
        return Err(Error::field("password", "login-temp-password-expired"));
    }
    let (id, client) = (user.id, client.clone());
    // A self-registered admin must confirm the address first (a team member, created by
    // their admin, may sign in unverified). Only someone with the password learns this.
    let must_verify = !user.email_verified && user.role == Role::Admin && user.manager_id.is_none();
    db::run(&state.pool, move |conn| {
        throttle::forgive_password(conn, &client, &key)?;
        if !must_verify {
            User::record_login(conn, id, now, rehash.as_deref())?;
        }
        Ok::<_, Error>(())
    })
    .await?;
    if must_verify {
        return Err(Error::EmailNotVerified { email: user.email });
    }
    Ok(user)
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
