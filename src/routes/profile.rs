//! `GET /perfil/` (the profile and its edit form) and `POST /actualizar-perfil/`.
//!
//! The update writes only the profile's own columns (`ProfileChanges`); anything else in the
//! request (role, flags, ids) is never read.

use actix_multipart::form::MultipartForm;
use actix_multipart::form::text::Text;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::TimeZone;

use crate::auth::CurrentUser;
use crate::db;
use crate::db::users::{ProfileChanges, Taken, User};
use crate::domain::profile::{CURRENCIES, PersonName, Phone, parse_currency, parse_timezone};
use crate::domain::{EmailAddress, Username};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::render::{FlashLevel, Layout, flash, page, photo_url, see_other};
use crate::routes::password::verify_own_password;
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

/// What the form shows in its fields: the saved values, or what was submitted.
#[derive(Debug, Default, Clone)]
pub struct ProfileValues {
    username: String,
    first_name: String,
    last_name: String,
    email: String,
    telefono: String,
    idioma: String,
    moneda: String,
    zona_horaria: String,
}

impl ProfileValues {
    fn saved(user: &User) -> Self {
        Self {
            username: user.username.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            email: user.email.clone(),
            telefono: user.phone.clone(),
            idioma: user.language.clone(),
            moneda: user.currency.clone(),
            zona_horaria: user.timezone.clone(),
        }
    }

    fn submitted(form: &ProfileForm) -> Self {
        let text =
            |field: &Option<Text<String>>| field.as_ref().map(|t| t.0.clone()).unwrap_or_default();
        Self {
            username: text(&form.username),
            first_name: text(&form.first_name),
            last_name: text(&form.last_name),
            email: text(&form.email),
            telefono: text(&form.telefono),
            idioma: text(&form.idioma),
            moneda: text(&form.moneda),
            zona_horaria: text(&form.zona_horaria),
        }
    }
}

/// One error per field, by field name (the `name` and `id` of its input).
#[derive(Debug, Default)]
struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    fn get(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    }

    fn add(&mut self, field: &'static str, message: String) {
        if self.get(field).is_none() {
            self.0.push((field, message));
        }
    }
}

#[derive(Template)]
#[template(path = "profile/profile.html")]
struct ProfilePage {
    layout: Layout,
    /// The saved account, for the summary (never the submitted values).
    photo_url: String,
    username: String,
    full_name: String,
    email: String,
    email_verified: bool,
    phone: String,
    role_label_key: &'static str,
    member_since: String,
    last_login: Option<String>,
    language_label_key: &'static str,
    currency: String,
    timezone: String,
    values: ProfileValues,
    errors: FieldErrors,
    currencies: &'static [&'static str],
    timezones: Vec<&'static str>,
    photo_hint: String,
}

impl ProfilePage {
    fn new(
        layout: Layout,
        user: &User,
        values: ProfileValues,
        errors: FieldErrors,
        max_upload_bytes: usize,
    ) -> Self {
        let tz = parse_timezone(&user.timezone).unwrap_or(chrono_tz::UTC);
        let local = |at: chrono::NaiveDateTime| {
            tz.from_utc_datetime(&at)
                .format("%Y-%m-%d %H:%M (%Z)")
                .to_string()
        };
        Self {
            photo_url: photo_url(user),
            username: user.username.clone(),
            full_name: format!("{} {}", user.first_name, user.last_name)
                .trim()
                .to_owned(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            phone: user.phone.clone(),
            role_label_key: user.role().label_key(),
            member_since: local(user.created_at),
            last_login: user.last_login_at.map(local),
            language_label_key: language_label_key(&user.language),
            currency: user.currency.clone(),
            timezone: user.timezone.clone(),
            values,
            errors,
            currencies: &CURRENCIES,
            timezones: chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect(),
            photo_hint: photo_hint(layout_lang(&layout), max_upload_bytes),
            layout,
        }
    }

    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field)
    }

    fn error_items(&self) -> Vec<(&'static str, String)> {
        self.errors.0.clone()
    }

    fn has_uploaded_photo(&self) -> bool {
        self.photo_url.starts_with("/media/")
    }
}

