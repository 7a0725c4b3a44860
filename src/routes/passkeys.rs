//! Passkeys (`accounts::passkeys`). The page `GET /seguridad/llaves/` (list, add, rename,
//! remove; behind a recent sign-in like every security setting) and the JSON endpoints that
//! `static/js/passkeys.js` calls: `POST /seguridad/llaves/opciones/` and `POST /seguridad/llaves/`
//! to add one, `POST /login/llave/opciones/` and `POST /login/llave/` to sign in with one (on its
//! own from `/login/`, or as the second step from `/login/dos-pasos/`). The ceremony's id waits
//! in the encrypted session cookie; its state is in the database.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use crate::accounts::login::SecondFactor;
use crate::accounts::oidc::FirstStep;
use crate::accounts::passkeys::{self, PasskeySummary, Started};
use crate::accounts::{self, Error};
use crate::auth::browser::{self, browser_of};
use crate::auth::{CurrentUser, RecentUser, oidc_flow, session};
use crate::db::users::User;
use crate::error::AppError;
use crate::locale::Reader;
use crate::paths;
use crate::render::{FieldErrors, FlashLevel, Layout, PageContext, flash, recovery_codes_page};

/// The session's ceremony purposes, as [`session::hold_ceremony`] keeps them.
const REGISTER: &str = "register";
const SIGN_IN: &str = "sign_in";
const SECOND_STEP: &str = "second_step";

/// One passkey as the page lists it.
struct PasskeyRow {
    id: i32,
    name: String,
    added: String,
    last_used: Option<String>,
    /// The rename field's error, when the last rename of this one failed.
    nombre_error: Option<String>,
}

#[derive(Template)]
#[template(path = "security/passkeys.html")]
struct PasskeysPage {
    layout: Layout,
    passkeys: Vec<PasskeyRow>,
    /// The base URL has a host name: browsers accept it as the relying party id.
    available: bool,
}

impl PasskeysPage {
    fn error_items(&self) -> Vec<(String, String)> {
        self.passkeys
            .iter()
            .filter_map(|p| {
                p.nombre_error
                    .clone()
                    .map(|e| (format!("nombre-{}", p.id), e))
            })
            .collect()
    }
}

fn passkeys_page(
    ctx: &PageContext,
    user: &User,
    passkeys: Vec<PasskeySummary>,
    failed: Option<(i32, String)>,
) -> PasskeysPage {
    let reader = Reader::of(user);
    let at = |t| reader.date_time(t);
    let passkeys = passkeys
        .into_iter()
        .map(|p| PasskeyRow {
            id: p.id,
            nombre_error: failed
                .as_ref()
                .filter(|(id, _)| *id == p.id)
                .map(|(_, e)| e.clone()),
            name: p.name,
            added: at(p.created_at),
            last_used: p.last_used_at.map(at),
        })
        .collect();
    PasskeysPage {
        layout: ctx.layout(),
        passkeys,
        available: passkeys::available(&ctx.state.settings),
    }
}

