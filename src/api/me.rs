//! `/api/v1/me`: one's profile, password, account deletion, sessions and history. Each
//! handler makes the one call the matching page makes (`accounts::profile`,
//! `accounts::password`, `accounts::deletion`, `accounts::sessions`,
//! `accounts::security_log`).

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiUser};
use super::problem::{ApiError, ProblemDetails};
use crate::accounts::profile::{ProfileFields, ProfileInput};
use crate::accounts::{self, sessions};
use crate::auth::session::client_of;
use crate::clock::Timestamp;
use crate::db::users::User;
use crate::state::AppState;

/// A profile as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct Profile {
    pub id: i32,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// A new address waiting for its confirmation link.
    pub pending_email: Option<String>,
    pub email_verified: bool,
    pub telefono: String,
    pub idioma: String,
    pub moneda: String,
    pub zona_horaria: String,
    /// ISO 3166 (`MX`), or `null` when it comes from the time zone.
    pub region: Option<String>,
    /// `admin` or `vendedor`.
    pub role: String,
    pub photo_url: String,
    pub profile_complete: bool,
    /// `onboarding` or `active`.
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login_at: Option<String>,
}

/// A time as the API writes it: RFC 3339 in UTC.
pub fn utc(at: Timestamp) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The profile of `user` (reads the pending address and the onboarding status).
pub async fn profile_of(state: &AppState, user: &User) -> Result<Profile, ApiError> {
    // The API has no page session to keep a photo for: the empty id matches none.
    let extras = accounts::profile::extras(state, user, "", false).await?;
    Ok(Profile {
        id: user.id,
        username: user.username.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        email: user.email.clone(),
        pending_email: extras.pending_email,
        email_verified: user.email_verified,
        telefono: user.phone.clone(),
        idioma: user.language.clone(),
        moneda: user.currency.clone(),
        zona_horaria: user.timezone.clone(),
        region: user.region.clone(),
        role: user.role.as_str().to_owned(),
        photo_url: crate::render::photo_url(user),
        profile_complete: extras.onboarding.profile_complete(),
        status: extras.onboarding.status().as_str().to_owned(),
        created_at: utc(user.created_at),
        last_login_at: user.last_login_at.map(utc),
    })
}

/// The caller's profile.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "me",
    responses(
        (status = 200, description = "The profile", body = Profile),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Scope perfil:leer missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn show_me(
    state: web::Data<AppState>,
    caller: ApiUser,
) -> Result<web::Json<Profile>, ApiError> {
    caller.require("perfil:leer")?;
    Ok(web::Json(profile_of(&state, caller.user()).await?))
}

/// Any subset of the profile's fields; `email` needs `password_actual`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub telefono: Option<String>,
    pub idioma: Option<String>,
    pub moneda: Option<String>,
    pub zona_horaria: Option<String>,
    /// ISO 3166 (`MX`) for how dates and amounts are written; `""` takes it from the time zone.
    pub region: Option<String>,
    /// The current password; needed only when `email` changes.
    pub password_actual: Option<String>,
}

impl ProfilePatch {
    /// The saved values with this patch's on top.
    fn over(self, user: &User) -> ProfileInput {
        let saved = ProfileFields::of(user);
        ProfileInput {
            fields: ProfileFields {
                username: self.username.unwrap_or(saved.username),
                first_name: self.first_name.unwrap_or(saved.first_name),
                last_name: self.last_name.unwrap_or(saved.last_name),
                email: self.email.unwrap_or(saved.email),
                telefono: self.telefono.unwrap_or(saved.telefono),
                idioma: self.idioma.unwrap_or(saved.idioma),
                moneda: self.moneda.unwrap_or(saved.moneda),
                zona_horaria: self.zona_horaria.unwrap_or(saved.zona_horaria),
                region: self.region.unwrap_or(saved.region),
            },
            password_actual: self.password_actual.unwrap_or_default(),
            foto_perfil: None,
            keep_photo_for: None,
        }
    }
}

/// Changes the profile with the profile page's rules.
#[utoipa::path(
    patch, path = "/api/v1/me", tag = "me",
    request_body = ProfilePatch,
    responses(
        (status = 200, description = "Saved", body = Profile),
        (status = 202, description = "Saved; the new address waits for its confirmation link (`pending_email`)", body = Profile),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Scope perfil:escribir missing, or no CSRF token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn update_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiUser,
    body: ApiJson<ProfilePatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require("perfil:escribir")?;
    let input = body.0.over(caller.user());
    let saved =
        accounts::profile::update_profile(&state, &client_of(&req), caller.user(), input).await?;
    let user = accounts::profile::reload(&state, caller.user().id).await?;
    let profile = profile_of(&state, &user).await?;
    Ok(if saved.email_change_requested {
        HttpResponse::Accepted().json(profile)
    } else {
        HttpResponse::Ok().json(profile)
    })
}

/// A password change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    pub old_password: Option<String>,
    pub new_password: Option<String>,
}

