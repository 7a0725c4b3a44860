//! RFC 9457 problem details, the body of every API error (`application/problem+json`).
//!
//! A handler fails with an [`ApiError`]; its response carries the [`ProblemSpec`] in its
//! extensions and no body. The error-page middleware (`routes::errors`) then writes the body
//! with [`problem_response`], where the request is at hand: the title, detail and each field's
//! message are in the caller's language (the signed-in user's, else `Accept-Language`). Errors
//! raised outside the API's handlers (unknown route, wrong method, a body over the limit, a
//! failed CSRF check) get a problem made from their status alone.

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts;
use crate::auth::CurrentUser;
use crate::domain::{Problem, Problems};
use crate::i18n::Lang;

/// The media type of a problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem as the API answers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetails {
    /// `urn:cuentas:problem:<kind>`: what went wrong, for programs.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// With 422: each field and what is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// One broken rule of one field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    /// The field as the request names it.
    pub field: String,
    /// The rule, stable for programs (the catalog key of its message).
    pub code: String,
    /// The rule in the caller's language.
    pub message: String,
}

/// What a failed API request says, before it is put into words.
#[derive(Clone, Debug)]
pub struct ProblemSpec {
    pub status: StatusCode,
    /// The kind: the end of the `type` URI and of the catalog key `api-problem-<kind>`.
    pub kind: &'static str,
    /// For 422: field problems.
    pub fields: Vec<(String, Problem)>,
    /// For a missing scope: its name.
    pub scope: Option<&'static str>,
}

/// Every way an API request fails.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request")]
    BadRequest,
    #[error("no or bad credentials")]
    Unauthorized,
    #[error("a second-step code is required")]
    CodeRequired,
    #[error("a sign-in link was mailed instead")]
    LinkSent,
    #[error("the address is not confirmed")]
    EmailNotVerified,
    #[error("the account is pending deletion")]
    PendingDeletion,
    #[error("forbidden")]
    Forbidden,
    #[error("the token lacks the scope {0}")]
    ScopeMissing(&'static str),
    #[error("not found")]
    NotFound,
    #[error("request body too large")]
    TooLarge,
    #[error("unsupported content type")]
    UnsupportedType,
    #[error("invalid fields")]
    Invalid(Vec<(String, Problem)>),
    #[error("throttled for {0}s")]
    Throttled(u64),
    #[error("a recent sign-in is required")]
    ReauthRequired,
    #[error("two-step sign-in must be set up first")]
    TwoStepRequired,
    #[error(transparent)]
    Unexpected(anyhow::Error),
}

impl ApiError {
    /// The refusal of an operation as the API states it.
    pub fn invalid(problems: Problems) -> Self {
        Self::Invalid(
            problems
                .iter()
                .map(|(field, problem)| (field.to_owned(), problem.clone()))
                .collect(),
        )
    }

    fn spec(&self) -> ProblemSpec {
        let (status, kind) = match self {
            Self::BadRequest => (StatusCode::BAD_REQUEST, "bad-request"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::CodeRequired => (StatusCode::UNAUTHORIZED, "code-required"),
            Self::LinkSent => (StatusCode::UNAUTHORIZED, "mailed-sign-in-link"),
            Self::EmailNotVerified => (StatusCode::FORBIDDEN, "email-not-verified"),
            Self::PendingDeletion => (StatusCode::FORBIDDEN, "pending-deletion"),
            Self::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            Self::ScopeMissing(_) => (StatusCode::FORBIDDEN, "scope-missing"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not-found"),
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too-large"),
            Self::UnsupportedType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-type"),
            Self::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            Self::Throttled(_) => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
            Self::ReauthRequired => (StatusCode::FORBIDDEN, "reauth"),
            Self::TwoStepRequired => (StatusCode::FORBIDDEN, "set-up-two-step"),
            Self::Unexpected(_) => (StatusCode::INTERNAL_SERVER_ERROR, "server"),
        };
        ProblemSpec {
            status,
            kind,
            fields: match self {
                Self::Invalid(fields) => fields.clone(),
                _ => Vec::new(),
            },
            scope: match self {
                Self::ScopeMissing(scope) => Some(scope),
                _ => None,
            },
        }
    }
}

impl From<accounts::Error> for ApiError {
    fn from(error: accounts::Error) -> Self {
        use accounts::Error;
        match error {
            Error::Invalid(problems) => Self::invalid(problems),
            Error::Throttled { retry_after_secs } => Self::Throttled(retry_after_secs),
            Error::NotFound => Self::NotFound,
            Error::LinkInvalid => Self::Unauthorized,
            Error::Forbidden => Self::Forbidden,
            Error::EmailNotVerified { .. } => Self::EmailNotVerified,
            Error::PendingDeletion(_) => Self::PendingDeletion,
            Error::ReauthRequired => Self::ReauthRequired,
            Error::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

impl From<crate::db::StorageError> for ApiError {
    fn from(error: crate::db::StorageError) -> Self {
        Self::Unexpected(error.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.spec().status
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = HttpResponse::new(self.status_code());
        match self {
            Self::Throttled(secs) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
            }
            Self::Unexpected(e) => tracing::error!(error = format!("{e:#}"), "request failed"),
            _ => {}
        }
        response.extensions_mut().insert(self.spec());
        response
    }
}

/// The language of the answer: the signed-in user's, else the best of `Accept-Language`.
pub fn caller_language(req: &HttpRequest) -> Lang {
    CurrentUser::of(req)
        .and_then(|current| Lang::from_code(&current.user.language))
        .unwrap_or_else(|| {
            Lang::from_accept_language(
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        })
}

/// The problem for an error response of an API path: its own spec, or one made from the
/// status (an error raised before any API handler ran).
pub fn problem_body(req: &HttpRequest, status: StatusCode, spec: Option<ProblemSpec>) -> String {
    let spec = spec.unwrap_or_else(|| ProblemSpec {
        status,
        kind: kind_of_status(status),
        fields: Vec::new(),
        scope: None,
    });
    let lang = caller_language(req);
    let title = lang.t(&format!("api-problem-{}", spec.kind));
    let detail = match spec.scope {
        Some(scope) => lang.t_args(
            "api-problem-scope-missing",
            &[("scope", FluentValue::from(scope))],
        ),
        None => title.clone(),
    };
    let errors = (spec.status == StatusCode::UNPROCESSABLE_ENTITY).then(|| {
        spec.fields
            .iter()
            .map(|(field, problem)| FieldError {
                field: field.clone(),
                code: problem.key.to_owned(),
                message: lang.problem(problem),
            })
            .collect()
    });
    let details = ProblemDetails {
        kind: format!("urn:cuentas:problem:{}", spec.kind),
        title,
        status: spec.status.as_u16(),
        detail,
        errors,
    };
    serde_json::to_string(&details).unwrap_or_default()
}

/// The kind of a bare error status.
fn kind_of_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method",
        413 => "too-large",
        415 => "unsupported-type",
        422 => "invalid",
        429 => "throttled",
        400..=499 => "bad-request",
        _ => "server",
    }
}

/// True for a path the JSON API answers.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Fills in the body of an API error response (see the module comment); a 401 also says how
/// to authenticate.
pub fn problem_response<B>(res: ServiceResponse<B>) -> ServiceResponse<EitherBody<B>> {
    let (req, mut response) = res.into_parts();
    let status = response.status();
    let spec = response.extensions_mut().remove::<ProblemSpec>();
    let body = problem_body(&req, status, spec);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"cuentas\""),
        );
    }
    let response = response.set_body(BoxBody::new(body));
    ServiceResponse::new(req, response).map_body(|_, body| EitherBody::right(body))
}
