//! `GET, POST /equipo/` and `POST /equipo/{id}/{action}/`: an admin's team of vendedores.
//!
//! Every route takes an [`AdminUser`] (a vendedor gets 403) and every query is scoped by the
//! admin's id (someone else's vendedor, an admin or an unknown id is 404).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::TimeZone;
use serde::{Deserialize, Serialize};

use crate::auth::AdminUser;
use crate::auth::password::temporary_password;
use crate::clock::Timestamp;
use crate::db;
use crate::db::team::{NewVendedor, TeamAction, TeamChange, TempPassword};
use crate::db::users::{NewUser, Taken, User};
use crate::domain::profile::{PersonName, parse_timezone};
use crate::domain::{EmailAddress, Role, Username};
use crate::error::AppError;
use crate::render::{FieldErrors, FlashLevel, Layout, flash, page, see_other};
use crate::startup::AppState;

pub const TEAM_PATH: &str = "/equipo/";
/// The temporary password waiting in the session to be shown once.
const ISSUED_KEY: &str = "issued_password";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct NewVendedorForm {
    username: String,
    email: String,
    first_name: String,
    last_name: String,
}

/// A temporary password just issued, shown on the next team page of the admin who issued it
/// and then forgotten.
#[derive(Serialize, Deserialize)]
struct IssuedPassword {
    admin_id: i32,
    username: String,
    password: String,
    /// When it stops working, in the admin's time zone.
    expires: String,
}

/// Never prints the password, whatever logs it.
impl std::fmt::Debug for IssuedPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedPassword")
            .field("admin_id", &self.admin_id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// One row of the team table.
struct Member {
    id: i32,
    name: String,
    username: String,
    email: String,
    active: bool,
    must_change_password: bool,
    temp_password_expired: bool,
    email_verified: bool,
    last_login: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/team.html")]
struct TeamPage {
    layout: Layout,
    members: Vec<Member>,
    issued: Option<IssuedPassword>,
    values: NewVendedorForm,
    errors: FieldErrors,
}

impl TeamPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field)
    }

    fn error_items(&self) -> Vec<(&'static str, String)> {
        self.errors.items()
    }
}

pub async fn team(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    AdminUser(current): AdminUser,
) -> Result<HttpResponse, AppError> {
    // Taken out of the session: it is shown on this page and never again, and only to the
    // admin who issued it (another admin may have logged in on this browser since).
    let issued = session
        .remove_as::<IssuedPassword>(ISSUED_KEY)
        .and_then(Result::ok)
        .filter(|issued| issued.admin_id == current.user.id);
    let layout = Layout::for_request(&req);
    let page_data = team_page(
        &state,
        layout,
        &current.user,
        issued,
        NewVendedorForm::default(),
        FieldErrors::default(),
    )
    .await?;
    page(StatusCode::OK, &page_data)
}

pub async fn create_vendedor(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    AdminUser(current): AdminUser,
    form: web::Form<NewVendedorForm>,
) -> Result<HttpResponse, AppError> {
    let admin = &current.user;
    let layout = Layout::for_request(&req);
    let lang = layout.lang;
    let values = form.into_inner();
    let mut errors = FieldErrors::default();
    let username = Username::parse(&values.username)
        .map_err(|p| errors.add("username", lang.t(p.message_key())))
        .ok();
    let email = EmailAddress::parse(&values.email)
        .map_err(|p| errors.add("email", lang.t(p.message_key())))
        .ok();
    let first_name = PersonName::parse(&values.first_name)
        .map_err(|key| errors.add("first_name", lang.t(about_them(key))))
        .ok();
    let last_name = PersonName::parse(&values.last_name)
        .map_err(|key| errors.add("last_name", lang.t(about_them(key))))
        .ok();
    let (Some(username), Some(email), Some(first_name), Some(last_name)) =
        (username, email, first_name, last_name)
    else {
        return invalid(&state, layout, admin, values, errors).await;
    };

    let password = temporary_password();
    let hash = state.passwords.hash(password.clone()).await?;
    let now = state.clock.now();
    let expires_at = temp_expiry(&state, now);
    let (admin_id, language) = (admin.id, admin.language.clone());
    let inserted = db::run(&state.pool, move |conn| {
        let normalized = username.normalized();
        Ok(User::insert_vendedor(
            conn,
            &NewVendedor {
                user: NewUser {
                    username: username.as_ref(),
                    username_normalized: &normalized,
                    email: email.as_ref(),
                    password_hash: &hash,
                    role: Role::Vendedor.as_str(),
                    manager_id: Some(admin_id),
                    email_verified: false,
                    must_change_password: true,
                    language: &language,
                    created_at: now,
                    updated_at: now,
                },
                first_name: first_name.as_ref(),
                last_name: last_name.as_ref(),
                temp_password_expires_at: Some(expires_at),
            },
        )?)
    })
    .await?;
    match inserted {
        Ok(user) => {
            issue(&session, admin, &user.username, password, expires_at)?;
            flash(&session, FlashLevel::Success, "team-created");
            Ok(see_other(TEAM_PATH))
        }
        Err(Taken::Username) => {
            errors.add("username", lang.t("error-username-taken"));
            invalid(&state, layout, admin, values, errors).await
        }
        Err(Taken::Email) => {
            errors.add("email", lang.t("error-email-taken"));
            invalid(&state, layout, admin, values, errors).await
        }
    }
}

