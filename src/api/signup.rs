//! `POST /api/v1/auth/register`, `/auth/resend-verification` and `/auth/password-reset`: the
//! sign-up and mailed-link pages' operations (`accounts::signup`, `accounts::request_link`),
//! with their answers that say nothing about which addresses have accounts (202).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use super::problem::{ApiError, ProblemDetails, caller_language};
use crate::accounts::{self, LinkRequest, signup::SignupInput};
use crate::auth::session::client_of;
use crate::domain::{EmailAddress, Problems};
use crate::state::AppState;

/// A sign-up of an admin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub nombre_empresa: Option<String>,
}

/// The same answer whatever happened with the address.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
    /// Always true: look in the mailbox.
    pub accepted: bool,
}

fn accepted() -> HttpResponse {
    HttpResponse::Accepted().json(Accepted { accepted: true })
}

/// Signs an admin up; a confirmation link goes to the address (or, when the address already
/// has an account, a notice to it): the answer is the same.
#[utoipa::path(
    post, path = "/api/v1/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "Look in the mailbox", body = Accepted),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Sign-up is off", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many sign-ups", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let password = body.password.unwrap_or_default();
    let input = SignupInput {
        username: body.username.unwrap_or_default(),
        email: body.email.unwrap_or_default(),
        password1: password.clone(),
        password2: password,
        first_name: body.first_name.unwrap_or_default(),
        last_name: body.last_name.unwrap_or_default(),
        company_name: body.nombre_empresa.unwrap_or_default(),
        language: caller_language(&req).code(),
    };
    accounts::signup::sign_up(&state, &client_of(&req), input)
        .await
        .map_err(|e| match e {
            accounts::Error::Invalid(problems) => ApiError::invalid(
                problems.renamed(&[("password1", "password"), ("password2", "password")]),
            ),
            e => e.into(),
        })?;
    Ok(accepted())
}

/// An address to mail a link to.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    pub email: Option<String>,
}

async fn request_link(
    req: &HttpRequest,
    state: web::Data<AppState>,
    kind: LinkRequest,
    email: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let email = EmailAddress::parse(&email.unwrap_or_default())
        .map_err(|problem| ApiError::invalid(Problems::one("email", problem)))?;
    accounts::request_link(state.into_inner(), &client_of(req), kind, email).await?;
    Ok(accepted())
}

/// Mails a new confirmation link when the address has an unconfirmed account.
#[utoipa::path(
    post, path = "/api/v1/auth/resend-verification", tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Look in the mailbox", body = Accepted),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Not an address", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn resend_verification(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<EmailRequest>,
) -> Result<HttpResponse, ApiError> {
    request_link(&req, state, LinkRequest::Verification, body.0.email).await
}

/// Mails a password-reset link when the address has an active account.
#[utoipa::path(
    post, path = "/api/v1/auth/password-reset", tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Look in the mailbox", body = Accepted),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Not an address", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<EmailRequest>,
) -> Result<HttpResponse, ApiError> {
    request_link(&req, state, LinkRequest::PasswordReset, body.0.email).await
}
