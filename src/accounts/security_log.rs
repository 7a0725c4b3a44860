//! The security log: every operation that changes an account's security records one event,
//! in the same transaction as the change (so a change is never without its record, and a
//! rolled-back change leaves none), and the same event goes to the `security` tracing target
//! with structured fields for whoever collects the logs.
//!
//! Details are small JSON objects of facts (a reason, an admin's username); never a password,
//! a token or a hash.

use super::{Client, Error};
use crate::clock::Timestamp;
use crate::db;
use crate::db::DbConnection;
use crate::db::security_events::{EventKind, NewSecurityEvent, SecurityEvent};
use crate::db::users::User;
use crate::state::AppState;

/// Events in one page of the history.
pub const HISTORY_PAGE: i64 = 20;

/// Details longer than this are replaced by `{}`: the column is for a few facts, not for
/// anything an attacker could fill.
const MAX_DETAILS: usize = 500;

/// One event about to be recorded.
#[derive(Clone, Debug)]
pub struct Event {
    pub user_id: i32,
    pub kind: EventKind,
    pub actor_id: Option<i32>,
    pub details: serde_json::Value,
}

impl Event {
    pub fn new(kind: EventKind, user_id: i32) -> Self {
        Self {
            user_id,
            kind,
            actor_id: None,
            details: serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    /// Someone else (an admin) acted on the account.
    pub fn by(mut self, actor_id: i32) -> Self {
        self.actor_id = Some(actor_id);
        self
    }

    /// Adds one fact to the details.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        if let serde_json::Value::Object(map) = &mut self.details {
            map.insert(key.to_owned(), value.into());
        }
        self
    }
}

/// Records `event` (call inside the transaction of the change it records) and logs it on the
/// `security` target.
pub fn record(
    conn: &mut DbConnection,
    client: &Client,
    now: Timestamp,
    event: &Event,
) -> diesel::QueryResult<()> {
    let mut details = event.details.to_string();
    if details.len() > MAX_DETAILS {
        details = "{}".to_owned();
    }
    SecurityEvent::insert(
        conn,
        &NewSecurityEvent {
            user_id: event.user_id,
            actor_id: event.actor_id,
            kind: event.kind.as_str(),
            client_address: &client.address,
            user_agent: &client.user_agent,
            created_at: now,
            details: &details,
        },
    )?;
    trace(client, event, &details);
    Ok(())
}

/// Puts an event on the `security` tracing target only (events with no account to keep them:
/// a failed sign-in for an unknown login, a refused request).
pub fn trace(client: &Client, event: &Event, details: &str) {
    match event.kind {
        EventKind::SignedIn => crate::metrics::sign_in(true),
        EventKind::SignInFailed => crate::metrics::sign_in(false),
        _ => {}
    }
    tracing::info!(
        target: "security",
        kind = event.kind.as_str(),
        user_id = event.user_id,
        actor_id = event.actor_id,
        client = %client.address,
        user_agent = %client.user_agent,
        details = %details,
        "security event"
    );
}

/// A failed sign-in for a login no account has: on the tracing target only, keyed by a hash
/// of what was typed (the same key the throttle counts), so the log holds no typed secret
/// (people type passwords into the login field) and nothing ties it to an account.
pub fn trace_unknown_login(client: &Client, login_key: &str) {
    tracing::info!(
        target: "security",
        kind = EventKind::SignInFailed.as_str(),
        login_key = %login_key.get(..16).unwrap_or(login_key),
        client = %client.address,
        user_agent = %client.user_agent,
        "security event: sign-in failed for an unknown login"
    );
}

/// One page of an account's history, newest first.
#[derive(Clone, Debug)]
pub struct History {
    pub entries: Vec<HistoryEntry>,
    /// The page shown, from 1.
    pub page: i64,
    pub has_next: bool,
}

/// One event as its owner reads it.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    pub kind: EventKind,
    pub at: Timestamp,
    pub client_address: String,
    pub user_agent: String,
    /// The name of the admin who acted on the account, when someone else did.
    pub actor: Option<String>,
}

/// Page `page` (from 1; anything lower is 1) of `user_id`'s own events.
pub async fn history(state: &AppState, user_id: i32, page: i64) -> Result<History, Error> {
    let page = page.max(1);
    let offset = (page - 1).saturating_mul(HISTORY_PAGE);
    db::run(&state.pool, move |conn| {
        let mut events = SecurityEvent::list_for_user(conn, user_id, offset, HISTORY_PAGE + 1)?;
        let has_next = events.len() > usize::try_from(HISTORY_PAGE).unwrap_or(usize::MAX);
        events.truncate(usize::try_from(HISTORY_PAGE).unwrap_or(usize::MAX));
        let mut actors: Vec<(i32, String)> = Vec::new();
        let mut entries = Vec::with_capacity(events.len());
        for event in events {
            let actor = match event.actor_id.filter(|&id| id != user_id) {
                Some(id) => Some(match actors.iter().find(|(known, _)| *known == id) {
                    Some((_, name)) => name.clone(),
                    None => {
                        let name = User::find(conn, id)?
                            .map_or_else(String::new, |admin| admin.display_name().to_owned());
                        actors.push((id, name.clone()));
                        name
                    }
                }),
                None => None,
            };
            entries.push(HistoryEntry {
                kind: event.kind,
                at: event.created_at,
                client_address: event.client_address,
                user_agent: event.user_agent,
                actor,
            });
        }
        Ok::<_, Error>(History {
            entries,
            page,
            has_next,
        })
    })
    .await
}
