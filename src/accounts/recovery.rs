//! Forgotten passwords: the reset link (asked for through [`super::request_link`], the same
//! answer for every address) and setting a new password through it. A reset ends every session of the
//! account, voids the link and the others, confirms the address and sends a notice.

use super::password::{check_new_pair, personal_words};
use super::security_log::{self, Event};
use super::{Client, Error};
use super::{LinkFor, queue_link_mail};
use crate::db;
use crate::db::security_events::EventKind;
use crate::db::tokens::{OneTimeToken, Purpose};
use crate::db::users::User;
use crate::domain::Problems;
use crate::mail::messages::{Mail, Recipient};
use crate::state::AppState;

/// Issues a reset link and queues its mail when `email` belongs to an active account.
pub(super) async fn queue_reset(state: &AppState, email: String) -> Result<(), Error> {
    let now = state.clock.now();
    let (base_url, lifetime) = (
        state.settings.base_url.clone(),
        state.settings.reset_token_lifetime,
    );
    let queued = db::run_write(&state.pool, move |conn| {
        let Some(user) = User::find_by_email(conn, &email)?.filter(|u| u.is_active) else {
            return Ok(false);
        };
        let link = LinkFor::new(Purpose::ResetPassword, user.id, &email, lifetime);
        let minutes = lifetime.as_secs() / 60;
        queue_link_mail(conn, link, now, |token| {
            Mail::ResetPassword { token, minutes }.compose(&Recipient::of(&user), &base_url, now)
        })?;
        Ok::<_, Error>(true)
    })
    .await?;
    if queued {
        state.outbox.wake();
    }
    Ok(())
}

/// The live reset link and its account: unused, unexpired, the account active and still at
/// the address the link was sent to. Anything else is [`Error::LinkInvalid`].
pub async fn live_link(
    state: &AppState,
    token: Option<String>,
) -> Result<(OneTimeToken, User), Error> {
    let token = token.ok_or(Error::LinkInvalid)?;
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        let found = OneTimeToken::find_live(conn, &token, &[Purpose::ResetPassword], now)?
            .ok_or(Error::LinkInvalid)?;
        let user = User::find(conn, found.user_id)?
            .filter(|u| u.is_active && u.email == found.email)
            .ok_or(Error::LinkInvalid)?;
        Ok((found, user))
    })
    .await
}

/// Sets a new password through the link `token` (typed twice: `new_password1`,
/// `new_password2`).
pub async fn reset_password(
    state: &AppState,
    client: &Client,
    token: Option<String>,
    new_password1: String,
    new_password2: String,
) -> Result<(), Error> {
    let (found, user) = live_link(state, token).await?;
    let mut problems = Problems::new();
    let password = check_new_pair(
        state,
        ("new_password1", "new_password2"),
        (new_password1, new_password2),
        personal_words(&user),
        &mut problems,
    )
    .await?;
    let password = problems.or(password)?.ok_or_else(Problems::new)?;

    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let now = state.clock.now();
    let notice = Mail::PasswordChanged
        .compose(&Recipient::of(&user), &state.settings.base_url, now)
        .map_err(Error::unexpected)?;
    let (token_id, user_id, email) = (found.id, user.id, user.email.clone());
    let client = client.clone();
    db::run_write(&state.pool, move |conn| {
        if !OneTimeToken::consume(conn, token_id, now)? {
            return Err(Error::LinkInvalid);
        }
        // The epoch moves (every session of the account ends, on every instance) and
        // every other reset link is voided.
        User::set_password(conn, user_id, &hash, now)?;
        // The link reached the address, which proves it.
        User::mark_email_verified(conn, user_id, &email, now)?;
        notice.enqueue(conn)?;
        let event = Event::new(EventKind::PasswordReset, user_id);
        security_log::record(conn, &client, now, &event)?;
        Ok(())
    })
    .await?;
    state.outbox.wake();
    Ok(())
}
