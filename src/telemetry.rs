//! Logging: `tracing` to standard error, filtered by `RUST_LOG` (default `info`), as text or,
//! with `CUENTAS_LOG_FORMAT=json`, one JSON object per line (for a log shipper). Each
//! request's lines carry its request id through the span that `TracingLogger` opens.

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// Reads `CUENTAS_LOG_FORMAT` (`text`, the default, or `json`).
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("CUENTAS_LOG_FORMAT")
            .ok()
            .as_deref()
            .map(str::trim)
        {
            None | Some("" | "text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(format!(
                "CUENTAS_LOG_FORMAT: expected text or json, not {other:?}"
            )),
        }
    }
}

/// Text logs (tests; a second init keeps the first subscriber).
pub fn init() {
    init_as(LogFormat::Text);
}

/// Logs in the format `CUENTAS_LOG_FORMAT` names; a bad value is the error line to print.
pub fn init_from_env() -> Result<(), String> {
    init_as(LogFormat::from_env()?);
    Ok(())
}

fn init_as(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// The span around each request: method, path and request id on every line logged inside it,
/// the status once known. Redirects and client errors are not logged as errors (a login
/// redirect is routine); server errors are logged where they happen, with their chain.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %loggable_path(request.path()),
            request_id = %request_id,
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
        tracing::debug!(parent: &span, status = status.as_u16(), "request finished");
    }
}

/// The path with the one-time token of a mailed link replaced, so logs never hold a live
/// token.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in [
        "/verificar-email/",
        "/restablecer-password/",
        "/login/confirmar/",
    ] {
        if let Some(rest) = path.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return format!("{prefix}…/").into();
        }
    }
    path.into()
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn tokens_never_reach_the_log() {
        assert_eq!(
            loggable_path("/restablecer-password/abcDEF123_-/"),
            "/restablecer-password/…/"
        );
        assert_eq!(
            loggable_path("/verificar-email/abc/"),
            "/verificar-email/…/"
        );
        assert_eq!(
            loggable_path("/restablecer-password/"),
            "/restablecer-password/"
        );
        assert_eq!(
            loggable_path("/login/confirmar/abc/"),
            "/login/confirmar/…/"
        );
        assert_eq!(loggable_path("/perfil/"), "/perfil/");
    }
}
