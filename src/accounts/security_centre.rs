//! The security centre's one read: the user's live sessions and a page of their history
//! (see `accounts::sessions` and `accounts::security_log`).

use super::Error;
use super::security_log::{History, history};
use super::sessions::{self, LiveSession, SessionSummary};
use crate::state::AppState;

/// What the security centre shows: the user's live sessions and a page of their history.
#[derive(Clone, Debug)]
pub struct Centre {
    pub sessions: Vec<SessionSummary>,
    pub history: History,
}

/// The security centre of the session's user, with page `page` of the history.
pub async fn centre(state: &AppState, current: &LiveSession, page: i64) -> Result<Centre, Error> {
    let sessions = sessions::list(state, current).await?;
    let history = history(state, current.user.id, page).await?;
    Ok(Centre { sessions, history })
}
