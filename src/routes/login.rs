//! `GET, POST /login/`, `POST /logout/` and the mailed sign-in link
//! (`GET, POST /login/confirmar/{token}/`). The work is in `accounts::login`; here the
//! known-browser cookie is read and set.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::login::{Credentials, PendingSignIn, SecondFactor, SignInOutcome, SignedIn};
use crate::accounts::oidc::FirstStep;
use crate::accounts::sessions::Remember;
use crate::accounts::two_step::{LOW_CODES, Passed};
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::auth::browser::{self, browser_of};
use crate::auth::{oidc_flow, session};
use crate::domain::Problems;
use crate::error::AppError;
use crate::paths::{self, safe_next};
use crate::render::{
    FieldErrors, FlashLevel, Layout, PageContext, flash, link_button_page, no_referrer, page,
    pending_deletion, provider_button, see_other,
};
use crate::state::AppState;

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
    /// The "Recordarme" checkbox: present (any value) when ticked.
    recordarme: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    login: String,
    next: String,
    remember: bool,
    login_error: Option<String>,
    password_error: Option<String>,
    signup_enabled: bool,
    /// Set when the password was right but the address still needs confirming.
    unverified_email: Option<String>,
    /// Set when the account is under guard and a sign-in link may have been mailed.
    link_sent: bool,
    /// "Entrar con Google", when the provider is configured and reachable.
    oidc_button: Option<String>,
    /// Offer "Entrar con una llave de acceso" (the base URL has a host name).
    passkeys: bool,
}

