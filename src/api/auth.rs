//! `POST /api/v1/auth/token`, `/auth/refresh` and `/auth/logout`: the work is in
//! `accounts::api_tokens` (which signs in through `accounts::login`, like the login page).

use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiUser};
use super::problem::{ApiError, ProblemDetails};
use crate::accounts::api_tokens::{self, ApiSignIn, TokenPair};
use crate::accounts::login::Credentials;
use crate::auth::session::client_of;
use crate::state::AppState;

/// A sign-in: `codigo` is the second step's code, when the account has one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Email or username (case-insensitive).
    pub login: Option<String>,
    pub password: Option<String>,
    /// An authenticator code or a recovery code.
    pub codigo: Option<String>,
}

/// A new token pair.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds the access token works.
    pub expires_in: u64,
    pub refresh_token: String,
}

impl From<TokenPair> for TokenResponse {
    fn from(pair: TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: pair.expires_in,
            refresh_token: pair.refresh_token,
        }
    }
}

/// An exchange of a refresh token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: Option<String>,
}

/// Signs in and hands out an access and a refresh token.
#[utoipa::path(
    post, path = "/api/v1/auth/token", tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Wrong credentials, a code required, or a sign-in link mailed", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Address not confirmed, or pending deletion", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn issue_token(
    req: HttpRequest,
    state: actix_web::web::Data<AppState>,
    body: ApiJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let TokenRequest {
        login,
        password,
        codigo,
    } = body.0;
    let credentials = Credentials {
        login: login.unwrap_or_default(),
        password: password.unwrap_or_default(),
    };
    let outcome = api_tokens::sign_in(&state, &client_of(&req), credentials, codigo).await;
    match outcome {
        Ok(ApiSignIn::Tokens(pair)) => Ok(tokens(pair)),
        Ok(ApiSignIn::CodeRequired) => Err(ApiError::CodeRequired),
        Ok(ApiSignIn::LinkSent) => Err(ApiError::LinkSent),
        // A wrong password is a 401, not a form error.
        Err(crate::accounts::Error::Invalid(problems))
            if problems.iter().any(|(_, p)| p.key == "login-failed") =>
        {
            Err(ApiError::Unauthorized)
        }
        Err(e) => Err(e.into()),
    }
}

fn tokens(pair: TokenPair) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse::from(pair))
}

/// Exchanges a refresh token for a new pair; a refresh token used twice ends its family.
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Unknown, expired or reused refresh token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn refresh_token(
    req: HttpRequest,
    state: actix_web::web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.0.refresh_token.unwrap_or_default();
    let pair = api_tokens::refresh(&state, &client_of(&req), token).await?;
    Ok(tokens(pair))
}

/// Ends the caller's session or token family.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn logout(
    state: actix_web::web::Data<AppState>,
    caller: ApiUser,
) -> Result<HttpResponse, ApiError> {
    let session_id = caller.current.session.id.to_string();
    api_tokens::sign_out(&state, session_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
