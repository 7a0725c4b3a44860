//! `GET /media/fotos_perfil/{name}`: uploaded photos, streamed from the media store (folder or
//! bucket). Only names of the shape the server gives are looked up; the photos are immutable
//! (a new photo gets a new name), so they cache for a year.

use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::TryStreamExt;

use crate::error::AppError;
use crate::photos::{PHOTO_DIR, is_photo_name};
use crate::state::AppState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub async fn profile_photo(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    if !is_photo_name(&name) {
        return Err(AppError::NotFound);
    }
    let photo = state
        .media
        .get(&format!("{PHOTO_DIR}/{name}"))
        .await
        .map_err(AppError::unexpected)?
        .ok_or(AppError::NotFound)?;
    // A browser that holds this version gets no body (its stream is dropped unread).
    if let Some(tag) = &photo.e_tag
        && names_tag(&req, tag)
    {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag.as_str()))
            .insert_header((header::CACHE_CONTROL, IMMUTABLE))
            .finish());
    }
    let mut response = HttpResponse::Ok();
    response
        .insert_header(ContentType::jpeg())
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{name}\""),
        ))
        .insert_header((
            header::LAST_MODIFIED,
            header::HttpDate::from(std::time::SystemTime::from(photo.last_modified)),
        ))
        .no_chunking(photo.size);
    if let Some(tag) = &photo.e_tag {
        response.insert_header((header::ETAG, tag.as_str()));
    }
    let body = photo
        .body
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()));
    Ok(response.streaming(body))
}

/// Whether the request's `If-None-Match` lists `tag` (or is `*`).
fn names_tag(req: &HttpRequest, tag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t == tag)
        })
}
