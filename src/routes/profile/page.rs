//! The profile page: what it shows (the saved account) and what its form holds (saved or
//! submitted values, one error per field).

use actix_multipart::form::text::Text;
use actix_web::{HttpRequest, web};
use askama::Template;
use chrono::TimeZone;

use super::ProfileForm;
use super::invoice::{InvoiceSection, saved_section};
use crate::auth::CurrentUser;
use crate::db;
use crate::db::tokens::OneTimeToken;
use crate::db::users::User;
use crate::domain::Role;
use crate::domain::profile::{CURRENCIES, parse_timezone};
use crate::error::AppError;
use crate::i18n::Lang;
pub use crate::render::FieldErrors;
use crate::render::{Layout, photo_url};
use crate::startup::AppState;

/// What the form shows in its fields: the saved values, or what was submitted.
#[derive(Debug, Default, Clone)]
pub struct ProfileValues {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub telefono: String,
    pub idioma: String,
    pub moneda: String,
    pub zona_horaria: String,
}

impl ProfileValues {
    pub fn saved(user: &User) -> Self {
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

    pub fn submitted(form: &ProfileForm) -> Self {
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

#[derive(Template)]
#[template(path = "profile/profile.html")]
pub struct ProfilePage {
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
    /// The second form, for admins only.
    invoice: Option<InvoiceSection>,
    /// A new address waiting for its confirmation link.
    pending_email: Option<String>,
}

impl ProfilePage {
    pub fn new(
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
            photo_hint: photo_hint(layout.lang, max_upload_bytes),
            invoice: None,
            layout,
            pending_email: None,
        }
    }

    pub fn with_invoice(self, section: InvoiceSection) -> Self {
        Self {
            invoice: Some(section),
            ..self
        }
    }

    pub fn with_pending_email(mut self, pending_email: Option<String>) -> Self {
        self.pending_email = pending_email;
        self
    }

    /// The page for `user`, with the address waiting for confirmation and, for admins, their
    /// saved invoice form.
    pub async fn complete(
        state: &AppState,
        layout: Layout,
        user: &User,
        values: ProfileValues,
        errors: FieldErrors,
    ) -> Result<Self, AppError> {
        Self::complete_with(state, layout, user, values, errors, None).await
    }

    /// As [`ProfilePage::complete`], with the invoice form as submitted (and its errors)
    /// instead of the saved one.
    pub async fn complete_with(
        state: &AppState,
        layout: Layout,
        user: &User,
        values: ProfileValues,
        errors: FieldErrors,
        invoice: Option<InvoiceSection>,
    ) -> Result<Self, AppError> {
        let page = Self::new(
            layout,
            user,
            values,
            errors,
            state.settings.max_upload_bytes,
        )
        .with_pending_email(pending_email(state, user.id).await?);
        if user.role() != Role::Admin {
            return Ok(page);
        }
        let invoice = match invoice {
            Some(submitted) => submitted,
            None => saved_section(state, user.id).await?,
        };
        Ok(page.with_invoice(invoice))
    }

    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field)
    }

    fn error_items(&self) -> Vec<(&'static str, String)> {
        self.errors.items()
    }

    fn has_uploaded_photo(&self) -> bool {
        self.photo_url.starts_with("/media/")
    }
}

/// "JPEG, PNG, GIF, WebP or BMP, up to N MB."
fn photo_hint(lang: Lang, max_upload_bytes: usize) -> String {
    let megabytes = max_upload_bytes / (1024 * 1024);
    lang.t_args("hint-photo", &[("mb", megabytes.into())])
}

/// The new address waiting for its confirmation link, if any.
async fn pending_email(state: &AppState, id: i32) -> Result<Option<String>, AppError> {
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        Ok(OneTimeToken::pending_email(conn, id, now)?)
    })
    .await
}

/// The profile page with the "photo too large" error, for the 413 that the body limit gives
/// before any handler runs (see `routes::errors`).
pub async fn too_large_page(req: HttpRequest) -> Option<String> {
    let current = CurrentUser::of(&req)?;
    let state = req.app_data::<web::Data<AppState>>()?;
    let layout = Layout::without_flashes(&req);
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
    ProfilePage::complete(state, layout, user, ProfileValues::saved(user), errors)
        .await
        .ok()?
        .render()
        .ok()
}

fn language_label_key(code: &str) -> &'static str {
    match Lang::from_code(code) {
        Some(Lang::En) => "language-en",
        _ => "language-es",
    }
}
