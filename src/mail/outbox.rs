//! The outbox worker: sends queued mail in the background, so a slow or unreachable mail
//! server never fails or slows a request, and a mail survives restarts until it is sent.
//!
//! It wakes when a request queues a mail ([`OutboxHandle::wake`]) and on a timer. Each row is
//! claimed with a conditional update (see `db::outbox`); a failed attempt waits
//! `RETRY_BASE × 2^(attempts − 1)` (at most an hour) on the injectable clock, and after
//! `MAX_ATTEMPTS` the row is marked failed and logged. Once an hour (on the app's clock) it
//! deletes sent and failed rows, expired tokens and ended sessions older than `RETENTION`,
//! and security events older than `CUENTAS_SECURITY_EVENTS_DAYS`. Every few minutes it also
//! purges the accounts whose deletion grace period ended (`db::purge::purge_due`,
//! claimed row by row, so instances running it at once never purge one account twice).

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::Notify;

use super::{Mailer, SendError};
use crate::clock::Clock;
use crate::db::StorageError;
use crate::db::outbox::OutboxMail;
use crate::db::security_events::SecurityEvent;
use crate::db::{self, Pool};

/// With the backoff below, 80 attempts span about three days: an SMTP outage over a weekend
/// loses no mail.
pub const MAX_ATTEMPTS: i32 = 80;
pub const RETRY_BASE: TimeDelta = TimeDelta::seconds(30);
const RETRY_MAX: TimeDelta = TimeDelta::hours(1);
/// A claim outlives the longest SMTP exchange many times over, so a live worker never loses
/// its row to another; a dead worker's rows come back after it.
const LEASE: TimeDelta = TimeDelta::minutes(5);
const POLL: Duration = Duration::from_secs(10);
/// Sent and failed rows, expired tokens and ended sessions are kept this long for inspection.
pub const RETENTION: TimeDelta = TimeDelta::days(30);
const PURGE_EVERY: TimeDelta = TimeDelta::hours(1);
/// How often accounts past their deletion date are purged.
pub const PURGE_DELETED_EVERY: TimeDelta = TimeDelta::minutes(5);
const BATCH: i64 = 20;

/// Wakes the worker; handlers call it after committing a mail.
#[derive(Clone, Default)]
pub struct OutboxHandle(Arc<Notify>);

impl OutboxHandle {
    pub fn wake(&self) {
        // A stored permit: a wake while the worker is busy is not lost.
        self.0.notify_one();
    }
}

/// The wait before attempt `attempts + 1`.
pub fn backoff(attempts: i32) -> TimeDelta {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    RETRY_BASE
        .checked_mul(2i32.saturating_pow(exponent))
        .unwrap_or(RETRY_MAX)
        .min(RETRY_MAX)
}

/// One sender per server instance.
pub struct Worker {
    pool: Pool,
    mailer: Arc<Mailer>,
    clock: Clock,
    handle: OutboxHandle,
    id: String,
    security_events_retention: TimeDelta,
    sessions: SessionLifetimes,
    /// Where the photos of purged accounts are; `None` leaves deleted accounts alone.
    deleted_accounts: Option<crate::media::MediaStore>,
    /// Turns true when the server shuts down: the worker finishes the mail it is sending
    /// (and records it sent), then returns.
    stop: Option<tokio::sync::watch::Receiver<bool>>,
}

/// The session timeouts, which say when a session that was never ended expired.
#[derive(Clone, Copy, Debug)]
pub struct SessionLifetimes {
    pub idle: TimeDelta,
    pub max: TimeDelta,
}

impl SessionLifetimes {
    pub fn of(settings: &crate::config::Settings) -> Self {
        let delta = |d| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        Self {
            idle: delta(settings.session_idle),
            max: delta(settings.session_max),
        }
    }
}

impl Worker {
    pub fn new(
        pool: Pool,
        mailer: Mailer,
        clock: Clock,
        handle: OutboxHandle,
        sessions: SessionLifetimes,
    ) -> Self {
        Self {
            pool,
            mailer: Arc::new(mailer),
            clock,
            handle,
            id: crate::token::random_token(),
            security_events_retention: TimeDelta::days(365),
            sessions,
            deleted_accounts: None,
            stop: None,
        }
    }

