//! `AppError`: every way a request can fail, mapped to a status. The page itself is rendered
//! by [`crate::routes::errors`] for any error status, so framework errors (unknown route, wrong
//! method, oversized body) get the same translated page as ours. A 5xx shows no internals;
//! the log gets the whole chain.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("the CSRF check failed")]
    CsrfFailed,
    #[error("forbidden")]
    Forbidden,
    #[error("login required")]
    LoginRequired { next: String },
    /// A sensitive action needs the password again: 303 to `/reautenticar/`, then `next`.
    #[error("re-authentication required")]
    ReauthRequired { next: String },
    #[error("too many attempts; retry in {retry_after_secs}s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("bad request")]
    BadRequest,
    #[error("invalid input")]
    Unprocessable,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AppError {
    /// Wraps an error nobody can act on; the user sees a generic 500 page.
    pub fn unexpected(error: impl Into<anyhow::Error>) -> Self {
        Self::Unexpected(error.into())
    }
}

impl AppError {
    /// What a failed body read means for the answer: too large (413), too slow (408; see
    /// `middleware::request_body`), or broken (400).
    pub fn from_payload(error: &actix_web::error::PayloadError) -> Self {
        use actix_web::error::PayloadError;
        match error {
            PayloadError::Overflow => Self::PayloadTooLarge,
            PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => Self::RequestTimeout,
            _ => Self::BadRequest,
        }
    }
}

impl From<crate::db::StorageError> for AppError {
    fn from(error: crate::db::StorageError) -> Self {
        Self::unexpected(error)
    }
}

/// What an operation's refusal means to a caller who did not handle it: a page front shows
/// field problems and spent links itself, so here they only get their status.
impl From<crate::accounts::Error> for AppError {
    fn from(error: crate::accounts::Error) -> Self {
        use crate::accounts::Error;
        match error {
            Error::Invalid(_) => Self::Unprocessable,
            Error::Throttled { retry_after_secs } => Self::TooManyRequests { retry_after_secs },
            Error::NotFound | Error::LinkInvalid => Self::NotFound,
            Error::Forbidden | Error::EmailNotVerified { .. } => Self::Forbidden,
            Error::ReauthRequired => Self::ReauthRequired {
                next: String::new(),
            },
            Error::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        Self::unexpected(error)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::CsrfFailed | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::LoginRequired { .. } | Self::ReauthRequired { .. } => StatusCode::SEE_OTHER,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bare response: the error-page middleware fills in the body with the request's
    /// language and layout.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::new(self.status_code());
        match self {
            Self::LoginRequired { next } | Self::ReauthRequired { next } => {
                let page = match self {
                    Self::ReauthRequired { .. } => crate::paths::REAUTHENTICATE,
                    _ => crate::paths::LOGIN,
                };
                let location = if next.is_empty() {
                    page.to_owned()
                } else {
                    format!("{page}?next={}", encode_query_value(next))
                };
                if let Ok(value) = HeaderValue::from_str(&location) {
                    response.headers_mut().insert(header::LOCATION, value);
                }
            }
            Self::TooManyRequests { retry_after_secs } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            // The rest of the body is not wanted: the connection ends with this answer.
            Self::PayloadTooLarge | Self::RequestTimeout => response
                .head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close),
            Self::Unexpected(e) => tracing::error!(error = format!("{e:#}"), "request failed"),
            _ => {}
        }
        response
    }
}

/// Percent-encodes a value for a query string.
pub fn encode_query_value(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
