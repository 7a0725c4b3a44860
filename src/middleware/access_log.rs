//! The access log: one line per request at INFO on the `access` target, with the method, the
//! route pattern, the status, the duration and the client address (the same request also
//! goes into the duration histogram of `/metrics`). It runs inside the request
//! span, so the line carries the request id too.
//!
//! The route pattern (`/verificar-email/{token}/`) is logged, not the path, so a token in a
//! link never reaches the log; a path that matched no route goes through
//! [`loggable_path`](crate::telemetry::loggable_path).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::auth::session::client_of;
use crate::telemetry::loggable_path;

/// Logs the request once its response is ready.
pub async fn log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let client = client_of(req.request()).address;
    let path = loggable_path(req.path()).into_owned();
    let outcome = next.call(req).await;
    let (status, pattern) = match &outcome {
        Ok(res) => (res.status().as_u16(), res.request().match_pattern()),
        Err(error) => (error.as_response_error().status_code().as_u16(), None),
    };
    let elapsed = started.elapsed();
    // The metrics count unmatched paths as one route: a scan of made-up paths adds no series.
    crate::metrics::request_finished(
        pattern.as_deref().unwrap_or("unmatched"),
        method.as_str(),
        status,
        elapsed,
    );
    let route = pattern.unwrap_or(path);
    let duration_ms = (elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
    tracing::info!(
        target: "access",
        method = %method,
        route = %route,
        status,
        duration_ms,
        client = %client,
        "request"
    );
    outcome
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};

    /// Log lines, kept for reading.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
        type Writer = Lines;

        fn make_writer(&'a self) -> Lines {
            self.clone()
        }
    }

    #[actix_web::test]
    async fn each_request_gets_one_line_with_its_route_pattern_and_never_a_token() {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(lines.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(App::new().wrap(from_fn(super::log)).route(
            "/verificar-email/{token}/",
            web::get().to(|| async { HttpResponse::Ok().finish() }),
        ))
        .await;
        for uri in [
            "/verificar-email/SECRET-TOKEN-1/",
            "/restablecer-password/SECRET-2/",
        ] {
            let request = test::TestRequest::get()
                .uri(uri)
                .peer_addr("203.0.113.9:5000".parse().unwrap())
                .to_request();
            test::call_service(&app, request).await;
        }
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let logged: Vec<&str> = text.lines().collect();
        assert_eq!(logged.len(), 2, "{text}");
        assert!(logged[0].contains(" INFO "), "{text}");
        for field in [
            "method=GET",
            "route=/verificar-email/{token}/",
            "status=200",
            "duration_ms=",
            "client=203.0.113.9",
        ] {
            assert!(logged[0].contains(field), "{field}: {text}");
        }
        assert!(
            logged[1].contains("route=/restablecer-password/…/"),
            "{text}"
        );
        assert!(logged[1].contains("status=404"), "{text}");
        assert!(!text.contains("SECRET"), "{text}");
    }
}
