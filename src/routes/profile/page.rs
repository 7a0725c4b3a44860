//! The profile page's model: what it shows (the saved account), what its two forms hold
//! (saved or submitted values) and their errors.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::accounts;
use crate::accounts::profile::{ProfileExtras, ProfileFields};
use crate::auth::CurrentUser;
use crate::db::users::User;
use crate::domain::Problems;
use crate::domain::invoice::InvoiceInput;
use crate::domain::profile::CURRENCIES;
use crate::domain::region::REGIONS;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::locale::{Moment, Reader};
use crate::render::{
    Choice, FieldErrors, Layout, OptionList, PageContext, SelectedOptions, photo_url,
};
use crate::state::AppState;

/// The invoice form: saved or submitted values and their errors. Its input ids are prefixed
/// with `factura-`: the profile form above already has a `telefono`.
#[derive(Debug, Default)]
pub struct InvoiceSection {
    pub values: InvoiceInput,
    pub errors: FieldErrors,
}

impl InvoiceSection {
    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field)
    }

    pub fn error_items(&self) -> Vec<(String, String)> {
        self.errors
            .items()
            .into_iter()
            .map(|(field, message)| (format!("factura-{field}"), message))
            .collect()
    }
}

/// Which of the two forms was submitted with errors (the other shows saved values).
pub enum Submitted {
    Nothing,
    Profile(ProfileFields, Problems),
    Invoice(InvoiceInput, Problems),
}

impl Submitted {
    /// The profile form's values and errors, and the invoice form when it was the one
    /// submitted (else it shows the saved settings): the form not submitted shows saved values.
    fn into_forms(
        self,
        user: &User,
        lang: Lang,
    ) -> (ProfileFields, FieldErrors, Option<InvoiceSection>) {
        match self {
            Self::Nothing => (ProfileFields::of(user), FieldErrors::default(), None),
            Self::Profile(values, problems) => (values, FieldErrors::new(&problems, lang), None),
            Self::Invoice(values, problems) => {
                let errors = FieldErrors::new(&problems, lang);
                let section = InvoiceSection { values, errors };
                (
                    ProfileFields::of(user),
                    FieldErrors::default(),
                    Some(section),
                )
            }
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
    member_since: Moment,
    last_login: Option<Moment>,
    language_label_key: &'static str,
    currency: String,
    timezone: String,
    values: ProfileFields,
    errors: FieldErrors,
    /// The currency and region lists, with the form's values selected.
    currency_options: SelectedOptions<'static>,
    region_options: SelectedOptions<'static>,
    photo_hint: String,
    /// The second form, for admins only.
    invoice: Option<InvoiceSection>,
    /// A new address waiting for its confirmation link.
    pending_email: Option<String>,
    /// A photo from a form that had another error waits for the next valid save.
    pending_photo: bool,
    /// The catalog key of the account's status (`onboarding` | `active`).
    status_label_key: &'static str,
}

impl ProfilePage {
    /// The page for `user`, with the address waiting for confirmation and, for admins, the
    /// invoice form (as submitted, else as saved).
    pub async fn build(
        ctx: &PageContext,
        current: &CurrentUser,
        submitted: Submitted,
    ) -> Result<Self, AppError> {
        let layout = ctx.layout();
        let read_ahead = crate::auth::session::take_profile_read_ahead(&ctx.req);
        Self::build_with(&ctx.state, layout, current, submitted, read_ahead).await
    }

    /// The page with the submitted form's problems: 422.
    pub async fn show_invalid(
        ctx: &PageContext,
        current: &CurrentUser,
        submitted: Submitted,
    ) -> Result<HttpResponse, AppError> {
        ctx.invalid(&Self::build(ctx, current, submitted).await?)
    }

    async fn build_with(
        state: &AppState,
        layout: Layout,
        current: &CurrentUser,
        submitted: Submitted,
        read_ahead: Option<ProfileExtras>,
    ) -> Result<Self, AppError> {
        let (lang, user) = (layout.lang, &current.user);
        let (values, errors, invoice) = submitted.into_forms(user, lang);
        let extras = match read_ahead {
            Some(extras) => extras,
            None => {
                let session = &current.session.id;
                accounts::profile::extras(state, user, session, invoice.is_none()).await?
            }
        };
        let status_label_key = extras.onboarding.status().label_key();
        let invoice = invoice.or_else(|| {
            extras.invoice.map(|saved| InvoiceSection {
                values: saved.input(),
                errors: FieldErrors::default(),
            })
        });
        let reader = Reader::of(user);
        let now = state.clock.now();
        Ok(Self {
            photo_url: photo_url(user),
            username: user.username.clone(),
            full_name: user.full_name(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            phone: user.phone.clone(),
            role_label_key: user.role.label_key(),
            member_since: Moment::day(&reader, user.created_at),
            last_login: user.last_login_at.map(|at| Moment::ago(&reader, at, now)),
            language_label_key: language_label_key(&user.language),
            currency: user.currency.clone(),
            timezone: user.timezone.clone(),
            errors,
            currency_options: CURRENCY_OPTIONS.selecting(&values.moneda),
            region_options: REGION_OPTIONS[lang.index()].selecting(&values.region),
            values,
            photo_hint: photo_hint(lang, state.settings.max_upload_bytes),
            invoice,
            layout,
            pending_email: extras.pending_email,
            pending_photo: extras.pending_photo,
            status_label_key,
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

/// The currencies, by code (the same in every language).
static CURRENCY_OPTIONS: LazyLock<OptionList> = LazyLock::new(|| {
    OptionList::new(CURRENCIES.map(|code| Choice {
        value: code,
        label: code,
        value_attribute: false,
    }))
});

/// The regions by name, in each language (indexed by [`Lang::index`]), in [`REGIONS`]' order.
static REGION_OPTIONS: LazyLock<[OptionList; 2]> = LazyLock::new(|| {
    Lang::ALL.map(|lang| {
        let names = REGIONS.map(|code| lang.text(&format!("region-{code}")));
        OptionList::new(REGIONS.iter().zip(&names).map(|(code, name)| Choice {
            value: code,
            label: name,
            value_attribute: true,
        }))
    })
});

/// "JPEG, PNG, GIF, WebP or BMP, up to N MB." Formatted once per language and limit (a
/// Fluent message with an argument is formatted anew on every call).
fn photo_hint(lang: Lang, max_upload_bytes: usize) -> String {
    thread_local! {
        static FORMATTED: RefCell<HashMap<(Lang, usize), String>> = RefCell::new(HashMap::new());
    }
    let megabytes = max_upload_bytes / (1024 * 1024);
    FORMATTED.with(|formatted| {
        formatted
            .borrow_mut()
            .entry((lang, megabytes))
            .or_insert_with(|| lang.t_args("hint-photo", &[("mb", megabytes.into())]))
            .clone()
    })
}

/// The profile page with the "photo too large" error, for the 413 that the body limit gives
/// before any handler runs (the route table sends that response here).
pub async fn too_large_page(req: HttpRequest) -> Option<String> {
    let current = CurrentUser::of(&req)?;
    let state = req.app_data::<web::Data<AppState>>()?;
    let layout = Layout::without_flashes(&req);
    let max = state.settings.max_upload_bytes;
    let problem = crate::domain::Problem::with(
        "error-photo-too-big",
        "mb",
        u64::try_from(max / (1024 * 1024)).unwrap_or(u64::MAX),
    );
    let user = &current.user;
    let submitted = Submitted::Profile(
        ProfileFields::of(user),
        Problems::one("foto_perfil", problem),
    );
    ProfilePage::build_with(state, layout, &current, submitted, None)
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
