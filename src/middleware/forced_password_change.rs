//! A user with `must_change_password` can do nothing but change it (or log out): every other
//! route answers 303 to `/cambiar-password/`, or 403 JSON to a JSON request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};

use crate::auth::CurrentUser;
use crate::render::{see_other, wants_json};

use crate::paths::CHANGE_PASSWORD as CHANGE_PASSWORD_PATH;

/// Paths a user under a forced change may still use.
fn allowed(method: &Method, path: &str) -> bool {
    path == CHANGE_PASSWORD_PATH
        || (path == "/logout/" && method == Method::POST)
        || path.starts_with("/static/")
        || path.starts_with("/media/")
        || path == "/healthz"
        || path == "/api/v1/me/password"
        || path == "/api/v1/auth/logout"
        || path == "/api/v1/openapi.json"
}

pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let must_change = req
        .extensions()
        .get::<CurrentUser>()
        .is_some_and(|current| current.user.must_change_password);
    if !must_change || allowed(req.method(), req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let response = if wants_json(req.request()) {
        HttpResponse::Forbidden().json(serde_json::json!({
            "ok": false,
            "error": "password_change_required",
            "location": CHANGE_PASSWORD_PATH,
        }))
    } else {
        see_other(CHANGE_PASSWORD_PATH)
    };
    Ok(req.into_response(response).map_into_right_body())
}
