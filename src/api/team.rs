//! `/api/v1/team…`: an admin's vendedores (`accounts::team`, as `/equipo/`). A vendedor gets
//! 403; another admin's vendedor, an admin or an unknown id is 404.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiUser};
use super::me::utc;
use super::problem::{ApiError, ProblemDetails};
use crate::accounts::team::{self, NewVendedorInput, TeamAction};
use crate::auth::session::client_of;
use crate::db::users::User;
use crate::state::AppState;

/// A vendedor as their admin sees them.
#[derive(Serialize, ToSchema)]
pub struct TeamMember {
    pub id: i32,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: bool,
    pub email_verified: bool,
    pub must_change_password: bool,
    /// When a deletion asked for will happen (the member can be restored until then).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub purge_after: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login_at: Option<String>,
}

impl From<&User> for TeamMember {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            email: user.email.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            is_active: user.is_active,
            email_verified: user.email_verified,
            must_change_password: user.must_change_password,
            purge_after: user.purge_after.map(utc),
            last_login_at: user.last_login_at.map(utc),
        }
    }
}

/// The admin's vendedores, by username.
#[utoipa::path(
    get, path = "/api/v1/team", tag = "team",
    responses(
        (status = 200, description = "The team", body = Vec<TeamMember>),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or scope equipo:leer missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn list_team(
    state: web::Data<AppState>,
    caller: ApiUser,
) -> Result<web::Json<Vec<TeamMember>>, ApiError> {
    caller.require("equipo:leer")?;
    let members = team::members(&state, caller.user()).await?;
    Ok(web::Json(members.iter().map(TeamMember::from).collect()))
}

/// A new vendedor.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub username: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// A temporary password, shown in this answer only.
#[derive(Serialize, ToSchema)]
pub struct IssuedPassword {
    pub temporary_password: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: String,
}

/// A vendedor just created, with their temporary password (shown this once).
#[derive(Serialize, ToSchema)]
pub struct CreatedMember {
    pub member: TeamMember,
    #[serde(flatten)]
    pub password: IssuedPassword,
}

/// Adds a vendedor with a temporary password they must change at their first sign-in.
#[utoipa::path(
    post, path = "/api/v1/team", tag = "team",
    request_body = NewMember,
    responses(
        (status = 201, description = "Created", body = CreatedMember),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or scope equipo:escribir missing", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many new members this hour", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn create_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiUser,
    body: ApiJson<NewMember>,
) -> Result<HttpResponse, ApiError> {
    caller.require("equipo:escribir")?;
    let input = NewVendedorInput {
        username: body.0.username.unwrap_or_default(),
        email: body.0.email.unwrap_or_default(),
        first_name: body.0.first_name.unwrap_or_default(),
        last_name: body.0.last_name.unwrap_or_default(),
    };
    let admin = caller.user();
    let issued = team::create_vendedor(&state, &client_of(&req), admin, &input).await?;
    let member = team::members(&state, admin)
        .await?
        .into_iter()
        .find(|m| m.username == issued.username)
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Created().json(CreatedMember {
        member: TeamMember::from(&member),
        password: IssuedPassword {
            temporary_password: issued.password,
            expires_at: utc(issued.expires_at),
        },
    }))
}

/// One of the admin's vendedores.
#[utoipa::path(
    get, path = "/api/v1/team/{id}", tag = "team",
    params(("id" = i32, Path, description = "The vendedor's id")),
    responses(
        (status = 200, description = "The member", body = TeamMember),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or scope equipo:leer missing", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the admin's vendedores", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn show_member(
    state: web::Data<AppState>,
    caller: ApiUser,
    id: web::Path<i32>,
) -> Result<web::Json<TeamMember>, ApiError> {
    caller.require("equipo:leer")?;
    let member = team::member(&state, caller.user(), id.into_inner()).await?;
    Ok(web::Json(TeamMember::from(&member)))
}

/// The team page's actions: `desactivar`, `activar`, `restablecer-password` (answers the new
/// temporary password, this once), `reiniciar-tutorial`, `eliminar`, `restaurar`,
/// `reiniciar-dos-pasos`.
#[utoipa::path(
    post, path = "/api/v1/team/{id}/{action}", tag = "team",
    params(
        ("id" = i32, Path, description = "The vendedor's id"),
        ("action" = String, Path, description = "The action's word"),
    ),
    responses(
        (status = 200, description = "A new temporary password (restablecer-password)", body = IssuedPassword),
        (status = 204, description = "Done"),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or scope equipo:escribir missing", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the admin's vendedores, or no such action", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn act_on_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiUser,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require("equipo:escribir")?;
    let (id, word) = path.into_inner();
    let action = TeamAction::from_word(&word).ok_or(ApiError::NotFound)?;
    let issued = team::act_on_member(&state, &client_of(&req), caller.user(), id, action).await?;
    Ok(match issued {
        Some(issued) => HttpResponse::Ok().json(IssuedPassword {
            temporary_password: issued.password,
            expires_at: utc(issued.expires_at),
        }),
        None => HttpResponse::NoContent().finish(),
    })
}
