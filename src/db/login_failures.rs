//! Failed logins, kept in the database so throttling holds across server instances.
//!
//! Rows are keyed by what was typed in the login field (not by user id), so an unknown
//! account is throttled exactly like a real one and the 429 reveals nothing.

use chrono::TimeDelta;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::login_failures;
use crate::clock::Timestamp;

/// The limits: per account and IP, and per IP across accounts, within one window.
#[derive(Clone, Copy, Debug)]
pub struct Throttle {
    pub window: TimeDelta,
    pub per_account: i64,
    pub per_ip: i64,
}

pub const LOGIN_THROTTLE: Throttle = Throttle {
    window: TimeDelta::minutes(15),
    per_account: 5,
    per_ip: 50,
};

impl Throttle {
    /// Seconds until a new attempt is allowed, or `None` when it is allowed now.
    pub fn retry_after(
        &self,
        conn: &mut DbConnection,
        login_key: &str,
        ip: &str,
        now: Timestamp,
    ) -> QueryResult<Option<u64>> {
        let since = now - self.window;
        let recent = login_failures::table
            .filter(login_failures::ip.eq(ip))
            .filter(login_failures::failed_at.gt(since));
        let per_account: Vec<Timestamp> = recent
            .filter(login_failures::login_key.eq(login_key))
            .select(login_failures::failed_at)
            .order(login_failures::failed_at.desc())
            .limit(self.per_account)
            .load(conn)?;
        let mut blocked_until = None;
        if per_account.len() as i64 >= self.per_account {
            // The oldest of the last N failures must leave the window first.
            blocked_until = per_account.last().map(|oldest| *oldest + self.window);
        }
        let per_ip: Vec<Timestamp> = recent
            .select(login_failures::failed_at)
            .order(login_failures::failed_at.desc())
            .limit(self.per_ip)
            .load(conn)?;
        if per_ip.len() as i64 >= self.per_ip
            && let Some(oldest) = per_ip.last()
        {
            blocked_until = blocked_until.max(Some(*oldest + self.window));
        }
        Ok(blocked_until.map(|until| {
            let seconds = (until - now).num_seconds().max(1);
            u64::try_from(seconds).unwrap_or(1)
        }))
    }

    /// Records a failure and drops rows that no window can see any more.
    pub fn record_failure(
        &self,
        conn: &mut DbConnection,
        login_key: &str,
        ip: &str,
        now: Timestamp,
    ) -> QueryResult<()> {
        diesel::delete(
            login_failures::table.filter(login_failures::failed_at.le(now - self.window)),
        )
        .execute(conn)?;
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::login_key.eq(login_key),
                login_failures::ip.eq(ip),
                login_failures::failed_at.eq(now),
            ))
            .execute(conn)
            .map(drop)
    }

    /// A successful login forgives that account's failures from that IP.
    pub fn clear(&self, conn: &mut DbConnection, login_key: &str, ip: &str) -> QueryResult<()> {
        diesel::delete(
            login_failures::table
                .filter(login_failures::login_key.eq(login_key))
                .filter(login_failures::ip.eq(ip)),
        )
        .execute(conn)
        .map(drop)
    }
}
