//! `GET /healthz`: 200 when the database answers, 503 when it does not.

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
