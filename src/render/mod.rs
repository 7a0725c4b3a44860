//! What every page shares: the [`Layout`] (language, user, flash messages, CSRF token) and
//! [`page`], the one way a handler turns a template into a response.

use actix_session::{Session, SessionExt};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

mod context;
mod ident;
mod options;
mod pages;
pub use context::PageContext;
pub use ident::{Ident, ToIdent, ident};
pub use options::{Choice, OptionList, SelectedOptions};
pub use pages::{
    LinkKind, link_button_page, link_invalid, no_referrer, password_rules, pending_deletion,
    pending_deletion_page, provider_button, recovery_codes_page,
};

use crate::auth::{CurrentUser, csrf};
use crate::db::users::User;
use crate::domain::{Problems, Role};
use crate::error::AppError;
use crate::i18n::Lang;

const FLASH_KEY: &str = "flash";

/// A message shown once on the next page, stored in the session by its catalog key so it
/// appears in the language of the page that shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    pub level: FlashLevel,
    pub key: String,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FlashLevel {
    Success,
    Error,
    Info,
}

impl FlashLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Error => "error",
            Self::Info => "info",
        }
    }
}

/// Queues a flash message for the next page.
pub fn flash(session: &Session, level: FlashLevel, key: &str) {
    let mut queued: Vec<Flash> = session.get(FLASH_KEY).ok().flatten().unwrap_or_default();
    queued.push(Flash {
        level,
        key: key.to_owned(),
    });
    let _ = session.insert(FLASH_KEY, queued);
}

/// The signed-in user as the navigation shows them.
#[derive(Clone, Debug)]
pub struct NavUser {
    pub display_name: String,
    pub username: String,
    pub role_label_key: &'static str,
    pub is_admin: bool,
    pub photo_url: String,
}

/// The picture of a user without a photo: its path under `static/`.
pub const DEFAULT_AVATAR: &str = "img/default-avatar.svg";

/// The context of the base layout.
pub struct Layout {
    pub lang: Lang,
    pub user: Option<NavUser>,
    pub csrf_token: String,
    pub flashes: Vec<Flash>,
    pub path: String,
}

impl Layout {
    /// The layout for a page; takes the queued flash messages (they show once).
    pub fn for_request(req: &HttpRequest) -> Self {
        let session = req.get_session();
        // Removing marks the session changed (a new cookie on the response): only when needed.
        let flashes = if session.contains_key(FLASH_KEY) {
            session
                .remove_as::<Vec<Flash>>(FLASH_KEY)
                .and_then(Result::ok)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        Self {
            flashes,
            ..Self::without_flashes(req)
        }
    }

    /// The layout for an error page: queued flashes wait for the next real page.
    pub fn without_flashes(req: &HttpRequest) -> Self {
        let current = CurrentUser::of(req);
        let lang = current
            .as_ref()
            .and_then(|c| Lang::from_code(&c.user.language))
            .unwrap_or_else(|| {
                Lang::from_accept_language(
                    req.headers()
                        .get(header::ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok()),
                )
            });
        let user = current.map(|c| {
            let user = &c.user;
            NavUser {
                display_name: user.display_name().to_owned(),
                username: user.username.clone(),
                role_label_key: user.role.label_key(),
                is_admin: user.role == Role::Admin,
                photo_url: photo_url(user),
            }
        });
        Self {
            lang,
            user,
            csrf_token: csrf::token(&req.get_session()),
            flashes: Vec::new(),
            path: req.path().to_owned(),
        }
    }

    /// The message for `key` in the page's language, escaped for HTML (once, for the whole
    /// catalog): a template prints it as it is.
    pub fn t(&self, key: &str) -> crate::i18n::HtmlText {
        self.lang.html(key)
    }
}

/// The picture to show for a user: an uploaded photo, else the provider's (our stored copy:
/// the browser never loads images from the provider), else the default.
pub fn photo_url(user: &User) -> String {
    if let Some(path) = user.photo_path.as_ref().or(user.google_photo_path.as_ref()) {
        format!("/media/{path}")
    } else {
        crate::assets::url(DEFAULT_AVATAR).to_owned()
    }
}

/// [`Problems`] in a page's language: the messages beside each field and in the error
/// summary. A field may have several (every broken password rule is listed).
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn new(problems: &Problems, lang: Lang) -> Self {
        Self(
            problems
                .iter()
                .map(|(field, problem)| (field, lang.problem(problem)))
                .collect(),
        )
    }

    /// The field's messages as one sentence, for a field that shows one line.
    pub fn get(&self, field: &str) -> Option<String> {
        let messages = self.all(field);
        (!messages.is_empty()).then(|| messages.join(" "))
    }

    /// Each of the field's messages.
    pub fn all(&self, field: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// (field, message), in the order they were found, for the error summary.
    pub fn items(&self) -> Vec<(&'static str, String)> {
        self.0.clone()
    }
}

/// What [`page`] sets aside for a page (the largest, the team page with its vendedores, runs
/// past it and grows).
const PAGE_BUFFER: usize = 16 * 1024;

/// Renders a page with the given status.
pub fn page(
    status: StatusCode,
    template: &impl askama::Template,
) -> Result<HttpResponse, AppError> {
    // Room for a whole page up front: grown from askama's estimate, the buffer was copied a
    // dozen times on the way to the profile page's 11 KB.
    let mut body = String::with_capacity(PAGE_BUFFER);
    template.render_into(&mut body)?;
    Ok(HttpResponse::build(status)
        .insert_header(ContentType::html())
        .body(body))
}

/// True for requests that expect JSON back: an `Accept: application/json` header, the
/// tutorial's JSON endpoint, or the JSON API.
pub fn wants_json(req: &HttpRequest) -> bool {
    req.path() == crate::paths::TUTORIAL_SEEN
        || req.path().starts_with("/api/")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("application/json"))
}

/// A 303 to `location`, the answer to every successful form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
