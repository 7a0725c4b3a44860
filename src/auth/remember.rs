//! "Recordarme": the session cookie is a browser-session cookie (it goes when the browser
//! closes) unless the session was started with "Recordarme". For those, the middleware
//! [`keep_remembered`] (outside the session middleware) gives every `Set-Cookie` of the session
//! cookie a `Max-Age` reaching to the session's end, so the browser keeps it. Which requests
//! concern such a session is said by a [`RememberedUntil`] in the request's extensions: put by
//! the identity middleware for a live remembered session, and by the login page for a new one.

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};

use crate::clock::{Clock, Timestamp};

/// The end of the request's remembered session.
#[derive(Clone, Copy, Debug)]
pub struct RememberedUntil(pub Timestamp);

/// Marks the request as concerning a session remembered until `until` (if any).
pub fn mark(req: &HttpRequest, until: Option<Timestamp>) {
    if let Some(until) = until {
        req.extensions_mut().insert(RememberedUntil(until));
    }
}

/// Middleware: the session cookie of a remembered session persists until the session's end.
/// `cookie_name` is the session cookie's name.
pub async fn keep_remembered(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
    cookie_name: &'static str,
    clock: Clock,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let Some(RememberedUntil(until)) = res.request().extensions().get::<RememberedUntil>().copied()
    else {
        return Ok(res);
    };
    let seconds = (until - clock.now()).num_seconds();
    if seconds <= 0 {
        return Ok(res);
    }
    let headers = res.headers_mut();
    let cookies: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).cloned().collect();
    headers.remove(header::SET_COOKIE);
    for value in cookies {
        let patched = value
            .to_str()
            .ok()
            .and_then(|text| Cookie::parse(text.to_owned()).ok())
            .filter(|cookie| cookie.name() == cookie_name && !is_removal(cookie))
            .and_then(|mut cookie| {
                cookie.set_max_age(Duration::seconds(seconds));
                cookie.set_expires(None);
                HeaderValue::from_str(&cookie.to_string()).ok()
            });
        headers.append(header::SET_COOKIE, patched.unwrap_or(value));
    }
    Ok(res)
}

/// A cookie that deletes itself (signing out): left alone.
fn is_removal(cookie: &Cookie<'_>) -> bool {
    cookie.value().is_empty() || cookie.max_age().is_some_and(|age| age <= Duration::ZERO)
}
