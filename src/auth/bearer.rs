//! The API's second way in: `Authorization: Bearer <token>` (an access token from
//! `POST /api/v1/auth/token`, or a personal `cta_…` token). On an API path that carries the
//! header, the token alone decides who is asking: the session cookie is not read, so the
//! request needs no CSRF token and no cookie is set.

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;
use actix_web::http::header;
use actix_web::{HttpRequest, web};

use super::CurrentUser;
use crate::accounts;
use crate::error::AppError;
use crate::state::AppState;

/// The scopes of the bearer token of this request (`None`: a token from a sign-in, which may
/// do all its user may). Present only on requests authenticated by a bearer token.
#[derive(Clone, Debug)]
pub struct BearerScopes(pub Option<Vec<String>>);

/// A bearer token came and was not good (unknown, expired, its family ended, malformed):
/// the request is anonymous and the API answers 401 wherever a user is needed.
#[derive(Clone, Copy, Debug)]
pub struct BearerRefused;

/// True for an API request that carries an `Authorization` header.
pub fn presented(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/") && req.headers().contains_key(header::AUTHORIZATION)
}

/// Resolves the bearer token into the request's identity (or marks it refused).
pub async fn identify(req: &ServiceRequest) -> Result<(), AppError> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return Err(AppError::unexpected(anyhow::anyhow!("no AppState")));
    };
    let grant = match token {
        Some(token) => accounts::api_tokens::resolve(state, token).await?,
        None => None,
    };
    let mut extensions = req.extensions_mut();
    match grant {
        Some(grant) => {
            extensions.insert(CurrentUser {
                user: grant.session.user.clone(),
                session: grant.session,
            });
            extensions.insert(BearerScopes(grant.scopes));
        }
        None => {
            extensions.insert(BearerRefused);
        }
    }
    Ok(())
}
