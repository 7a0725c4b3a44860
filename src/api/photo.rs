//! `PUT /api/v1/me/photo` (multipart field `foto_perfil`, or the picture itself as an
//! `image/*` body) and `DELETE /api/v1/me/photo`: `accounts::profile`, the profile form's
//! pipeline and limits.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use utoipa::ToSchema;

use super::extract::ApiUser;
use super::me::{Profile, profile_of};
use super::problem::{ApiError, ProblemDetails};
use crate::accounts;
use crate::state::AppState;

/// The multipart form of a photo upload.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "only describes the multipart body in the document"
)]
pub struct PhotoUpload {
    #[schema(value_type = String, format = Binary)]
    foto_perfil: Vec<u8>,
}

/// Replaces the caller's photo.
#[utoipa::path(
    put, path = "/api/v1/me/photo", tag = "me",
    request_body(content(
        (PhotoUpload = "multipart/form-data"),
        (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"),
    )),
    responses(
        (status = 200, description = "The profile with its new photo", body = Profile),
        (status = 400, description = "A broken multipart body", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Scope perfil:escribir missing", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Over the upload limit", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Neither multipart nor an image", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Not a picture the pipeline takes", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn put_photo(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiUser,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require("perfil:escribir")?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let limit = state.settings.max_upload_bytes + crate::auth::csrf::FORM_BODY_LIMIT;
    let bytes = if content_type.starts_with("multipart/form-data") {
        multipart_photo(&req, payload, limit).await?
    } else if content_type.starts_with("image/") {
        read_all(payload, limit).await?
    } else {
        return Err(ApiError::UnsupportedType);
    };
    accounts::profile::replace_photo(&state, caller.user(), bytes).await?;
    let user = accounts::profile::reload(&state, caller.user().id).await?;
    Ok(HttpResponse::Ok().json(profile_of(&state, &user).await?))
}

async fn read_all(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => ApiError::TooLarge,
            _ => ApiError::BadRequest,
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The `foto_perfil` part of a multipart body (empty when there is none).
async fn multipart_photo(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| ApiError::BadRequest)?;
        if field.name() != Some("foto_perfil") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| ApiError::BadRequest)?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(bytes);
    }
    Ok(Vec::new())
}

/// Removes the caller's uploaded photo (back to the default picture).
#[utoipa::path(
    delete, path = "/api/v1/me/photo", tag = "me",
    responses(
        (status = 204, description = "Removed (or there was none)"),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Scope perfil:escribir missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn delete_photo(
    state: web::Data<AppState>,
    caller: ApiUser,
) -> Result<HttpResponse, ApiError> {
    caller.require("perfil:escribir")?;
    accounts::profile::remove_photo(&state, caller.user()).await?;
    Ok(HttpResponse::NoContent().finish())
}
