//! `GET, POST /registro/`: an admin signs up (`accounts::signup`).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::signup::SignupInput;
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::domain::Problems;
use crate::error::AppError;
use crate::paths;
use crate::render::{FieldErrors, FlashLevel, Layout, PageContext, password_rules, see_other};
use crate::state::AppState;

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SignupForm {
    username: String,
    email: String,
    password1: String,
    password2: String,
}

#[derive(Template)]
#[template(path = "auth/signup.html")]
struct SignupPage {
    layout: Layout,
    rules: Vec<String>,
    username: String,
    email: String,
    username_error: Option<String>,
    email_error: Option<String>,
    password1_errors: Vec<String>,
    password2_errors: Vec<String>,
}

impl SignupPage {
    fn new(
        layout: Layout,
        state: &AppState,
        values: (String, String),
        problems: &Problems,
    ) -> Self {
        let errors = FieldErrors::new(problems, layout.lang);
        Self {
            rules: password_rules(layout.lang, state.settings.password_policy()),
            username: values.0,
            email: values.1,
            username_error: errors.get("username"),
            email_error: errors.get("email"),
            password1_errors: errors.all("password1"),
            password2_errors: errors.all("password2"),
            layout,
        }
    }

    /// The error summary: (field id, message).
    fn error_items(&self) -> Vec<(&'static str, String)> {
        let mut items = Vec::new();
        items.extend(self.username_error.clone().map(|e| ("username", e)));
        items.extend(self.email_error.clone().map(|e| ("email", e)));
        let lists = [
            ("password1", &self.password1_errors),
            ("password2", &self.password2_errors),
        ];
        for (field, errors) in lists {
            items.extend(errors.iter().map(|e| (field, e.clone())));
        }
        items
    }
}

pub async fn signup_form(ctx: PageContext) -> Result<HttpResponse, AppError> {
    if !ctx.state.settings.signup_enabled {
        return Err(AppError::NotFound);
    }
    if CurrentUser::of(&ctx.req).is_some() {
        return Ok(see_other(paths::DASHBOARD));
    }
    let empty = (String::new(), String::new());
    ctx.ok(&SignupPage::new(
        ctx.layout(),
        &ctx.state,
        empty,
        &Problems::new(),
    ))
}

pub async fn submit_signup(
    ctx: PageContext,
    form: web::Form<SignupForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let layout = ctx.layout();
    let typed = (form.username.clone(), form.email.clone());
    let input = SignupInput {
        username: form.username,
        email: form.email,
        password1: form.password1,
        password2: form.password2,
        language: layout.lang.code(),
    };
    match accounts::signup::sign_up(&ctx.state, &ctx.client(), input).await {
        Ok(()) => ctx.redirect_with(paths::LOGIN, FlashLevel::Info, "signup-check-mail"),
        Err(Error::Invalid(problems)) => {
            ctx.invalid(&SignupPage::new(layout, &ctx.state, typed, &problems))
        }
        Err(e) => Err(e.into()),
    }
}
