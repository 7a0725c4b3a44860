//! `GET /verificar-email/{token}/`: confirms an address, the account's own or a new one asked
//! for from the profile (`accounts::verification`). A new link is asked for on
//! `/reenviar-verificacion/` (`email_requests`).

use actix_web::{HttpResponse, web};

use crate::accounts::verification::Confirmed;
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::paths;
use crate::render::{FlashLevel, LinkKind, PageContext, link_invalid, no_referrer};

pub async fn open_verification_link(
    ctx: PageContext,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = match accounts::verification::confirm(&ctx.state, token.into_inner()).await {
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
