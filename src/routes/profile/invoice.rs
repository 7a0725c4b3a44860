//! `POST /perfil/` with `guardar_factura`: an admin's invoice settings, the second form of the
//! profile page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::page::{FieldErrors, ProfilePage, ProfileValues};
use crate::auth::CurrentUser;
use crate::db;
use crate::db::invoice_settings::{InvoiceChanges, InvoiceSettings};
use crate::domain::Role;
use crate::domain::invoice::{InvoiceDetails, InvoiceInput};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::render::{FlashLevel, Layout, flash, page, see_other};
use crate::startup::AppState;

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

/// The invoice form on the profile page: saved or submitted values and their errors.
#[derive(Debug, Default)]
pub struct InvoiceSection {
    pub values: InvoiceInput,
    pub errors: FieldErrors,
}

impl InvoiceSection {
    pub fn saved(settings: &InvoiceSettings) -> Self {
        Self {
            values: InvoiceInput {
                company_name: settings.company_name.clone(),
                address: settings.address.clone(),
                phone: settings.phone.clone(),
                contact_email: settings.contact_email.clone(),
                custom_message: settings.custom_message.clone(),
                show_address: settings.show_address,
                show_phone: settings.show_phone,
                show_email: settings.show_email,
                show_message: settings.show_message,
            },
            errors: FieldErrors::default(),
        }
    }

    /// The input ids are prefixed: the profile form above already has a `telefono`.
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

pub async fn save_invoice_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
    form: web::Form<InvoiceForm>,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    if user.role() != Role::Admin {
        flash(&session, FlashLevel::Error, "invoice-forbidden");
        return Ok(see_other("/perfil/"));
    }
    let form = form.into_inner();
    if form.guardar_factura.is_none() {
        return Err(AppError::BadRequest);
    }
    let input = InvoiceInput::from(form);
    let details = match InvoiceDetails::parse(&input) {
        Ok(details) => details,
        Err(problems) => {
            let layout = Layout::for_request(&req);
            let mut errors = FieldErrors::default();
            for (field, problem) in problems {
                errors.add(field, message(layout.lang, problem));
            }
            let section = InvoiceSection {
                values: input,
                errors,
            };
            let profile = ProfilePage::complete_with(
                &state,
                layout,
                user,
                ProfileValues::saved(user),
                FieldErrors::default(),
                Some(section),
            )
            .await?;
            return page(StatusCode::UNPROCESSABLE_ENTITY, &profile);
        }
    };
    let (admin_id, now) = (user.id, state.clock.now());
    db::run(&state.pool, move |conn| {
        Ok(InvoiceSettings::save(
            conn,
            admin_id,
            &InvoiceChanges {
                company_name: &details.company_name,
                address: &details.address,
                phone: &details.phone,
                contact_email: &details.contact_email,
                custom_message: &details.custom_message,
                show_address: details.show_address,
                show_phone: details.show_phone,
                show_email: details.show_email,
                show_message: details.show_message,
                updated_at: now,
            },
        )?)
    })
    .await?;
    flash(&session, FlashLevel::Success, "invoice-saved");
    Ok(see_other("/perfil/"))
}

fn message(lang: Lang, problem: crate::domain::invoice::InvoiceProblem) -> String {
    match problem.max {
        Some(max) => lang.t_args(problem.key, &[("max", max.into())]),
        None => lang.t(problem.key),
    }
}
