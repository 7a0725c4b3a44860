//! Signed-in sessions as stored: one `user_sessions` row per sign-in, whose id only the
//! session cookie (or, later, a token) carries. Every request checks its row, so revoking the
//! row or bumping the user's `session_epoch` ends the session on every instance.
//!
//! Pages name a session by its `public_id`, never by the id: the list of one's sessions and
//! its "sign out" buttons cannot leak the cookie's secret.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;

use super::security_log::{self, Event};
use super::{Client, Error};
use crate::clock::Timestamp;
use crate::config::Settings;
use crate::db;
use crate::db::DbConnection;
use crate::db::security_events::EventKind;
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
    pub public_id: Arc<str>,
    /// When the password was last typed in this session (see [`require_recent`]).
    pub authenticated_at: Timestamp,
    /// The end of a "recordarme" session; `None` for a browser session.
    pub remember_until: Option<Timestamp>,
    /// An unspent re-authentication (see [`spend_recent`]).
    pub reauth_pass_at: Option<Timestamp>,
    pub user: Arc<User>,
    /// The user has no second factor and must set one up before anything else (see
    /// `factors::set_up_required_in`).
    pub two_step_set_up_required: bool,
    /// An admin's saved invoice company name (the last of an admin's first steps), read with
    /// the session so that the dashboard needs no trip of its own.
    pub company_name: Option<String>,
}

impl LiveSession {
    /// The user may do nothing before clearing a hold: a temporary password to change
    /// (`middleware::forced_password_change`) or two-step sign-in to set up
    /// (`middleware::required_two_step`). A new hold belongs here too: what is read ahead for
    /// a page (`accounts::profile::resolve_with_page`) is not read for a held user.
    pub fn held(&self) -> bool {
        self.user.must_change_password || self.two_step_set_up_required
    }
}

/// Whether a new session should outlive the browser ("recordarme").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Remember {
    No,
    Yes,
}

impl Remember {
    /// The choice a ticked (or not) "Recordarme" box makes.
    pub fn from_checkbox(ticked: bool) -> Self {
        if ticked { Self::Yes } else { Self::No }
    }
}

/// The timeouts a session is held to.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    idle: TimeDelta,
    max: TimeDelta,
}

impl Lifetimes {
    pub fn of(settings: &Settings) -> Self {
        let delta = |d: Duration| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        Self {
            idle: delta(settings.session_idle),
            max: delta(settings.session_max),
        }
    }

    /// True when `row` has not timed out at `now`: a remembered session lasts until its end,
    /// any other until the idle or the absolute timeout.
    fn within(self, row: &UserSession, now: Timestamp) -> bool {
        match row.remember_until {
            Some(until) => now < until,
            None => now - row.last_seen_at < self.idle && now - row.created_at < self.max,
        }
    }

    /// True when `row` is a live session of `user` at `now`.
    fn is_live(self, row: &UserSession, user: &User, now: Timestamp) -> bool {
        user.is_active
            && user.purge_after.is_none()
            && !user.temp_password_expired(now)
            && row.revoked_at.is_none()
            && row.epoch == user.session_epoch
            && self.within(row, now)
    }
}

/// The live session with this id: not revoked, the user's epoch unchanged, within its
/// timeouts, the account active, not pending deletion, and its temporary password (if any)
/// unexpired. A session that fails any of these is revoked and `None` comes back.
pub async fn resolve(state: &AppState, session_id: String) -> Result<Option<LiveSession>, Error> {
    let checks = Checks::of(state);
    db::run(&state.pool, move |conn| {
        let Some((row, user, company_name)) = UserSession::find_with_user(conn, &session_id)?
        else {
            return Ok(None);
        };
        checks.keep(conn, row, user, company_name)
    })
    .await
}

/// What [`resolve`] holds a session to, taken from the settings before its trip.
#[derive(Clone, Copy, Debug)]
pub struct Checks {
    now: Timestamp,
    lifetimes: Lifetimes,
    require_admins: bool,
}

impl Checks {
    pub fn of(state: &AppState) -> Self {
        Self {
            now: state.clock.now(),
            lifetimes: Lifetimes::of(&state.settings),
            require_admins: state.settings.require_two_step_admins,
        }
    }

    /// The moment the checks are made at.
    pub fn now(self) -> Timestamp {
        self.now
    }

