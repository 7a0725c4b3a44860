//! Passwords: the policy check for a new one, re-entering one's own (throttled like a
//! sign-in), and changing it.

use super::security_log::{self, Event};
use super::sessions::{self, Pass};
use super::{Client, Error, throttle};
use crate::auth::password::Verification;
use crate::db;
use crate::db::security_events::EventKind;
use crate::db::users::User;
use crate::domain::{NewPassword, Problem, Problems};
use crate::mail::messages::{Mail, Recipient};
use crate::state::AppState;

/// What a password must not contain or resemble: the account's username, email and names.
pub fn personal_words(user: &User) -> Vec<String> {
    vec![
        user.username.clone(),
        user.email.clone(),
        user.first_name.clone(),
        user.last_name.clone(),
    ]
}

/// Checks a new password against the policy on the blocking pool (zxcvbn can take a while on
/// adversarial input), then, when it passes, against known breaches (when that check is
/// configured). `Err` holds every broken rule.
pub async fn check_new(
    state: &AppState,
    candidate: String,
    personal: Vec<String>,
) -> Result<Result<NewPassword, Vec<Problem>>, Error> {
    let policy = state.settings.password_policy();
    let checked = tokio::task::spawn_blocking(move || {
        let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
        NewPassword::parse(&candidate, policy, &personal)
    })
    .await
    .map_err(Error::unexpected)?;
    match checked {
        Ok(password) if state.breached.is_breached(password.expose()).await => {
            Ok(Err(vec![Problem::new("password-breached")]))
        }
        Ok(password) => Ok(Ok(password)),
        Err(problems) => Ok(Err(problems.into_iter().map(Problem::from).collect())),
    }
}

/// A new password typed twice: checks the first against the policy and the second against
/// the first as typed, recording problems under the two field names.
pub async fn check_new_pair(
    state: &AppState,
    fields: (&'static str, &'static str),
    (first, second): (String, String),
    personal: Vec<String>,
    problems: &mut Problems,
) -> Result<Option<NewPassword>, Error> {
    let matches = first == second;
    let password = match check_new(state, first, personal).await? {
        Ok(password) => Some(password),
        Err(broken) => {
            for problem in broken {
                problems.add(fields.0, problem);
            }
            None
        }
    };
    if second.is_empty() {
        problems.add(fields.1, "error-required");
    } else if !matches {
        problems.add(fields.1, "password-mismatch");
    }
    Ok(password.filter(|_| matches && !second.is_empty()))
}

/// Verifies a signed-in user's own password (to change it, or to change the email), counted
/// like a sign-in attempt on the account so no form can be used to guess passwords. `false`
/// for a wrong one; [`Error::Throttled`] once the limit is reached.
pub async fn verify_own(
    state: &AppState,
    client: &Client,
    user: &User,
    password: String,
) -> Result<bool, Error> {
    let key = throttle::admit_password(state, client, &user.username_normalized).await?;
    let verification = state
        .passwords
        .verify(password, Some(user.password_hash.clone()))
        .await?;
    if verification == Verification::Invalid {
        // The attempt stays counted.
        return Ok(false);
    }
    let client = client.clone();
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(throttle::forgive_password(conn, &client, &key)?)
    })
    .await?;
    Ok(true)
}

/// The change-password form, as typed.
pub struct PasswordChange {
    pub old_password: String,
    pub new_password1: String,
    pub new_password2: String,
}

/// Changes `user`'s password. Every other session of the user ends (the epoch moves) and the
/// current one is replaced by a new one, whose id comes back; reset links die; the address
/// gets a notice. A wrong current password counts toward the sign-in throttle.
pub async fn change_password(
    state: &AppState,
    client: &Client,
    user: &User,
    current_session: &str,
    change: PasswordChange,
) -> Result<String, Error> {
    let PasswordChange {
        old_password,
        new_password1,
        new_password2,
    } = change;
    let mut problems = Problems::new();
    if old_password.is_empty() {
        problems.add("old_password", "error-required");
    }
    let same_as_old = !new_password1.is_empty() && new_password1 == old_password;
    let new_password = check_new_pair(
        state,
        ("new_password1", "new_password2"),
        (new_password1, new_password2),
        personal_words(user),
        &mut problems,
    )
    .await?;
    if same_as_old {
        problems.add("new_password1", "password-same-as-old");
    }
    if !old_password.is_empty() && !verify_own(state, client, user, old_password).await? {
        problems.add("old_password", "password-old-wrong");
    }
    let new_password = problems.or(new_password)?.ok_or_else(Problems::new)?;

    let hash = state
        .passwords
        .hash(new_password.expose().to_owned())
        .await?;
    let now = state.clock.now();
    let notice = Mail::PasswordChanged
        .compose(&Recipient::of(user), &state.settings.base_url, now)
        .map_err(Error::unexpected)?;
    let (id, old_session, who) = (user.id, current_session.to_owned(), client.clone());
    let renewed = db::run_write(&state.pool, move |conn| {
        let epoch = User::set_password(conn, id, &hash, now)?;
        let renewed = sessions::renew(conn, &old_session, epoch, &who, now, Pass::None)?;
        notice.enqueue(conn)?;
        let event = Event::new(EventKind::PasswordChanged, id);
        security_log::record(conn, &who, now, &event)?;
        Ok::<_, Error>(renewed)
    })
    .await?;
    state.outbox.wake();
    Ok(renewed)
}
