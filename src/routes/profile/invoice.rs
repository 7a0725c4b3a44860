//! `POST /perfil/` with `guardar_factura`: an admin's invoice settings, the second form of the
//! profile page (`accounts::invoice`).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::page::{ProfilePage, Submitted};
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::domain::invoice::InvoiceInput;
use crate::error::AppError;
use crate::paths;
use crate::render::{FlashLevel, PageContext};

/// The form as posted; a checkbox is on when its field is present.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InvoiceForm {
    nombre_empresa: String,
    direccion: String,
    telefono: String,
    email_contacto: String,
    mensaje_personalizado: String,
    mostrar_direccion: Option<String>,
    mostrar_telefono: Option<String>,
    mostrar_email: Option<String>,
    mostrar_mensaje: Option<String>,
    guardar_factura: Option<String>,
}

impl From<InvoiceForm> for InvoiceInput {
    fn from(form: InvoiceForm) -> Self {
        Self {
            company_name: form.nombre_empresa,
            address: form.direccion,
            phone: form.telefono,
            contact_email: form.email_contacto,
            custom_message: form.mensaje_personalizado,
            show_address: form.mostrar_direccion.is_some(),
            show_phone: form.mostrar_telefono.is_some(),
            show_email: form.mostrar_email.is_some(),
            show_message: form.mostrar_mensaje.is_some(),
        }
    }
}

pub async fn submit_invoice_settings(
    ctx: PageContext,
    current: CurrentUser,
    form: web::Form<InvoiceForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if form.guardar_factura.is_none() {
        return Err(AppError::BadRequest);
    }
    let input = InvoiceInput::from(form);
    let user = &current.user;
    match accounts::invoice::save_invoice_settings(&ctx.state, user, &input).await {
        Ok(()) => ctx.redirect_with(paths::PROFILE, FlashLevel::Success, "invoice-saved"),
        Err(Error::Forbidden) => {
            ctx.redirect_with(paths::PROFILE, FlashLevel::Error, "invoice-forbidden")
        }
        Err(Error::Invalid(problems)) => {
            ProfilePage::show_invalid(&ctx, &current, Submitted::Invoice(input, problems)).await
        }
        Err(e) => Err(e.into()),
    }
}
