//! What the OpenID Connect sign-in keeps in the encrypted session cookie between requests:
//! the flow under way (`state`, `nonce`, PKCE verifier, and who asked to link), and an
//! identity waiting for its owner's password sign-in to be linked. Nothing of either is ever
//! in a form or a URL the browser can change.

use actix_session::Session;

use crate::accounts::oidc::{self, FirstStep, PendingLink};
use crate::clock::Timestamp;
use crate::db::users::User;
use crate::error::AppError;
use crate::oidc::Flow;
use crate::render::{FlashLevel, PageContext, flash};

const FLOW_KEY: &str = "oidc_flow";
const LINK_KEY: &str = "oidc_link";
/// How long the provider may take to send the browser back.
const FLOW_SECONDS: i64 = 10 * 60;

#[derive(serde::Serialize, serde::Deserialize)]
struct FlowTicket {
    flow: Flow,
    until: i64,
    /// The signed-in user who asked to link the provider ("Vincular"), if any.
    linking_for: Option<i32>,
}

/// Holds the flow under way (a new one replaces an older one).
pub fn hold_flow(
    session: &Session,
    flow: Flow,
    linking_for: Option<i32>,
    now: Timestamp,
) -> Result<(), AppError> {
    let ticket = FlowTicket {
        flow,
        until: now.and_utc().timestamp() + FLOW_SECONDS,
        linking_for,
    };
    session
        .insert(FLOW_KEY, ticket)
        .map_err(AppError::unexpected)
}

/// Takes the flow out (a callback works once): the flow and who asked to link, while live.
pub fn take_flow(session: &Session, now: Timestamp) -> Option<(Flow, Option<i32>)> {
    let ticket = session
        .remove_as::<FlowTicket>(FLOW_KEY)
        .and_then(Result::ok)?;
    (now.and_utc().timestamp() < ticket.until).then_some((ticket.flow, ticket.linking_for))
}

/// Keeps an identity to link after the password sign-in.
pub fn hold_link(session: &Session, pending: PendingLink) -> Result<(), AppError> {
    session
        .insert(LINK_KEY, pending)
        .map_err(AppError::unexpected)
}

/// Takes the identity waiting to be linked, if any.
pub fn take_link(session: &Session) -> Option<PendingLink> {
    session
        .remove_as::<PendingLink>(LINK_KEY)
        .and_then(Result::ok)
}

/// A sign-in into `user` is complete (the second step too, when the account has one): the
/// identity waiting in this browser is linked when it waited for `user` and the first step was
/// the password (see `accounts::oidc::complete_link`), and the next page says so. Whatever
/// came of it, the wait is over. The password sign-in and both second steps (code and
/// passkey) call this; an arrival from the provider drops the wait (`routes::oidc`), and a
/// passkey sign-in on its own leaves it for a password sign-in that may follow.
pub async fn link_waiting(
    ctx: &PageContext,
    user: &User,
    first_step: FirstStep,
) -> Result<(), AppError> {
    let Some(pending) = take_link(&ctx.session) else {
        return Ok(());
    };
    let linked = oidc::complete_link(&ctx.state, &ctx.client(), user, pending, first_step).await?;
    if linked {
        flash(&ctx.session, FlashLevel::Success, "oidc-linked");
    }
    Ok(())
}
