//! `GET /api/v1/users/{id}`: oneself, or an admin's own vendedor (`accounts::team`).

use actix_web::web;

use super::extract::ApiUser;
use super::me::{Profile, profile_of};
use super::problem::{ApiError, ProblemDetails};
use crate::accounts;
use crate::state::AppState;

/// An account's profile: one's own, or (for an admin) one of their vendedores.
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i32, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The profile", body = Profile),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Someone else's account, or a scope missing", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Not an id", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn show_user(
    state: web::Data<AppState>,
    caller: ApiUser,
    id: web::Path<i32>,
) -> Result<web::Json<Profile>, ApiError> {
    let id = id.into_inner();
    caller.require(if id == caller.user().id {
        "perfil:leer"
    } else {
        "equipo:leer"
    })?;
    let user = accounts::team::visible_user(&state, caller.user(), id).await?;
    Ok(web::Json(profile_of(&state, &user).await?))
}
