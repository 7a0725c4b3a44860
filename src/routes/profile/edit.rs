//! `GET /perfil/`, `POST /actualizar-perfil/`, `POST /perfil/foto/eliminar/` and the two
//! address buttons (`POST /perfil/email/verificar/`, `POST /perfil/email/cancelar/`). The work
//! is in `accounts::profile` and `accounts::verification`.

use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes as FilePart;
use actix_multipart::form::text::Text;
use actix_web::HttpResponse;

use super::page::{ProfilePage, Submitted};
use crate::accounts::profile::{ProfileFields, ProfileInput};
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::paths;
use crate::render::{FlashLevel, PageContext, flash, see_other};

/// The multipart form; every field optional so a missing one is a field error, not a 400.
#[derive(MultipartForm)]
pub struct ProfileForm {
    username: Option<Text<String>>,
    first_name: Option<Text<String>>,
    last_name: Option<Text<String>>,
    email: Option<Text<String>>,
    telefono: Option<Text<String>>,
    idioma: Option<Text<String>>,
    moneda: Option<Text<String>>,
    zona_horaria: Option<Text<String>>,
    region: Option<Text<String>>,
    password_actual: Option<Text<String>>,
    foto_perfil: Option<FilePart>,
}

impl From<ProfileForm> for ProfileInput {
    fn from(form: ProfileForm) -> Self {
        let text = |field: Option<Text<String>>| field.map(|t| t.0).unwrap_or_default();
        Self {
            fields: ProfileFields {
                username: text(form.username),
                first_name: text(form.first_name),
                last_name: text(form.last_name),
                email: text(form.email),
                telefono: text(form.telefono),
                idioma: text(form.idioma),
                moneda: text(form.moneda),
                zona_horaria: text(form.zona_horaria),
                region: text(form.region),
            },
            password_actual: text(form.password_actual),
            foto_perfil: form.foto_perfil.map(|file| Vec::from(file.data)),
            keep_photo_for: None,
        }
    }
}

pub async fn show_profile(
    ctx: PageContext,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let profile = ProfilePage::build(&ctx, &current, Submitted::Nothing).await?;
    ctx.ok(&profile)
}

pub async fn submit_profile(
    ctx: PageContext,
    current: CurrentUser,
    MultipartForm(form): MultipartForm<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let input = ProfileInput {
        keep_photo_for: Some(current.session.id.to_string()),
        ..ProfileInput::from(form)
    };
    let typed = input.fields.clone();
    let user = &current.user;
    match accounts::profile::update_profile(&ctx.state, &ctx.client(), user, input).await {
        Ok(saved) => {
            if saved.email_change_requested {
                flash(&ctx.session, FlashLevel::Info, "profile-email-change-sent");
            }
            ctx.redirect_with(paths::PROFILE, FlashLevel::Success, "profile-updated")
        }
        Err(Error::Invalid(problems)) => {
            ProfilePage::show_invalid(&ctx, &current, Submitted::Profile(typed, problems)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /perfil/email/verificar/`: a new verification link for the current address.
pub async fn send_email_verification(
    ctx: PageContext,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    accounts::verification::send_to_self(&ctx.state, &ctx.client(), user).await?;
    if !user.email_verified {
        flash(&ctx.session, FlashLevel::Info, "profile-verification-sent");
    }
    Ok(see_other(paths::PROFILE))
}

/// `POST /perfil/email/cancelar/`: the pending address is dropped and its link stops working.
pub async fn cancel_email_change(
    ctx: PageContext,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    accounts::profile::cancel_email_change(&ctx.state, &current.user).await?;
    let cancelled = "profile-email-change-cancelled";
    ctx.redirect_with(paths::PROFILE, FlashLevel::Success, cancelled)
}

/// `POST /perfil/foto/eliminar/`: back to the Google photo or the default avatar.
pub async fn remove_profile_photo(
    ctx: PageContext,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let removed = accounts::profile::remove_photo(&ctx.state, &current.user).await?;
    if removed {
        flash(&ctx.session, FlashLevel::Success, "profile-photo-removed");
    }
    Ok(see_other(paths::PROFILE))
}
