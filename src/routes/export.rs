//! `GET, POST /cuenta/exportar/`: the page that says what the export holds, and the download
//! (`accounts::export`). The page only explains; the download needs a recent sign-in
//! ([`RecentUser`]), and asking for the password again sends the user back to this page.

use actix_files::NamedFile;
use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use askama::Template;

use crate::accounts;
use crate::auth::{CurrentUser, RecentUser};
use crate::domain::Role;
use crate::error::AppError;
use crate::render::{Layout, PageContext};

#[derive(Template)]
#[template(path = "account/export.html")]
struct ExportPage {
    layout: Layout,
    is_admin: bool,
}

pub async fn export_page(ctx: PageContext, current: CurrentUser) -> Result<HttpResponse, AppError> {
    ctx.ok(&ExportPage {
        layout: ctx.layout(),
        is_admin: current.user.role == Role::Admin,
    })
}

/// The archive, streamed from its temporary file (which goes away once sent).
pub async fn download_export(
    ctx: PageContext,
    recent: RecentUser,
) -> Result<HttpResponse, AppError> {
    let export = accounts::export::export(&ctx.state, &ctx.client(), &recent.current.user).await?;
    let disposition = content_disposition(&export.file_name());
    let file = NamedFile::from_file(export.file, "export.zip")
        .map_err(AppError::unexpected)?
        .use_etag(false)
        .use_last_modified(false)
        .disable_content_disposition();
    let mut response = file.into_response(&ctx.req);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `attachment; filename="…"`; a name with other than plain ASCII also gets its UTF-8 form
/// (RFC 6266 `filename*`), the plain one keeping `_` in its place.
fn content_disposition(name: &str) -> HeaderValue {
    let plain: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut value = format!("attachment; filename=\"{plain}\"");
    if plain != name {
        let encoded: String = name
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        value.push_str(&format!("; filename*=UTF-8''{encoded}"));
    }
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn a_plain_name_is_quoted_and_another_gets_its_utf8_form() {
        assert_eq!(
            content_disposition("cuentas-ana-2026-11-30.zip"),
            "attachment; filename=\"cuentas-ana-2026-11-30.zip\""
        );
        assert_eq!(
            content_disposition("cuentas-dueña-2026-11-30.zip"),
            "attachment; filename=\"cuentas-due_a-2026-11-30.zip\"; \
             filename*=UTF-8''cuentas-due%C3%B1a-2026-11-30.zip"
        );
    }
}
