//! Entering after a sign-in, on the page side: the session cookie (see [`super::session`]),
//! the "recordarme" persistence (see [`super::remember`]) and the known-browser cookie, which
//! names this browser to the accounts it signed in to (see `accounts::login`).

use actix_session::Session;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::{remember, session};
use crate::accounts::login::SignedIn;
use crate::error::AppError;

/// The cookie that names this browser to the accounts it signed in to.
pub const BROWSER_COOKIE: &str = "cuentas_browser";
/// Browsers keep a cookie at most 400 days; each sign-in renews it.
const BROWSER_COOKIE_DAYS: i64 = 400;

/// The known-browser id this browser sent, if any.
pub fn browser_of(req: &HttpRequest) -> Option<String> {
    req.cookie(BROWSER_COOKIE).map(|c| c.value().to_owned())
}

/// Starts the session in the cookie, renews the known-browser cookie and answers 303 to
/// `target`.
pub fn enter(
    req: &HttpRequest,
    session: &Session,
    https: bool,
    signed_in: SignedIn,
    target: &str,
) -> Result<HttpResponse, AppError> {
    session::establish(session, signed_in.session.id)?;
    remember::mark(req, signed_in.session.remember_until);
    let cookie = Cookie::build(BROWSER_COOKIE, signed_in.browser_id)
        .path("/")
        .http_only(true)
        .secure(https)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(BROWSER_COOKIE_DAYS))
        .finish();
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, target))
        .finish();
    response.add_cookie(&cookie).map_err(AppError::unexpected)?;
    Ok(response)
}
