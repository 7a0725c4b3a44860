//! "No fui yo": the owner saw something in their security centre they did not do. Everything
//! an intruder could hold is taken away at once: every session ends (this one too), the
//! password stops working, every mailed link is voided, and a fresh reset link goes to the
//! account's address, which is how the owner gets back in.

use super::security_log::{self, Event};
use super::{Client, Error, LinkFor, queue_link_mail};
use crate::auth::password::UNUSABLE;
use crate::db;
use crate::db::security_events::EventKind;
use crate::db::sessions::UserSession;
use crate::db::tokens::{OneTimeToken, Purpose};
use crate::db::users::User;
use crate::mail::messages::{Mail, Recipient};
use crate::state::AppState;

/// Locks the account down (see the module comment). Returns the address the reset link went
/// to.
pub async fn not_me(state: &AppState, client: &Client, user: &User) -> Result<String, Error> {
    let now = state.clock.now();
    let lifetime = state.settings.reset_token_lifetime;
    let base_url = state.settings.base_url.clone();
    let (user, who) = (user.clone(), client.clone());
    let email = user.email.clone();
    db::run_write(&state.pool, move |conn| {
        User::lock_down(conn, user.id, UNUSABLE, now)?;
        UserSession::revoke_all(conn, user.id, now)?;
        OneTimeToken::void_all(conn, user.id, now)?;
        let link = LinkFor::new(Purpose::ResetPassword, user.id, &user.email, lifetime);
        let minutes = lifetime.as_secs() / 60;
        queue_link_mail(conn, link, now, |token| {
            Mail::LockedDown { token, minutes }.compose(&Recipient::of(&user), &base_url, now)
        })?;
        let event = Event::new(EventKind::AccountLockedDown, user.id);
        security_log::record(conn, &who, now, &event)?;
        Ok::<_, Error>(())
    })
    .await?;
    state.outbox.wake();
    Ok(email)
}
