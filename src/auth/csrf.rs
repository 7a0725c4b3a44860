//! CSRF protection for every unsafe request: the per-session token must come back in the
//! `csrf_token` form field or the `X-CSRF-Token` header, and a present Origin (else Referer)
//! must be this site. A failure is a 403 page and the handler never runs.

use actix_session::{Session, SessionExt};
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use futures_util::StreamExt;
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::startup::AppState;

const TOKEN_KEY: &str = "csrf";
pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
/// Url-encoded forms here are small; a larger one is refused before anything parses it.
pub const FORM_BODY_LIMIT: usize = 64 * 1024;

/// The session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(TOKEN_KEY) {
        return token;
    }
    rotate(session)
}

/// Replaces the token (at login, so a token seen before login is worthless after it).
pub fn rotate(session: &Session) -> String {
    let token = super::session::random_token();
    // Inserting a String cannot fail to serialise.
    let _ = session.insert(TOKEN_KEY, &token);
    token
}

/// Middleware: checks unsafe methods, lets safe ones through.
pub async fn verify(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method().is_safe() {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    match check(&mut req).await {
        Ok(()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        Err(e) => {
            tracing::warn!(path = req.path(), reason = %e, "CSRF check failed");
            Ok(req.error_response(e).map_into_right_body())
        }
    }
}

async fn check(req: &mut ServiceRequest) -> Result<(), AppError> {
    if !same_origin(req) {
        return Err(AppError::CsrfFailed);
    }
    let expected = req
        .get_session()
        .get::<String>(TOKEN_KEY)
        .ok()
        .flatten()
        .ok_or(AppError::CsrfFailed)?;
    let sent = match header_token(req) {
        Some(token) => token,
        None if is_urlencoded_form(req) => form_token(req).await?.ok_or(AppError::CsrfFailed)?,
        None => return Err(AppError::CsrfFailed),
    };
    if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::CsrfFailed)
    }
}

fn header_token(req: &ServiceRequest) -> Option<String> {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn is_urlencoded_form(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

/// Reads the form body (bounded), finds the token, and puts the body back for the handler.
async fn form_token(req: &mut ServiceRequest) -> Result<Option<String>, AppError> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest)?;
        if body.len() + chunk.len() > FORM_BODY_LIMIT {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let body: Bytes = body.freeze();
    let token = url::form_urlencoded::parse(&body)
        .find(|(name, _)| name == FORM_FIELD)
        .map(|(_, value)| value.into_owned());
    req.set_payload(actix_web::dev::Payload::from(body));
    Ok(token)
}

/// A browser says where a request comes from in Origin (or at least Referer); when it says so,
/// it must be this site: the scheme and Host it asked for, or the configured public URL.
fn same_origin(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .map(|v| v.to_str().unwrap_or("null"));
    let Some(claimed) = claimed else {
        return true;
    };
    let Ok(url) = url::Url::parse(claimed) else {
        return false;
    };
    let Some(origin) = origin_of(&url) else {
        return false;
    };
    let requested = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|host| {
            format!(
                "{}://{}",
                req.connection_info().scheme(),
                host.to_ascii_lowercase()
            )
        });
    let public = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| origin_of(&state.settings.base_url));
    requested.as_deref() == Some(origin.as_str()) || public.as_deref() == Some(&origin)
}

/// `scheme://host[:port]`, the port only when it is not the scheme's default.
fn origin_of(url: &url::Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}
