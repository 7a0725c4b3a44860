//! `GET /verificar-email/{token}/` (confirms an address: the account's own, or a new one
//! asked for from the profile) and `GET, POST /reenviar-verificacion/` (a new link; the same
//! answer for every address).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db;
use crate::db::login_failures::MAIL_THROTTLE;
use crate::db::tokens::{OneTimeToken, Purpose};
use crate::db::users::User;
use crate::domain::EmailAddress;
use crate::error::AppError;
use crate::mail::messages::{Mail, Recipient};
use crate::render::{FlashLevel, Layout, flash, page, see_other};
use crate::routes::mail_forms::{self, EmailRequestPage, LinkKind, no_referrer};
use crate::startup::AppState;

/// What opening a link did.
enum Confirmed {
    Verified,
    Changed,
}

pub async fn verify_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let now = state.clock.now();
    let purposes = [Purpose::VerifyEmail, Purpose::ChangeEmail];
    // A read first: a junk link must not take SQLite's write lock.
    let probe = token.clone();
    let live = db::run(&state.pool, move |conn| {
        Ok(OneTimeToken::find_live(conn, &probe, &purposes, now)?.is_some())
    })
    .await?;
    if !live {
        return mail_forms::link_invalid(&req, LinkKind::Verification);
    }
    let confirmed = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let Some(found) = OneTimeToken::find_live(conn, &token, &purposes, now)? else {
                return Ok(None);
            };
            let Some(user) = User::find(conn, found.user_id)?.filter(|u| u.is_active) else {
                return Ok(None);
            };
            if !OneTimeToken::consume(conn, found.id, now)? {
                return Ok(None);
            }
            match found.purpose() {
                Some(Purpose::VerifyEmail) => {
                    if !User::mark_email_verified(conn, user.id, &found.email, now)? {
                        return Ok(None);
                    }
                    OneTimeToken::void(conn, user.id, &[Purpose::VerifyEmail], now)?;
                    Ok(Some(Confirmed::Verified))
                }
                Some(Purpose::ChangeEmail) => {
                    if !User::switch_email(conn, user.id, &found.email, now)? {
                        return Ok(None);
                    }
                    // Links sent to the old address are void once it is no longer the account's.
                    OneTimeToken::void(
                        conn,
                        user.id,
                        &[
                            Purpose::VerifyEmail,
                            Purpose::ResetPassword,
                            Purpose::ChangeEmail,
                        ],
                        now,
                    )?;
                    Ok(Some(Confirmed::Changed))
                }
                _ => Ok(None),
            }
        })
    })
    .await?;
    let Some(confirmed) = confirmed else {
        return mail_forms::link_invalid(&req, LinkKind::Verification);
    };
    let key = match confirmed {
        Confirmed::Verified => "verify-done",
        Confirmed::Changed => "verify-email-changed",
    };
    flash(&session, FlashLevel::Success, key);
    let target = if CurrentUser::of(&req).is_some() {
        "/perfil/"
    } else {
        "/login/"
    };
    Ok(no_referrer(see_other(target)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

impl EmailForm {
    pub fn email(&self) -> &str {
        &self.email
    }
}

fn resend_page(layout: Layout, email: String, email_error: Option<String>) -> EmailRequestPage {
    EmailRequestPage {
        layout,
        title_key: "resend-title",
        intro_key: "resend-intro",
        submit_key: "resend-submit",
        action: "/reenviar-verificacion/",
        email,
        email_error,
    }
}

pub async fn resend_form(req: HttpRequest) -> Result<HttpResponse, AppError> {
    page(
        StatusCode::OK,
        &resend_page(Layout::for_request(&req), String::new(), None),
    )
}

pub async fn resend(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let layout = Layout::for_request(&req);
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(problem) => {
            let error = Some(layout.t(problem.message_key()));
            let form_page = resend_page(layout, form.into_inner().email, error);
            return page(StatusCode::UNPROCESSABLE_ENTITY, &form_page);
        }
    };
    if mail_forms::admit(&state, &req, MAIL_THROTTLE, "verify", email.as_ref()).await? {
        // Off the request: the answer (and its timing) is the same for every address.
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = send_verification_to(&state, email.as_ref().to_owned()).await {
                tracing::error!(
                    error = format!("{e:#}"),
                    "a verification mail was not queued"
                );
            }
        });
    }
    flash(&session, FlashLevel::Info, "resend-done");
    Ok(see_other("/login/"))
}

/// Queues a new verification link when `email` belongs to an active, unverified account.
async fn send_verification_to(state: &AppState, email: String) -> Result<(), AppError> {
    let user = db::run(&state.pool, move |conn| {
        Ok(User::find_by_email(conn, &email)?)
    })
    .await?;
    match user {
        Some(user) if user.is_active && !user.email_verified => {
            queue_verification(state, &user).await
        }
        _ => Ok(()),
    }
}

/// Issues a verification link for the user's current address and queues its mail, in one
/// transaction; then wakes the worker.
pub async fn queue_verification(state: &AppState, user: &User) -> Result<(), AppError> {
    let now = state.clock.now();
    let (base_url, lifetime) = (
        state.settings.base_url.clone(),
        state.settings.verify_token_lifetime,
    );
    let (recipient, id, email) = (Recipient::of(user), user.id, user.email.clone());
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let token = OneTimeToken::issue(conn, Purpose::VerifyEmail, id, &email, now, lifetime)?;
            Mail::VerifyEmail {
                token: &token,
                hours: lifetime.as_secs() / 3600,
            }
            .compose(&recipient, &base_url, now)
            .map_err(AppError::from)?
            .enqueue(conn)?;
            Ok(())
        })
    })
    .await?;
    state.outbox.wake();
    Ok(())
}
