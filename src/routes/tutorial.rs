//! `POST /marcar-tutorial-visto/`: the tutorial dialog was closed.
//!
//! Scripts call it with the CSRF header and get `{"ok": true}`; without JavaScript the dialog's
//! plain form posts here and comes back to the dashboard.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::accounts;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::paths;
use crate::render::see_other;
use crate::state::AppState;

pub async fn mark_tutorial_seen(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: Option<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    let Some(current) = current else {
        return Ok(
            HttpResponse::Unauthorized().json(json!({ "ok": false, "error": "login_required" }))
        );
    };
    accounts::onboarding::claim_tutorial(&state, current.user.id).await?;
    let from_script = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    Ok(if from_script {
        HttpResponse::Ok().json(json!({ "ok": true }))
    } else {
        see_other(paths::DASHBOARD)
    })
}
