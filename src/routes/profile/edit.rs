//! `GET /perfil/`, `POST /actualizar-perfil/`, `POST /perfil/foto/eliminar/` and the two
//! address buttons (`POST /perfil/email/verificar/`, `POST /perfil/email/cancelar/`). The work
//! is in `accounts::profile` and `accounts::verification`.

use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes as FilePart;
use actix_multipart::form::text::Text;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::page::{ProfilePage, ProfileValues, Submitted};
use crate::accounts::profile::ProfileInput;
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::auth::session::client_of;
use crate::error::AppError;
use crate::paths;
use crate::render::{FlashLevel, Layout, flash, page, see_other};
use crate::state::AppState;

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
    password_actual: Option<Text<String>>,
    foto_perfil: Option<FilePart>,
}

impl From<ProfileForm> for ProfileInput {
    fn from(form: ProfileForm) -> Self {
        let text = |field: Option<Text<String>>| field.map(|t| t.0).unwrap_or_default();
        Self {
            username: text(form.username),
            first_name: text(form.first_name),
            last_name: text(form.last_name),
            email: text(form.email),
            telefono: text(form.telefono),
            idioma: text(form.idioma),
            moneda: text(form.moneda),
            zona_horaria: text(form.zona_horaria),
            password_actual: text(form.password_actual),
            foto_perfil: form.foto_perfil.map(|file| Vec::from(file.data)),
        }
    }
}

impl ProfileValues {
    /// What was typed, to show again beside the errors (never the password or the file).
    fn submitted(input: &ProfileInput) -> Self {
        Self {
            username: input.username.clone(),
            first_name: input.first_name.clone(),
            last_name: input.last_name.clone(),
            email: input.email.clone(),
            telefono: input.telefono.clone(),
            idioma: input.idioma.clone(),
            moneda: input.moneda.clone(),
            zona_horaria: input.zona_horaria.clone(),
        }
    }
}

pub async fn show_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let layout = Layout::for_request(&req);
    let profile = ProfilePage::build(&state, layout, &current.user, Submitted::Nothing).await?;
    page(StatusCode::OK, &profile)
}

pub async fn submit_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
    MultipartForm(form): MultipartForm<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let input = ProfileInput::from(form);
    let values = ProfileValues::submitted(&input);
    let user = &current.user;
    match accounts::profile::update_profile(&state, &client_of(&req), user, input).await {
        Ok(saved) => {
            flash(&session, FlashLevel::Success, "profile-updated");
            if saved.email_change_requested {
                flash(&session, FlashLevel::Info, "profile-email-change-sent");
            }
            Ok(see_other(paths::PROFILE))
        }
        Err(Error::Invalid(problems)) => {
            let layout = Layout::for_request(&req);
            let submitted = Submitted::Profile(values, problems);
            let profile = ProfilePage::build(&state, layout, user, submitted).await?;
            page(StatusCode::UNPROCESSABLE_ENTITY, &profile)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /perfil/email/verificar/`: a new verification link for the current address.
pub async fn send_email_verification(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    accounts::verification::send_to_self(&state, &client_of(&req), user).await?;
    if !user.email_verified {
        flash(&session, FlashLevel::Info, "profile-verification-sent");
    }
    Ok(see_other(paths::PROFILE))
}

/// `POST /perfil/email/cancelar/`: the pending address is dropped and its link stops working.
pub async fn cancel_email_change(
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    accounts::profile::cancel_email_change(&state, &current.user).await?;
    let key = "profile-email-change-cancelled";
    flash(&session, FlashLevel::Success, key);
    Ok(see_other(paths::PROFILE))
}

/// `POST /perfil/foto/eliminar/`: back to the Google photo or the default avatar.
pub async fn remove_profile_photo(
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    if accounts::profile::remove_photo(&state, &current.user).await? {
        flash(&session, FlashLevel::Success, "profile-photo-removed");
    }
    Ok(see_other(paths::PROFILE))
}
