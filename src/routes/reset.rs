//! The password reset through a mailed link (`accounts::recovery`); the link is asked for on
//! `/recuperar-password/` (`email_requests`).
//!
//! `GET /restablecer-password/{token}/` only moves the token into the (encrypted) session and
//! redirects to `/restablecer-password/`, so the token never reaches a Referer header, the
//! history or a log of page views. The form posts there; `POST /restablecer-password/{token}/`
//! works too, for clients that post to the link itself.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::{self, Error};
use crate::domain::Problems;
use crate::error::AppError;
use crate::paths;
use crate::render::{
    FieldErrors, FlashLevel, Layout, LinkKind, PageContext, link_invalid, no_referrer,
    password_rules, see_other,
};
use crate::state::AppState;

const SESSION_TOKEN_KEY: &str = "reset_token";

/// `GET /restablecer-password/{token}/`: keeps the token in the session, out of the address.
pub async fn take_reset_token(
    session: Session,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    // Only something token-sized goes into the cookie; anything else shows the "link not
    // valid" page like any other bad token.
    let token = token.into_inner();
    if token.len() <= 64 {
        session
            .insert(SESSION_TOKEN_KEY, token)
            .map_err(AppError::unexpected)?;
    } else {
        session.remove(SESSION_TOKEN_KEY);
    }
    Ok(no_referrer(see_other(paths::RESET_PASSWORD)))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    new_password1: String,
    new_password2: String,
}

#[derive(Template)]
#[template(path = "auth/reset_password.html")]
struct ResetPage {
    layout: Layout,
    rules: Vec<String>,
    new_password1_errors: Vec<String>,
    new_password2_errors: Vec<String>,
}

impl ResetPage {
    fn new(layout: Layout, state: &AppState, problems: &Problems) -> Self {
        let errors = FieldErrors::new(problems, layout.lang);
        Self {
            rules: password_rules(layout.lang, state.settings.password_policy()),
            new_password1_errors: errors.all("new_password1"),
            new_password2_errors: errors.all("new_password2"),
            layout,
        }
    }

    fn error_items(&self) -> Vec<(&'static str, String)> {
        let mut items: Vec<(&'static str, String)> = self
            .new_password1_errors
            .iter()
            .map(|e| ("new_password1", e.clone()))
            .collect();
        items.extend(
            self.new_password2_errors
                .iter()
                .map(|e| ("new_password2", e.clone())),
        );
        items
    }
}

fn session_token(session: &Session) -> Option<String> {
    session.get::<String>(SESSION_TOKEN_KEY).ok().flatten()
}

pub async fn reset_form(ctx: PageContext) -> Result<HttpResponse, AppError> {
    match accounts::recovery::live_link(&ctx.state, session_token(&ctx.session)).await {
        Ok(_) => {}
        Err(Error::LinkInvalid) => return link_invalid(&ctx.req, LinkKind::Reset),
        Err(e) => return Err(e.into()),
    }
    let form = ResetPage::new(ctx.layout(), &ctx.state, &Problems::new());
    ctx.ok(&form).map(no_referrer)
}

pub async fn submit_reset_from_session(
    ctx: PageContext,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let token = session_token(&ctx.session);
    reset(ctx, token, form.into_inner()).await
}

pub async fn submit_reset_from_link(
    ctx: PageContext,
    token: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    reset(ctx, Some(token.into_inner()), form.into_inner()).await
}

async fn reset(
    ctx: PageContext,
    token: Option<String>,
    form: ResetForm,
) -> Result<HttpResponse, AppError> {
    let (first, second) = (form.new_password1, form.new_password2);
    match accounts::recovery::reset_password(&ctx.state, &ctx.client(), token, first, second).await
    {
        Ok(()) => {
            ctx.session.remove(SESSION_TOKEN_KEY);
            ctx.redirect_with(paths::LOGIN, FlashLevel::Success, "reset-done")
                .map(no_referrer)
        }
        Err(Error::LinkInvalid) => link_invalid(&ctx.req, LinkKind::Reset),
        Err(Error::Invalid(problems)) => {
            let form = ResetPage::new(ctx.layout(), &ctx.state, &problems);
            ctx.invalid(&form).map(no_referrer)
        }
        Err(e) => Err(e.into()),
    }
}
