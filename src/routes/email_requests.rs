//! `GET, POST /reenviar-verificacion/` (a new verification link) and `GET, POST
//! /recuperar-password/` (a password-reset link): one email field, and the same answer for
//! every address (`accounts::request_link`).

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::accounts::{self, LinkRequest};
use crate::domain::EmailAddress;
use crate::error::AppError;
use crate::paths;
use crate::render::{FlashLevel, Layout, PageContext};

pub async fn show_email_request(ctx: PageContext) -> Result<HttpResponse, AppError> {
    EmailRequest::of(&ctx).show(&ctx)
}

pub async fn submit_email_request(
    ctx: PageContext,
    web::Form(form): web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    EmailRequest::of(&ctx).submit(ctx, form).await
}

/// What the one-field email form posts.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EmailForm {
    pub email: String,
}

/// The pages that ask for an address and answer the same for every one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EmailRequest {
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
    fn show(self, ctx: &PageContext) -> Result<HttpResponse, AppError> {
        ctx.ok(&self.page(ctx.layout(), String::new(), None))
    }

    /// The form posted: a typed address is asked for its link (the same answer for every
    /// one, then the sign-in page with a note); anything else shows the form again (422).
    async fn submit(self, ctx: PageContext, form: EmailForm) -> Result<HttpResponse, AppError> {
        let email = match EmailAddress::parse(&form.email) {
            Ok(email) => email,
            Err(problem) => {
                let layout = ctx.layout();
                let error = Some(layout.lang.t(problem.message_key()));
                return ctx.invalid(&self.page(layout, form.email, error));
            }
        };
        let (kind, done) = match self {
            Self::Resend => (LinkRequest::Verification, "resend-done"),
            Self::Recover => (LinkRequest::PasswordReset, "recover-done"),
        };
        let state = ctx.state.clone().into_inner();
        accounts::request_link(state, &ctx.client(), kind, email).await?;
        ctx.redirect_with(paths::LOGIN, FlashLevel::Info, done)
    }
}

/// A form with one email field.
#[derive(Template)]
#[template(path = "auth/email_request.html")]
struct EmailRequestPage {
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

impl EmailRequest {
    /// Which page the request is for, by its path.
    fn of(ctx: &PageContext) -> Self {
        if ctx.req.path() == paths::RECOVER_PASSWORD {
            Self::Recover
        } else {
            Self::Resend
        }
    }
}
