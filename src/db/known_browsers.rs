//! The `known_browsers` table: which browsers signed in to which account. The browser keeps a
//! random id in a long-lived cookie; only its SHA-256 is stored, so the table cannot be used to
//! forge the cookie. While an account is under distributed password guessing, a correct
//! password is enough only from a browser listed here for that account (`accounts::login`).

use diesel::prelude::*;

use super::DbConnection;
use super::schema::known_browsers;
use crate::clock::Timestamp;
use crate::token::sha256_hex;

/// A browser's id as its cookie holds it.
pub struct KnownBrowser;

impl KnownBrowser {
    /// True when the browser with this cookie id signed in to `user_id` before.
    pub fn is_known(conn: &mut DbConnection, user_id: i32, browser_id: &str) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            known_browsers::table
                .filter(known_browsers::user_id.eq(user_id))
                .filter(known_browsers::browser_hash.eq(sha256_hex(browser_id))),
        ))
        .get_result(conn)
    }

    /// Lists the browser for `user_id` (or notes that it came back). True when it was not
    /// listed before.
    pub fn remember(
        conn: &mut DbConnection,
        user_id: i32,
        browser_id: &str,
        now: Timestamp,
    ) -> QueryResult<bool> {
        let hash = sha256_hex(browser_id);
        let seen = diesel::update(
            known_browsers::table
                .filter(known_browsers::user_id.eq(user_id))
                .filter(known_browsers::browser_hash.eq(&hash)),
        )
        .set(known_browsers::last_seen_at.eq(now))
        .execute(conn)?;
        if seen > 0 {
            return Ok(false);
        }
        // In a savepoint: on PostgreSQL a failed statement would end the caller's transaction.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(known_browsers::table)
                .values((
                    known_browsers::user_id.eq(user_id),
                    known_browsers::browser_hash.eq(&hash),
                    known_browsers::created_at.eq(now),
                    known_browsers::last_seen_at.eq(now),
                ))
                .execute(conn)
        });
        match inserted {
            // Two sign-ins from one browser at once: the other one listed it.
            Err(e) if super::is_unique_violation(&e) => Ok(false),
            other => other.map(|_| true),
        }
    }
}
