//! `GET, POST /registro/`: an admin signs up (when `CUENTAS_SIGNUP` is on).
//!
//! The account starts unverified and gets a verification mail. When the address already has
//! an account, the answer is the same and its owner gets a "someone tried to sign up with your
//! address" notice instead, so the form tells nobody which addresses exist.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db;
use crate::db::login_failures::SIGNUP_THROTTLE;
use crate::db::tokens::{OneTimeToken, Purpose};
use crate::db::users::{NewUser, Taken, User};
use crate::domain::{EmailAddress, NewPassword, Role, Username};
use crate::error::AppError;
use crate::mail::messages::{Mail, Recipient};
use crate::render::{FlashLevel, Layout, flash, page, see_other};
use crate::routes::mail_forms;
use crate::routes::password::{check_new_password, confirmation_errors, password_rules, policy};
use crate::startup::AppState;

#[derive(Debug, Default, Deserialize)]
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
    fn new(layout: Layout, state: &AppState) -> Self {
        Self {
            rules: password_rules(layout.lang, policy(state)),
            layout,
            username: String::new(),
            email: String::new(),
            username_error: None,
            email_error: None,
            password1_errors: Vec::new(),
            password2_errors: Vec::new(),
        }
    }

    /// The error summary: (field id, message).
    fn error_items(&self) -> Vec<(&'static str, String)> {
        let mut items = Vec::new();
        items.extend(self.username_error.clone().map(|e| ("username", e)));
        items.extend(self.email_error.clone().map(|e| ("email", e)));
        items.extend(
            self.password1_errors
                .iter()
                .map(|e| ("password1", e.clone())),
        );
        items.extend(
            self.password2_errors
                .iter()
                .map(|e| ("password2", e.clone())),
        );
        items
    }
}

/// What the sign-up did; the first two look the same from outside.
enum Outcome {
    Created,
    AddressTaken,
    UsernameTaken,
}

fn enabled(state: &AppState) -> Result<(), AppError> {
    if state.settings.signup_enabled {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn signup_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    enabled(&state)?;
    if CurrentUser::of(&req).is_some() {
        return Ok(see_other("/dashboard/"));
    }
    page(
        StatusCode::OK,
        &SignupPage::new(Layout::for_request(&req), &state),
    )
}

pub async fn signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<SignupForm>,
) -> Result<HttpResponse, AppError> {
    enabled(&state)?;
    let form = form.into_inner();
    let mut result = SignupPage::new(Layout::for_request(&req), &state);
    let lang = result.layout.lang;
    result.username = form.username.clone();
    result.email = form.email.clone();

    let username = Username::parse(&form.username)
        .map_err(|p| result.username_error = Some(lang.t(p.message_key())))
        .ok();
    let email = EmailAddress::parse(&form.email)
        .map_err(|p| result.email_error = Some(lang.t(p.message_key())))
        .ok();
    let personal = vec![form.username.clone(), form.email.clone()];
    let password = match check_new_password(&state, lang, form.password1, personal).await? {
        Ok(password) => Some(password),
        Err(messages) => {
            result.password1_errors = messages;
            None
        }
    };
    result.password2_errors = confirmation_errors(
        lang,
        password.as_ref().map(NewPassword::expose),
        &form.password2,
    );
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        return page(StatusCode::UNPROCESSABLE_ENTITY, &result);
    };
    if !result.password2_errors.is_empty() {
        return page(StatusCode::UNPROCESSABLE_ENTITY, &result);
    }

    let send_notice =
        mail_forms::admit(&state, &req, SIGNUP_THROTTLE, "signup", email.as_ref()).await?;
    // Hashed in every case, so a taken address answers after the same work as a new one.
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let now = state.clock.now();
    let (base_url, hours) = (
        state.settings.base_url.clone(),
        state.settings.verify_token_lifetime.as_secs() / 3600,
    );
    let lifetime = state.settings.verify_token_lifetime;
    let outcome = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            // The username first: answering "username taken" only when the address is free
            // would tell whether the address has an account.
            let normalized = username.normalized();
            if User::username_taken(conn, &normalized)? {
                return Ok(Outcome::UsernameTaken);
            }
            if let Some(owner) = User::find_by_email(conn, email.as_ref())? {
                if send_notice {
                    Mail::SignupAttempt
                        .compose(&Recipient::of(&owner), &base_url, now)
                        .map_err(AppError::from)?
                        .enqueue(conn)?;
                }
                return Ok(Outcome::AddressTaken);
            }
            let new = NewUser {
                username: username.as_ref(),
                username_normalized: &normalized,
                email: email.as_ref(),
                password_hash: &hash,
                role: Role::Admin.as_str(),
                manager_id: None,
                email_verified: false,
                must_change_password: false,
                language: lang.code(),
                created_at: now,
                updated_at: now,
            };
            let user = match User::insert(conn, &new)? {
                Ok(user) => user,
                Err(Taken::Username) => return Ok(Outcome::UsernameTaken),
                Err(Taken::Email) => return Ok(Outcome::AddressTaken),
            };
            let token = OneTimeToken::issue(
                conn,
                Purpose::VerifyEmail,
                user.id,
                &user.email,
                now,
                lifetime,
            )?;
            Mail::VerifyEmail {
                token: &token,
                hours,
            }
            .compose(&Recipient::of(&user), &base_url, now)
            .map_err(AppError::from)?
            .enqueue(conn)?;
            Ok(Outcome::Created)
        })
    })
    .await?;
    match outcome {
        Outcome::Created | Outcome::AddressTaken => {
            state.outbox.wake();
            flash(&session, FlashLevel::Info, "signup-check-mail");
            Ok(see_other("/login/"))
        }
        Outcome::UsernameTaken => {
            result.username_error = Some(lang.t("error-username-taken"));
            page(StatusCode::UNPROCESSABLE_ENTITY, &result)
        }
    }
}