    /// Returns from [`Worker::run`] once `stop` turns true, after the send in progress.
    #[must_use]
    pub fn stopping_on(mut self, stop: tokio::sync::watch::Receiver<bool>) -> Self {
        self.stop = Some(stop);
        self
    }

    fn stopping(&self) -> bool {
        self.stop.as_ref().is_some_and(|stop| *stop.borrow())
    }

    /// Also purges, every [`PURGE_DELETED_EVERY`], the accounts past their deletion date,
    /// deleting their photos from `media`.
    #[must_use]
    pub fn purging_deleted_accounts(mut self, media: crate::media::MediaStore) -> Self {
        self.deleted_accounts = Some(media);
        self
    }

    /// Keeps security events this long (`CUENTAS_SECURITY_EVENTS_DAYS`) instead of a year.
    #[must_use]
    pub fn keeping_security_events(mut self, retention: Duration) -> Self {
        self.security_events_retention = TimeDelta::from_std(retention).unwrap_or(TimeDelta::MAX);
        self
    }

    /// Runs until the task is dropped, or until the stop signal (see
    /// [`Worker::stopping_on`]).
    pub async fn run(self) {
        let mut last_purge: Option<crate::clock::Timestamp> = None;
        let mut last_deleted_purge: Option<crate::clock::Timestamp> = None;
        let mut stop = self.stop.clone();
        loop {
            if self.stopping() {
                tracing::info!("the mail worker stopped");
                return;
            }
            if let Err(e) = self.drain().await {
                tracing::error!(
                    error = format!("{e:#}"),
                    "the mail outbox could not be read"
                );
            }
            let now = self.clock.now();
            if last_purge.is_none_or(|at| now - at >= PURGE_EVERY) {
                last_purge = Some(now);
                if let Err(e) = self.purge(now).await {
                    tracing::error!(error = format!("{e:#}"), "old mail rows were not purged");
                }
            }
            if last_deleted_purge.is_none_or(|at| now - at >= PURGE_DELETED_EVERY) {
                last_deleted_purge = Some(now);
                self.purge_deleted_accounts(now).await;
            }
            tokio::select! {
                () = self.handle.0.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                () = stop_requested(&mut stop) => {}
            }
        }
    }

    /// Forgets what is past its retention: sent or failed mail, expired tokens and sessions that
    /// ended (signed out, revoked or expired) after `RETENTION`, security events after
    /// `CUENTAS_SECURITY_EVENTS_DAYS`.
    async fn purge(&self, now: crate::clock::Timestamp) -> Result<(), StorageError> {
        let before = now - RETENTION;
        let events_before = now
            .checked_sub_signed(self.security_events_retention)
            .unwrap_or(chrono::NaiveDateTime::MIN);
        let SessionLifetimes { idle, max } = self.sessions;
        let photos_before = now - crate::db::pending_photos::LIFETIME;
        let (mails, tokens, sessions, events, photos) = db::run(&self.pool, move |conn| {
            Ok::<_, StorageError>((
                OutboxMail::purge(conn, before)?,
                crate::db::tokens::OneTimeToken::purge(conn, before)?,
                crate::db::sessions::UserSession::purge(conn, before, idle, max)?,
                SecurityEvent::purge(conn, events_before)?,
                crate::db::pending_photos::PendingPhoto::delete_expired(conn, photos_before)?,
            ))
        })
        .await?;
        if photos > 0 {
            tracing::info!(photos, "dropped photos no valid save came for");
        }
        if mails + tokens + sessions + events > 0 {
            tracing::info!(
                mails,
                tokens,
                sessions,
                security_events = events,
                "purged old mail, expired links, ended sessions and old security events"
            );
        }
        Ok(())
    }

