//! Requests must name this site in `Host`: the base URL's host, a loopback name when the base
//! URL is a loopback one, or a host of `CUENTAS_ALLOWED_HOSTS`; anything else is 400. Nothing
//! builds links from `Host`, but a page or a cache keyed on a forged one has no business here.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::AppError;
use crate::state::AppState;

pub async fn check(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let host = requested_host(&req);
    let allowed = match (host, req.app_data::<web::Data<AppState>>()) {
        (Some(host), Some(state)) => state.settings.host_is_allowed(host),
        _ => false,
    };
    if !allowed {
        tracing::warn!(
            host = host.unwrap_or("-"),
            "request for another host refused"
        );
        return Ok(req
            .error_response(AppError::BadRequest)
            .map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// The host the request names: its `Host` header, else the authority of its URI (HTTP/2).
fn requested_host(req: &ServiceRequest) -> Option<&str> {
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
}
