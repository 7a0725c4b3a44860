//! `GET /static/{path}`: the embedded assets. A hashed name answers from memory with a year of
//! caching; a plain name (`/static/css/app.css`, as older pages and bookmarks have it)
//! redirects to the current hashed one; anything else is 404.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::assets::{Lookup, lookup};
use crate::error::AppError;

pub async fn static_asset(
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match lookup(&path) {
        Lookup::Found(asset) => {
            let unchanged = req
                .headers()
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|tags| tags.split(',').any(|t| t.trim() == asset.etag));
            let mut response = if unchanged {
                HttpResponse::NotModified()
            } else {
                HttpResponse::Ok()
            };
            response
                .insert_header((header::ETAG, asset.etag.as_str()))
                .insert_header((
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ));
            if unchanged {
                return Ok(response.finish());
            }
            Ok(response.content_type(asset.content_type).body(asset.body))
        }
        Lookup::MovedTo(url) => Ok(HttpResponse::TemporaryRedirect()
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .finish()),
        Lookup::Missing => Err(AppError::NotFound),
    }
}
