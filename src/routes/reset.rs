//! `GET, POST /recuperar-password/` (ask for a reset link) and the reset itself
//! (`accounts::recovery`).
//!
//! `GET /restablecer-password/{token}/` only moves the token into the (encrypted) session and
//! redirects to `/restablecer-password/`, so the token never reaches a Referer header, the
//! history or a log of page views. The form posts there; `POST /restablecer-password/{token}/`
//! works too, for clients that post to the link itself.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::{self, Error};
use crate::auth::session::client_of;
use crate::domain::{EmailAddress, Problems};
use crate::error::AppError;
use crate::paths;
use crate::render::{
    EmailForm, EmailRequestPage, FieldErrors, FlashLevel, Layout, LinkKind, flash, link_invalid,
    no_referrer, page, password_rules, see_other,
};
use crate::state::AppState;

const SESSION_TOKEN_KEY: &str = "reset_token";

fn recover_page(layout: Layout, email: String, email_error: Option<String>) -> EmailRequestPage {
    EmailRequestPage {
        layout,
        title_key: "recover-title",
        intro_key: "recover-intro",
        submit_key: "recover-submit",
        action: paths::RECOVER_PASSWORD,
        email,
        email_error,
    }
}

pub async fn recover_form(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let form = recover_page(Layout::for_request(&req), String::new(), None);
    page(StatusCode::OK, &form)
}

pub async fn submit_recover(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(problem) => {
            let layout = Layout::for_request(&req);
            let error = Some(layout.t(problem.message_key()));
            let form = recover_page(layout, form.into_inner().email, error);
            return page(StatusCode::UNPROCESSABLE_ENTITY, &form);
        }
    };
    accounts::recovery::request_reset(state.into_inner(), &client_of(&req), email).await?;
    flash(&session, FlashLevel::Info, "recover-done");
    Ok(see_other(paths::LOGIN))
}

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

pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    match accounts::recovery::live_link(&state, session_token(&session)).await {
        Ok(_) => {}
        Err(Error::LinkInvalid) => return link_invalid(&req, LinkKind::Reset),
        Err(e) => return Err(e.into()),
    }
    let form = ResetPage::new(Layout::for_request(&req), &state, &Problems::new());
    page(StatusCode::OK, &form).map(no_referrer)
}

pub async fn submit_reset_from_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let token = session_token(&session);
    reset(req, state, session, token, form.into_inner()).await
}

pub async fn submit_reset_from_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let token = Some(token.into_inner());
    reset(req, state, session, token, form.into_inner()).await
}

async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: Option<String>,
    form: ResetForm,
) -> Result<HttpResponse, AppError> {
    let reset =
        accounts::recovery::reset_password(&state, token, form.new_password1, form.new_password2)
            .await;
    match reset {
        Ok(()) => {
            session.remove(SESSION_TOKEN_KEY);
            flash(&session, FlashLevel::Success, "reset-done");
            Ok(no_referrer(see_other(paths::LOGIN)))
        }
        Err(Error::LinkInvalid) => link_invalid(&req, LinkKind::Reset),
        Err(Error::Invalid(problems)) => {
            let form = ResetPage::new(Layout::for_request(&req), &state, &problems);
            page(StatusCode::UNPROCESSABLE_ENTITY, &form).map(no_referrer)
        }
        Err(e) => Err(e.into()),
    }
}
