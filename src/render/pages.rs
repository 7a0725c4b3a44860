//! Page pieces that several handlers show: the "link not valid" page, the password rules,
//! the new recovery codes, and the `Referrer-Policy: no-referrer` of pages whose address may
//! hold a token.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use base64::Engine;

use super::{Layout, page};
use crate::domain::{PasswordPolicy, PasswordProblem, Problem};
use crate::error::AppError;
use crate::i18n::Lang;

/// Pages whose address holds (or held) a token: the browser must not send it on.
pub fn no_referrer(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The new recovery codes, shown this once (after the first factor, or a new set).
#[derive(Template)]
#[template(path = "security/recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    codes: Vec<String>,
    /// The codes as a `data:` URL of a text file, for the download link.
    download: String,
}

/// The page of new recovery codes, out of every cache.
pub fn recovery_codes_page(layout: Layout, codes: Vec<String>) -> Result<HttpResponse, AppError> {
    let mut text = format!("{}\r\n\r\n", layout.lang.t("two-step-codes-file-title"));
    for code in &codes {
        text.push_str(code);
        text.push_str("\r\n");
    }
    let download = format!(
        "data:text/plain;charset=utf-8;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(text)
    );
    let page = RecoveryCodesPage {
        layout,
        codes,
        download,
    };
    super::page(StatusCode::OK, &page).map(|mut r| {
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    })
}

/// Which link was not valid: the page offers the matching way to get a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    Verification,
    Reset,
}

/// One page for every expired, used, voided or unknown link, so nobody learns which it was.
#[derive(Template)]
#[template(path = "auth/link_invalid.html")]
struct LinkInvalidPage {
    layout: Layout,
    reset: bool,
}

/// The page of a mailed link's one button: 200 while the link is live, 410 once it is not
/// (the template then says so); never with a Referer, so the token stays in this page.
pub fn link_button_page(template: &impl Template, live: bool) -> Result<HttpResponse, AppError> {
    let status = if live {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    page(status, template).map(no_referrer)
}

pub fn link_invalid(req: &HttpRequest, kind: LinkKind) -> Result<HttpResponse, AppError> {
    page(
        StatusCode::GONE,
        &LinkInvalidPage {
            layout: Layout::for_request(req),
            reset: kind == LinkKind::Reset,
        },
    )
    .map(no_referrer)
}

/// The rules as listed above every form that sets a password.
pub fn password_rules(lang: Lang, policy: PasswordPolicy) -> Vec<String> {
    let mut rules = vec![lang.problem(&Problem::from(PasswordProblem::TooShort {
        min: policy.min_length,
    }))];
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

/// The label of the "sign in with the provider" button, when the provider is configured and
/// discovered (the sign-in and sign-up pages show it then).
pub fn provider_button(state: &crate::state::AppState, lang: Lang) -> Option<String> {
    let provider = state.oidc.as_ref().filter(|p| p.is_ready())?;
    let name = provider.settings().name.clone();
    Some(lang.t_args("oidc-sign-in-with", &[("name", name.into())]))
}

/// The right first step (a password, or the OpenID Connect provider) for an account pending
/// deletion: the date, and for its owner the button that restores it (`POST
/// /cuenta/restaurar/`), which this browser may use for a few minutes.
#[derive(Template)]
#[template(path = "account/pending_deletion.html")]
struct PendingDeletionPage {
    layout: Layout,
    date: String,
    restorable: bool,
}

/// See [`PendingDeletionPage`]; 403.
pub fn pending_deletion(
    ctx: &super::PageContext,
    pending: &crate::accounts::deletion::Pending,
    remember: crate::accounts::sessions::Remember,
) -> Result<HttpResponse, AppError> {
    if pending.restorable {
        let now = ctx.state.clock.now();
        crate::auth::session::allow_restore(&ctx.session, pending.user_id, remember, now)?;
    }
    pending_deletion_page(ctx, pending, StatusCode::FORBIDDEN)
}

/// The page of [`pending_deletion`] alone, for a browser already allowed to restore (after
/// a passkey sign-in, whose script goes on to `GET /cuenta/restaurar/`).
pub fn pending_deletion_page(
    ctx: &super::PageContext,
    pending: &crate::accounts::deletion::Pending,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    // The page's language (nobody is signed in yet), the account's time zone.
    let layout = ctx.layout();
    let zone = &pending.timezone;
    let region = crate::domain::region::Region::of_timezone(zone);
    let reader = crate::locale::Reader::new(layout.lang, region, zone);
    let template = PendingDeletionPage {
        date: reader.date_time(pending.purge_after),
        layout,
        restorable: pending.restorable,
    };
    page(status, &template)
}
