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
use crate::render::{
    FieldErrors, FlashLevel, Layout, PageContext, password_rules, provider_button, see_other,
};
use crate::state::AppState;

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SignupForm {
    username: String,
    email: String,
    password1: String,
    password2: String,
    first_name: String,
    last_name: String,
    nombre_empresa: String,
}

/// What the page writes back into the form (never the passwords).
#[derive(Default)]
struct Typed {
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    nombre_empresa: String,
}

#[derive(Template)]
#[template(path = "auth/signup.html")]
struct SignupPage {
    layout: Layout,
    rules: Vec<String>,
    values: Typed,
    username_error: Option<String>,
    email_error: Option<String>,
    first_name_error: Option<String>,
    last_name_error: Option<String>,
    company_error: Option<String>,
    password1_errors: Vec<String>,
    password2_errors: Vec<String>,
    /// "Entrar con Google", when the provider is configured and reachable.
    oidc_button: Option<String>,
}

impl SignupPage {
    fn new(layout: Layout, state: &AppState, values: Typed, problems: &Problems) -> Self {
        let errors = FieldErrors::new(problems, layout.lang);
        Self {
            rules: password_rules(layout.lang, state.settings.password_policy()),
            values,
            username_error: errors.get("username"),
            email_error: errors.get("email"),
            first_name_error: errors.get("first_name"),
            last_name_error: errors.get("last_name"),
            company_error: errors.get("nombre_empresa"),
            password1_errors: errors.all("password1"),
            password2_errors: errors.all("password2"),
            oidc_button: provider_button(state, layout.lang),
            layout,
        }
    }

    /// The error summary: (field id, message).
    fn error_items(&self) -> Vec<(&'static str, String)> {
        let mut items = Vec::new();
        items.extend(self.username_error.clone().map(|e| ("username", e)));
        items.extend(self.email_error.clone().map(|e| ("email", e)));
        items.extend(self.first_name_error.clone().map(|e| ("first_name", e)));
        items.extend(self.last_name_error.clone().map(|e| ("last_name", e)));
        items.extend(self.company_error.clone().map(|e| ("nombre_empresa", e)));
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
    ctx.ok(&SignupPage::new(
        ctx.layout(),
        &ctx.state,
        Typed::default(),
        &Problems::new(),
    ))
}

pub async fn submit_signup(
    ctx: PageContext,
    form: web::Form<SignupForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let layout = ctx.layout();
    let typed = Typed {
        username: form.username.clone(),
        email: form.email.clone(),
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        nombre_empresa: form.nombre_empresa.clone(),
    };
    let input = SignupInput {
        username: form.username,
        email: form.email,
        password1: form.password1,
        password2: form.password2,
        first_name: form.first_name,
        last_name: form.last_name,
        company_name: form.nombre_empresa,
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
