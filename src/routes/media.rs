//! `GET /media/fotos_perfil/{name}`: uploaded photos. Only names of the shape the server gives
//! are opened; the files are immutable (a new photo gets a new name), so they cache for a year.

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::AppError;
use crate::photos::{PHOTO_DIR, is_photo_name};
use crate::state::AppState;

pub async fn profile_photo(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    let Some(path) = is_photo_name(&name)
        .then(|| state.media.file_of(&format!("{PHOTO_DIR}/{name}")))
        .flatten()
    else {
        return Err(AppError::NotFound);
    };
    let file = web::block(move || NamedFile::open(path))
        .await
        .map_err(AppError::unexpected)?
        .map_err(|_| AppError::NotFound)?;
    let mut response = file
        .set_content_type(ContentType::jpeg().0)
        .use_etag(true)
        .into_response(&req);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}
