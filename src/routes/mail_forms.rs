//! What the pages that send mail, and the pages reached from mail links, share: the throttle
//! gate, the email-only form (resend, recover), the "link not valid" page and the
//! `Referrer-Policy: no-referrer` header of pages whose address may hold a token.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::session::throttle_ip;
use crate::db;
use crate::db::login_failures::{MailGate, Throttle, login_key};
use crate::error::AppError;
use crate::render::{Layout, page};
use crate::startup::AppState;

/// Counts a request that would send mail to `email` under `throttle`. A 429 when the IP is
/// over its limit; otherwise whether to send (see [`Throttle::admit_mail`]).
pub async fn admit(
    state: &AppState,
    req: &HttpRequest,
    throttle: Throttle,
    purpose: &str,
    email: &str,
) -> Result<bool, AppError> {
    let key = login_key(&format!("{purpose}:{email}"));
    let (ip, now) = (throttle_ip(req), state.clock.now());
    let gate = db::run(&state.pool, move |conn| {
        Ok(throttle.admit_mail(conn, &key, &ip, now)?)
    })
    .await?;
    match gate {
        MailGate::Send => Ok(true),
        MailGate::Quiet => Ok(false),
        MailGate::TooMany { retry_after_secs } => {
            Err(AppError::TooManyRequests { retry_after_secs })
        }
    }
}

/// Pages whose address holds (or held) a token: the browser must not send it on.
pub fn no_referrer(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// A form with one email field (resend verification, recover password).
#[derive(Template)]
#[template(path = "auth/email_request.html")]
pub struct EmailRequestPage {
    pub layout: Layout,
    pub title_key: &'static str,
    pub intro_key: &'static str,
    pub submit_key: &'static str,
    pub action: &'static str,
    pub email: String,
    pub email_error: Option<String>,
}

impl EmailRequestPage {
    fn error_items(&self) -> Vec<(&'static str, String)> {
        self.email_error
            .clone()
            .map(|e| vec![("email", e)])
            .unwrap_or_default()
    }
}

/// Which link was not valid: the page offers the matching way to get a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    Verification,
    Reset,
}

/// One page for every expired, used, voided or unknown link, so nobody learns which it was.
#[derive(Template)]
#[template(path = "auth/link_invalid.html")]
struct LinkInvalidPage {
    layout: Layout,
    reset: bool,
}

pub fn link_invalid(req: &HttpRequest, kind: LinkKind) -> Result<HttpResponse, AppError> {
    page(
        StatusCode::GONE,
        &LinkInvalidPage {
            layout: Layout::for_request(req),
            reset: kind == LinkKind::Reset,
        },
    )
    .map(no_referrer)
}