    /// The live session of the rows a session query found (not revoked, for that id), in the
    /// same trip: a session that fails a check is revoked and `None` comes back; a live one is
    /// touched at most once a [`TOUCH_INTERVAL`].
    pub fn keep(
        self,
        conn: &mut DbConnection,
        row: UserSession,
        user: User,
        company_name: Option<String>,
    ) -> Result<Option<LiveSession>, Error> {
        let now = self.now;
        if !self.lifetimes.is_live(&row, &user, now) {
            UserSession::revoke(conn, &row.id, now)?;
            return Ok(None);
        }
        if now - row.last_seen_at >= TOUCH_INTERVAL {
            UserSession::touch(conn, &row.id, now)?;
        }
        let two_step_set_up_required =
            super::factors::set_up_required_in(conn, &user, self.require_admins)?;
        Ok(Some(LiveSession {
            id: row.id.into(),
            public_id: row.public_id.into(),
            authenticated_at: row.authenticated_at,
            remember_until: row.remember_until,
            reauth_pass_at: row.reauth_pass_at,
            user: Arc::new(user),
            two_step_set_up_required,
            company_name,
        }))
    }
}

/// The row of a new session for `user` (not yet stored): a fresh random id and public id.
pub fn new_row(
    user: &User,
    client: &Client,
    now: Timestamp,
    remember_until: Option<Timestamp>,
) -> UserSession {
    UserSession {
        id: random_token(),
        user_id: user.id,
        epoch: user.session_epoch,
        created_at: now,
        last_seen_at: now,
        ip: client.address.clone(),
        user_agent: client.user_agent.clone(),
        revoked_at: None,
        public_id: random_token(),
        authenticated_at: now,
        remember_until,
        reauth_pass_at: None,
    }
}

/// A session just begun.
#[derive(Clone, Debug)]
pub struct Started {
    pub id: String,
    /// The end of a "recordarme" session.
    pub remember_until: Option<Timestamp>,
}

/// Starts a session for `user`. A session the caller held before (`replacing`) is revoked, so
/// an old copy of its cookie is worthless.
pub async fn start(
    state: &AppState,
    user: &User,
    client: &Client,
    replacing: Option<String>,
    remember: Remember,
) -> Result<Started, Error> {
    let now = state.clock.now();
    let remember_until = match remember {
        Remember::Yes => TimeDelta::from_std(state.settings.remember_for)
            .ok()
            .and_then(|d| now.checked_add_signed(d)),
        Remember::No => None,
    };
    let row = new_row(user, client, now, remember_until);
    let id = row.id.clone();
    db::run(&state.pool, move |conn| {
        if let Some(previous) = replacing {
            UserSession::revoke(conn, &previous, now)?;
        }
        UserSession::insert(conn, &row)?;
        Ok::<_, Error>(())
    })
    .await?;
    Ok(Started { id, remember_until })
}

/// What a renewed session may do without asking for the password again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// One sensitive action (the password was typed again for it).
    Grant,
    None,
}

/// Replaces the open session `old_id` by a new one with a new id (after the password was
/// typed again, or changed): the same start and "recordarme" end, `authenticated_at = now`,
/// the user's current `epoch`. Returns the new id; [`Error::NotFound`] when `old_id` is no
/// longer open (ended meanwhile from elsewhere), so nothing is revived. Call inside the write
/// transaction of the change.
pub fn renew(
    conn: &mut DbConnection,
    old_id: &str,
    epoch: i32,
    client: &Client,
    now: Timestamp,
    pass: Pass,
) -> Result<String, Error> {
    let old = UserSession::find_open(conn, old_id)?.ok_or(Error::NotFound)?;
    UserSession::revoke(conn, old_id, now)?;
    let row = UserSession {
        id: random_token(),
        epoch,
        last_seen_at: now,
        ip: client.address.clone(),
        user_agent: client.user_agent.clone(),
        public_id: random_token(),
        authenticated_at: now,
        reauth_pass_at: (pass == Pass::Grant).then_some(now),
        ..old
    };
    UserSession::insert(conn, &row)?;
    Ok(row.id)
}

/// Ends the session `id` (on every instance).
pub async fn end(state: &AppState, id: String) -> Result<(), Error> {
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(UserSession::revoke(conn, &id, now)?)
    })
    .await
}

/// How long a re-authentication stays good for the one action it was made for.
pub const PASS_LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// Proof that the password was typed in this session recently enough for a sensitive action:
/// the sensitive operations take one, and only [`require_recent`] and [`spend_recent`] make
/// it.
#[derive(Clone, Copy, Debug)]
pub struct Recent(());

/// True when the session's sign-in (or last re-authentication) is within
/// `CUENTAS_REAUTH_MINUTES` (never, when that is 0).
fn within_window(state: &AppState, session: &LiveSession, now: Timestamp) -> bool {
    let within = TimeDelta::from_std(state.settings.reauth_within).unwrap_or(TimeDelta::MAX);
    within > TimeDelta::zero() && now - session.authenticated_at < within
}

