//! The photo a profile form with another error kept for this session: shown to its session
//! only (`GET /perfil/foto/pendiente/`) and dropped on request (`POST
//! /perfil/foto/pendiente/descartar/`). The next valid save of the form stores it.

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;

use crate::accounts;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::paths;
use crate::render::{FlashLevel, PageContext, flash, see_other};

/// `GET /perfil/foto/pendiente/`: the processed JPEG, private to this session.
pub async fn show_pending_photo(
    ctx: PageContext,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (session, user_id) = (&current.session.id, current.user.id);
    let Some(jpeg) = accounts::profile::pending_photo(&ctx.state, session, user_id).await? else {
        return Err(AppError::NotFound);
    };
    // Not under /media/: the security headers add `Cache-Control: no-store`.
    Ok(HttpResponse::Ok()
        .content_type(ContentType::jpeg())
        .body(jpeg))
}

/// `POST /perfil/foto/pendiente/descartar/`: the kept photo goes; the saved one stays.
pub async fn discard_pending_photo(
    ctx: PageContext,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    if accounts::profile::discard_pending_photo(&ctx.state, &current.session.id).await? {
        flash(
            &ctx.session,
            FlashLevel::Success,
            "profile-pending-photo-discarded",
        );
    }
    Ok(see_other(paths::PROFILE))
}
