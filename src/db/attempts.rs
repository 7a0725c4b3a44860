//! The `throttle_attempts` table: the ledger every throttle counts in (failed logins, mail
//! requests, sign-ups), kept in the database so the limits hold across server instances.
//!
//! A row says that a client attempted something about a subject at a time. The subject is a
//! SHA-256 of what was typed (a login, an address), never the value: an unknown account is
//! counted exactly like a real one, and arbitrary input stays out of the index. The policy
//! (windows, limits, what a verdict means) lives in `accounts::throttle`.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::throttle_attempts as attempts;
use crate::clock::Timestamp;

/// One attempt: which gate counted it, about what, from whom.
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    pub scope: &'static str,
    pub subject_key: &'a str,
    pub client: &'a str,
}

impl Attempt<'_> {
    pub fn record(&self, conn: &mut DbConnection, at: Timestamp) -> QueryResult<()> {
        diesel::insert_into(attempts::table)
            .values((
                attempts::scope.eq(self.scope),
                attempts::subject_key.eq(self.subject_key),
                attempts::client.eq(self.client),
                attempts::attempted_at.eq(at),
            ))
            .execute(conn)
            .map(drop)
    }

    /// Takes back the attempt recorded at `at` (a refused attempt does not count, or the
    /// window would never end).
    pub fn unrecord(&self, conn: &mut DbConnection, at: Timestamp) -> QueryResult<()> {
        diesel::delete(
            attempts::table
                .filter(attempts::scope.eq(self.scope))
                .filter(attempts::subject_key.eq(self.subject_key))
                .filter(attempts::client.eq(self.client))
                .filter(attempts::attempted_at.eq(at)),
        )
        .execute(conn)
        .map(drop)
    }

    /// Forgets every attempt of this client about this subject.
    pub fn clear(&self, conn: &mut DbConnection) -> QueryResult<()> {
        diesel::delete(
            attempts::table
                .filter(attempts::scope.eq(self.scope))
                .filter(attempts::subject_key.eq(self.subject_key))
                .filter(attempts::client.eq(self.client)),
        )
        .execute(conn)
        .map(drop)
    }

    /// The times of this client's attempts since `since` (only those about this subject
    /// when `about_subject`), newest first, at most `limit`.
    pub fn recent(
        &self,
        conn: &mut DbConnection,
        since: Timestamp,
        limit: i64,
        about_subject: bool,
    ) -> QueryResult<Vec<Timestamp>> {
        let mut query = attempts::table
            .filter(attempts::scope.eq(self.scope))
            .filter(attempts::client.eq(self.client))
            .filter(attempts::attempted_at.gt(since))
            .into_boxed();
        if about_subject {
            query = query.filter(attempts::subject_key.eq(self.subject_key));
        }
        query
            .order(attempts::attempted_at.desc())
            .limit(limit)
            .select(attempts::attempted_at)
            .load(conn)
    }

    /// How many attempts about this subject, from any client, since `since`.
    pub fn count_about_subject_anywhere(
        &self,
        conn: &mut DbConnection,
        since: Timestamp,
    ) -> QueryResult<i64> {
        attempts::table
            .filter(attempts::scope.eq(self.scope))
            .filter(attempts::subject_key.eq(self.subject_key))
            .filter(attempts::attempted_at.gt(since))
            .count()
            .get_result(conn)
    }

    /// Inside a transaction, makes concurrent attempts of this client wait for each other.
    /// SQLite's write transactions already run one at a time; PostgreSQL's see only committed
    /// rows, so they queue on an advisory lock for the scope and client.
    pub fn serialize_client(&self, conn: &mut DbConnection) -> QueryResult<()> {
        #[cfg(feature = "postgres")]
        if let DbConnection::Postgres(c) = conn {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(lock_key(self.scope, self.client))
                .execute(c)?;
        }
        #[cfg(not(feature = "postgres"))]
        let _ = conn;
        Ok(())
    }
}

/// Deletes the attempts of `scope` at or before `before` (they left every window).
pub fn forget_before(
    conn: &mut DbConnection,
    scope: &'static str,
    before: Timestamp,
) -> QueryResult<()> {
    diesel::delete(
        attempts::table
            .filter(attempts::scope.eq(scope))
            .filter(attempts::attempted_at.le(before)),
    )
    .execute(conn)
    .map(drop)
}

/// A PostgreSQL advisory-lock key for one scope and client: the first 8 bytes of their SHA-256.
#[cfg(feature = "postgres")]
fn lock_key(scope: &str, client: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{scope}\0{client}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}
