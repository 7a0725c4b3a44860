//! Confirming addresses: the account's own (after sign-up, or from the profile's button) and
//! a new one asked for from the profile. One link kind, `/verificar-email/{token}/`.

use super::security_log::{self, Event};
use super::{Client, Error, throttle};
use super::{LinkFor, queue_link_mail};
use crate::db;
use crate::db::security_events::EventKind;
use crate::db::tokens::{OneTimeToken, Purpose};
use crate::db::users::User;
use crate::mail::messages::{Mail, Recipient};
use crate::state::AppState;

/// What opening a verification link did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// The account's own address is confirmed.
    Verified,
    /// The account switched to the new address.
    Changed,
}

const PURPOSES: [Purpose; 2] = [Purpose::VerifyEmail, Purpose::ChangeEmail];

/// True when using `token` now would confirm an address: the link is live, its account
/// active, and the address it went to still the account's (or, for a new address, not taken
/// by another account). Reading it changes nothing.
pub async fn link_is_live(state: &AppState, token: String) -> Result<bool, Error> {
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        let Some(found) = OneTimeToken::find_live(conn, &token, &PURPOSES, now)? else {
            return Ok(false);
        };
        let Some(user) = User::find(conn, found.user_id)?.filter(|u| u.is_active) else {
            return Ok(false);
        };
        Ok::<_, Error>(match found.purpose {
            Purpose::VerifyEmail => user.email == found.email,
            Purpose::ChangeEmail => !User::email_taken(conn, &found.email, Some(user.id))?,
            Purpose::ResetPassword | Purpose::ConfirmSignIn | Purpose::RestoreAccount => false,
        })
    })
    .await
}

/// Uses the link: confirms the address it was sent to, or switches the account to it, and
/// records who opened it in the security log. Every unknown, used, voided or expired link, an
/// inactive account, and an address that changed since (or was taken by another account) are
/// all [`Error::LinkInvalid`].
pub async fn confirm(state: &AppState, client: &Client, token: String) -> Result<Confirmed, Error> {
    let now = state.clock.now();
    let client = client.clone();
    // A read first: a junk link must not take SQLite's write lock.
    if !link_is_live(state, token.clone()).await? {
        return Err(Error::LinkInvalid);
    }
    db::run_write(&state.pool, move |conn| {
        let found =
            OneTimeToken::find_live(conn, &token, &PURPOSES, now)?.ok_or(Error::LinkInvalid)?;
        let user = User::find(conn, found.user_id)?
            .filter(|u| u.is_active)
            .ok_or(Error::LinkInvalid)?;
        if !OneTimeToken::consume(conn, found.id, now)? {
            return Err(Error::LinkInvalid);
        }
        match found.purpose {
            Purpose::VerifyEmail => {
                if !User::mark_email_verified(conn, user.id, &found.email, now)? {
                    return Err(Error::LinkInvalid);
                }
                OneTimeToken::void(conn, user.id, &[Purpose::VerifyEmail], now)?;
                let event = Event::new(EventKind::EmailVerified, user.id);
                security_log::record(conn, &client, now, &event)?;
                Ok(Confirmed::Verified)
            }
            Purpose::ChangeEmail => {
                if !User::switch_email(conn, user.id, &found.email, now)? {
                    return Err(Error::LinkInvalid);
                }
                // Links sent to the old address are void once it is no longer the account's.
                let all = [
                    Purpose::VerifyEmail,
                    Purpose::ResetPassword,
                    Purpose::ChangeEmail,
                ];
                OneTimeToken::void(conn, user.id, &all, now)?;
                // The old address stays in the log: the owner sees where it went from.
                let event =
                    Event::new(EventKind::EmailChanged, user.id).with("from", user.email.as_str());
                security_log::record(conn, &client, now, &event)?;
                Ok(Confirmed::Changed)
            }
            Purpose::ResetPassword | Purpose::ConfirmSignIn | Purpose::RestoreAccount => {
                Err(Error::LinkInvalid)
            }
        }
    })
    .await
}

/// A new link when `email` belongs to an active, unverified account (after
/// [`super::request_link`] answered).
pub(super) async fn resend_to(state: &AppState, email: String) -> Result<(), Error> {
    let user = db::run(&state.pool, move |conn| {
        Ok::<_, Error>(User::find_by_email(conn, &email)?)
    })
    .await?;
    match user {
        Some(user) if user.is_active && !user.email_verified => queue(state, &user).await,
        _ => Ok(()),
    }
}

/// The profile's "send me the link again" for the signed-in user's own address (nothing when
/// it is already confirmed).
pub async fn send_to_self(state: &AppState, client: &Client, user: &User) -> Result<(), Error> {
    if user.email_verified {
        return Ok(());
    }
    if throttle::admit_mail(state, client, throttle::MAIL, "verify", &user.email).await? {
        queue(state, user).await?;
    }
    Ok(())
}

/// Issues a verification link for the user's current address and queues its mail, in one
/// transaction; then wakes the worker.
async fn queue(state: &AppState, user: &User) -> Result<(), Error> {
    let now = state.clock.now();
    let (base_url, lifetime) = (
        state.settings.base_url.clone(),
        state.settings.verify_token_lifetime,
    );
    let (recipient, id, email) = (Recipient::of(user), user.id, user.email.clone());
    let hours = lifetime.as_secs() / 3600;
    let verify =
        move |token: &str| Mail::VerifyEmail { token, hours }.compose(&recipient, &base_url, now);
    db::run_write(&state.pool, move |conn| {
        let link = LinkFor::new(Purpose::VerifyEmail, id, &email, lifetime);
        queue_link_mail(conn, link, now, verify)
    })
    .await?;
    state.outbox.wake();
    Ok(())
}
