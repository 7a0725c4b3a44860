//! How large and how slow a request body may be, decided before anything reads it: 64 KiB,
//! except on the routes that take files from a signed-in user (the upload limit plus room for
//! the other fields). A declared length over the limit is refused at once; any body is cut off
//! where it passes the limit (413) or when it has not arrived within
//! `CUENTAS_BODY_TIMEOUT_SECONDS` (408). So an anonymous visitor never makes the server hold
//! more than 64 KiB, nor wait on a body for long.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, web};
use futures_util::Stream;

use crate::auth::CurrentUser;
use crate::auth::csrf::FORM_BODY_LIMIT;
use crate::error::AppError;
use crate::state::AppState;

/// Middleware: bounds the body of every request that may carry one. `upload_paths` are the
/// routes that take files.
pub async fn bound(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    upload_paths: &'static [&'static str],
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method().is_safe() {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Err(AppError::unexpected(anyhow::anyhow!("no AppState")).into());
    };
    let takes_files =
        upload_paths.contains(&req.path()) && req.extensions().get::<CurrentUser>().is_some();
    let limit = if takes_files {
        state
            .settings
            .max_upload_bytes
            .saturating_add(FORM_BODY_LIMIT)
    } else {
        FORM_BODY_LIMIT
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Ok(req
            .error_response(AppError::PayloadTooLarge)
            .map_into_right_body());
    }
    let body = Bounded {
        inner: req.take_payload(),
        left: limit,
        deadline: Box::pin(tokio::time::sleep(state.settings.body_timeout)),
        done: false,
    };
    req.set_payload(Payload::from(
        Box::pin(body) as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>
    ));
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// The body, ending in an error once it passes `left` bytes or its deadline.
struct Bounded {
    inner: Payload,
    left: usize,
    deadline: Pin<Box<tokio::time::Sleep>>,
    done: bool,
}

impl Stream for Bounded {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.done = true;
            return Poll::Ready(Some(Err(timed_out())));
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) if chunk.len() > self.left => {
                self.done = true;
                Poll::Ready(Some(Err(PayloadError::Overflow)))
            }
            Poll::Ready(Some(Ok(chunk))) => {
                self.left -= chunk.len();
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

fn timed_out() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body did not arrive in time",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_body_is_a_408_and_an_oversized_one_a_413() {
        use actix_web::ResponseError;
        let status = |e: PayloadError| AppError::from_payload(&e).status_code().as_u16();
        assert_eq!(status(timed_out()), 408);
        assert_eq!(status(PayloadError::Overflow), 413);
        assert_eq!(status(PayloadError::Incomplete(None)), 400);
    }
}