pub async fn team_action(
    state: web::Data<AppState>,
    session: Session,
    AdminUser(current): AdminUser,
    path: web::Path<(i32, TeamAction)>,
) -> Result<HttpResponse, AppError> {
    let admin = current.user.clone();
    let (id, action) = path.into_inner();
    let admin_id = admin.id;
    let member = db::run(&state.pool, move |conn| {
        Ok(User::find_in_team(conn, admin_id, id)?)
    })
    .await?
    .ok_or(AppError::NotFound)?;

    let now = state.clock.now();
    let expires_at = temp_expiry(&state, now);
    let mut new_password = None;
    let change = match action {
        TeamAction::Deactivate => TeamChange::Deactivate,
        TeamAction::Activate => TeamChange::Activate,
        TeamAction::ResetTutorial => TeamChange::ResetTutorial,
        TeamAction::ResetPassword => {
            let password = temporary_password();
            let hash = state.passwords.hash(password.clone()).await?;
            new_password = Some(password);
            TeamChange::ResetPassword(TempPassword { hash, expires_at })
        }
    };
    let applied = db::run(&state.pool, move |conn| {
        Ok(User::apply_team_action(conn, admin_id, id, change, now)?)
    })
    .await?;
    if !applied {
        return Err(AppError::NotFound);
    }
    if let Some(password) = new_password {
        issue(&session, &admin, &member.username, password, expires_at)?;
    }
    let message = match action {
        TeamAction::Deactivate => "team-deactivated",
        TeamAction::Activate => "team-activated",
        TeamAction::ResetPassword => "team-password-reset",
        TeamAction::ResetTutorial => "team-tutorial-reset",
    };
    flash(&session, FlashLevel::Success, message);
    Ok(see_other(TEAM_PATH))
}

/// The profile's "write your name" becomes "write the vendedor's name" here.
fn about_them(key: &'static str) -> &'static str {
    if key == "error-name-required" {
        "team-error-name-required"
    } else {
        key
    }
}

fn temp_expiry(state: &AppState, now: Timestamp) -> Timestamp {
    let lifetime = chrono::TimeDelta::from_std(state.settings.temp_password_lifetime)
        .unwrap_or(chrono::TimeDelta::MAX);
    now.checked_add_signed(lifetime)
        .unwrap_or(chrono::NaiveDateTime::MAX)
}

/// Keeps the new temporary password in the (encrypted) session cookie until the team page
/// shows it once.
fn issue(
    session: &Session,
    admin: &User,
    username: &str,
    password: String,
    expires_at: Timestamp,
) -> Result<(), AppError> {
    let issued = IssuedPassword {
        admin_id: admin.id,
        username: username.to_owned(),
        password,
        expires: local_time(admin, expires_at),
    };
    session
        .insert(ISSUED_KEY, issued)
        .map_err(AppError::unexpected)
}

fn local_time(viewer: &User, at: Timestamp) -> String {
    let tz = parse_timezone(&viewer.timezone).unwrap_or(chrono_tz::UTC);
    tz.from_utc_datetime(&at)
        .format("%Y-%m-%d %H:%M (%Z)")
        .to_string()
}

async fn team_page(
    state: &AppState,
    layout: Layout,
    admin: &User,
    issued: Option<IssuedPassword>,
    values: NewVendedorForm,
    errors: FieldErrors,
) -> Result<TeamPage, AppError> {
    let admin_id = admin.id;
    let now = state.clock.now();
    let team = db::run(&state.pool, move |conn| Ok(User::team_of(conn, admin_id)?)).await?;
    let members = team
        .iter()
        .map(|user| Member {
            id: user.id,
            name: format!("{} {}", user.first_name, user.last_name)
                .trim()
                .to_owned(),
            username: user.username.clone(),
            email: user.email.clone(),
            active: user.is_active,
            must_change_password: user.must_change_password,
            temp_password_expired: user.temp_password_expired(now),
            email_verified: user.email_verified,
            last_login: user.last_login_at.map(|at| local_time(admin, at)),
        })
        .collect();
    Ok(TeamPage {
        layout,
        members,
        issued,
        values,
        errors,
    })
}

async fn invalid(
    state: &AppState,
    layout: Layout,
    admin: &User,
    values: NewVendedorForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let page_data = team_page(state, layout, admin, None, values, errors).await?;
    page(StatusCode::UNPROCESSABLE_ENTITY, &page_data)
}
