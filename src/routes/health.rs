//! `GET /healthz`: 200 when the database answers, 503 when it does not; `GET /readyz`; and
//! `GET /metrics` (served on the metrics listener only).

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use diesel::RunQueryDsl;

use crate::db;
use crate::state::AppState;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let answer = db::run(&state.pool, |conn| {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok::<_, db::StorageError>(())
    })
    .await;
    match answer {
        Ok(()) => HttpResponse::Ok()
            .insert_header(ContentType::plaintext())
            .body("ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: the database does not answer");
            HttpResponse::ServiceUnavailable()
                .insert_header(ContentType::plaintext())
                .body("database unavailable")
        }
    }
}

/// `GET /readyz`: 200 when the database answers with this version's schema and the media
/// store answers; 503 naming what is not ready. A load balancer sends traffic only to ready
/// instances; `/healthz` stays the cheap liveness probe.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let readiness = crate::accounts::monitoring::readiness(&state).await;
    if readiness.is_ready() {
        return HttpResponse::Ok()
            .insert_header(ContentType::plaintext())
            .body("ready");
    }
    let mut problems = Vec::new();
    if !readiness.database {
        problems.push("database unavailable");
    } else if !readiness.migrations {
        problems.push("migrations not current");
    }
    if !readiness.media {
        problems.push("media store unavailable");
    }
    HttpResponse::ServiceUnavailable()
        .insert_header(ContentType::plaintext())
        .body(problems.join("\n"))
}

/// `GET /metrics` on the metrics listener: the Prometheus text exposition.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    match crate::accounts::monitoring::gauges(&state).await {
        Ok(gauges) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(crate::metrics::render(&gauges)),
        Err(e) => {
            tracing::error!(error = %e, "metrics: the database does not answer");
            HttpResponse::ServiceUnavailable()
                .insert_header(ContentType::plaintext())
                .body("database unavailable")
        }
    }
}