/// True when the session holds an unspent re-authentication younger than [`PASS_LIFETIME`].
fn holds_pass(session: &LiveSession, now: Timestamp) -> bool {
    session
        .reauth_pass_at
        .is_some_and(|at| now - at < PASS_LIFETIME)
}

/// For showing the page of a sensitive action: a [`Recent`] when the sign-in is recent or a
/// re-authentication waits to be spent (nothing is spent), else [`Error::ReauthRequired`].
pub fn require_recent(state: &AppState, session: &LiveSession) -> Result<Recent, Error> {
    let now = state.clock.now();
    if within_window(state, session, now) || holds_pass(session, now) {
        Ok(Recent(()))
    } else {
        Err(Error::ReauthRequired)
    }
}

/// For doing a sensitive action: a [`Recent`] when the sign-in is recent; otherwise the
/// session's re-authentication is spent on it (so with `CUENTAS_REAUTH_MINUTES=0` every
/// action asks for the password once), else [`Error::ReauthRequired`].
pub async fn spend_recent(state: &AppState, session: &LiveSession) -> Result<Recent, Error> {
    let now = state.clock.now();
    if within_window(state, session, now) {
        return Ok(Recent(()));
    }
    if !holds_pass(session, now) {
        return Err(Error::ReauthRequired);
    }
    let id = session.id.clone();
    let spent = db::run(&state.pool, move |conn| {
        Ok::<_, Error>(UserSession::spend_reauth_pass(
            conn,
            &id,
            now - PASS_LIFETIME,
        )?)
    })
    .await?;
    if spent {
        Ok(Recent(()))
    } else {
        Err(Error::ReauthRequired)
    }
}

/// One of the user's live sessions, as the security centre shows it.
#[derive(Clone, Debug)]
pub struct SessionSummary {
    pub public_id: String,
    pub client_address: String,
    pub user_agent: String,
    pub started_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub remember_until: Option<Timestamp>,
    /// The session of the request that asked.
    pub current: bool,
}

/// The user's live sessions, the current one first, then by last activity.
pub async fn list(state: &AppState, current: &LiveSession) -> Result<Vec<SessionSummary>, Error> {
    let now = state.clock.now();
    let lifetimes = Lifetimes::of(&state.settings);
    let (user, current_id) = (current.user.clone(), current.id.clone());
    let mut sessions = db::run(&state.pool, move |conn| {
        Ok::<_, Error>(
            UserSession::open_of_user(conn, user.id)?
                .into_iter()
                .filter(|row| lifetimes.is_live(row, &user, now))
                .map(|row| SessionSummary {
                    current: *row.id == *current_id,
                    public_id: row.public_id,
                    client_address: row.ip,
                    user_agent: row.user_agent,
                    started_at: row.created_at,
                    last_seen_at: row.last_seen_at,
                    remember_until: row.remember_until,
                })
                .collect::<Vec<_>>(),
        )
    })
    .await?;
    sessions.sort_by_key(|s| !s.current);
    Ok(sessions)
}

/// Ends the user's session named `public_id` (not the current one: that is signing out).
/// Someone else's, an unknown or an ended one is [`Error::NotFound`].
pub async fn end_other(
    state: &AppState,
    client: &Client,
    current: &LiveSession,
    public_id: String,
    _recent: Recent,
) -> Result<(), Error> {
    if *current.public_id == *public_id {
        return Err(Error::NotFound);
    }
    let (now, user_id, who) = (state.clock.now(), current.user.id, client.clone());
    db::run_write(&state.pool, move |conn| {
        if !UserSession::revoke_public(conn, user_id, &public_id, now)? {
            return Err(Error::NotFound);
        }
        let event = Event::new(EventKind::SessionEnded, user_id);
        security_log::record(conn, &who, now, &event)?;
        Ok(())
    })
    .await
}

/// Ends every session of the user but the current one; returns how many ended.
pub async fn end_others(
    state: &AppState,
    client: &Client,
    current: &LiveSession,
    _recent: Recent,
) -> Result<usize, Error> {
    let (now, user_id, who) = (state.clock.now(), current.user.id, client.clone());
    let keep = current.id.clone();
    db::run_write(&state.pool, move |conn| {
        let ended = UserSession::revoke_others(conn, user_id, &keep, now)?;
        let event = Event::new(EventKind::OtherSessionsEnded, user_id).with("count", ended);
        security_log::record(conn, &who, now, &event)?;
        Ok(ended)
    })
    .await
}
