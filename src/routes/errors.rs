//! The error page: every 4xx and 5xx response that is not already a page of its own (a form
//! re-rendered with 422, a JSON answer, a probe's plain text) gets a translated page in the
//! site layout.

use actix_web::HttpRequest;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::ErrorHandlerResponse;
use askama::Template;

use crate::render::Layout;

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    title_key: &'static str,
    message_key: &'static str,
}

/// The catalog keys for a status: (title, message).
fn keys_for(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        401 => ("error-401-title", "error-401-message"),
        403 => ("error-403-title", "error-403-message"),
        404 => ("error-404-title", "error-404-message"),
        405 => ("error-405-title", "error-405-message"),
        408 => ("error-408-title", "error-408-message"),
        413 => ("error-413-title", "error-413-message"),
        422 => ("error-422-title", "error-422-message"),
        429 => ("error-429-title", "error-429-message"),
        503 => ("error-503-title", "error-503-message"),
        // 400 and any other client error.
        400..=499 => ("error-400-title", "error-400-message"),
        _ => ("error-500-title", "error-500-message"),
    }
}

/// `ErrorHandlers` default handler.
pub fn render<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let path = res.request().path();
    // A probe's 503 says what is not ready, in plain text for the machine that asks.
    if path == crate::paths::HEALTHZ || path == crate::paths::READYZ {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    if crate::api::problem::is_api_path(path) {
        return Ok(ErrorHandlerResponse::Response(
            crate::api::problem::problem_response(res),
        ));
    }
    let already_a_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if already_a_page {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    if crate::render::wants_json(res.request()) {
        let (title_key, _) = keys_for(status);
        let body = serde_json::json!({ "ok": false, "error": title_key }).to_string();
        return Ok(ErrorHandlerResponse::Response(replace_body(
            res,
            "application/json",
            body,
        )));
    }
    Ok(ErrorHandlerResponse::Response(error_page(res)))
}

/// As [`render`], but a page of the route's own when `own` makes one (a form shown again with
/// the error beside its field, for an error refused before its handler ran).
pub fn render_own<B, F>(
    res: ServiceResponse<B>,
    own: impl FnOnce(HttpRequest) -> F + 'static,
) -> actix_web::Result<ErrorHandlerResponse<B>>
where
    B: MessageBody + 'static,
    F: Future<Output = Option<String>> + 'static,
{
    if crate::render::wants_json(res.request()) {
        return render(res);
    }
    Ok(ErrorHandlerResponse::Future(Box::pin(async move {
        match own(res.request().clone()).await {
            Some(body) => Ok(replace_body(res, "text/html; charset=utf-8", body)),
            None => Ok(error_page(res)),
        }
    })))
}

/// The translated error page for the response's status.
fn error_page<B>(res: ServiceResponse<B>) -> ServiceResponse<EitherBody<B>> {
    let status = res.status();
    let (title_key, message_key) = keys_for(status);
    let page = ErrorPage {
        layout: Layout::without_flashes(res.request()),
        status: status.as_u16(),
        title_key,
        message_key,
    };
    let body = match page.render() {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "the error page itself failed to render");
            String::from("Error")
        }
    };
    replace_body(res, "text/html; charset=utf-8", body)
}

/// The same response (status, headers such as Retry-After) with a new body.
fn replace_body<B>(
    res: ServiceResponse<B>,
    content_type: &'static str,
    body: String,
) -> ServiceResponse<EitherBody<B>> {
    let (req, mut response) = res.into_parts();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    let response = response.set_body(BoxBody::new(body));
    ServiceResponse::new(req, response).map_body(|_, body| EitherBody::right(body))
}
