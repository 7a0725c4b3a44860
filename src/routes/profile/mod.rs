//! `GET /perfil/` (the profile and its edit form), `POST /actualizar-perfil/` and
//! `POST /perfil/foto/eliminar/`.
//!
//! The update writes only the profile's own columns (`ProfileChanges`); anything else in the
//! request (role, flags, ids) is never read. A new email address is not written at all: it
//! waits, as a `change_email` token, for the link sent to it (`POST /perfil/email/cancelar/`
//! drops it), and the old address gets a notice.

mod invoice;
mod page;

use actix_multipart::form::MultipartForm;
use actix_multipart::form::text::Text;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

pub use invoice::save_invoice_settings;
pub use page::too_large_page;
use page::{FieldErrors, ProfilePage, ProfileValues};

use crate::auth::CurrentUser;
use crate::db;
use crate::db::login_failures::MAIL_THROTTLE;
use crate::db::tokens::{OneTimeToken, Purpose};
use crate::db::users::{ProfileChanges, Taken, User};
use crate::domain::profile::{PersonName, Phone, parse_currency, parse_timezone};
use crate::domain::{EmailAddress, Username};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::mail::messages::{Mail, Recipient};
use crate::render::{FlashLevel, Layout, flash, page, see_other};
use crate::routes::mail_forms;
use crate::routes::password::verify_own_password;
use crate::routes::verification::queue_verification;
use crate::startup::AppState;

/// The multipart form; every field optional so a missing one is a field error, not a 400.
#[derive(Debug, MultipartForm)]
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
    foto_perfil: Option<actix_multipart::form::bytes::Bytes>,
}

pub async fn profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    let profile = ProfilePage::complete(
        &state,
        Layout::for_request(&req),
        user,
        ProfileValues::saved(user),
        FieldErrors::default(),
    )
    .await?;
    page(StatusCode::OK, &profile)
}

pub async fn update_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
    MultipartForm(form): MultipartForm<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    let layout = Layout::for_request(&req);
    let lang = layout.lang;
    let values = ProfileValues::submitted(&form);
    let mut errors = FieldErrors::default();

    let username = Username::parse(&values.username)
        .map_err(|p| errors.add("username", lang.t(p.message_key())))
        .ok();
    let first_name = PersonName::parse(&values.first_name)
        .map_err(|key| errors.add("first_name", lang.t(key)))
        .ok();
    let last_name = PersonName::parse(&values.last_name)
        .map_err(|key| errors.add("last_name", lang.t(key)))
        .ok();
    let email = EmailAddress::parse(&values.email)
        .map_err(|p| errors.add("email", lang.t(p.message_key())))
        .ok();
    let phone = Phone::parse(&values.telefono)
        .map_err(|key| errors.add("telefono", lang.t(key)))
        .ok();
    let language = Lang::from_code(values.idioma.trim());
    if language.is_none() {
        errors.add("idioma", lang.t("error-language"));
    }
    let currency = parse_currency(&values.moneda)
        .map_err(|key| errors.add("moneda", lang.t(key)))
        .ok();
    let timezone = parse_timezone(&values.zona_horaria)
        .map_err(|key| errors.add("zona_horaria", lang.t(key)))
        .ok();

    // Changing the email needs the current password.
    let email_changes = email.as_ref().is_some_and(|e| e.as_ref() != user.email);
    if email_changes {
        let password = form.password_actual.map(|t| t.0).unwrap_or_default();
        if password.is_empty() {
            errors.add("password_actual", lang.t("error-password-needed-for-email"));
        } else if !verify_own_password(&state, &req, user, password).await? {
            errors.add("password_actual", lang.t("password-old-wrong"));
        }
    }

    // A file input left empty still sends an empty part.
    let upload = form.foto_perfil.filter(|file| !file.data.is_empty());
    let photo = match upload {
        Some(file) if errors.is_empty() => match state.photos.process(file.data).await? {
            Ok(jpeg) => Some(jpeg),
            Err(problem) => {
                errors.add("foto_perfil", lang.t(problem.message_key()));
                None
            }
        },
        _ => None,
    };

    let (
        Some(username),
        Some(first_name),
        Some(last_name),
        Some(email),
        Some(phone),
        Some(language),
        Some(currency),
        Some(timezone),
    ) = (
        username, first_name, last_name, email, phone, language, currency, timezone,
    )
    else {
        return invalid(&state, layout, user, values, errors).await;
    };
    if !errors.is_empty() {
        return invalid(&state, layout, user, values, errors).await;
    }

    let new_photo = match photo {
        Some(jpeg) => {
            let media = state.media.clone();
            Some(
                web::block(move || media.save(&jpeg))
                    .await
                    .map_err(AppError::unexpected)?
                    .map_err(AppError::unexpected)?,
            )
        }
        None => None,
    };
    let now = state.clock.now();
    // A new address takes effect only once confirmed through the link sent to it; the old
    // one hears about the request. Mail to a typed address is throttled like every other
    // (over the per-address limit the answer is the same and nothing is sent).
    let send_change = email_changes
        && mail_forms::admit(&state, &req, MAIL_THROTTLE, "change", email.as_ref()).await?;
    let email_change = if send_change {
        let hours = state.settings.verify_token_lifetime.as_secs() / 3600;
        let new_owner = Recipient {
            address: email.as_ref().to_owned(),
            name: first_name.as_ref().to_owned(),
            lang: language,
        };
        let old_owner = Recipient {
            lang: language,
            ..Recipient::of(user)
        };
        Some(EmailChange {
            new_email: email.as_ref().to_owned(),
            new_owner,
            notice: Mail::EmailChangeRequested {
                new_email: email.as_ref(),
            }
            .compose(&old_owner, &state.settings.base_url, now)?,
            hours,
        })
    } else {
        None
    };
    let id = user.id;
    let (base_url, lifetime) = (
        state.settings.base_url.clone(),
        state.settings.verify_token_lifetime,
    );
    let photo_path = new_photo.clone();
    let saved = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if let Some(change) = &email_change
                && User::email_taken(conn, &change.new_email, Some(id))?
            {
                return Ok(Err(Taken::Email));
            }
            let normalized = username.normalized();
            let phone = phone.as_ref().map_or("", AsRef::as_ref);
            let saved = User::update_profile(
                conn,
                id,
                &ProfileChanges {
                    username: username.as_ref(),
                    username_normalized: &normalized,
                    first_name: first_name.as_ref(),
                    last_name: last_name.as_ref(),
                    phone,
                    language: language.code(),
                    currency,
                    timezone: timezone.name(),
                    photo_path: photo_path.as_deref(),
                    updated_at: now,
                },
            )?;
            if let (Ok(()), Some(change)) = (&saved, &email_change) {
                let token = OneTimeToken::issue(
                    conn,
                    Purpose::ChangeEmail,
                    id,
                    &change.new_email,
                    now,
                    lifetime,
                )?;
                Mail::ConfirmNewEmail {
                    token: &token,
                    hours: change.hours,
                    new_email: &change.new_email,
                }
                .compose(&change.new_owner, &base_url, now)
                .map_err(AppError::from)?
                .enqueue(conn)?;
                change.notice.enqueue(conn)?;
            }
            Ok::<_, AppError>(saved)
        })
    })
    .await?;
    // The file that no row points at any more: the old photo after a change, or the new one
    // when the row was not written. Deleted only after the database decided.
    let orphan = match (&saved, &new_photo) {
        (Ok(()), Some(_)) => user.photo_path.clone(),
        (Err(_), Some(new)) => Some(new.clone()),
        _ => None,
    };
    if let Some(orphan) = orphan {
        remove_file(&state, orphan).await;
    }
    match saved {
        Ok(()) => {
            flash(&session, FlashLevel::Success, "profile-updated");
            if email_changes {
                state.outbox.wake();
                flash(&session, FlashLevel::Info, "profile-email-change-sent");
            }
            Ok(see_other("/perfil/"))
        }
        Err(Taken::Username) => {
            errors.add("username", lang.t("error-username-taken"));
            invalid(&state, layout, user, values, errors).await
        }
        Err(Taken::Email) => {
            errors.add("email", lang.t("error-email-taken"));
            invalid(&state, layout, user, values, errors).await
        }
    }
}

