//! A user who must set up two-step sign-in (an admin under `CUENTAS_REQUIRE_TWO_STEP_ADMINS`,
//! a vendedor whose admin turned on `exigir_dos_pasos`) and has no factor yet can do nothing but
//! set it up (or log out): every other route answers 303 to `/seguridad/dos-pasos/`, or 403
//! JSON to a JSON request (for the API, a problem of its own kind, so that a client can tell
//! the user why). The same shape as the forced password change.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};

use crate::api::problem::ApiError;
use crate::auth::CurrentUser;
use crate::paths::{PASSKEYS, REAUTHENTICATE, TWO_STEP};
use crate::render::{see_other, wants_json};

/// Paths a user who must set up two-step sign-in may still use: the set-up of either factor
/// (and the password it may ask for again), signing out, files and the health check.
fn allowed(method: &Method, path: &str) -> bool {
    path == TWO_STEP
        || path.starts_with(PASSKEYS)
        || path == REAUTHENTICATE
        || (path == "/logout/" && method == Method::POST)
        || (path == "/api/v1/auth/logout" && method == Method::POST)
        || path.starts_with("/static/")
        || path.starts_with("/media/")
        || path == crate::paths::HEALTHZ
}

pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Found while the session was resolved (`accounts::sessions::resolve`): no trip here.
    let required = req
        .extensions()
        .get::<CurrentUser>()
        .is_some_and(|current| current.session.two_step_set_up_required);
    if !required || allowed(req.method(), req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let response = if crate::api::problem::is_api_path(req.path()) {
        ApiError::TwoStepRequired.error_response()
    } else if wants_json(req.request()) {
        HttpResponse::Forbidden().json(serde_json::json!({
            "ok": false,
            "error": "two_step_required",
            "location": TWO_STEP,
        }))
    } else {
        see_other(TWO_STEP)
    };
    Ok(req.into_response(response).map_into_right_body())
}