/// `GET /seguridad/llaves/`: the list and the add form; right after the first passkey, the
/// recovery codes (once).
pub async fn show_passkeys(ctx: PageContext, recent: RecentUser) -> Result<HttpResponse, AppError> {
    let user = &recent.current.user;
    if let Some(codes) = session::take_new_codes(&ctx.session, user.id) {
        return recovery_codes_page(ctx.layout(), codes);
    }
    let list = passkeys::list(&ctx.state, user.id).await?;
    let page = passkeys_page(&ctx, user, list, None);
    no_store(ctx.ok(&page))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NameForm {
    nombre: String,
}

/// `POST /seguridad/llaves/{id}/nombre/`.
pub async fn rename_passkey(
    ctx: PageContext,
    recent: RecentUser,
    id: web::Path<i32>,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, AppError> {
    let user = &recent.current.user;
    let id = id.into_inner();
    match passkeys::rename(&ctx.state, user, recent.recent, id, &form.nombre).await {
        Ok(()) => ctx.redirect_with(paths::PASSKEYS, FlashLevel::Success, "passkey-renamed"),
        Err(Error::Invalid(problems)) => {
            let error = FieldErrors::new(&problems, ctx.layout().lang).get("nombre");
            let list = passkeys::list(&ctx.state, user.id).await?;
            let failed = error.map(|e| (id, e));
            let page = passkeys_page(&ctx, user, list, failed);
            no_store(ctx.invalid(&page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /seguridad/llaves/{id}/eliminar/`.
pub async fn remove_passkey(
    ctx: PageContext,
    recent: RecentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let user = &recent.current.user;
    let removed = passkeys::remove(
        &ctx.state,
        &ctx.client(),
        user,
        recent.recent,
        id.into_inner(),
    )
    .await;
    match removed {
        Ok(accounts::two_step::StillOn(still_on)) => {
            let message = if still_on {
                "passkey-removed"
            } else {
                "passkey-removed-two-step-off"
            };
            ctx.redirect_with(paths::PASSKEYS, FlashLevel::Success, message)
        }
        Err(Error::Forbidden) => {
            let why = "passkey-remove-last-way-in";
            ctx.redirect_with(paths::PASSKEYS, FlashLevel::Error, why)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /seguridad/llaves/opciones/` (JSON `{"nombre": …}`): the options for
/// `navigator.credentials.create`.
pub async fn registration_options(
    ctx: PageContext,
    recent: RecentUser,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let Ok(form) = serde_json::from_slice::<NameForm>(&body) else {
        return json_error(&ctx, malformed());
    };
    let user = &recent.current.user;
    match passkeys::start_registration(&ctx.state, user, recent.recent, &form.nombre).await {
        Ok(Started { options, ceremony }) => {
            session::hold_ceremony(&ctx.session, REGISTER, &ceremony)?;
            Ok(json_ok(&options))
        }
        Err(e) => json_error(&ctx, e),
    }
}

/// `POST /seguridad/llaves/` (JSON: the new credential): the passkey is added; the script
/// goes on to the page (which shows the recovery codes after a first factor).
pub async fn add_passkey(
    ctx: PageContext,
    current: CurrentUser,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let Ok(answer) = serde_json::from_slice::<RegisterPublicKeyCredential>(&body) else {
        return json_error(&ctx, malformed());
    };
    let ceremony = taken(&ctx, REGISTER);
    let user = &current.user;
    let client = ctx.client();
    match passkeys::finish_registration(&ctx.state, &client, user, &ceremony, &answer).await {
        Ok(codes) => {
            match codes {
                Some(codes) => session::hold_new_codes(&ctx.session, user.id, &codes)?,
                None => flash(&ctx.session, FlashLevel::Success, "passkey-added"),
            }
            Ok(json_ok(&json!({ "redirect": paths::PASSKEYS })))
        }
        Err(e) => json_error(&ctx, e),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SignInOptionsForm {
    /// Sent from `/login/dos-pasos/`: the passkey is the second step of the pending sign-in.
    second_step: bool,
}

/// `POST /login/llave/opciones/` (JSON `{}` or `{"second_step": true}`): the options for
/// `navigator.credentials.get`.
pub async fn sign_in_options(ctx: PageContext, body: web::Bytes) -> Result<HttpResponse, AppError> {
    let Ok(form) = serde_json::from_slice::<SignInOptionsForm>(&body) else {
        return json_error(&ctx, malformed());
    };
    let (purpose, started) = if form.second_step {
        let Some((pending, _)) = session::second_step(&ctx.session, ctx.state.clock.now()) else {
            return json_error(&ctx, Error::LinkInvalid);
        };
        let started = passkeys::start_second_step(&ctx.state, &pending).await;
        (SECOND_STEP, started)
    } else {
        let started = passkeys::start_sign_in(&ctx.state, &ctx.client()).await;
        (SIGN_IN, started)
    };
    match started {
        Ok(Started { options, ceremony }) => {
            session::hold_ceremony(&ctx.session, purpose, &ceremony)?;
            Ok(json_ok(&options))
        }
        Err(e) => json_error(&ctx, e),
    }
}

/// `POST /login/llave/` (JSON: the assertion): the session starts and the script goes on.
pub async fn sign_in_with_passkey(
    ctx: PageContext,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let Ok(answer) = serde_json::from_slice::<PublicKeyCredential>(&body) else {
        return json_error(&ctx, malformed());
    };
    let (replacing, client) = (session::session_id(&ctx.session), ctx.client());
    let (purpose, ceremony) = session::take_ceremony(&ctx.session).unwrap_or_default();
    if purpose == SECOND_STEP {
        let Some((pending, next)) = session::second_step(&ctx.session, ctx.state.clock.now())
        else {
            return json_error(&ctx, Error::LinkInvalid);
        };
        let first_step = FirstStep::of(&pending);
        let factor = SecondFactor::Passkey {
            ceremony: &ceremony,
            answer: Box::new(answer),
        };
        let passed =
            accounts::login::complete_second_step(&ctx.state, &client, pending, factor, replacing)
                .await;
        return match passed {
            Ok(passed) => {
                session::drop_second_step(&ctx.session);
                let target = if next.is_empty() {
                    paths::DASHBOARD
                } else {
                    &next
                };
                oidc_flow::link_waiting(&ctx, &passed.signed_in.user, first_step).await?;
                entered(&ctx, passed.signed_in, target)
            }
            Err(e) => json_error(&ctx, e),
        };
    }
    // A ceremony of another purpose finds no sign-in ceremony: "expired".
    let ceremony = if purpose == SIGN_IN {
        ceremony
    } else {
        String::new()
    };
    let browser = browser_of(&ctx.req);
    let signed_in =
        passkeys::finish_sign_in(&ctx.state, &client, &ceremony, answer, browser, replacing).await;
    match signed_in {
        Ok(signed_in) => entered(&ctx, signed_in, paths::DASHBOARD),
        Err(e) => json_error(&ctx, e),
    }
}

/// The ceremony this browser started for `purpose` (empty when none: it then is "expired").
fn taken(ctx: &PageContext, purpose: &str) -> String {
    match session::take_ceremony(&ctx.session) {
        Some((held, id)) if held == purpose => id,
        _ => String::new(),
    }
}

/// The session starts (see `auth::browser::enter`); the script is told where to go.
fn entered(
    ctx: &PageContext,
    signed_in: accounts::login::SignedIn,
    target: &str,
) -> Result<HttpResponse, AppError> {
    let https = ctx.state.settings.is_https();
    let mut response = browser::enter(&ctx.req, &ctx.session, https, signed_in, target)?;
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().remove(header::LOCATION);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = json!({ "redirect": target }).to_string();
    Ok(response.set_body(actix_web::body::BoxBody::new(body)))
}

fn malformed() -> Error {
    Error::field("llave", "passkey-malformed")
}

fn json_ok(value: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(value)
}

/// A refusal as JSON `{"error": message, "field": name}` for the script to show.
fn json_error(ctx: &PageContext, error: Error) -> Result<HttpResponse, AppError> {
    let lang = ctx.layout().lang;
    let (status, field, message) = match error {
        Error::Invalid(problems) => {
            let errors = FieldErrors::new(&problems, lang);
            let (field, message) = ["nombre", "llave", "codigo"]
                .into_iter()
                .find_map(|f| errors.get(f).map(|m| (f, m)))
                .unwrap_or(("llave", lang.t("passkey-refused")));
            (StatusCode::UNPROCESSABLE_ENTITY, field, message)
        }
        Error::Forbidden => (
            StatusCode::FORBIDDEN,
            "llave",
            lang.t("passkeys-need-host-name"),
        ),
        Error::NotFound => (StatusCode::NOT_FOUND, "llave", lang.t("passkey-none")),
        Error::LinkInvalid => (
            StatusCode::CONFLICT,
            "llave",
            lang.t("two-step-sign-in-expired"),
        ),
        Error::PendingDeletion(pending) => {
            if !pending.restorable {
                // A vendedor deleted by their admin, or whose admin is pending deletion: only
                // the admin can restore it.
                let message = lang.t("passkey-pending-deletion-ask-admin");
                return refusal(StatusCode::FORBIDDEN, "llave", message);
            }
            let message = lang.t("passkey-pending-deletion");
            // Its owner may restore it from this browser for a few minutes: the script goes
            // on to the page with the button.
            let now = ctx.state.clock.now();
            session::allow_restore_by_passkey(&ctx.session, pending.user_id, now)?;
            return Ok(HttpResponse::Forbidden()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(json!({
                    "error": message,
                    "field": "llave",
                    "redirect": paths::RESTORE_ACCOUNT,
                })));
        }
        Error::Throttled { retry_after_secs } => {
            return Ok(HttpResponse::TooManyRequests()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::RETRY_AFTER, retry_after_secs.to_string()))
                .json(json!({ "error": lang.t("error-429-message"), "field": "llave" })));
        }
        e => return Err(e.into()),
    };
    refusal(status, field, message)
}

/// `{"error": message, "field": name}` with `status`, for the script to show.
fn refusal(status: StatusCode, field: &str, message: String) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "error": message, "field": field })))
}

/// The list stays out of every cache.
fn no_store(response: Result<HttpResponse, AppError>) -> Result<HttpResponse, AppError> {
    response.map(|mut r| {
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    })
}