/// Changes the password with the password page's policy. Every session and token of the
/// account ends, but the cookie session that asked (its cookie gets the new session).
#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "me",
    request_body = PasswordChangeRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Scope perfil:escribir missing", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    caller: ApiUser,
    body: ApiJson<PasswordChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require("perfil:escribir")?;
    let new_password = body.0.new_password.unwrap_or_default();
    let change = accounts::password::PasswordChange {
        old_password: body.0.old_password.unwrap_or_default(),
        new_password1: new_password.clone(),
        new_password2: new_password,
    };
    let user = caller.user();
    let renewed = accounts::password::change_password(
        &state,
        &client_of(&req),
        user,
        &caller.current.session.id,
        change,
    )
    .await
    .map_err(|e| match e {
        accounts::Error::Invalid(problems) => ApiError::invalid(problems.renamed(&[
            ("new_password1", "new_password"),
            ("new_password2", "new_password"),
        ])),
        e => e.into(),
    })?;
    if !caller.bearer() {
        crate::auth::session::establish(&session, renewed).map_err(|_| {
            ApiError::Unexpected(anyhow::anyhow!("the session cookie was not renewed"))
        })?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// An account deletion request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeletionRequest {
    pub password: Option<String>,
    /// The account's address, typed again.
    pub confirmar_email: Option<String>,
}

/// When an account asked to be deleted goes.
#[derive(Serialize, ToSchema)]
pub struct DeletionScheduled {
    #[schema(value_type = String, format = DateTime)]
    pub purge_after: String,
}

/// Asks for the account's deletion, as the security centre does (a recent sign-in needed).
#[utoipa::path(
    delete, path = "/api/v1/me", tag = "me",
    request_body = DeletionRequest,
    responses(
        (status = 202, description = "Pending deletion", body = DeletionScheduled),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Scope perfil:escribir missing, or the sign-in is not recent", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn delete_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiUser,
    body: ApiJson<DeletionRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require("perfil:escribir")?;
    let recent = sessions::spend_recent(&state, &caller.current.session).await?;
    let input = accounts::deletion::DeletionRequest {
        confirm_email: body.0.confirmar_email.unwrap_or_default(),
        password: body.0.password.unwrap_or_default(),
    };
    let client = client_of(&req);
    let purge_after =
        accounts::deletion::request(&state, &client, caller.user(), input, recent).await?;
    Ok(HttpResponse::Accepted().json(DeletionScheduled {
        purge_after: utc(purge_after),
    }))
}

/// One live session (or API token family) of the caller.
#[derive(Serialize, ToSchema)]
pub struct SessionItem {
    /// The id to end it with (never the session's secret).
    pub id: String,
    /// The device in words ("Chrome en Linux"), or "API: <client>".
    pub device: String,
    pub client_address: String,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: String,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: String,
    /// The session of this request.
    pub current: bool,
}

/// The caller's live sessions, this one first.
#[utoipa::path(
    get, path = "/api/v1/me/sessions", tag = "me",
    responses(
        (status = 200, description = "Live sessions", body = Vec<SessionItem>),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Scope perfil:leer missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn list_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiUser,
) -> Result<web::Json<Vec<SessionItem>>, ApiError> {
    caller.require("perfil:leer")?;
    let lang = super::problem::caller_language(&req);
    let listed = sessions::list(&state, &caller.current.session).await?;
    Ok(web::Json(
        listed
            .into_iter()
            .map(|s| SessionItem {
                id: s.public_id,
                device: lang.device(&s.user_agent),
                client_address: s.client_address,
                started_at: utc(s.started_at),
                last_seen_at: utc(s.last_seen_at),
                current: s.current,
            })
            .collect(),
    ))
}

/// Ends one of the caller's other sessions (a recent sign-in needed, as on the page).
#[utoipa::path(
    delete, path = "/api/v1/me/sessions/{id}", tag = "me",
    params(("id" = String, Path, description = "The session's id from the list")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Scope perfil:escribir missing, or the sign-in is not recent", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such session of the caller (or the current one)", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn end_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("perfil:escribir")?;
    let session = &caller.current.session;
    let recent = sessions::spend_recent(&state, session).await?;
    let client = client_of(&req);
    sessions::end_other(&state, &client, session, id.into_inner(), recent).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `?page=N` (from 1).
#[derive(Deserialize, IntoParams)]
pub struct EventsQuery {
    /// The page, from 1 (anything else is page 1).
    pub page: Option<String>,
}

/// One event of the caller's security history.
#[derive(Serialize, ToSchema)]
pub struct EventItem {
    /// What happened, e.g. `signed_in`, `password_changed`.
    pub kind: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: String,
    pub client_address: String,
    pub device: String,
    /// The admin who acted, when someone else did.
    pub actor: Option<String>,
}

/// A page of the caller's security history, newest first.
#[derive(Serialize, ToSchema)]
pub struct EventsPage {
    pub page: i64,
    pub has_next: bool,
    pub events: Vec<EventItem>,
}

/// The caller's security history, 20 events a page.
#[utoipa::path(
    get, path = "/api/v1/me/events", tag = "me",
    params(EventsQuery),
    responses(
        (status = 200, description = "A page of events", body = EventsPage),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Scope perfil:leer missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn list_events(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiUser,
    query: web::Query<EventsQuery>,
) -> Result<web::Json<EventsPage>, ApiError> {
    caller.require("perfil:leer")?;
    let page = query
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1);
    let lang = super::problem::caller_language(&req);
    let history = accounts::security_log::history(&state, caller.user().id, page).await?;
    Ok(web::Json(EventsPage {
        page: history.page,
        has_next: history.has_next,
        events: history
            .entries
            .into_iter()
            .map(|e| EventItem {
                kind: e.kind.as_str().to_owned(),
                at: utc(e.at),
                client_address: e.client_address,
                device: lang.device(&e.user_agent),
                actor: e.actor,
            })
            .collect(),
    }))
}
