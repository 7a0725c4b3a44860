//! `GET, POST /cambiar-password/`: change one's own password (`accounts::password`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::password::PasswordChange;
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::auth::session::{self, client_of};
use crate::db::users::User;
use crate::domain::Problems;
use crate::error::AppError;
use crate::paths;
use crate::render::{FieldErrors, FlashLevel, Layout, flash, page, password_rules, see_other};
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
        rules.push(layout.t("password-rule-different"));
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
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let layout = Layout::for_request(&req);
    let form = ChangePasswordPage::new(layout, &state, &current.user, &Problems::new());
    page(StatusCode::OK, &form)
}

pub async fn submit_password_change(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
    form: web::Form<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let change = PasswordChange {
        old_password: form.old_password,
        new_password1: form.new_password1,
        new_password2: form.new_password2,
    };
    let user = &current.user;
    let changed = accounts::password::change_password(
        &state,
        &client_of(&req),
        user,
        &current.session_id,
        change,
    )
    .await;
    match changed {
        Ok(new_session) => {
            session::establish(&session, new_session)?;
            flash(&session, FlashLevel::Success, "password-changed");
            Ok(see_other(paths::PROFILE))
        }
        Err(Error::Invalid(problems)) => {
            let layout = Layout::for_request(&req);
            let form = ChangePasswordPage::new(layout, &state, user, &problems);
            page(StatusCode::UNPROCESSABLE_ENTITY, &form)
        }
        Err(e) => Err(e.into()),
    }
}
