//! The `invoice_settings` table: what an admin's invoices say about their business, one row
//! per admin.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::invoice_settings;
use super::stored_time::Stored;
use crate::clock::Timestamp;
use crate::domain::invoice::{InvoiceDetails, InvoiceInput};

/// An admin's invoice settings.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = invoice_settings)]
pub struct InvoiceSettings {
    pub id: i32,
    pub admin_id: i32,
    pub company_name: String,
    pub address: String,
    pub phone: String,
    pub contact_email: String,
    pub custom_message: String,
    pub show_address: bool,
    pub show_phone: bool,
    pub show_email: bool,
    pub show_message: bool,
    #[diesel(deserialize_as = Stored)]
    pub updated_at: Timestamp,
}

impl InvoiceSettings {
    /// The admin's row, created with the defaults when it does not exist yet. The unique
    /// `admin_id` and an insert that ignores a conflict make two first visits at once give one
    /// row (MultiConnection has no portable ON CONFLICT, hence one statement per backend).
    pub fn get_or_create(
        conn: &mut DbConnection,
        admin_id: i32,
        now: Timestamp,
    ) -> QueryResult<InvoiceSettings> {
        if let Some(found) = Self::find(conn, admin_id)? {
            return Ok(found);
        }
        let row = (
            invoice_settings::admin_id.eq(admin_id),
            invoice_settings::updated_at.eq(now),
        );
        match conn {
            DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(invoice_settings::table)
                .values(row)
                .execute(c)?,
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => diesel::insert_into(invoice_settings::table)
                .values(row)
                .on_conflict(invoice_settings::admin_id)
                .do_nothing()
                .execute(c)?,
        };
        invoice_settings::table
            .filter(invoice_settings::admin_id.eq(admin_id))
            .select(InvoiceSettings::as_select())
            .get_result(conn)
    }

    /// The first row of a new admin whose sign-up named the company (inside the sign-up's
    /// transaction: the admin has no row yet).
    pub fn create_for_new_admin(
        conn: &mut DbConnection,
        admin_id: i32,
        company_name: &str,
        now: Timestamp,
    ) -> QueryResult<()> {
        diesel::insert_into(invoice_settings::table)
            .values((
                invoice_settings::admin_id.eq(admin_id),
                invoice_settings::company_name.eq(company_name),
                invoice_settings::updated_at.eq(now),
            ))
            .execute(conn)
            .map(drop)
    }

    /// Read on every admin profile page: on the backend's own connection, so SQLite reuses the
    /// prepared statement.
    pub fn find(conn: &mut DbConnection, admin_id: i32) -> QueryResult<Option<InvoiceSettings>> {
        crate::on_backend!(conn, |c| invoice_settings::table
            .filter(invoice_settings::admin_id.eq(admin_id))
            .select(InvoiceSettings::as_select())
            .get_result(c)
            .optional())
    }

    /// Saves the form's columns (never `admin_id`), creating the row first if the profile
    /// page was never shown. Two statements, no transaction: the insert is idempotent, and
    /// SQLite would refuse a deferred transaction's read-then-write if another write came in
    /// between.
    pub fn save(
        conn: &mut DbConnection,
        admin_id: i32,
        details: &InvoiceDetails,
        now: Timestamp,
    ) -> QueryResult<()> {
        use invoice_settings as s;
        Self::get_or_create(conn, admin_id, now)?;
        let d = details.fields();
        diesel::update(s::table.filter(s::admin_id.eq(admin_id)))
            .set((
                (
                    s::company_name.eq(&d.company_name),
                    s::address.eq(&d.address),
                ),
                (s::phone.eq(&d.phone), s::contact_email.eq(&d.contact_email)),
                (
                    s::custom_message.eq(&d.custom_message),
                    s::updated_at.eq(now),
                ),
                (
                    s::show_address.eq(d.show_address),
                    s::show_phone.eq(d.show_phone),
                ),
                (
                    s::show_email.eq(d.show_email),
                    s::show_message.eq(d.show_message),
                ),
            ))
            .execute(conn)
            .map(drop)
    }

    /// The saved values, as the form shows them.
    pub fn input(&self) -> InvoiceInput {
        InvoiceInput {
            company_name: self.company_name.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            contact_email: self.contact_email.clone(),
            custom_message: self.custom_message.clone(),
            show_address: self.show_address,
            show_phone: self.show_phone,
            show_email: self.show_email,
            show_message: self.show_message,
        }
    }
}
