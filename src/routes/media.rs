//! `GET /media/fotos_perfil/{name}`: uploaded photos, streamed from the media store (folder or
//! bucket). Only names of the shape the server gives are looked up; the photos are immutable
//! (a new photo gets a new name), so they cache for a year.

use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::TryStreamExt;
use std::time::{SystemTime, UNIX_EPOCH};

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
    let modified = SystemTime::from(photo.last_modified);
    // A browser that holds this version gets no body (its stream is dropped unread).
    if held(&req, photo.e_tag.as_deref(), modified) {
        let mut response = HttpResponse::NotModified();
        response.insert_header((header::CACHE_CONTROL, IMMUTABLE));
        if let Some(tag) = &photo.e_tag {
            response.insert_header((header::ETAG, tag.as_str()));
        }
        return Ok(response.finish());
    }
    let mut response = HttpResponse::Ok();
    response
        .insert_header(ContentType::jpeg())
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{name}\""),
        ))
        .insert_header((header::LAST_MODIFIED, header::HttpDate::from(modified)))
        .no_chunking(photo.size);
    if let Some(tag) = &photo.e_tag {
        response.insert_header((header::ETAG, tag.as_str()));
    }
    let body = photo
        .body
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()));
    Ok(response.streaming(body))
}

/// Whether the client already holds this version: its `If-None-Match` lists `tag` (or is
/// `*`), or, when it sends no `If-None-Match` (which wins, RFC 9110 §13.2.2), its
/// `If-Modified-Since` is not older than the photo (to the second, as HTTP dates go).
fn held(req: &HttpRequest, tag: Option<&str>, modified: SystemTime) -> bool {
    if let Some(value) = req.headers().get(header::IF_NONE_MATCH) {
        return value.to_str().is_ok_and(|value| {
            value
                .split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || Some(t) == tag)
        });
    }
    let seconds = |time: SystemTime| {
        time.duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs())
    };
    req.get_header::<header::IfModifiedSince>()
        .is_some_and(|since| seconds(modified) <= seconds(SystemTime::from(since.0)))
}
