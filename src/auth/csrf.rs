//! CSRF protection for every unsafe request: the per-session token must come back in the
//! `X-CSRF-Token` header or the `csrf_token` field of a url-encoded or multipart form, and a
//! present Origin (else Referer) must be this site. A failure is a 403 page and the handler
//! never runs. Form bodies are read here (bounded) and handed on untouched.

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
use crate::state::AppState;

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
    let token = crate::token::random_token();
    // Inserting a String cannot fail to serialise.
    let _ = session.insert(TOKEN_KEY, &token);
    token
}

/// Middleware: checks unsafe methods, lets safe ones through.
pub async fn verify(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let checked = if req.method().is_safe() || api_exempt(&req) {
        Ok(())
    } else {
        check(&mut req).await
    };
    if let Err(e) = checked {
        let path = crate::telemetry::loggable_path(req.path());
        if matches!(e, AppError::CsrfFailed) {
            tracing::warn!(%path, "CSRF check failed");
        } else {
            tracing::info!(%path, reason = %e, "request body refused");
        }
        return Ok(req.error_response(e).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// An API request is checked only when the session cookie is its identity: a bearer token is
/// never sent by a browser on its own, and an API request with no identity (signing in,
/// signing up, a refresh) acts for no one a forged request could abuse.
fn api_exempt(req: &ServiceRequest) -> bool {
    req.path().starts_with("/api/")
        && (super::bearer::presented(req.request())
            || req.extensions().get::<super::CurrentUser>().is_none())
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
        None => match body_kind(req) {
            Some(kind) => body_token(req, kind).await?.ok_or(AppError::CsrfFailed)?,
            None => return Err(AppError::CsrfFailed),
        },
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

/// The two kinds of form body a browser sends without JavaScript.
#[derive(Clone, Copy)]
enum BodyKind {
    UrlEncoded,
    Multipart,
}

fn body_kind(req: &ServiceRequest) -> Option<BodyKind> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())?
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        Some(BodyKind::UrlEncoded)
    } else if content_type.starts_with("multipart/form-data") {
        Some(BodyKind::Multipart)
    } else {
        None
    }
}

/// Reads the body (already bounded in size and time by `middleware::request_body`: 64 KiB,
/// or an upload from a signed-in user), finds the token, and puts the body back for the
/// handler.
async fn body_token(req: &mut ServiceRequest, kind: BodyKind) -> Result<Option<String>, AppError> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::from_payload(&e))?;
        body.extend_from_slice(&chunk);
    }
    let body: Bytes = body.freeze();
    let token = match kind {
        BodyKind::UrlEncoded => url::form_urlencoded::parse(&body)
            .find(|(name, _)| name == FORM_FIELD)
            .map(|(_, value)| value.into_owned()),
        BodyKind::Multipart => multipart_token(req.headers(), body.clone()).await,
    };
    req.set_payload(actix_web::dev::Payload::from(body));
    Ok(token)
}

/// The `csrf_token` field of a buffered multipart body; a malformed body has none.
async fn multipart_token(headers: &header::HeaderMap, body: Bytes) -> Option<String> {
    /// A token is 43 characters; anything much longer is not one.
    const MAX_TOKEN: usize = 256;
    let stream = futures_util::stream::once(async move { Ok(body) });
    let mut multipart = actix_multipart::Multipart::new(headers, stream);
    while let Some(Ok(mut field)) = multipart.next().await {
        if field.name() != Some(FORM_FIELD) {
            continue;
        }
        let mut value = Vec::new();
        while let Some(Ok(chunk)) = field.next().await {
            if value.len() + chunk.len() > MAX_TOKEN {
                return None;
            }
            value.extend_from_slice(&chunk);
        }
        return String::from_utf8(value).ok();
    }
    None
}

/// A browser says where a request comes from in Origin (or at least Referer); when it says so,
/// it must be this site: the scheme and Host it asked for, or the configured public URL.
/// `Origin: null` says nothing: browsers send it for a form posted from a page with
/// `Referrer-Policy: no-referrer` (the password reset pages), so it counts as absent and the
/// token alone decides.
fn same_origin(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let claimed = headers
        .get(header::ORIGIN)
        .filter(|origin| origin.as_bytes() != b"null")
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
