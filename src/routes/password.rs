//! `GET, POST /cambiar-password/`: change one's own password (`accounts::password`).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::password::PasswordChange;
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::auth::session;
use crate::db::users::User;
use crate::domain::Problems;
use crate::error::AppError;
use crate::paths;
use crate::render::{FieldErrors, FlashLevel, Layout, PageContext, password_rules};
use crate::state::AppState;

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ChangePasswordForm {
    old_password: String,
    new_password1: String,
    new_password2: String,
}

#[derive(Template)]
#[template(path = "auth/change_password.html")]
struct ChangePasswordPage {
    layout: Layout,
    forced: bool,
    rules: Vec<String>,
    old_password_errors: Vec<String>,
    new_password1_errors: Vec<String>,
    new_password2_errors: Vec<String>,
}

impl ChangePasswordPage {
    fn new(layout: Layout, state: &AppState, user: &User, problems: &Problems) -> Self {
        let mut rules = password_rules(layout.lang, state.settings.password_policy());
        rules.push(layout.lang.t("password-rule-different"));
        let errors = FieldErrors::new(problems, layout.lang);
        Self {
            rules,
            forced: user.must_change_password,
            old_password_errors: errors.all("old_password"),
            new_password1_errors: errors.all("new_password1"),
            new_password2_errors: errors.all("new_password2"),
            layout,
        }
    }

    /// The error summary: (field id, message).
    fn error_items(&self) -> Vec<(&'static str, String)> {
        let fields = [
            ("old_password", &self.old_password_errors),
            ("new_password1", &self.new_password1_errors),
            ("new_password2", &self.new_password2_errors),
        ];
        fields
            .into_iter()
            .flat_map(|(id, errors)| errors.iter().map(move |e| (id, e.clone())))
            .collect()
    }
}

pub async fn change_password_form(
    ctx: PageContext,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let problems = Problems::new();
    ctx.ok(&ChangePasswordPage::new(
        ctx.layout(),
        &ctx.state,
        &current.user,
        &problems,
    ))
}

pub async fn submit_password_change(
    ctx: PageContext,
    current: CurrentUser,
    web::Form(form): web::Form<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let change = PasswordChange {
        old_password: form.old_password,
        new_password1: form.new_password1,
        new_password2: form.new_password2,
    };
    let (user, client) = (&current.user, ctx.client());
    let session_id = &current.session.id;
    let changed =
        accounts::password::change_password(&ctx.state, &client, user, session_id, change).await;
    match changed {
        Ok(new_session) => {
            session::establish(&ctx.session, new_session)?;
            ctx.redirect_with(paths::PROFILE, FlashLevel::Success, "password-changed")
        }
        Err(Error::Invalid(problems)) => ctx.invalid(&ChangePasswordPage::new(
            ctx.layout(),
            &ctx.state,
            user,
            &problems,
        )),
        Err(e) => Err(e.into()),
    }
}
