//! What the profile page reads beside the account, in one statement: the address waiting for
//! its confirmation link, whether the session keeps a photo, and an admin's invoice settings.
//! It is the busiest form page; on PostgreSQL every statement is a round trip, and these run
//! on the backend's own connection, so their prepared statements are reused.
//!
//! [`ProfilePageRows::read_with_session`] reads the same together with the request's session
//! and its user: the page's `GET` then costs one statement in all (see
//! `accounts::profile::resolve_with_page`).

use diesel::dsl::exists;
use diesel::prelude::*;

use super::DbConnection;
use super::invoice_settings::InvoiceSettings;
use super::schema::{invoice_settings, one_time_tokens, pending_photos, user_sessions, users};
use super::sessions::UserSession;
use super::stored_time::TimeParam;
use super::tokens::Purpose;
use super::users::User;
use crate::clock::Timestamp;

/// The page's reads (see the module).
#[derive(Debug)]
pub struct ProfilePageRows {
    pub pending_email: Option<String>,
    pub pending_photo: bool,
    /// `None` when not asked for, or when the admin has no row yet.
    pub invoice: Option<InvoiceSettings>,
}

/// What [`ProfilePageRows::read_with_session`] selects: the session, its user, the invoice
/// settings, the pending address and whether a photo is kept.
type SessionPageRow = (
    UserSession,
    User,
    Option<InvoiceSettings>,
    Option<String>,
    bool,
);

/// Whose page, for which session, and as of when.
#[derive(Clone, Copy, Debug)]
pub struct ProfilePageKey<'a> {
    pub user_id: i32,
    pub session_id: &'a str,
    pub now: Timestamp,
    /// A kept photo older than this is gone.
    pub photos_since: Timestamp,
}

impl ProfilePageRows {
    /// The session with this id when it is not revoked, its user (as
    /// [`UserSession::find_with_user`] reads them, the timeouts left to the caller) and the
    /// page's rows, with the user's invoice settings row if there is one (the caller keeps it
    /// for admins only): one statement. The page's rows are those of the session's own user
    /// and of this session, whatever comes of the caller's checks.
    pub fn read_with_session(
        conn: &mut DbConnection,
        session_id: &str,
        now: Timestamp,
        photos_since: Timestamp,
    ) -> QueryResult<Option<(UserSession, User, Self)>> {
        let pending_email = one_time_tokens::table
            .filter(one_time_tokens::user_id.eq(users::id))
            .filter(one_time_tokens::purpose.eq(Purpose::ChangeEmail.as_str()))
            .filter(one_time_tokens::used_at.is_null())
            .filter(one_time_tokens::expires_at.gt(TimeParam(now)))
            .order(one_time_tokens::id.desc())
            .select(one_time_tokens::email)
            .single_value();
        let pending_photo = exists(
            pending_photos::table
                .find(session_id)
                .filter(pending_photos::user_id.eq(users::id))
                .filter(pending_photos::created_at.gt(TimeParam(photos_since))),
        );
        let found: Option<SessionPageRow> = crate::on_backend!(conn, |c| user_sessions::table
            .inner_join(users::table.left_join(invoice_settings::table))
            .filter(user_sessions::id.eq(session_id))
            .filter(user_sessions::revoked_at.is_null())
            .select((
                UserSession::as_select(),
                User::as_select(),
                Option::<InvoiceSettings>::as_select(),
                pending_email,
                pending_photo,
            ))
            .get_result(c)
            .optional())?;
        Ok(
            found.map(|(session, user, invoice, pending_email, pending_photo)| {
                let rows = Self {
                    pending_email,
                    pending_photo,
                    invoice,
                };
                (session, user, rows)
            }),
        )
    }

    /// Reads the page's rows; with `with_invoice`, the invoice settings too (one statement
    /// either way, two when the admin has no settings row yet).
    pub fn read(
        conn: &mut DbConnection,
        key: ProfilePageKey<'_>,
        with_invoice: bool,
    ) -> QueryResult<Self> {
        // The newest live address change (issuing one voids the older ones).
        let pending_email = one_time_tokens::table
            .filter(one_time_tokens::user_id.eq(key.user_id))
            .filter(one_time_tokens::purpose.eq(Purpose::ChangeEmail.as_str()))
            .filter(one_time_tokens::used_at.is_null())
            .filter(one_time_tokens::expires_at.gt(TimeParam(key.now)))
            .order(one_time_tokens::id.desc())
            .select(one_time_tokens::email)
            .single_value();
        let pending_photo = exists(
            pending_photos::table
                .find(key.session_id)
                .filter(pending_photos::user_id.eq(key.user_id))
                .filter(pending_photos::created_at.gt(TimeParam(key.photos_since))),
        );
        if with_invoice {
            let found: Option<(InvoiceSettings, Option<String>, bool)> =
                crate::on_backend!(conn, |c| invoice_settings::table
                    .filter(invoice_settings::admin_id.eq(key.user_id))
                    .select((InvoiceSettings::as_select(), pending_email, pending_photo))
                    .get_result(c)
                    .optional())?;
            if let Some((invoice, pending_email, pending_photo)) = found {
                return Ok(Self {
                    pending_email,
                    pending_photo,
                    invoice: Some(invoice),
                });
            }
        }
        let (pending_email, pending_photo) =
            crate::on_backend!(conn, |c| diesel::select((pending_email, pending_photo))
                .get_result(c))?;
        Ok(Self {
            pending_email,
            pending_photo,
            invoice: None,
        })
    }
}
