//! `GET, POST /login/` and `POST /logout/`. The work is in `accounts::login`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::login::Credentials;
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::auth::session;
use crate::domain::Problems;
use crate::error::AppError;
use crate::paths;
use crate::render::{FieldErrors, FlashLevel, Layout, PageContext, flash, page, see_other};
use crate::state::AppState;

#[derive(Default, Deserialize)]
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
    fn new(layout: Layout, state: &AppState, login: String, next: String) -> Self {
        Self {
            layout,
            login,
            next,
            login_error: None,
            password_error: None,
            signup_enabled: state.settings.signup_enabled,
            unverified_email: None,
        }
    }

    fn with_problems(mut self, problems: &Problems) -> Self {
        let errors = FieldErrors::new(problems, self.layout.lang);
        self.login_error = errors.get("login");
        self.password_error = errors.get("password");
        self
    }

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
    ctx: PageContext,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(&query.next).unwrap_or_default().to_owned();
    if CurrentUser::of(&ctx.req).is_some() {
        let target = if next.is_empty() {
            paths::DASHBOARD
        } else {
            &next
        };
        return Ok(see_other(target));
    }
    ctx.ok(&LoginPage::new(
        ctx.layout(),
        &ctx.state,
        String::new(),
        next,
    ))
}

pub async fn submit_login(
    ctx: PageContext,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm {
        login,
        password,
        next,
    } = form.into_inner();
    let next = safe_next(&next).unwrap_or_default().to_owned();
    let credentials = Credentials {
        login: login.clone(),
        password,
    };
    let replacing = session::session_id(&ctx.session);
    let signed_in =
        accounts::login::sign_in(&ctx.state, &ctx.client(), credentials, replacing).await;
    let form = LoginPage::new(ctx.layout(), &ctx.state, login, next);
    match signed_in {
        Ok(signed_in) => {
            session::establish(&ctx.session, signed_in.session_id)?;
            let target = if form.next.is_empty() {
                paths::DASHBOARD
            } else {
                &form.next
            };
            Ok(see_other(target))
        }
        Err(Error::Invalid(problems)) => ctx.invalid(&form.with_problems(&problems)),
        Err(Error::EmailNotVerified { email }) => page(
            StatusCode::FORBIDDEN,
            &LoginPage {
                unverified_email: Some(email),
                ..form
            },
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn submit_logout(
    ctx: PageContext,
    current: Option<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    if let Some(current) = current {
        accounts::login::sign_out(&ctx.state, current.session_id.to_string()).await?;
        session::forget(&ctx.session);
        flash(&ctx.session, FlashLevel::Info, "logout-done");
    }
    Ok(see_other(paths::LOGIN))
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
