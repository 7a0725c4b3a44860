//! Signed-in sessions as stored: one `user_sessions` row per sign-in, whose id only the
//! session cookie (or, later, a token) carries. Every request checks its row, so revoking the
//! row or bumping the user's `session_epoch` ends the session on every instance.

use std::sync::Arc;

use chrono::TimeDelta;

use super::{Client, Error};
use crate::clock::Timestamp;
use crate::db;
use crate::db::sessions::UserSession;
use crate::db::users::User;
use crate::state::AppState;
use crate::token::random_token;

/// `last_seen_at` is written at most this often, so a busy user costs one write a minute.
const TOUCH_INTERVAL: TimeDelta = TimeDelta::seconds(60);

/// A live session and its user.
#[derive(Clone, Debug)]
pub struct LiveSession {
    pub id: Arc<str>,
    pub user: Arc<User>,
}

/// The live session with this id: not revoked, the user's epoch unchanged, within the idle
/// and absolute timeouts, the account active, not pending deletion, and its temporary
/// password (if any) unexpired.
/// A session that fails any of these is revoked and `None` comes back.
pub async fn resolve(state: &AppState, session_id: String) -> Result<Option<LiveSession>, Error> {
    let now = state.clock.now();
    let idle = TimeDelta::from_std(state.settings.session_idle).unwrap_or(TimeDelta::MAX);
    let max = TimeDelta::from_std(state.settings.session_max).unwrap_or(TimeDelta::MAX);
    db::run(&state.pool, move |conn| {
        let Some((row, user)) = UserSession::find_with_user(conn, &session_id)? else {
            return Ok(None);
        };
        let live = user.is_active
            && user.purge_after.is_none()
            && !user.temp_password_expired(now)
            && row.epoch == user.session_epoch
            && now - row.last_seen_at < idle
            && now - row.created_at < max;
        if !live {
            UserSession::revoke(conn, &row.id, now)?;
            return Ok(None);
        }
        if now - row.last_seen_at >= TOUCH_INTERVAL {
            UserSession::touch(conn, &row.id, now)?;
        }
        Ok(Some(LiveSession {
            id: row.id.into(),
            user: Arc::new(user),
        }))
    })
    .await
}

/// The row of a new session for `user` (not yet stored): a fresh random id.
pub fn new_row(user: &User, client: &Client, now: Timestamp) -> UserSession {
    UserSession {
        id: random_token(),
        user_id: user.id,
        epoch: user.session_epoch,
        created_at: now,
        last_seen_at: now,
        ip: client.address.clone(),
        user_agent: client.user_agent.clone(),
        revoked_at: None,
    }
}

/// Starts a session for `user` and returns its id. A session the caller held before
/// (`replacing`) is revoked, so an old copy of its cookie is worthless.
pub async fn start(
    state: &AppState,
    user: &User,
    client: &Client,
    replacing: Option<String>,
) -> Result<String, Error> {
    let now = state.clock.now();
    let row = new_row(user, client, now);
    let id = row.id.clone();
    db::run(&state.pool, move |conn| {
        if let Some(previous) = replacing {
            UserSession::revoke(conn, &previous, now)?;
        }
        UserSession::insert(conn, &row)?;
        Ok::<_, Error>(())
    })
    .await?;
    Ok(id)
}

/// Ends the session `id` (on every instance).
pub async fn end(state: &AppState, id: String) -> Result<(), Error> {
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(UserSession::revoke(conn, &id, now)?)
    })
    .await
}
