//! Failed logins, kept in the database so throttling holds across server instances.
//!
//! Rows are keyed by a hash of what was typed in the login field (not by user id), so an
//! unknown account is throttled exactly like a real one and the 429 reveals nothing; the hash
//! also keeps arbitrary input (any length, NUL bytes) out of the index.

use chrono::TimeDelta;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::DbConnection;
use super::schema::login_failures;
use crate::clock::Timestamp;

/// The limits: per account and IP, and per IP across accounts, within one window.
#[derive(Clone, Copy, Debug)]
pub struct Throttle {
    /// Which gate the rows belong to (`login`, `mail`, `signup`), so gates never count each
    /// other's attempts.
    pub scope: &'static str,
    pub window: TimeDelta,
    pub per_account: i64,
    pub per_ip: i64,
}

pub const LOGIN_THROTTLE: Throttle = Throttle {
    scope: "login",
    window: TimeDelta::minutes(15),
    per_account: 5,
    per_ip: 50,
};

/// The key an attempt is counted under: a SHA-256 of the folded login.
pub fn login_key(normalized_login: &str) -> String {
    let digest = Sha256::digest(normalized_login.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl Throttle {
    /// Counts this attempt before the password is checked, so parallel requests cannot all slip
    /// under the limit: the attempt is written first, then the window is counted with it.
    /// Returns the seconds to wait when over the limit (the attempt is then not kept, so
    /// waiting is enough to get in again). An admitted attempt stays counted as a failure
    /// until [`Throttle::clear`] forgives it after a correct password.
    pub fn admit(
        &self,
        conn: &mut DbConnection,
        key: &str,
        ip: &str,
        now: Timestamp,
    ) -> QueryResult<Option<u64>> {
        let since = now - self.window;
        self.forget_before(conn, since)?;
        self.record(conn, key, ip, now)?;
        let recent = login_failures::table
            .filter(login_failures::scope.eq(self.scope))
            .filter(login_failures::ip.eq(ip))
            .filter(login_failures::failed_at.gt(since));
        let per_account: Vec<Timestamp> = recent
            .filter(login_failures::login_key.eq(key))
            .select(login_failures::failed_at)
            .order(login_failures::failed_at.desc())
            .limit(self.per_account + 1)
            .load(conn)?;
        let per_ip: Vec<Timestamp> = recent
            .select(login_failures::failed_at)
            .order(login_failures::failed_at.desc())
            .limit(self.per_ip + 1)
            .load(conn)?;
        let over_account = per_account.len() as i64 > self.per_account;
        let over_ip = per_ip.len() as i64 > self.per_ip;
        if !over_account && !over_ip {
            return Ok(None);
        }
        diesel::delete(
            login_failures::table
                .filter(login_failures::scope.eq(self.scope))
                .filter(login_failures::login_key.eq(key))
                .filter(login_failures::ip.eq(ip))
                .filter(login_failures::failed_at.eq(now)),
        )
        .execute(conn)?;
        // The oldest of the last N earlier failures must leave the window first.
        let oldest = |times: &[Timestamp], limit: i64| {
            times
                .get(usize::try_from(limit).unwrap_or(usize::MAX))
                .map(|oldest| *oldest + self.window)
        };
        let until = [
            over_account
                .then(|| oldest(&per_account, self.per_account))
                .flatten(),
            over_ip.then(|| oldest(&per_ip, self.per_ip)).flatten(),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(now + self.window);
        let seconds = (until - now).num_seconds().max(1);
        Ok(Some(u64::try_from(seconds).unwrap_or(1)))
    }

    /// A correct password forgives that account's failures from that IP.
    pub fn clear(&self, conn: &mut DbConnection, key: &str, ip: &str) -> QueryResult<()> {
        diesel::delete(
            login_failures::table
                .filter(login_failures::scope.eq(self.scope))
                .filter(login_failures::login_key.eq(key))
                .filter(login_failures::ip.eq(ip)),
        )
        .execute(conn)
        .map(drop)
    }

    fn forget_before(&self, conn: &mut DbConnection, since: Timestamp) -> QueryResult<()> {
        diesel::delete(
            login_failures::table
                .filter(login_failures::scope.eq(self.scope))
                .filter(login_failures::failed_at.le(since)),
        )
        .execute(conn)
        .map(drop)
    }

    fn record(
        &self,
        conn: &mut DbConnection,
        key: &str,
        ip: &str,
        now: Timestamp,
    ) -> QueryResult<()> {
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::scope.eq(self.scope),
                login_failures::login_key.eq(key),
                login_failures::ip.eq(ip),
                login_failures::failed_at.eq(now),
            ))
            .execute(conn)
            .map(drop)
    }

    /// The gate for requests that send mail to a typed address (resend, reset, sign-up).
    /// Over the per-IP limit the request is refused (a 429, with the seconds to wait). Over
    /// the per-address limit (counted across every IP) it is answered as usual but sends
    /// nothing: nobody can flood a mailbox, and nobody can make someone else's request fail.
    /// Keyed by what was typed, so known and unknown addresses behave alike.
    pub fn admit_mail(
        &self,
        conn: &mut DbConnection,
        key: &str,
        ip: &str,
        now: Timestamp,
    ) -> QueryResult<MailGate> {
        // Recorded before counting, in one write transaction: concurrent requests from one IP
        // cannot all slip under the limit. SQLite's write transactions already run one at a
        // time; PostgreSQL's see only committed rows, so they queue on a lock for this IP.
        super::write_transaction(conn, |conn| {
            #[cfg(feature = "postgres")]
            if let DbConnection::Postgres(c) = conn {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                    .bind::<diesel::sql_types::BigInt, _>(lock_key(self.scope, ip))
                    .execute(c)?;
            }
            let since = now - self.window;
            self.forget_before(conn, since)?;
            self.record(conn, key, ip, now)?;
            let recent = login_failures::table
                .filter(login_failures::scope.eq(self.scope))
                .filter(login_failures::failed_at.gt(since));
            let from_ip: Vec<Timestamp> = recent
                .filter(login_failures::ip.eq(ip))
                .select(login_failures::failed_at)
                .order(login_failures::failed_at.asc())
                .limit(self.per_ip + 1)
                .load(conn)?;
            if from_ip.len() as i64 > self.per_ip {
                // A refused request does not count (the window would never end otherwise).
                diesel::delete(
                    login_failures::table
                        .filter(login_failures::scope.eq(self.scope))
                        .filter(login_failures::login_key.eq(key))
                        .filter(login_failures::ip.eq(ip))
                        .filter(login_failures::failed_at.eq(now)),
                )
                .execute(conn)?;
                let until = from_ip
                    .first()
                    .map_or(now + self.window, |t| *t + self.window);
                let seconds = (until - now).num_seconds().max(1);
                return Ok(MailGate::TooMany {
                    retry_after_secs: u64::try_from(seconds).unwrap_or(1),
                });
            }
            let for_address: i64 = recent
                .filter(login_failures::login_key.eq(key))
                .count()
                .get_result(conn)?;
            Ok(if for_address > self.per_account {
                MailGate::Quiet
            } else {
                MailGate::Send
            })
        })
    }
}

/// A PostgreSQL advisory-lock key for one scope and IP: the first 8 bytes of their SHA-256.
#[cfg(feature = "postgres")]
fn lock_key(scope: &str, ip: &str) -> i64 {
    let digest = Sha256::digest(format!("{scope}\0{ip}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// What [`Throttle::admit_mail`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailGate {
    Send,
    /// Answer as usual, send nothing.
    Quiet,
    TooMany {
        retry_after_secs: u64,
    },
}

/// Resend-verification and password-reset requests: 3 mails per address per 15 minutes, 20
/// requests per IP.
pub const MAIL_THROTTLE: Throttle = Throttle {
    scope: "mail",
    window: TimeDelta::minutes(15),
    per_account: 3,
    per_ip: 20,
};

/// Sign-ups: 10 per IP per hour; the per-address limit bounds the "someone tried to sign up
/// with your address" notices.
pub const SIGNUP_THROTTLE: Throttle = Throttle {
    scope: "signup",
    window: TimeDelta::hours(1),
    per_account: 3,
    per_ip: 10,
};
