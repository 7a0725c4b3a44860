//! The `one_time_tokens` table: links sent by mail (verify an address, confirm a new one,
//! reset a password).
//!
//! A token is 256 bits from the OS generator, URL-safe base64; only its SHA-256 is stored, and
//! a token is found by looking that hash up (never by scanning or comparing in the app). A
//! token works once, until it expires, and only while it is the newest of its purpose for its
//! user and the account still has the address it was sent to.

use chrono::TimeDelta;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::one_time_tokens;
use crate::clock::Timestamp;
use crate::token::{is_token_shaped, random_token, sha256_hex};

crate::text_enum! {
    /// What a token is for.
    pub enum Purpose refused as UnknownPurpose {
        /// Confirms the account's current address.
        VerifyEmail = "verify_email",
        /// Confirms a new address; the account switches to it when the link is opened.
        ChangeEmail = "change_email",
        ResetPassword = "reset_password",
        /// Lets a sign-in proceed from a browser the account does not know, while the account
        /// is under distributed password guessing.
        ConfirmSignIn = "confirm_sign_in",
    }
}

/// A stored token (its hash, never the token).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = one_time_tokens)]
pub struct OneTimeToken {
    pub id: i32,
    pub token_hash: String,
    #[diesel(deserialize_as = String)]
    pub purpose: Purpose,
    pub user_id: i32,
    pub email: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

impl OneTimeToken {
    /// Issues a token for `user_id` and `email`, voiding every older unused token of the same
    /// purpose for that user. Returns the token itself, to be put in the link; call inside the
    /// transaction that also writes the mail.
    pub fn issue(
        conn: &mut DbConnection,
        purpose: Purpose,
        user_id: i32,
        email: &str,
        now: Timestamp,
        lifetime: std::time::Duration,
    ) -> QueryResult<String> {
        Self::void(conn, user_id, &[purpose], now)?;
        let token = random_token();
        let lifetime = TimeDelta::from_std(lifetime).unwrap_or(TimeDelta::MAX);
        diesel::insert_into(one_time_tokens::table)
            .values((
                one_time_tokens::token_hash.eq(sha256_hex(&token)),
                one_time_tokens::purpose.eq(purpose.as_str()),
                one_time_tokens::user_id.eq(user_id),
                one_time_tokens::email.eq(email),
                one_time_tokens::created_at.eq(now),
                one_time_tokens::expires_at.eq(now.checked_add_signed(lifetime).unwrap_or(now)),
            ))
            .execute(conn)?;
        Ok(token)
    }

    /// Voids the user's unused tokens of these purposes (a newer link, a password change, an
    /// email change).
    pub fn void(
        conn: &mut DbConnection,
        user_id: i32,
        purposes: &[Purpose],
        now: Timestamp,
    ) -> QueryResult<()> {
        let purposes: Vec<&str> = purposes.iter().map(|p| p.as_str()).collect();
        diesel::update(
            one_time_tokens::table
                .filter(one_time_tokens::user_id.eq(user_id))
                .filter(one_time_tokens::purpose.eq_any(purposes))
                .filter(one_time_tokens::used_at.is_null()),
        )
        .set(one_time_tokens::used_at.eq(now))
        .execute(conn)
        .map(drop)
    }

    /// Voids every unused token of the user, whatever its purpose.
    pub fn void_all(conn: &mut DbConnection, user_id: i32, now: Timestamp) -> QueryResult<()> {
        diesel::update(
            one_time_tokens::table
                .filter(one_time_tokens::user_id.eq(user_id))
                .filter(one_time_tokens::used_at.is_null()),
        )
        .set(one_time_tokens::used_at.eq(now))
        .execute(conn)
        .map(drop)
    }

    /// The live token with this value and purpose: unused and not expired. Reading it does
    /// not use it up.
    pub fn find_live(
        conn: &mut DbConnection,
        token: &str,
        purposes: &[Purpose],
        now: Timestamp,
    ) -> QueryResult<Option<OneTimeToken>> {
        if !is_token_shaped(token) {
            return Ok(None);
        }
        let purposes: Vec<&str> = purposes.iter().map(|p| p.as_str()).collect();
        one_time_tokens::table
            .filter(one_time_tokens::token_hash.eq(sha256_hex(token)))
            .filter(one_time_tokens::purpose.eq_any(purposes))
            .filter(one_time_tokens::used_at.is_null())
            .filter(one_time_tokens::expires_at.gt(now))
            .select(OneTimeToken::as_select())
            .get_result(conn)
            .optional()
    }

    /// Uses the token up; true only for the one request that did, so two clicks on one link
    /// cannot both act.
    pub fn consume(conn: &mut DbConnection, id: i32, now: Timestamp) -> QueryResult<bool> {
        let changed = diesel::update(
            one_time_tokens::table
                .find(id)
                .filter(one_time_tokens::used_at.is_null())
                .filter(one_time_tokens::expires_at.gt(now)),
        )
        .set(one_time_tokens::used_at.eq(now))
        .execute(conn)?;
        Ok(changed == 1)
    }

    /// Deletes tokens that expired before `before`; returns how many.
    pub fn purge(conn: &mut DbConnection, before: Timestamp) -> QueryResult<usize> {
        diesel::delete(one_time_tokens::table.filter(one_time_tokens::expires_at.lt(before)))
            .execute(conn)
    }

    /// The new address waiting for confirmation, if any.
    pub fn pending_email(
        conn: &mut DbConnection,
        user_id: i32,
        now: Timestamp,
    ) -> QueryResult<Option<String>> {
        // Read on every profile page: on the backend's own connection and without LIMIT, so
        // SQLite reuses the prepared statement (issuing a token voids the older ones, so
        // there is at most one row).
        let mut live: Vec<String> = crate::on_backend!(conn, |c| one_time_tokens::table
            .filter(one_time_tokens::user_id.eq(user_id))
            .filter(one_time_tokens::purpose.eq(Purpose::ChangeEmail.as_str()))
            .filter(one_time_tokens::used_at.is_null())
            .filter(one_time_tokens::expires_at.gt(now))
            .order(one_time_tokens::id.asc())
            .select(one_time_tokens::email)
            .load(c))?;
        Ok(live.pop())
    }
}