impl LoginPage {
    fn new(layout: Layout, state: &AppState, login: String, next: String) -> Self {
        Self {
            oidc_button: provider_button(state, layout.lang),
            layout,
            login,
            next,
            remember: false,
            login_error: None,
            password_error: None,
            signup_enabled: state.settings.signup_enabled,
            unverified_email: None,
            link_sent: false,
            passkeys: accounts::passkeys::available(&state.settings),
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
        recordarme,
    } = form.into_inner();
    let remember = Remember::from_checkbox(recordarme.is_some());
    let next = safe_next(&next).unwrap_or_default().to_owned();
    let credentials = Credentials {
        login: login.clone(),
        password,
    };
    let replacing = session::session_id(&ctx.session);
    let browser = browser_of(&ctx.req);
    let outcome = accounts::login::sign_in(
        &ctx.state,
        &ctx.client(),
        credentials,
        browser,
        replacing,
        remember,
    )
    .await;
    let form = LoginPage {
        remember: remember == Remember::Yes,
        ..LoginPage::new(ctx.layout(), &ctx.state, login, next)
    };
    match outcome {
        Ok(SignInOutcome::SignedIn(signed_in)) => {
            let target = safe_next(&form.next).unwrap_or(paths::DASHBOARD);
            enter(&ctx, *signed_in, FirstStep::Password, target).await
        }
        Ok(SignInOutcome::LinkSent) => ctx.ok(&LoginPage {
            link_sent: true,
            ..form
        }),
        Ok(SignInOutcome::SecondStep(pending)) => to_second_step(&ctx, pending, form.next),
        Err(Error::Invalid(problems)) => ctx.invalid(&form.with_problems(&problems)),
        Err(Error::EmailNotVerified { email }) => page(
            StatusCode::FORBIDDEN,
            &LoginPage {
                unverified_email: Some(email),
                ..form
            },
        ),
        Err(Error::PendingDeletion(pending)) => pending_deletion(&ctx, &pending, remember),
        Err(e) => Err(e.into()),
    }
}

/// Starts the session and goes to `target` (see `auth::browser::enter`). An identity from the
/// OpenID Connect provider that waited for this account's owner to sign in is linked now
/// (`auth::oidc_flow::link_waiting`).
async fn enter(
    ctx: &PageContext,
    signed_in: SignedIn,
    first_step: FirstStep,
    target: &str,
) -> Result<HttpResponse, AppError> {
    oidc_flow::link_waiting(ctx, &signed_in.user, first_step).await?;
    let https = ctx.state.settings.is_https();
    browser::enter(&ctx.req, &ctx.session, https, signed_in, target)
}

#[derive(Template)]
#[template(path = "auth/sign_in_link.html")]
struct SignInLinkPage {
    layout: Layout,
    /// The form posts back to the link; `None` when the link is not valid.
    action: Option<String>,
}

/// `GET /login/confirmar/{token}/`: a button that confirms (a mail scanner opening the link
/// changes nothing).
pub async fn sign_in_link_page(
    ctx: PageContext,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let live = accounts::login::link_is_live(&ctx.state, token.clone()).await?;
    link_page(&ctx, live.then(|| paths::confirm_sign_in(&token)))
}

/// `POST /login/confirmar/{token}/`: the session starts in this browser.
pub async fn submit_sign_in_link(
    ctx: PageContext,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let replacing = session::session_id(&ctx.session);
    let browser = browser_of(&ctx.req);
    let confirmed = accounts::login::confirm_link(
        &ctx.state,
        &ctx.client(),
        token.into_inner(),
        browser,
        replacing,
    )
    .await;
    match confirmed {
        Ok(SignInOutcome::SignedIn(signed_in)) => {
            enter(&ctx, *signed_in, FirstStep::Password, paths::DASHBOARD)
                .await
                .map(no_referrer)
        }
        Ok(SignInOutcome::SecondStep(pending)) => {
            to_second_step(&ctx, pending, String::new()).map(no_referrer)
        }
        Ok(SignInOutcome::LinkSent) => link_page(&ctx, None),
        Err(Error::LinkInvalid) => link_page(&ctx, None),
        Err(e) => Err(e.into()),
    }
}

fn link_page(ctx: &PageContext, action: Option<String>) -> Result<HttpResponse, AppError> {
    let live = action.is_some();
    let template = SignInLinkPage {
        layout: ctx.layout(),
        action,
    };
    link_button_page(&template, live)
}

pub async fn submit_logout(
    ctx: PageContext,
    current: Option<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    if let Some(current) = current {
        accounts::login::sign_out(&ctx.state, current.session.id.to_string()).await?;
        session::forget(&ctx.session);
        flash(&ctx.session, FlashLevel::Info, "logout-done");
    }
    Ok(see_other(paths::LOGIN))
}

/// The right first step of an account with two-step sign-in: the pending sign-in goes into
/// the encrypted cookie and the browser to `/login/dos-pasos/`.
fn to_second_step(
    ctx: &PageContext,
    pending: PendingSignIn,
    next: String,
) -> Result<HttpResponse, AppError> {
    session::hold_second_step(&ctx.session, pending, next, ctx.state.clock.now())?;
    Ok(see_other(paths::SECOND_STEP))
}

/// The second step of signing in. Built so that other ways to pass it (a passkey) can be
/// offered next to the code field.
#[derive(Template)]
#[template(path = "auth/second_step.html")]
struct SecondStepPage {
    layout: Layout,
    codigo_error: Option<String>,
    /// Offer the account's passkeys.
    passkeys: bool,
}

impl SecondStepPage {
    fn error_items(&self) -> Vec<(&'static str, String)> {
        self.codigo_error
            .clone()
            .map(|e| ("codigo", e))
            .into_iter()
            .collect()
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SecondStepForm {
    codigo: String,
}

/// Back to the sign-in page: the pending sign-in expired, never was, or no longer holds.
fn second_step_expired(ctx: &PageContext) -> Result<HttpResponse, AppError> {
    session::drop_second_step(&ctx.session);
    ctx.redirect_with(paths::LOGIN, FlashLevel::Error, "two-step-sign-in-expired")
}

/// The second-step page; the passkey button when the account has passkeys and they work here.
async fn second_step_page(
    ctx: &PageContext,
    user_id: i32,
    codigo_error: Option<String>,
) -> Result<SecondStepPage, AppError> {
    let passkeys = accounts::passkeys::available(&ctx.state.settings)
        && accounts::two_step::status(&ctx.state, user_id)
            .await?
            .passkeys
            > 0;
    Ok(SecondStepPage {
        layout: ctx.layout(),
        codigo_error,
        passkeys,
    })
}

/// `GET /login/dos-pasos/`: the code field, while a pending sign-in is live.
pub async fn second_step_form(ctx: PageContext) -> Result<HttpResponse, AppError> {
    let Some((pending, _)) = session::second_step(&ctx.session, ctx.state.clock.now()) else {
        return second_step_expired(&ctx);
    };
    let page = second_step_page(&ctx, pending.user_id, None).await?;
    ctx.ok(&page)
}

/// `POST /login/dos-pasos/`: an app code or a recovery code starts the session.
pub async fn submit_second_step(
    ctx: PageContext,
    form: web::Form<SecondStepForm>,
) -> Result<HttpResponse, AppError> {
    let Some((pending, next)) = session::second_step(&ctx.session, ctx.state.clock.now()) else {
        return second_step_expired(&ctx);
    };
    let replacing = session::session_id(&ctx.session);
    let (user_id, first_step) = (pending.user_id, FirstStep::of(&pending));
    let passed = accounts::login::complete_second_step(
        &ctx.state,
        &ctx.client(),
        pending,
        SecondFactor::Code(&form.codigo),
        replacing,
    )
    .await;
    match passed {
        Ok(passed) => {
            session::drop_second_step(&ctx.session);
            let target = if next.is_empty() {
                paths::DASHBOARD
            } else {
                &next
            };
            let response = enter(&ctx, passed.signed_in, first_step, target).await?;
            if let Passed::RecoveryCode { left } = passed.how {
                let key = if left <= LOW_CODES {
                    "two-step-codes-low"
                } else {
                    "two-step-code-used"
                };
                flash(&ctx.session, FlashLevel::Info, key);
            }
            Ok(response)
        }
        Err(Error::Invalid(problems)) => {
            let errors = FieldErrors::new(&problems, ctx.layout().lang);
            let page = second_step_page(&ctx, user_id, errors.get("codigo")).await?;
            ctx.invalid(&page)
        }
        Err(Error::LinkInvalid) => second_step_expired(&ctx),
        Err(e) => Err(e.into()),
    }
}
