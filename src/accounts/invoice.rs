//! An admin's invoice settings: what their invoices say about the business.

use super::Error;
use crate::db;
use crate::db::invoice_settings::InvoiceSettings;
use crate::db::users::User;
use crate::domain::Role;
use crate::domain::invoice::{InvoiceDetails, InvoiceInput};
use crate::state::AppState;

/// The admin's saved settings (created with the defaults on first sight).
pub async fn settings_of(state: &AppState, admin: &User) -> Result<InvoiceSettings, Error> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden);
    }
    let (admin_id, now) = (admin.id, state.clock.now());
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(InvoiceSettings::get_or_create(conn, admin_id, now)?)
    })
    .await
}

/// Saves the settings; only admins have them. Problems are reported on the form's fields.
pub async fn save_invoice_settings(
    state: &AppState,
    admin: &User,
    input: &InvoiceInput,
) -> Result<(), Error> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden);
    }
    let details = InvoiceDetails::parse(input)?;
    let (admin_id, now) = (admin.id, state.clock.now());
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(InvoiceSettings::save(conn, admin_id, &details, now)?)
    })
    .await
}
