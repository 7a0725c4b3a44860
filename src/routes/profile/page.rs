//! The profile page: what it shows (the saved account) and what its form holds (saved or
//! submitted values, one error per field).

use actix_multipart::form::text::Text;
use actix_web::{HttpRequest, web};
use askama::Template;
use chrono::TimeZone;

use super::ProfileForm;
use super::invoice::InvoiceSection;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::invoice_settings::InvoiceSettings;
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
    /// The `<option>`s of the time-zone list, the chosen one selected (static text only).
    timezone_options: String,
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
            timezone_options: timezone_options(&values.zona_horaria),
            values,
            errors,
            currencies: &CURRENCIES,
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
        // One trip to the database (each trip is a hop to the blocking pool and back).
        let (id, now) = (user.id, state.clock.now());
        let load_invoice = user.role() == Role::Admin && invoice.is_none();
        let (pending, saved) = db::run(&state.pool, move |conn| {
            let pending = OneTimeToken::pending_email(conn, id, now)?;
            let saved = if load_invoice {
                Some(InvoiceSettings::get_or_create(conn, id, now)?)
            } else {
                None
            };
            Ok((pending, saved))
        })
        .await?;
        let page = Self::new(
            layout,
            user,
            values,
            errors,
            state.settings.max_upload_bytes,
        )
        .with_pending_email(pending);
        // Only admins have an invoice form: submitted, else saved.
        let invoice = invoice.or_else(|| saved.as_ref().map(InvoiceSection::saved));
        Ok(match invoice {
            Some(section) => page.with_invoice(section),
            None => page,
        })
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

/// The ~600 time zones as `<option>` elements, built once: rendering them one by one through
/// the template was most of the profile page's cost. Only the static zone names are emitted
/// (IANA names need no escaping: letters, digits, `/`, `_`, `+`, `-`); what the user sent is
/// only compared.
fn timezone_options(selected: &str) -> String {
    static OPTIONS: std::sync::LazyLock<Vec<(&'static str, String)>> =
        std::sync::LazyLock::new(|| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .map(|tz| (tz.name(), format!("<option>{}</option>", tz.name())))
                .collect()
        });
    let mut html = String::with_capacity(OPTIONS.len() * 40);
    for (name, option) in OPTIONS.iter() {
        if *name == selected {
            html.push_str("<option selected>");
            html.push_str(name);
            html.push_str("</option>");
        } else {
            html.push_str(option);
        }
    }
    html
}

/// "JPEG, PNG, GIF, WebP or BMP, up to N MB."
fn photo_hint(lang: Lang, max_upload_bytes: usize) -> String {
    let megabytes = max_upload_bytes / (1024 * 1024);
    lang.t_args("hint-photo", &[("mb", megabytes.into())])
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

#[cfg(test)]
mod tests {
    use super::timezone_options;

    #[test]
    fn the_time_zone_list_selects_only_a_known_zone_and_needs_no_escaping() {
        let html = timezone_options("America/Mexico_City");
        assert_eq!(html.matches("<option selected>").count(), 1);
        assert!(html.contains("<option selected>America/Mexico_City</option>"));
        assert!(html.matches("<option").count() > 400);
        assert_eq!(timezone_options("<script>").matches("selected").count(), 0);
        for tz in chrono_tz::TZ_VARIANTS {
            assert!(
                tz.name()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c)),
                "{}",
                tz.name()
            );
        }
    }
}
