//! The two-step sign-in settings (`accounts::two_step`), all behind a recent sign-in
//! ([`RecentUser`]): `GET, POST /seguridad/dos-pasos/` (set up the authenticator app, or manage
//! it when on), `POST /seguridad/dos-pasos/desactivar/` and `POST /seguridad/dos-pasos/codigos/`.
//! The secret on offer waits in the encrypted session cookie until a code confirms it.

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use crate::accounts::two_step::{self, SetUp, Status};
use crate::accounts::{self, Error};
use crate::auth::{RecentUser, session};
use crate::error::AppError;
use crate::paths;
use crate::render::{FieldErrors, FlashLevel, Layout, PageContext, recovery_codes_page};

#[derive(Template)]
#[template(path = "security/two_step.html")]
struct TwoStepPage {
    layout: Layout,
    status: Status,
    /// What to scan or type when the app is off.
    set_up: Option<SetUp>,
    codigo_error: Option<String>,
}

impl TwoStepPage {
    /// The words of turning the app off: all of two-step sign-in, or only the app when
    /// passkeys remain (and with them the second step and the recovery codes).
    fn turn_off_keys(&self) -> (&'static str, &'static str, &'static str) {
        if self.status.passkeys > 0 {
            (
                "two-step-remove-app",
                "two-step-remove-app-confirm",
                "two-step-remove-app-yes",
            )
        } else {
            (
                "two-step-disable",
                "two-step-disable-confirm",
                "two-step-disable-yes",
            )
        }
    }

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
pub struct ConfirmForm {
    codigo: String,
}

/// `GET /seguridad/dos-pasos/`.
pub async fn two_step_page(ctx: PageContext, recent: RecentUser) -> Result<HttpResponse, AppError> {
    let user = &recent.current.user;
    let status = two_step::status(&ctx.state, user.id).await?;
    let set_up = if status.app {
        None
    } else {
        // The same secret while the page is reloaded, so a half-done scan stays good.
        let secret = match session::set_up_secret(&ctx.session, user.id) {
            Some(secret) => secret,
            None => {
                let secret = two_step::new_secret();
                session::hold_set_up_secret(&ctx.session, user.id, &secret)?;
                secret
            }
        };
        Some(SetUp::new(secret, &user.email))
    };
    no_store(ctx.ok(&TwoStepPage {
        layout: ctx.layout(),
        status,
        set_up,
        codigo_error: None,
    }))
}

/// `POST /seguridad/dos-pasos/`: the code confirms the secret on offer; the recovery codes
/// are shown when the app is the first factor (beside a passkey the old ones stay).
pub async fn confirm_app(
    ctx: PageContext,
    recent: RecentUser,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let user = &recent.current.user;
    let Some(secret) = session::set_up_secret(&ctx.session, user.id) else {
        return ctx.redirect_with(paths::TWO_STEP, FlashLevel::Error, "two-step-set-up-again");
    };
    let client = ctx.client();
    let enabled = two_step::enable(
        &ctx.state,
        &client,
        user,
        recent.recent,
        &secret,
        &form.codigo,
    )
    .await;
    match enabled {
        Ok(codes) => {
            session::drop_set_up_secret(&ctx.session);
            match codes {
                Some(codes) => codes_page(&ctx, codes),
                // Beside a passkey: the codes the user saved still work.
                None => ctx.redirect_with(
                    paths::TWO_STEP,
                    FlashLevel::Success,
                    "two-step-app-enabled-codes-kept",
                ),
            }
        }
        Err(Error::Invalid(problems)) => {
            let layout = ctx.layout();
            let codigo_error = FieldErrors::new(&problems, layout.lang).get("codigo");
            let status = two_step::status(&ctx.state, user.id).await?;
            no_store(ctx.invalid(&TwoStepPage {
                layout,
                status,
                set_up: Some(SetUp::new(secret, &user.email)),
                codigo_error,
            }))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /seguridad/dos-pasos/desactivar/`.
pub async fn disable(ctx: PageContext, recent: RecentUser) -> Result<HttpResponse, AppError> {
    let user = &recent.current.user;
    match two_step::disable(&ctx.state, &ctx.client(), user, recent.recent).await {
        Ok(two_step::StillOn(still_on)) => {
            session::drop_set_up_secret(&ctx.session);
            let message = if still_on {
                "two-step-app-removed"
            } else {
                "two-step-disabled"
            };
            ctx.redirect_with(paths::SECURITY, FlashLevel::Success, message)
        }
        Err(Error::NotFound) => {
            ctx.redirect_with(paths::TWO_STEP, FlashLevel::Info, "two-step-already-off")
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /seguridad/dos-pasos/codigos/`: a new set replaces every code.
pub async fn new_codes(ctx: PageContext, recent: RecentUser) -> Result<HttpResponse, AppError> {
    let user = &recent.current.user;
    match accounts::two_step::replace_codes(&ctx.state, &ctx.client(), user, recent.recent).await {
        Ok(codes) => codes_page(&ctx, codes),
        Err(Error::NotFound) => {
            ctx.redirect_with(paths::TWO_STEP, FlashLevel::Info, "two-step-already-off")
        }
        Err(e) => Err(e.into()),
    }
}

fn codes_page(ctx: &PageContext, codes: Vec<String>) -> Result<HttpResponse, AppError> {
    recovery_codes_page(ctx.layout(), codes)
}

/// Secrets and codes stay out of every cache.
fn no_store(response: Result<HttpResponse, AppError>) -> Result<HttpResponse, AppError> {
    response.map(|mut r| {
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    })
}