/// What a requested address change queues beside the profile update.
struct EmailChange {
    new_email: String,
    new_owner: Recipient,
    notice: crate::db::outbox::NewMail,
    hours: u64,
}

/// `POST /perfil/email/verificar/`: a new verification link for the current address.
pub async fn send_verification(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    if !user.email_verified {
        if mail_forms::admit(&state, &req, MAIL_THROTTLE, "verify", &user.email).await? {
            queue_verification(&state, user).await?;
        }
        flash(&session, FlashLevel::Info, "profile-verification-sent");
    }
    Ok(see_other("/perfil/"))
}

/// `POST /perfil/email/cancelar/`: the pending address is dropped and its link stops working.
pub async fn cancel_email_change(
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (id, now) = (current.user.id, state.clock.now());
    db::run(&state.pool, move |conn| {
        Ok(OneTimeToken::void(conn, id, &[Purpose::ChangeEmail], now)?)
    })
    .await?;
    flash(
        &session,
        FlashLevel::Success,
        "profile-email-change-cancelled",
    );
    Ok(see_other("/perfil/"))
}

/// `POST /perfil/foto/eliminar/`: back to the Google photo or the default avatar.
pub async fn remove_photo(
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (id, now) = (current.user.id, state.clock.now());
    let previous = db::run(&state.pool, move |conn| {
        Ok(User::clear_photo(conn, id, now)?)
    })
    .await?;
    if let Some(previous) = previous {
        remove_file(&state, previous).await;
        flash(&session, FlashLevel::Success, "profile-photo-removed");
    }
    Ok(see_other("/perfil/"))
}

/// Deletes a photo file no row points at; a failure is logged, never shown (the row is right).
async fn remove_file(state: &AppState, relative: String) {
    let media = state.media.clone();
    let result = web::block(move || media.remove(&relative)).await;
    if !matches!(result, Ok(Ok(()))) {
        tracing::warn!("a replaced photo file could not be deleted");
    }
}

async fn invalid(
    state: &AppState,
    layout: Layout,
    user: &User,
    values: ProfileValues,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let profile = ProfilePage::complete(state, layout, user, values, errors).await?;
    page(StatusCode::UNPROCESSABLE_ENTITY, &profile)
}
