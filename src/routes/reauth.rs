//! `GET, POST /reautenticar/`: the password again before a sensitive action
//! (`accounts::login::reauthenticate`); then on to `next`, the page the action started from.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::{self, Error};
use crate::auth::{CurrentUser, session};
use crate::domain::Problems;
use crate::error::AppError;
use crate::paths::{self, safe_next};
use crate::render::{FieldErrors, FlashLevel, Layout, PageContext};

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ReauthForm {
    password: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Template)]
#[template(path = "security/reauthenticate.html")]
struct ReauthPage {
    layout: Layout,
    next: String,
    password_errors: Vec<String>,
}

impl ReauthPage {
    fn new(layout: Layout, next: &str, problems: &Problems) -> Self {
        let errors = FieldErrors::new(problems, layout.lang);
        Self {
            next: safe_next(next).unwrap_or_default().to_owned(),
            password_errors: errors.all("password"),
            layout,
        }
    }

    /// The error summary: (field id, message).
    fn error_items(&self) -> Vec<(&'static str, String)> {
        self.password_errors
            .iter()
            .map(|e| ("password", e.clone()))
            .collect()
    }
}

pub async fn reauth_form(
    ctx: PageContext,
    _current: CurrentUser,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    ctx.ok(&ReauthPage::new(
        ctx.layout(),
        &query.next,
        &Problems::new(),
    ))
}

pub async fn submit_reauth(
    ctx: PageContext,
    current: CurrentUser,
    web::Form(form): web::Form<ReauthForm>,
) -> Result<HttpResponse, AppError> {
    let renewed =
        accounts::login::reauthenticate(&ctx.state, &ctx.client(), &current.session, form.password)
            .await;
    match renewed {
        Ok(new_session) => {
            session::establish(&ctx.session, new_session)?;
            let next = safe_next(&form.next).unwrap_or(paths::SECURITY);
            ctx.redirect_with(next, FlashLevel::Success, "reauth-done")
        }
        Err(Error::Invalid(problems)) => {
            ctx.invalid(&ReauthPage::new(ctx.layout(), &form.next, &problems))
        }
        Err(e) => Err(e.into()),
    }
}
