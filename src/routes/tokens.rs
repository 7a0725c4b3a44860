//! Personal access tokens for the API (`accounts::api_tokens`), behind a recent sign-in
//! ([`RecentUser`]): `GET, POST /seguridad/tokens/` (list, and make one: it is shown this once)
//! and `POST /seguridad/tokens/{id}/revocar/`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::accounts::Error;
use crate::accounts::api_tokens::{self, PersonalToken, SCOPES};
use crate::auth::RecentUser;
use crate::domain::Problems;
use crate::error::AppError;
use crate::locale::Reader;
use crate::paths;
use crate::render::{FieldErrors, FlashLevel, Layout, PageContext};

/// A token as the list shows it.
struct TokenRow {
    name: String,
    scopes: String,
    created: String,
    /// "Nunca" (never) or the date.
    expires: String,
    last_used: String,
    revoke_action: String,
}

#[derive(Template)]
#[template(path = "security/tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<TokenRow>,
    /// The token just made, shown this once.
    new_token: Option<String>,
    scopes: &'static [&'static str],
    /// What was typed, kept when the form comes back with errors.
    nombre: String,
    chosen_scopes: Vec<String>,
    expiracion: String,
    errors: FieldErrors,
}

impl TokensPage {
    fn error_items(&self) -> Vec<(&'static str, String)> {
        self.errors
            .items()
            .into_iter()
            .map(|(field, message)| match field {
                "scopes" => ("scope-perfil-leer", message),
                "expiracion" => ("expiracion-30", message),
                other => (other, message),
            })
            .collect()
    }

    fn chosen(&self, scope: &str) -> bool {
        self.chosen_scopes.iter().any(|s| s == scope)
    }

    fn scope_id(scope: &str) -> String {
        format!("scope-{}", scope.replace(':', "-"))
    }

    fn scope_label(&self, scope: &str) -> String {
        self.layout
            .lang
            .t(&format!("tokens-scope-{}", scope.replace(':', "-")))
    }
}

/// The form as posted: the scope checkboxes share one name, so the body is read as pairs.
struct TokenForm {
    nombre: String,
    scopes: Vec<String>,
    expiracion: String,
}

impl TokenForm {
    fn parse(body: &[u8]) -> Self {
        let mut form = Self {
            nombre: String::new(),
            scopes: Vec::new(),
            expiracion: String::new(),
        };
        for (name, value) in url::form_urlencoded::parse(body) {
            match name.as_ref() {
                "nombre" => form.nombre = value.into_owned(),
                "scopes" => form.scopes.push(value.into_owned()),
                "expiracion" => form.expiracion = value.into_owned(),
                _ => {}
            }
        }
        form
    }
}

async fn page(
    ctx: &PageContext,
    recent: &RecentUser,
    new_token: Option<String>,
    form: TokenForm,
    problems: &Problems,
) -> Result<TokensPage, AppError> {
    let user = &recent.current.user;
    let listed = api_tokens::list_personal(&ctx.state, &recent.current.session).await?;
    let layout = ctx.layout();
    let reader = Reader::of(user);
    let at = |t| reader.date_time(t);
    let tokens = listed
        .into_iter()
        .map(|t: PersonalToken| TokenRow {
            name: t.name,
            scopes: t.scopes.join(", "),
            created: at(t.created_at),
            expires: t
                .expires_at
                .map_or_else(|| layout.lang.t("tokens-never"), at),
            last_used: t
                .last_used_at
                .map_or_else(|| layout.lang.t("tokens-never-used"), at),
            revoke_action: format!("{}{}/revocar/", paths::PERSONAL_TOKENS, t.id),
        })
        .collect();
    Ok(TokensPage {
        errors: FieldErrors::new(problems, layout.lang),
        layout,
        tokens,
        new_token,
        scopes: &SCOPES,
        nombre: form.nombre,
        chosen_scopes: form.scopes,
        expiracion: form.expiracion,
    })
}

/// `GET /seguridad/tokens/`.
pub async fn tokens_page(ctx: PageContext, recent: RecentUser) -> Result<HttpResponse, AppError> {
    let form = TokenForm::parse(b"expiracion=90");
    let shown = page(&ctx, &recent, None, form, &Problems::new()).await?;
    no_store(ctx.ok(&shown))
}

/// `POST /seguridad/tokens/`: makes a token and shows it this once.
pub async fn create_token(
    ctx: PageContext,
    recent: RecentUser,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form = TokenForm::parse(&body);
    let parsed = api_tokens::parse_personal(&form.nombre, &form.scopes, &form.expiracion);
    let created = match parsed {
        Ok(new) => {
            let (state, client) = (&ctx.state, ctx.client());
            let session = &recent.current.session;
            api_tokens::create_personal(state, &client, session, new, recent.recent).await
        }
        Err(problems) => Err(Error::Invalid(problems)),
    };
    match created {
        Ok(token) => {
            let empty = TokenForm::parse(b"expiracion=90");
            let shown = page(&ctx, &recent, Some(token), empty, &Problems::new()).await?;
            no_store(ctx.ok(&shown))
        }
        Err(Error::Invalid(problems)) => {
            let shown = page(&ctx, &recent, None, form, &problems).await?;
            no_store(ctx.invalid(&shown))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /seguridad/tokens/{id}/revocar/`.
pub async fn revoke_token(
    ctx: PageContext,
    recent: RecentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let session = &recent.current.session;
    api_tokens::revoke_personal(&ctx.state, &ctx.client(), session, id.into_inner()).await?;
    ctx.redirect_with(
        paths::PERSONAL_TOKENS,
        FlashLevel::Success,
        "tokens-revoked",
    )
}

/// A token on the page stays out of every cache.
fn no_store(response: Result<HttpResponse, AppError>) -> Result<HttpResponse, AppError> {
    response.map(|mut r| {
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    })
}
