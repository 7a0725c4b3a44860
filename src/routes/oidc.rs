//! Sign-in with the OpenID Connect provider: `GET /login/oidc/` (to the provider),
//! `GET /login/oidc/callback/` (back from it), and on the security page "Vincular"
//! (`POST /seguridad/identidades/vincular/`) and "Desvincular"
//! (`POST /seguridad/identidades/{id}/desvincular/`). The work is in `accounts::oidc`; the flow's
//! secrets wait in the encrypted session (`auth::oidc_flow`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::oidc::{Arrival, Outcome};
use crate::accounts::sessions::Remember;
use crate::accounts::{self, Error};
use crate::auth::browser::{self, browser_of};
use crate::auth::{CurrentUser, oidc_flow, session};
use crate::error::AppError;
use crate::paths;
use crate::render::{FlashLevel, Layout, PageContext, page, pending_deletion, see_other};

/// What the provider sends back (anything missing is empty).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallbackQuery {
    state: String,
    code: String,
}

/// A sign-in with the provider that could not go on: why, and the way back.
#[derive(Template)]
#[template(path = "auth/oidc_problem.html")]
struct ProblemPage {
    layout: Layout,
    title: &'static str,
    message: &'static str,
}

fn problem(
    ctx: &PageContext,
    status: StatusCode,
    title: &'static str,
    message: &'static str,
) -> Result<HttpResponse, AppError> {
    let template = ProblemPage {
        layout: ctx.layout(),
        title,
        message,
    };
    page(status, &template)
}

/// Starts a flow (for `linking_for` when a signed-in user links) and sends the browser to
/// the provider; the sign-in page says so when the provider is not reachable yet.
fn to_provider(ctx: &PageContext, linking_for: Option<i32>) -> Result<HttpResponse, AppError> {
    let started = ctx.state.oidc.as_ref().and_then(|p| p.start());
    let Some(started) = started else {
        let back = if linking_for.is_some() {
            paths::SECURITY
        } else {
            paths::LOGIN
        };
        return ctx.redirect_with(back, FlashLevel::Error, "oidc-unavailable");
    };
    oidc_flow::hold_flow(
        &ctx.session,
        started.flow,
        linking_for,
        ctx.state.clock.now(),
    )?;
    Ok(see_other(&started.url))
}

/// `GET /login/oidc/`.
pub async fn start_sign_in(
    ctx: PageContext,
    current: Option<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    if ctx.state.oidc.is_none() {
        return Err(AppError::NotFound);
    }
    if current.is_some() {
        return Ok(see_other(paths::DASHBOARD));
    }
    to_provider(&ctx, None)
}

/// `POST /seguridad/identidades/vincular/`: a signed-in user links the provider.
pub async fn start_link(ctx: PageContext, current: CurrentUser) -> Result<HttpResponse, AppError> {
    if ctx.state.oidc.is_none() {
        return Err(AppError::NotFound);
    }
    to_provider(&ctx, Some(current.user.id))
}

/// `GET /login/oidc/callback/`: the provider sent the browser back.
pub async fn callback(
    ctx: PageContext,
    current: Option<CurrentUser>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, AppError> {
    if ctx.state.oidc.is_none() {
        return Err(AppError::NotFound);
    }
    let flow = oidc_flow::take_flow(&ctx.session, ctx.state.clock.now());
    let Some((flow, linking_for)) = flow else {
        return failed(&ctx);
    };
    // A link belongs to the user who asked for it, still signed in.
    let linking_for = match (linking_for, current) {
        (None, _) => None,
        (Some(id), Some(current)) if current.user.id == id => Some((*current.user).clone()),
        (Some(_), _) => return failed(&ctx),
    };
    let CallbackQuery { state, code } = query.into_inner();
    let arrival = Arrival {
        flow,
        state,
        code,
        browser: browser_of(&ctx.req),
        replacing: session::session_id(&ctx.session),
        linking_for,
    };
    let outcome = accounts::oidc::arrive(&ctx.state, &ctx.client(), arrival).await;
    respond(&ctx, outcome)
}

fn failed(ctx: &PageContext) -> Result<HttpResponse, AppError> {
    problem(
        ctx,
        StatusCode::BAD_REQUEST,
        "oidc-failed-title",
        "oidc-failed",
    )
}

/// The page or redirect for what the arrival came to.
fn respond(ctx: &PageContext, outcome: Result<Outcome, Error>) -> Result<HttpResponse, AppError> {
    let https = ctx.state.settings.is_https();
    // An arrival from the provider ends a link waiting from an earlier one (`LinkFirst` holds
    // its own): only a password sign-in may complete a link, and the restore of an account
    // pending deletion that begins here would otherwise look like one.
    oidc_flow::take_link(&ctx.session);
    match outcome {
        Ok(Outcome::SignedIn(signed_in)) => {
            browser::enter(&ctx.req, &ctx.session, https, *signed_in, paths::DASHBOARD)
        }
        Ok(Outcome::SecondStep(pending)) => {
            session::hold_second_step(&ctx.session, pending, String::new(), ctx.state.clock.now())?;
            Ok(see_other(paths::SECOND_STEP))
        }
        Ok(Outcome::LinkFirst(pending)) => {
            oidc_flow::hold_link(&ctx.session, pending)?;
            ctx.redirect_with(paths::LOGIN, FlashLevel::Info, "oidc-link-sign-in-first")
        }
        Ok(Outcome::Linked(true)) => {
            ctx.redirect_with(paths::SECURITY, FlashLevel::Success, "oidc-linked")
        }
        Ok(Outcome::Linked(false)) => {
            ctx.redirect_with(paths::SECURITY, FlashLevel::Info, "oidc-already-linked")
        }
        Ok(Outcome::LinkedElsewhere) => {
            ctx.redirect_with(paths::SECURITY, FlashLevel::Error, "oidc-linked-elsewhere")
        }
        Ok(Outcome::Unverified) => problem(
            ctx,
            StatusCode::FORBIDDEN,
            "oidc-failed-title",
            "oidc-email-unverified",
        ),
        Ok(Outcome::SignupClosed) => problem(
            ctx,
            StatusCode::FORBIDDEN,
            "oidc-signup-closed-title",
            "oidc-signup-closed",
        ),
        Ok(Outcome::Refused) => ctx.redirect_with(paths::LOGIN, FlashLevel::Error, "oidc-refused"),
        Ok(Outcome::Failed) => failed(ctx),
        Err(Error::PendingDeletion(pending)) => pending_deletion(ctx, &pending, Remember::No),
        Err(e) => Err(e.into()),
    }
}

/// `POST /seguridad/identidades/{id}/desvincular/`: refused while it is the only way in.
pub async fn unlink(
    ctx: PageContext,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let unlinked =
        accounts::oidc::unlink(&ctx.state, &ctx.client(), &current.user, id.into_inner()).await;
    match unlinked {
        Ok(()) => ctx.redirect_with(paths::SECURITY, FlashLevel::Success, "oidc-unlinked"),
        Err(Error::Forbidden) => ctx.redirect_with(
            paths::SECURITY,
            FlashLevel::Error,
            "oidc-unlink-only-way-in",
        ),
        Err(e) => Err(e.into()),
    }
}
