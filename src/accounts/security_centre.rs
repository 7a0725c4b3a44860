//! The security centre's one read: the user's live sessions, a page of their history and
//! their second factors (see `accounts::sessions`, `accounts::security_log` and
//! `accounts::two_step`).

use super::security_log::{History, history};
use super::sessions::{self, LiveSession, SessionSummary};
use super::{Error, two_step};
use crate::state::AppState;

/// What the security centre shows: the user's live sessions and a page of their history.
#[derive(Clone, Debug)]
pub struct Centre {
    pub sessions: Vec<SessionSummary>,
    pub history: History,
    /// The second factors.
    pub two_step: two_step::Status,
    /// The accounts at the OpenID Connect provider linked to this one.
    pub linked: Vec<crate::db::linked_identities::LinkedIdentity>,
}

/// The security centre of the session's user, with page `page` of the history.
pub async fn centre(state: &AppState, current: &LiveSession, page: i64) -> Result<Centre, Error> {
    let sessions = sessions::list(state, current).await?;
    let history = history(state, current.user.id, page).await?;
    let two_step = two_step::status(state, current.user.id).await?;
    let linked = super::oidc::linked_identities(state, &current.user).await?;
    Ok(Centre {
        sessions,
        history,
        two_step,
        linked,
    })
}
