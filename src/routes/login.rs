//! `GET, POST /login/` and `POST /logout/`.
//!
//! Every failure (unknown account, wrong password, inactive account) gives the same message
//! after the same work: unknown accounts verify a dummy hash. Failures are counted per typed
//! login and IP, and per IP, in the database.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::auth::password::Verification;
use crate::auth::session::{self, client_ip, throttle_ip, user_agent};
use crate::db;
use crate::db::login_failures::{LOGIN_THROTTLE, login_key};
use crate::db::users::User;
use crate::domain::Role;
use crate::domain::username::normalize_login;
use crate::error::AppError;
use crate::render::{Layout, page, see_other};
use crate::startup::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    login: String,
    next: String,
    login_error: Option<String>,
    password_error: Option<String>,
    signup_enabled: bool,
    /// Set when the password was right but the address still needs confirming.
    unverified_email: Option<String>,
}

impl LoginPage {
    /// The error summary: (field id, message).
    fn error_items(&self) -> Vec<(&'static str, String)> {
        [
            ("login", &self.login_error),
            ("password", &self.password_error),
        ]
        .into_iter()
        .filter_map(|(id, error)| error.clone().map(|e| (id, e)))
        .collect()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(&query.next).unwrap_or_default().to_owned();
    if CurrentUser::of(&req).is_some() {
        return Ok(see_other(if next.is_empty() {
            "/dashboard/"
        } else {
            &next
        }));
    }
    page(
        StatusCode::OK,
        &LoginPage {
            layout: Layout::for_request(&req),
            login: String::new(),
            next,
            login_error: None,
            password_error: None,
            signup_enabled: state.settings.signup_enabled,
            unverified_email: None,
        },
    )
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm {
        login,
        password,
        next,
    } = form.into_inner();
    let next = safe_next(&next).unwrap_or_default().to_owned();
    let layout = Layout::for_request(&req);
    let required = layout.t("error-required");
    let mut form_page = LoginPage {
        login_error: login.trim().is_empty().then(|| required.clone()),
        password_error: password.is_empty().then_some(required),
        login,
        next,
        layout,
        signup_enabled: state.settings.signup_enabled,
        unverified_email: None,
    };
    if form_page.login_error.is_some() || form_page.password_error.is_some() {
        return page(StatusCode::UNPROCESSABLE_ENTITY, &form_page);
    }

    let login = normalize_login(&form_page.login);
    let key = login_key(&login);
    let (ip, counted_as) = (client_ip(&req), throttle_ip(&req));
    let now = state.clock.now();
    admit_attempt(&state, &key, &counted_as, now).await?;

    // Input no account could have (control characters, absurd length) is not looked up:
    // it fails like an unknown account, after the same dummy verification.
    let user = if plausible_login(&login) {
        db::run(&state.pool, move |conn| {
            Ok(User::find_by_login(conn, &login)?)
        })
        .await?
    } else {
        None
    };
    let verification = state
        .passwords
        .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    match (user, verification) {
        // Only someone who typed the right temporary password learns that it expired.
        (Some(user), Verification::Valid { .. })
            if user.is_active && user.temp_password_expired(now) =>
        {
            form_page.password_error = Some(form_page.layout.t("login-temp-password-expired"));
            page(StatusCode::UNPROCESSABLE_ENTITY, &form_page)
        }
        // A self-registered admin must confirm the address first (a team member, created by
        // their admin, may log in unverified). Only someone with the password learns this.
        (Some(user), Verification::Valid { .. })
            if user.is_active
                && !user.email_verified
                && user.role() == Role::Admin
                && user.manager_id.is_none() =>
        {
            db::run(&state.pool, move |conn| {
                Ok(LOGIN_THROTTLE.clear(conn, &key, &counted_as)?)
            })
            .await?;
            form_page.unverified_email = Some(user.email.clone());
            page(StatusCode::FORBIDDEN, &form_page)
        }
        (Some(user), Verification::Valid { rehash }) if user.is_active => {
            let id = user.id;
            db::run(&state.pool, move |conn| {
                LOGIN_THROTTLE.clear(conn, &key, &counted_as)?;
                User::record_login(conn, id, now, rehash.as_deref())?;
                Ok(())
            })
            .await?;
            session::log_in(&state.pool, &session, &user, now, ip, user_agent(&req)).await?;
            let target = if form_page.next.is_empty() {
                "/dashboard/"
            } else {
                &form_page.next
            };
            Ok(see_other(target))
        }
        _ => {
            // The attempt was already counted as a failure by `admit`.
            form_page.password_error = Some(form_page.layout.t("login-failed"));
            page(StatusCode::UNPROCESSABLE_ENTITY, &form_page)
        }
    }
}

/// Counts a password attempt (login, or re-entering one's own password) before it is
/// checked; over the limit it is a 429 and the password is never looked at.
pub async fn admit_attempt(
    state: &AppState,
    key: &str,
    ip: &str,
    now: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let (key, ip) = (key.to_owned(), ip.to_owned());
    let throttled = db::run(&state.pool, move |conn| {
        Ok(LOGIN_THROTTLE.admit(conn, &key, &ip, now)?)
    })
    .await?;
    match throttled {
        Some(retry_after_secs) => Err(AppError::TooManyRequests { retry_after_secs }),
        None => Ok(()),
    }
}

/// Usernames and emails are at most 254 characters and never contain control characters.
fn plausible_login(login: &str) -> bool {
    login.chars().count() <= 254 && !login.chars().any(char::is_control)
}

pub async fn logout(
    state: web::Data<AppState>,
    session: Session,
    current: Option<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    if let Some(current) = current {
        session::log_out(&state.pool, &session, &current, state.clock.now()).await?;
        crate::render::flash(&session, crate::render::FlashLevel::Info, "logout-done");
    }
    Ok(see_other("/login/"))
}

/// `next` is followed only to a local path: one leading slash, no scheme, no backslash, no
/// control character, so `//evil.example`, `/\evil.example` and `javascript:` all fail.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/dashboard/"), Some("/dashboard/"));
        assert_eq!(safe_next("/perfil/?tab=1"), Some("/perfil/?tab=1"));
        for bad in [
            "",
            "//evil.example",
            "/\\evil.example",
            "http://evil.example",
            "https:evil.example",
            "javascript:alert(1)",
            "dashboard",
            "/\tevil",
            "/ok\r\nSet-Cookie: x=y",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
