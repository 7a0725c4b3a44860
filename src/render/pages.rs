//! Page pieces that several handlers show: the one-field email form (resend verification,
//! recover password), the "link not valid" page, the password rules, and the
//! `Referrer-Policy: no-referrer` of pages whose address may hold a token.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use std::sync::Arc;

use super::{FlashLevel, Layout, PageContext, page};
use crate::accounts::{self, Client};
use crate::domain::{EmailAddress, PasswordPolicy, PasswordProblem, Problem};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::paths;
use crate::state::AppState;

/// Pages whose address holds (or held) a token: the browser must not send it on.
pub fn no_referrer(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// What the one-field email form posts.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EmailForm {
    pub email: String,
}

/// The pages that ask for an address and answer the same for every one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailRequest {
    /// A new verification link (`/reenviar-verificacion/`).
    Resend,
    /// A password-reset link (`/recuperar-password/`).
    Recover,
}

impl EmailRequest {
    /// The form, empty or with what was typed and its error.
    pub fn page(
        self,
        layout: Layout,
        email: String,
        email_error: Option<String>,
    ) -> EmailRequestPage {
        let (title_key, intro_key, submit_key, action) = match self {
            Self::Resend => (
                "resend-title",
                "resend-intro",
                "resend-submit",
                paths::RESEND_VERIFICATION,
            ),
            Self::Recover => (
                "recover-title",
                "recover-intro",
                "recover-submit",
                paths::RECOVER_PASSWORD,
            ),
        };
        EmailRequestPage {
            layout,
            title_key,
            intro_key,
            submit_key,
            action,
            email,
            email_error,
        }
    }

    /// The empty form.
    pub fn show(self, ctx: &PageContext) -> Result<HttpResponse, AppError> {
        ctx.ok(&self.page(ctx.layout(), String::new(), None))
    }

    /// The form posted: a typed address goes to `request` (the same answer for every one,
    /// then the sign-in page with a note); anything else shows the form again (422).
    pub async fn submit<F, Fut>(
        self,
        ctx: PageContext,
        form: EmailForm,
        request: F,
    ) -> Result<HttpResponse, AppError>
    where
        F: FnOnce(Arc<AppState>, Client, EmailAddress) -> Fut,
        Fut: Future<Output = Result<(), accounts::Error>>,
    {
        let email = match EmailAddress::parse(&form.email) {
            Ok(email) => email,
            Err(problem) => {
                let layout = ctx.layout();
                let error = Some(layout.t(problem.message_key()));
                return ctx.invalid(&self.page(layout, form.email, error));
            }
        };
        request(ctx.state.clone().into_inner(), ctx.client(), email).await?;
        let done = match self {
            Self::Resend => "resend-done",
            Self::Recover => "recover-done",
        };
        ctx.redirect_with(paths::LOGIN, FlashLevel::Info, done)
    }
}

/// A form with one email field.
#[derive(Template)]
#[template(path = "auth/email_request.html")]
pub struct EmailRequestPage {
    layout: Layout,
    title_key: &'static str,
    intro_key: &'static str,
    submit_key: &'static str,
    action: &'static str,
    email: String,
    email_error: Option<String>,
}

impl EmailRequestPage {
    fn error_items(&self) -> Vec<(&'static str, String)> {
        self.email_error
            .clone()
            .map(|e| vec![("email", e)])
            .unwrap_or_default()
    }
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
