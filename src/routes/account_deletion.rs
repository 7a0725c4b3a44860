//! `GET, POST /cuenta/eliminar/` (delete one's own account), `GET, POST /cuenta/restaurar/`
//! (restore it right after a sign-in refused for it) and `GET, POST /cuenta/restaurar/{token}/`
//! (the mailed restore link). The work is in `accounts::deletion`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;

use crate::accounts::deletion::{DeletionRequest, RestoreAfterSignIn, Restored};
use crate::accounts::{self, Error};
use crate::auth::browser::{self, browser_of};
use crate::auth::{RecentUser, session};
use crate::db::users::User;
use crate::domain::Problems;
use crate::error::AppError;
use crate::locale::Reader;
use crate::paths;
use crate::render::{
    FieldErrors, FlashLevel, Layout, PageContext, flash, link_button_page, no_referrer,
    pending_deletion_page, see_other,
};

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct DeletionForm {
    confirmar_email: String,
    password: String,
}

#[derive(Template)]
#[template(path = "account/delete.html")]
struct DeletePage {
    layout: Layout,
    invoice_settings: bool,
    team: Vec<String>,
    /// "Your N vendedores:", in the page's language.
    team_line: String,
    date: String,
    confirm_email: String,
    errors: FieldErrors,
}

impl DeletePage {
    async fn build(
        ctx: &PageContext,
        user: &User,
        confirm_email: String,
        problems: &Problems,
    ) -> Result<Self, AppError> {
        let preview = accounts::deletion::preview(&ctx.state, user).await?;
        let layout = ctx.layout();
        let count = FluentValue::from(preview.team.len());
        Ok(Self {
            team_line: layout
                .lang
                .t_args("deletion-what-team", &[("count", count)]),
            errors: FieldErrors::new(problems, layout.lang),
            layout,
            invoice_settings: preview.invoice_settings,
            team: preview.team,
            date: Reader::of(user).date_time(preview.purge_after),
            confirm_email,
        })
    }

    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field)
    }

    fn error_items(&self) -> Vec<(&'static str, String)> {
        self.errors.items()
    }
}

#[derive(Template)]
#[template(path = "account/deleted.html")]
struct DeletedPage {
    layout: Layout,
    date: String,
}

/// Shown after a recent sign-in (else the re-authentication page first).
pub async fn deletion_form(ctx: PageContext, recent: RecentUser) -> Result<HttpResponse, AppError> {
    let user = &recent.current.user;
    let page = DeletePage::build(&ctx, user, String::new(), &Problems::new()).await?;
    ctx.ok(&page)
}

/// Marks the account, empties the cookie and shows the date (the session is gone, so there
/// is no signed-in page to redirect to).
pub async fn submit_deletion(
    ctx: PageContext,
    recent: RecentUser,
    web::Form(form): web::Form<DeletionForm>,
) -> Result<HttpResponse, AppError> {
    let RecentUser { current, recent } = recent;
    let typed = form.confirmar_email.clone();
    let input = DeletionRequest {
        confirm_email: form.confirmar_email,
        password: form.password,
    };
    let user = &current.user;
    match accounts::deletion::request(&ctx.state, &ctx.client(), user, input, recent).await {
        Ok(purge_after) => {
            session::forget(&ctx.session);
            let done = DeletedPage {
                layout: ctx.layout(),
                date: Reader::of(user).date_time(purge_after),
            };
            ctx.ok(&done)
        }
        Err(Error::Invalid(problems)) => {
            let page = DeletePage::build(&ctx, user, typed, &problems).await?;
            ctx.invalid(&page)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /cuenta/restaurar/`: the date and the restore button, while this browser may
/// restore the account (a passkey sign-in's script comes here, since it cannot show the
/// form itself); otherwise back to the sign-in page.
pub async fn restore_page(ctx: PageContext) -> Result<HttpResponse, AppError> {
    let pending = match session::may_restore(&ctx.session, ctx.state.clock.now()) {
        Some(user_id) => accounts::deletion::pending_by_id(&ctx.state, user_id).await?,
        None => None,
    };
    match pending.filter(|p| p.restorable) {
        Some(pending) => pending_deletion_page(&ctx, &pending, StatusCode::OK),
        None => ctx.redirect_with(paths::LOGIN, FlashLevel::Error, "deletion-restore-expired"),
    }
}

/// The restore button after the right password at sign-in: restores and signs in. Without a
/// live restore permission in the cookie, back to the sign-in page.
pub async fn submit_restore(ctx: PageContext) -> Result<HttpResponse, AppError> {
    let Some(permission) = session::take_restore(&ctx.session, ctx.state.clock.now()) else {
        return ctx.redirect_with(paths::LOGIN, FlashLevel::Error, "deletion-restore-expired");
    };
    let replacing = session::session_id(&ctx.session);
    let client = ctx.client();
    let restore = RestoreAfterSignIn {
        user_id: permission.user_id,
        replacing,
        remember: permission.remember,
        browser: browser_of(&ctx.req),
        by_passkey: permission.by_passkey,
    };
    let restored = accounts::deletion::restore_after_sign_in(&ctx.state, &client, restore).await;
    match restored {
        Ok(Restored::SecondStep(pending)) => {
            let now = ctx.state.clock.now();
            session::hold_second_step(&ctx.session, pending, String::new(), now)?;
            flash(&ctx.session, FlashLevel::Success, "deletion-restored");
            Ok(see_other(paths::SECOND_STEP))
        }
        Ok(Restored::SignedIn(signed_in)) => {
            flash(&ctx.session, FlashLevel::Success, "deletion-restored");
            let https = ctx.state.settings.is_https();
            browser::enter(&ctx.req, &ctx.session, https, *signed_in, paths::DASHBOARD)
        }
        Err(Error::NotFound) => {
            ctx.redirect_with(paths::LOGIN, FlashLevel::Error, "deletion-restore-expired")
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "account/restore_link.html")]
struct RestoreLinkPage {
    layout: Layout,
    /// The form posts back to the link; `None` when the link is not valid.
    action: Option<String>,
}

/// `GET /cuenta/restaurar/{token}/`: a button that restores (opening the link changes
/// nothing, so a mail scanner restores nothing).
pub async fn restore_link_page(
    ctx: PageContext,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let live = accounts::deletion::restore_link_is_live(&ctx.state, token.clone()).await?;
    link_page(&ctx, live.then(|| paths::restore_account(&token)))
}

/// `POST /cuenta/restaurar/{token}/`: restores the account without signing in.
pub async fn submit_restore_link(
    ctx: PageContext,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let restored =
        accounts::deletion::restore_by_link(&ctx.state, &ctx.client(), token.into_inner()).await;
    match restored {
        Ok(()) => ctx
            .redirect_with(paths::LOGIN, FlashLevel::Success, "deletion-restored-link")
            .map(no_referrer),
        Err(Error::LinkInvalid) => link_page(&ctx, None),
        Err(e) => Err(e.into()),
    }
}

fn link_page(ctx: &PageContext, action: Option<String>) -> Result<HttpResponse, AppError> {
    let live = action.is_some();
    let template = RestoreLinkPage {
        layout: ctx.layout(),
        action,
    };
    link_button_page(&template, live)
}
