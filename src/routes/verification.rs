//! `/verificar-email/{token}/`: confirms an address, the account's own or a new one asked for
//! from the profile (`accounts::verification`). A new link is asked for on
//! `/reenviar-verificacion/` (`email_requests`).
//!
//! Opening the link (GET) changes nothing: it shows one button that posts the confirmation,
//! so a mail provider's link scanner neither confirms the address nor uses up the link.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::accounts::verification::Confirmed;
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::paths;
use crate::render::{FlashLevel, Layout, LinkKind, PageContext, link_invalid, no_referrer};

/// Longer than any token this server issues: not worth a database look-up.
const MAX_TOKEN_LEN: usize = 64;

#[derive(Template)]
#[template(path = "auth/verify_email.html")]
struct VerifyPage {
    layout: Layout,
    action: String,
}

/// `GET`: the confirmation button for a live link, the "link not valid" page otherwise.
pub async fn show_verification_link(
    ctx: PageContext,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let live = token.len() <= MAX_TOKEN_LEN
        && accounts::verification::link_is_live(&ctx.state, token.clone()).await?;
    if !live {
        return link_invalid(&ctx.req, LinkKind::Verification);
    }
    let page = VerifyPage {
        layout: ctx.layout(),
        action: paths::verify_email(&token),
    };
    ctx.ok(&page).map(no_referrer)
}

/// `POST`: uses the link.
pub async fn confirm_verification_link(
    ctx: PageContext,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = match accounts::verification::confirm(&ctx.state, &ctx.client(), token.into_inner())
        .await
    {
        Ok(Confirmed::Verified) => "verify-done",
        Ok(Confirmed::Changed) => "verify-email-changed",
        Err(Error::LinkInvalid) => return link_invalid(&ctx.req, LinkKind::Verification),
        Err(e) => return Err(e.into()),
    };
    let signed_in = CurrentUser::of(&ctx.req).is_some();
    let target = if signed_in {
        paths::PROFILE
    } else {
        paths::LOGIN
    };
    ctx.redirect_with(target, FlashLevel::Success, key)
        .map(no_referrer)
}
