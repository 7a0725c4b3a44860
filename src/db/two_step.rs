//! The tables of two-step sign-in: `totp_secrets` (an account's confirmed authenticator app:
//! its sealed secret and the last time step a code was accepted for) and `recovery_codes`
//! (SHA-256 hashes of single-use codes). Sealing and checking codes is `accounts::two_step`.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{recovery_codes, team_settings, totp_secrets};
use crate::clock::Timestamp;

/// An account's confirmed authenticator app.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = totp_secrets)]
pub struct TotpSecret {
    pub user_id: i32,
    /// The secret, sealed (see `accounts::two_step`).
    pub secret_sealed: String,
    /// The last time step a code was accepted for; no code of this step or before counts.
    pub last_step: i64,
    pub created_at: Timestamp,
}

impl TotpSecret {
    /// The account's app, if it has one.
    pub fn find(conn: &mut DbConnection, user_id: i32) -> QueryResult<Option<Self>> {
        totp_secrets::table
            .find(user_id)
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    /// Stores a confirmed secret (replacing any), with the step its confirming code used.
    pub fn replace(
        conn: &mut DbConnection,
        user_id: i32,
        sealed: &str,
        step: i64,
        now: Timestamp,
    ) -> QueryResult<()> {
        Self::remove(conn, user_id)?;
        diesel::insert_into(totp_secrets::table)
            .values((
                totp_secrets::user_id.eq(user_id),
                totp_secrets::secret_sealed.eq(sealed),
                totp_secrets::last_step.eq(step),
                totp_secrets::created_at.eq(now),
            ))
            .execute(conn)
            .map(drop)
    }

    /// Records that a code of `step` was used: a conditional UPDATE, so of two requests with
    /// the same code only one succeeds. False when that step (or a later one) was used.
    pub fn use_step(conn: &mut DbConnection, user_id: i32, step: i64) -> QueryResult<bool> {
        diesel::update(
            totp_secrets::table
                .find(user_id)
                .filter(totp_secrets::last_step.lt(step)),
        )
        .set(totp_secrets::last_step.eq(step))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Removes the account's app. True when it had one.
    pub fn remove(conn: &mut DbConnection, user_id: i32) -> QueryResult<bool> {
        diesel::delete(totp_secrets::table.find(user_id))
            .execute(conn)
            .map(|n| n > 0)
    }
}

/// The recovery codes of an account.
pub struct RecoveryCodes;

impl RecoveryCodes {
    /// Replaces every code of the account with these hashes.
    pub fn replace(
        conn: &mut DbConnection,
        user_id: i32,
        hashes: &[String],
        now: Timestamp,
    ) -> QueryResult<()> {
        Self::remove(conn, user_id)?;
        // One row at a time: the multi-backend connection has no batch insert.
        for hash in hashes {
            diesel::insert_into(recovery_codes::table)
                .values((
                    recovery_codes::user_id.eq(user_id),
                    recovery_codes::code_hash.eq(hash),
                    recovery_codes::created_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// Uses the unused code with this hash: a conditional UPDATE, so two requests cannot both
    /// use one. False when there is none.
    pub fn consume(
        conn: &mut DbConnection,
        user_id: i32,
        hash: &str,
        now: Timestamp,
    ) -> QueryResult<bool> {
        diesel::update(
            recovery_codes::table
                .filter(recovery_codes::user_id.eq(user_id))
                .filter(recovery_codes::code_hash.eq(hash))
                .filter(recovery_codes::used_at.is_null()),
        )
        .set(recovery_codes::used_at.eq(now))
        .execute(conn)
        .map(|n| n > 0)
    }

    /// How many unused codes the account has.
    pub fn remaining(conn: &mut DbConnection, user_id: i32) -> QueryResult<i64> {
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::used_at.is_null())
            .count()
            .get_result(conn)
    }

    /// Removes every code of the account.
    pub fn remove(conn: &mut DbConnection, user_id: i32) -> QueryResult<()> {
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
            .execute(conn)
            .map(drop)
    }
}

/// An admin's rules for their team (`team_settings`).
pub struct TeamSettings;

impl TeamSettings {
    /// True when the admin `admin_id` requires two-step sign-in of their vendedores.
    pub fn requires_two_step(conn: &mut DbConnection, admin_id: i32) -> QueryResult<bool> {
        team_settings::table
            .find(admin_id)
            .select(team_settings::require_two_step)
            .first(conn)
            .optional()
            .map(|found| found.unwrap_or(false))
    }

    /// Sets whether the admin requires two-step sign-in of their vendedores.
    pub fn set_requires_two_step(
        conn: &mut DbConnection,
        admin_id: i32,
        required: bool,
        now: Timestamp,
    ) -> QueryResult<()> {
        let updated = diesel::update(team_settings::table.find(admin_id))
            .set((
                team_settings::require_two_step.eq(required),
                team_settings::updated_at.eq(now),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(team_settings::table)
                .values((
                    team_settings::admin_id.eq(admin_id),
                    team_settings::require_two_step.eq(required),
                    team_settings::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    }
}
