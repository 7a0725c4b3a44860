//! `GET, PUT /api/v1/invoice-settings`: an admin's invoice settings (`accounts::invoice`, as
//! the second form of `/perfil/`). The fields are named as the form names them.

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiUser};
use super::problem::{ApiError, ProblemDetails};
use crate::accounts;
use crate::db::invoice_settings::InvoiceSettings;
use crate::domain::invoice::InvoiceInput;
use crate::state::AppState;

/// What an admin's invoices say about the business (a `PUT` replaces all of it: a missing
/// text is empty, a missing switch is off).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceSettingsBody {
    pub nombre_empresa: Option<String>,
    pub direccion: Option<String>,
    pub telefono: Option<String>,
    pub email_contacto: Option<String>,
    pub mensaje_personalizado: Option<String>,
    pub mostrar_direccion: Option<bool>,
    pub mostrar_telefono: Option<bool>,
    pub mostrar_email: Option<bool>,
    pub mostrar_mensaje: Option<bool>,
}

impl From<InvoiceSettings> for InvoiceSettingsBody {
    fn from(saved: InvoiceSettings) -> Self {
        Self {
            nombre_empresa: Some(saved.company_name),
            direccion: Some(saved.address),
            telefono: Some(saved.phone),
            email_contacto: Some(saved.contact_email),
            mensaje_personalizado: Some(saved.custom_message),
            mostrar_direccion: Some(saved.show_address),
            mostrar_telefono: Some(saved.show_phone),
            mostrar_email: Some(saved.show_email),
            mostrar_mensaje: Some(saved.show_message),
        }
    }
}

impl From<InvoiceSettingsBody> for InvoiceInput {
    fn from(body: InvoiceSettingsBody) -> Self {
        Self {
            company_name: body.nombre_empresa.unwrap_or_default(),
            address: body.direccion.unwrap_or_default(),
            phone: body.telefono.unwrap_or_default(),
            contact_email: body.email_contacto.unwrap_or_default(),
            custom_message: body.mensaje_personalizado.unwrap_or_default(),
            show_address: body.mostrar_direccion.unwrap_or_default(),
            show_phone: body.mostrar_telefono.unwrap_or_default(),
            show_email: body.mostrar_email.unwrap_or_default(),
            show_message: body.mostrar_mensaje.unwrap_or_default(),
        }
    }
}

/// The admin's invoice settings.
#[utoipa::path(
    get, path = "/api/v1/invoice-settings", tag = "invoice",
    responses(
        (status = 200, description = "The settings", body = InvoiceSettingsBody),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or scope factura:leer missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn show_invoice_settings(
    state: web::Data<AppState>,
    caller: ApiUser,
) -> Result<web::Json<InvoiceSettingsBody>, ApiError> {
    caller.require("factura:leer")?;
    let saved = accounts::invoice::settings_of(&state, caller.user()).await?;
    Ok(web::Json(saved.into()))
}

/// Replaces the admin's invoice settings with the profile page's rules.
#[utoipa::path(
    put, path = "/api/v1/invoice-settings", tag = "invoice",
    request_body = InvoiceSettingsBody,
    responses(
        (status = 200, description = "Saved", body = InvoiceSettingsBody),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or scope factura:escribir missing", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn save_invoice_settings(
    state: web::Data<AppState>,
    caller: ApiUser,
    body: ApiJson<InvoiceSettingsBody>,
) -> Result<web::Json<InvoiceSettingsBody>, ApiError> {
    caller.require("factura:escribir")?;
    let input = InvoiceInput::from(body.0);
    accounts::invoice::save_invoice_settings(&state, caller.user(), &input).await?;
    let saved = accounts::invoice::settings_of(&state, caller.user()).await?;
    Ok(web::Json(saved.into()))
}