fn layout_lang(layout: &Layout) -> Lang {
    layout.lang
}

/// "JPEG, PNG, GIF, WebP or BMP, up to N MB."
fn photo_hint(lang: Lang, max_upload_bytes: usize) -> String {
    let megabytes = max_upload_bytes / (1024 * 1024);
    lang.t_args("hint-photo", &[("mb", megabytes.into())])
}

/// The profile page with the "photo too large" error, for the 413 that the body limit gives
/// before any handler runs (see `routes::errors`).
pub fn too_large_page(req: &HttpRequest) -> Option<String> {
    let current = CurrentUser::of(req)?;
    let state = req.app_data::<web::Data<AppState>>()?;
    let layout = Layout::without_flashes(req);
    let max = state.settings.max_upload_bytes;
    let mut errors = FieldErrors::default();
    errors.add(
        "foto_perfil",
        layout.lang.t_args(
            "error-photo-too-big",
            &[("mb", (max / (1024 * 1024)).into())],
        ),
    );
    let user = &current.user;
    ProfilePage::new(layout, user, ProfileValues::saved(user), errors, max)
        .render()
        .ok()
}

fn language_label_key(code: &str) -> &'static str {
    match Lang::from_code(code) {
        Some(Lang::En) => "language-en",
        _ => "language-es",
    }
}

pub async fn profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    page(
        StatusCode::OK,
        &ProfilePage::new(
            Layout::for_request(&req),
            user,
            ProfileValues::saved(user),
            FieldErrors::default(),
            state.settings.max_upload_bytes,
        ),
    )
}

pub async fn update_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
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
        Some(file) if errors.0.is_empty() => match state.photos.process(file.data).await? {
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
        return invalid(&state, layout, user, values, errors);
    };
    if !errors.0.is_empty() {
        return invalid(&state, layout, user, values, errors);
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
    let id = user.id;
    let verified = user.email_verified && !email_changes;
    let photo_path = new_photo.clone();
    let saved = db::run(&state.pool, move |conn| {
        let normalized = username.normalized();
        let phone = phone.as_ref().map_or("", AsRef::as_ref);
        Ok(User::update_profile(
            conn,
            id,
            &ProfileChanges {
                username: username.as_ref(),
                username_normalized: &normalized,
                first_name: first_name.as_ref(),
                last_name: last_name.as_ref(),
                email: email.as_ref(),
                email_verified: verified,
                phone,
                language: language.code(),
                currency,
                timezone: timezone.name(),
                photo_path: photo_path.as_deref(),
                updated_at: now,
            },
        )?)
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
            flash(&req_session(&req), FlashLevel::Success, "profile-updated");
            Ok(see_other("/perfil/"))
        }
        Err(Taken::Username) => {
            errors.add("username", lang.t("error-username-taken"));
            invalid(&state, layout, user, values, errors)
        }
        Err(Taken::Email) => {
            errors.add("email", lang.t("error-email-taken"));
            invalid(&state, layout, user, values, errors)
        }
    }
}

/// `POST /perfil/foto/eliminar/`: back to the Google photo or the default avatar.
pub async fn remove_photo(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (id, now) = (current.user.id, state.clock.now());
    let previous = db::run(&state.pool, move |conn| {
        Ok(User::clear_photo(conn, id, now)?)
    })
    .await?;
    if let Some(previous) = previous {
        remove_file(&state, previous).await;
        flash(
            &req_session(&req),
            FlashLevel::Success,
            "profile-photo-removed",
        );
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

fn req_session(req: &HttpRequest) -> actix_session::Session {
    actix_session::SessionExt::get_session(req)
}

fn invalid(
    state: &AppState,
    layout: Layout,
    user: &User,
    values: ProfileValues,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ProfilePage::new(
            layout,
            user,
            values,
            errors,
            state.settings.max_upload_bytes,
        ),
    )
}
