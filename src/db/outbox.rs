//! The `mail_outbox` table: mail waiting to be sent, written in the same transaction as the
//! change that causes it, and sent by the worker in `crate::mail::outbox`.
//!
//! Claiming is one conditional `UPDATE` per row whose affected-row count says who won, so two
//! workers (two server instances on one PostgreSQL) never send the same row; a claim is a lease
//! that expires, so a worker that dies mid-send does not strand its rows.

use chrono::TimeDelta;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::mail_outbox;
use crate::clock::Timestamp;

/// A mail ready to be queued: rendered, addressed, in its recipient's language.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = mail_outbox)]
pub struct NewMail {
    pub kind: String,
    pub recipient: String,
    pub recipient_name: String,
    pub language: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub link: Option<String>,
    pub next_attempt_at: Timestamp,
    pub created_at: Timestamp,
}

/// A queued mail as stored.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxMail {
    pub id: i32,
    pub kind: String,
    pub recipient: String,
    pub recipient_name: String,
    pub language: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub link: Option<String>,
    #[diesel(deserialize_as = String)]
    pub status: MailStatus,
    pub attempts: i32,
    pub next_attempt_at: Timestamp,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

crate::text_enum! {
    /// Where a queued mail stands.
    pub enum MailStatus refused as UnknownMailStatus {
        /// Waiting for (another) attempt.
        Pending = "pending",
        Sent = "sent",
        /// Given up after a permanent failure or too many attempts.
        Failed = "failed",
    }
}

const PENDING: &str = MailStatus::Pending.as_str();

impl NewMail {
    /// Queues the mail; call inside the transaction of the change that causes it.
    pub fn enqueue(&self, conn: &mut DbConnection) -> QueryResult<()> {
        diesel::insert_into(mail_outbox::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }
}

/// What `/metrics` reports about the outbox.
pub struct OutboxStats {
    pub pending: i64,
    pub failed: i64,
    /// When the oldest pending mail was queued.
    pub oldest_pending: Option<Timestamp>,
}

impl OutboxMail {
    /// Counts pending and failed rows and finds the oldest pending one.
    pub fn stats(conn: &mut DbConnection) -> QueryResult<OutboxStats> {
        let count = |conn: &mut DbConnection, status: &str| {
            mail_outbox::table
                .filter(mail_outbox::status.eq(status))
                .count()
                .get_result::<i64>(conn)
        };
        Ok(OutboxStats {
            pending: count(conn, PENDING)?,
            failed: count(conn, MailStatus::Failed.as_str())?,
            oldest_pending: mail_outbox::table
                .filter(mail_outbox::status.eq(PENDING))
                .select(diesel::dsl::min(mail_outbox::created_at))
                .first(conn)?,
        })
    }

    /// Ids of pending rows that are due and not under a live claim, oldest first.
    pub fn due(conn: &mut DbConnection, now: Timestamp, limit: i64) -> QueryResult<Vec<i32>> {
        mail_outbox::table
            .filter(mail_outbox::status.eq(PENDING))
            .filter(mail_outbox::next_attempt_at.le(now))
            .filter(
                mail_outbox::claimed_until
                    .is_null()
                    .or(mail_outbox::claimed_until.lt(now)),
            )
            .order(mail_outbox::id.asc())
            .limit(limit)
            .select(mail_outbox::id)
            .load(conn)
    }

    /// Claims one row for `worker` until `now + lease` and counts the attempt. Returns the row
    /// only when this call won the claim.
    pub fn claim(
        conn: &mut DbConnection,
        id: i32,
        worker: &str,
        now: Timestamp,
        lease: TimeDelta,
    ) -> QueryResult<Option<OutboxMail>> {
        let claimed = diesel::update(
            mail_outbox::table
                .find(id)
                .filter(mail_outbox::status.eq(PENDING))
                .filter(mail_outbox::next_attempt_at.le(now))
                .filter(
                    mail_outbox::claimed_until
                        .is_null()
                        .or(mail_outbox::claimed_until.lt(now)),
                ),
        )
        .set((
            mail_outbox::claimed_by.eq(worker),
            mail_outbox::claimed_until.eq(now + lease),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
        ))
        .execute(conn)?;
        if claimed != 1 {
            return Ok(None);
        }
        mail_outbox::table
            .find(id)
            .select(OutboxMail::as_select())
            .get_result(conn)
            .optional()
    }

    /// Marks the row sent and forgets its bodies and link: they may hold a live token, and
    /// the row is kept only as a record of what was sent when.
    pub fn mark_sent(
        conn: &mut DbConnection,
        id: i32,
        worker: &str,
        now: Timestamp,
    ) -> QueryResult<()> {
        diesel::update(
            mail_outbox::table
                .find(id)
                .filter(mail_outbox::claimed_by.eq(worker)),
        )
        .set((
            mail_outbox::status.eq(MailStatus::Sent.as_str()),
            mail_outbox::sent_at.eq(now),
            mail_outbox::claimed_by.eq(None::<String>),
            mail_outbox::claimed_until.eq(None::<Timestamp>),
            mail_outbox::body_text.eq(""),
            mail_outbox::body_html.eq(""),
            mail_outbox::link.eq(None::<String>),
            mail_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(drop)
    }

    /// Records a failed attempt: the row waits until `retry_at`, or with `None` is given up
    /// (status `failed`, bodies cleared like a sent row's).
    pub fn mark_failed_attempt(
        conn: &mut DbConnection,
        id: i32,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> QueryResult<()> {
        let target = mail_outbox::table
            .find(id)
            .filter(mail_outbox::claimed_by.eq(worker));
        let error: String = error.chars().take(1000).collect();
        match retry_at {
            Some(at) => diesel::update(target)
                .set((
                    mail_outbox::next_attempt_at.eq(at),
                    mail_outbox::claimed_by.eq(None::<String>),
                    mail_outbox::claimed_until.eq(None::<Timestamp>),
                    mail_outbox::last_error.eq(error),
                ))
                .execute(conn)?,
            None => diesel::update(target)
                .set((
                    mail_outbox::status.eq(MailStatus::Failed.as_str()),
                    mail_outbox::claimed_by.eq(None::<String>),
                    mail_outbox::claimed_until.eq(None::<Timestamp>),
                    mail_outbox::last_error.eq(error),
                    mail_outbox::body_text.eq(""),
                    mail_outbox::body_html.eq(""),
                    mail_outbox::link.eq(None::<String>),
                ))
                .execute(conn)?,
        };
        Ok(())
    }

    /// Deletes sent and failed rows created before `before`; returns how many.
    pub fn purge(conn: &mut DbConnection, before: Timestamp) -> QueryResult<usize> {
        diesel::delete(
            mail_outbox::table
                .filter(mail_outbox::status.ne(PENDING))
                .filter(mail_outbox::created_at.lt(before)),
        )
        .execute(conn)
    }

    /// Every row, oldest first (for tests and operators).
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<OutboxMail>> {
        mail_outbox::table
            .order(mail_outbox::id.asc())
            .select(OutboxMail::as_select())
            .load(conn)
    }
}