    /// Purges the accounts past their deletion date; failures are logged.
    async fn purge_deleted_accounts(&self, now: crate::clock::Timestamp) {
        let Some(media) = self.deleted_accounts.clone() else {
            return;
        };
        match crate::db::purge::purge_due(&self.pool, &media, now).await {
            Ok(0) => {}
            Ok(accounts) => tracing::info!(accounts, "purged deleted accounts"),
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "deleted accounts were not purged")
            }
        }
    }

    /// Sends what is due. Stops at the first temporary failure: the server is probably down,
    /// and the rest can wait for the next round instead of each waiting for a timeout.
    pub async fn drain(&self) -> Result<usize, StorageError> {
        let mut sent = 0;
        loop {
            let now = self.clock.now();
            let due = db::run(&self.pool, move |conn| {
                Ok::<_, StorageError>(OutboxMail::due(conn, now, BATCH)?)
            })
            .await?;
            if due.is_empty() {
                return Ok(sent);
            }
            let mut progressed = false;
            for id in due {
                // A row not yet claimed stays for the next worker; the one being sent is
                // finished (and marked) before this check comes round again.
                if self.stopping() {
                    return Ok(sent);
                }
                match self.attempt(id).await? {
                    Attempt::Sent => {
                        sent += 1;
                        progressed = true;
                    }
                    Attempt::GaveUp => progressed = true,
                    Attempt::NotOurs => {}
                    Attempt::Failed => return Ok(sent),
                }
            }
            // Every row went to another worker: let it work instead of asking again at once.
            if !progressed {
                return Ok(sent);
            }
        }
    }

    async fn attempt(&self, id: i32) -> Result<Attempt, StorageError> {
        let (worker, now) = (self.id.clone(), self.clock.now());
        let claimed = db::run(&self.pool, move |conn| {
            Ok::<_, StorageError>(OutboxMail::claim(conn, id, &worker, now, LEASE)?)
        })
        .await?;
        let Some(mail) = claimed else {
            return Ok(Attempt::NotOurs);
        };
        // Sent in its own task: should a transport ever panic, that mail fails and the
        // worker lives on.
        let mailer = Arc::clone(&self.mailer);
        let row = mail.clone();
        let result = tokio::spawn(async move { mailer.send(&row).await })
            .await
            .unwrap_or_else(|e| Err(SendError::Permanent(format!("the transport panicked: {e}"))));
        let (worker, now) = (self.id.clone(), self.clock.now());
        match result {
            Ok(()) => {
                db::run(&self.pool, move |conn| {
                    Ok::<_, StorageError>(OutboxMail::mark_sent(conn, id, &worker, now)?)
                })
                .await?;
                tracing::debug!(id, kind = %mail.kind, "mail sent");
                Ok(Attempt::Sent)
            }
            Err(error) => {
                let retry_at = match &error {
                    SendError::Transient(_) if mail.attempts < MAX_ATTEMPTS => {
                        Some(now + backoff(mail.attempts))
                    }
                    _ => None,
                };
                match retry_at {
                    Some(at) => tracing::warn!(
                        id,
                        kind = %mail.kind,
                        attempts = mail.attempts,
                        retry_at = %at,
                        error = %error,
                        "mail not sent; will retry"
                    ),
                    None => tracing::error!(
                        id,
                        kind = %mail.kind,
                        attempts = mail.attempts,
                        error = %error,
                        "mail given up"
                    ),
                }
                let message = error.to_string();
                let stop = matches!(error, SendError::Transient(_));
                db::run(&self.pool, move |conn| {
                    Ok::<_, StorageError>(OutboxMail::mark_failed_attempt(
                        conn, id, &worker, &message, retry_at,
                    )?)
                })
                .await?;
                // A refused address says nothing about the server: go on with the others.
                Ok(if stop {
                    Attempt::Failed
                } else {
                    Attempt::GaveUp
                })
            }
        }
    }
}

/// Resolves when the stop signal turns true (never, without one).
async fn stop_requested(stop: &mut Option<tokio::sync::watch::Receiver<bool>>) {
    match stop {
        Some(stop) => {
            if stop.wait_for(|stopping| *stopping).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

enum Attempt {
    Sent,
    /// Another worker claimed it first.
    NotOurs,
    /// A temporary failure: retried later.
    Failed,
    /// A permanent failure: marked failed.
    GaveUp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), TimeDelta::seconds(30));
        assert_eq!(backoff(2), TimeDelta::seconds(60));
        assert_eq!(backoff(4), TimeDelta::seconds(240));
        assert_eq!(backoff(9), TimeDelta::hours(1));
        assert_eq!(backoff(1000), TimeDelta::hours(1));
    }
}
