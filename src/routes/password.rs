//! `GET, POST /cambiar-password/`: change one's own password.
//!
//! A wrong current password counts toward the login throttle, so the form cannot be used to
//! guess. Success ends every other session of the user (the epoch moves) while this one goes
//! on with a new id, a reset link sent earlier stops working, and the address gets a notice.

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
use crate::domain::{NewPassword, PasswordPolicy, PasswordProblem};
use crate::error::AppError;
use crate::i18n::{Lang, password_problem_message};
use crate::mail::messages::{Mail, Recipient};
use crate::render::{FlashLevel, Layout, flash, page, see_other};
use crate::startup::AppState;

/// Where a successful change lands.
pub const AFTER_CHANGE: &str = "/perfil/";

#[derive(Debug, Default, Deserialize)]
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
    fn new(layout: Layout, user: &User, policy: PasswordPolicy) -> Self {
        let mut rules = password_rules(layout.lang, policy);
        rules.push(layout.t("password-rule-different"));
        Self {
            rules,
            layout,
            forced: user.must_change_password,
            old_password_errors: Vec::new(),
            new_password1_errors: Vec::new(),
            new_password2_errors: Vec::new(),
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

    fn has_errors(&self) -> bool {
        !self.error_items().is_empty()
    }
}

/// The password policy from the settings.
pub fn policy(state: &AppState) -> PasswordPolicy {
    PasswordPolicy {
        min_length: state.settings.password_min_length,
        require_letter_and_digit: state.settings.password_require_letter_and_digit,
    }
}

/// The rules as listed above every form that sets a password.
pub fn password_rules(lang: Lang, policy: PasswordPolicy) -> Vec<String> {
    let mut rules = vec![password_problem_message(
        lang,
        PasswordProblem::TooShort {
            min: policy.min_length,
        },
    )];
    if policy.require_letter_and_digit {
        rules.push(lang.t("password-needs-letter-and-digit"));
    }
    rules.extend(
        [
            "password-entirely-numeric",
            "password-common",
            "password-too-similar",
        ]
        .iter()
        .map(|key| lang.t(key)),
    );
    rules
}

/// Checks a new password against the policy on the blocking pool (zxcvbn can take a while on
/// adversarial input); the error is every broken rule, translated.
/// What a password must not contain or resemble: the account's username, email and names.
pub fn personal_words(user: &User) -> Vec<String> {
    vec![
        user.username.clone(),
        user.email.clone(),
        user.first_name.clone(),
        user.last_name.clone(),
    ]
}

/// The errors of the "repeat the password" field: required, and equal to `accepted` (the
/// password it must match, when there is one to compare with).
pub fn confirmation_errors(lang: Lang, accepted: Option<&str>, confirmation: &str) -> Vec<String> {
    if confirmation.is_empty() {
        vec![lang.t("error-required")]
    } else if accepted.is_some_and(|accepted| accepted != confirmation) {
        vec![lang.t("password-mismatch")]
    } else {
        Vec::new()
    }
}

pub async fn check_new_password(
    state: &AppState,
    lang: Lang,
    candidate: String,
    personal: Vec<String>,
) -> Result<Result<NewPassword, Vec<String>>, AppError> {
    let rules = policy(state);
    let checked = web::block(move || {
        let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
        NewPassword::parse(&candidate, rules, &personal)
    })
    .await
    .map_err(AppError::unexpected)?;
    Ok(checked.map_err(|problems| {
        problems
            .into_iter()
            .map(|p| password_problem_message(lang, p))
            .collect()
    }))
}

pub async fn change_password_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let form = ChangePasswordPage::new(Layout::for_request(&req), &current.user, policy(&state));
    page(StatusCode::OK, &form)
}

pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
    form: web::Form<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let user = &current.user;
    let mut result = ChangePasswordPage::new(Layout::for_request(&req), user, policy(&state));
    let lang = result.layout.lang;
    if form.old_password.is_empty() {
        result.old_password_errors.push(lang.t("error-required"));
    }
    result.new_password2_errors =
        confirmation_errors(lang, Some(&form.new_password1), &form.new_password2);
    let new_password = match check_new_password(
        &state,
        lang,
        form.new_password1.clone(),
        personal_words(user),
    )
    .await?
    {
        Ok(password) => Some(password),
        Err(messages) => {
            result.new_password1_errors = messages;
            None
        }
    };
    if !form.new_password1.is_empty() && form.new_password1 == form.old_password {
        result
            .new_password1_errors
            .push(lang.t("password-same-as-old"));
    }

    if !form.old_password.is_empty() {
        verify_current(&state, &req, user, form.old_password, &mut result).await?;
    }
    let Some(new_password) = new_password.filter(|_| !result.has_errors()) else {
        return page(StatusCode::UNPROCESSABLE_ENTITY, &result);
    };

    let hash = state
        .passwords
        .hash(new_password.expose().to_owned())
        .await?;
    let now = state.clock.now();
    let (id, old_session) = (user.id, current.session_id.to_string());
    let notice =
        Mail::PasswordChanged.compose(&Recipient::of(user), &state.settings.base_url, now)?;
    let epoch = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let epoch = User::change_password(conn, id, &hash, now)?;
            crate::db::sessions::UserSession::revoke(conn, &old_session, now)?;
            notice.enqueue(conn)?;
            Ok::<_, diesel::result::Error>(epoch)
        })
        .map_err(AppError::from)
    })
    .await?;
    state.outbox.wake();
    let renewed = User {
        session_epoch: epoch,
        must_change_password: false,
        ..(**user).clone()
    };
    session::log_in(
        &state.pool,
        &session,
        &renewed,
        now,
        client_ip(&req),
        user_agent(&req),
    )
    .await?;
    flash(&session, FlashLevel::Success, "password-changed");
    Ok(see_other(AFTER_CHANGE))
}

/// Checks the current password under the login throttle; a wrong one is a field error and a
/// counted failure.
async fn verify_current(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    old_password: String,
    result: &mut ChangePasswordPage,
) -> Result<(), AppError> {
    if !verify_own_password(state, req, user, old_password).await? {
        result
            .old_password_errors
            .push(result.layout.t("password-old-wrong"));
    }
    Ok(())
}

/// Verifies a signed-in user's own password (to change it, or to change the email), counted
/// like a login attempt for the account so no form can be used to guess passwords. A 429
/// comes back as an error once the throttle is reached.
pub async fn verify_own_password(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    password: String,
) -> Result<bool, AppError> {
    let (key, ip, now) = (
        login_key(&user.username_normalized),
        throttle_ip(req),
        state.clock.now(),
    );
    crate::routes::login::admit_attempt(state, &key, &ip, now).await?;
    let verification = state
        .passwords
        .verify(password, Some(user.password_hash.clone()))
        .await?;
    if verification == Verification::Invalid {
        // `admit` already counted the attempt as a failure.
        return Ok(false);
    }
    db::run(&state.pool, move |conn| {
        Ok(LOGIN_THROTTLE.clear(conn, &key, &ip)?)
    })
    .await?;
    Ok(true)
}
