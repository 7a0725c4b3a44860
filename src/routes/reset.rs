//! `GET, POST /recuperar-password/` (ask for a reset link; the same answer, after the same
//! work, for every address) and the reset itself.
//!
//! `GET /restablecer-password/{token}/` only moves the token into the (encrypted) session and
//! redirects to `/restablecer-password/`, so the token never reaches a Referer header, the
//! history or a log of page views. The form posts there; `POST /restablecer-password/{token}/`
//! works too, for clients that post to the link itself. A successful reset sets the password,
//! ends every session of the account, voids the link and sends a notice.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::db::login_failures::MAIL_THROTTLE;
use crate::db::tokens::{OneTimeToken, Purpose};
use crate::db::users::User;
use crate::domain::{EmailAddress, NewPassword};
use crate::error::AppError;
use crate::mail::messages::{Mail, Recipient};
use crate::render::{FlashLevel, Layout, flash, page, see_other};
use crate::routes::mail_forms::{self, EmailRequestPage, LinkKind, no_referrer};
use crate::routes::password::{
    check_new_password, confirmation_errors, password_rules, personal_words, policy,
};
use crate::routes::verification::EmailForm;
use crate::startup::AppState;

/// The token-less address of the reset form.
pub const RESET_PATH: &str = "/restablecer-password/";
const SESSION_TOKEN_KEY: &str = "reset_token";

fn recover_page(layout: Layout, email: String, email_error: Option<String>) -> EmailRequestPage {
    EmailRequestPage {
        layout,
        title_key: "recover-title",
        intro_key: "recover-intro",
        submit_key: "recover-submit",
        action: "/recuperar-password/",
        email,
        email_error,
    }
}

pub async fn recover_form(req: HttpRequest) -> Result<HttpResponse, AppError> {
    page(
        StatusCode::OK,
        &recover_page(Layout::for_request(&req), String::new(), None),
    )
}

pub async fn recover(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let layout = Layout::for_request(&req);
    let email = match EmailAddress::parse(form.email()) {
        Ok(email) => email,
        Err(problem) => {
            let error = Some(layout.t(problem.message_key()));
            let form_page = recover_page(layout, form.email().to_owned(), error);
            return page(StatusCode::UNPROCESSABLE_ENTITY, &form_page);
        }
    };
    if mail_forms::admit(&state, &req, MAIL_THROTTLE, "reset", email.as_ref()).await? {
        // Off the request: looking the address up and queueing the mail take the same time
        // from the client's side whether or not the account exists.
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = queue_reset(&state, email.as_ref().to_owned()).await {
                tracing::error!(error = format!("{e:#}"), "a reset mail was not queued");
            }
        });
    }
    flash(&session, FlashLevel::Info, "recover-done");
    Ok(see_other("/login/"))
}

/// Issues a reset link and queues its mail when `email` belongs to an active account.
async fn queue_reset(state: &AppState, email: String) -> Result<(), AppError> {
    let now = state.clock.now();
    let (base_url, lifetime) = (
        state.settings.base_url.clone(),
        state.settings.reset_token_lifetime,
    );
    let queued = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let Some(user) = User::find_by_email(conn, &email)?.filter(|u| u.is_active) else {
                return Ok(false);
            };
            let token =
                OneTimeToken::issue(conn, Purpose::ResetPassword, user.id, &email, now, lifetime)?;
            Mail::ResetPassword {
                token: &token,
                minutes: lifetime.as_secs() / 60,
            }
            .compose(&Recipient::of(&user), &base_url, now)
            .map_err(AppError::from)?
            .enqueue(conn)?;
            Ok(true)
        })
    })
    .await?;
    if queued {
        state.outbox.wake();
    }
    Ok(())
}

/// `GET /restablecer-password/{token}/`: keeps the token in the session, out of the address.
pub async fn take_token(
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
    Ok(no_referrer(see_other(RESET_PATH)))
}

#[derive(Debug, Default, Deserialize)]
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

/// The live reset token and its account: unused, unexpired, the account active and still at
/// the address the link was sent to.
async fn live_token(
    state: &AppState,
    token: Option<String>,
) -> Result<Option<(OneTimeToken, User)>, AppError> {
    let Some(token) = token else {
        return Ok(None);
    };
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        let Some(found) = OneTimeToken::find_live(conn, &token, &[Purpose::ResetPassword], now)?
        else {
            return Ok(None);
        };
        let user =
            User::find(conn, found.user_id)?.filter(|u| u.is_active && u.email == found.email);
        Ok(user.map(|user| (found, user)))
    })
    .await
}

fn session_token(session: &Session) -> Option<String> {
    session.get::<String>(SESSION_TOKEN_KEY).ok().flatten()
}

pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    if live_token(&state, session_token(&session)).await?.is_none() {
        return mail_forms::link_invalid(&req, LinkKind::Reset);
    }
    let layout = Layout::for_request(&req);
    let form_page = ResetPage {
        rules: password_rules(layout.lang, policy(&state)),
        layout,
        new_password1_errors: Vec::new(),
        new_password2_errors: Vec::new(),
    };
    page(StatusCode::OK, &form_page).map(no_referrer)
}

pub async fn reset_from_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let token = session_token(&session);
    reset(req, state, session, token, form.into_inner()).await
}

pub async fn reset_from_path(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    reset(
        req,
        state,
        session,
        Some(token.into_inner()),
        form.into_inner(),
    )
    .await
}

async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: Option<String>,
    form: ResetForm,
) -> Result<HttpResponse, AppError> {
    let Some((found, user)) = live_token(&state, token).await? else {
        return mail_forms::link_invalid(&req, LinkKind::Reset);
    };
    let layout = Layout::for_request(&req);
    let lang = layout.lang;
    let mut result = ResetPage {
        rules: password_rules(lang, policy(&state)),
        layout,
        new_password1_errors: Vec::new(),
        new_password2_errors: Vec::new(),
    };
    let personal = personal_words(&user);
    let password = match check_new_password(&state, lang, form.new_password1, personal).await? {
        Ok(password) => Some(password),
        Err(messages) => {
            result.new_password1_errors = messages;
            None
        }
    };
    result.new_password2_errors = confirmation_errors(
        lang,
        password.as_ref().map(NewPassword::expose),
        &form.new_password2,
    );
    let Some(password) = password.filter(|_| result.new_password2_errors.is_empty()) else {
        return page(StatusCode::UNPROCESSABLE_ENTITY, &result).map(no_referrer);
    };

    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let now = state.clock.now();
    let notice =
        Mail::PasswordChanged.compose(&Recipient::of(&user), &state.settings.base_url, now)?;
    let (token_id, user_id, email) = (found.id, user.id, user.email.clone());
    let done = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if !OneTimeToken::consume(conn, token_id, now)? {
                return Ok(false);
            }
            // The epoch moves (every session of the account ends, on every instance) and
            // every other reset link is voided.
            User::change_password(conn, user_id, &hash, now)?;
            // The link reached the address, which proves it.
            User::mark_email_verified(conn, user_id, &email, now)?;
            notice.enqueue(conn)?;
            Ok::<_, AppError>(true)
        })
    })
    .await?;
    if !done {
        return mail_forms::link_invalid(&req, LinkKind::Reset);
    }
    state.outbox.wake();
    session.remove(SESSION_TOKEN_KEY);
    flash(&session, FlashLevel::Success, "reset-done");
    Ok(no_referrer(see_other("/login/")))
}
