//! The throttles: how many attempts a client may make, and about one subject, within a
//! window. One [`Verdict`] type answers every gate.
//!
//! - Password attempts (the login form, and re-entering one's own password) are counted
//!   before the password is checked; a correct password forgives that client's attempts on
//!   that account. Over the limit the password is never looked at.
//! - Requests that send mail to a typed address (resend, reset, sign-up, address change):
//!   over the client's limit they are refused; over the address's limit (from any client)
//!   they are answered as usual but send nothing, so nobody can flood a mailbox and nobody
//!   can make someone else's request fail.
//! - Actions of a signed-in account (an admin creating vendedores) are counted per account,
//!   wherever the requests come from.

use chrono::TimeDelta;

use super::{Client, Error};
use crate::clock::Timestamp;
use crate::db::attempts::{self, Attempt};
use crate::db::{self, DbConnection};
use crate::state::AppState;
use crate::token::sha256_hex;

/// What a gate decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Proceed,
    /// Answer as if it went ahead, but do nothing (mail over the per-address limit).
    Silence,
    /// Refuse; the client may try again after this many seconds.
    Refuse { retry_after_secs: u64 },
}

impl Verdict {
    /// `Ok(true)` to act, `Ok(false)` to stay silent, the [`Error::Throttled`] to refuse.
    pub fn into_result(self) -> Result<bool, Error> {
        match self {
            Self::Proceed => Ok(true),
            Self::Silence => Ok(false),
            Self::Refuse { retry_after_secs } => Err(Error::Throttled { retry_after_secs }),
        }
    }
}

/// The limits of one gate within one window.
#[derive(Clone, Copy, Debug)]
pub struct Throttle {
    /// The gate's name in the ledger, so gates never count each other's attempts.
    pub scope: &'static str,
    pub window: TimeDelta,
    /// Attempts about one subject (from one client for passwords, from anywhere for mail).
    pub per_subject: i64,
    /// Attempts from one client, about anything.
    pub per_client: i64,
}

/// Password attempts: 5 per account and client, 50 per client, in 15 minutes.
pub const PASSWORDS: Throttle = Throttle::new("login", TimeDelta::minutes(15), 5, 50);

/// Resend-verification, password-reset and address-change mails: 3 per address, 20 requests
/// per client, in 15 minutes.
pub const MAIL: Throttle = Throttle::new("mail", TimeDelta::minutes(15), 3, 20);

/// Sign-ups: 10 per client per hour; the per-address limit bounds the "someone tried to sign
/// up with your address" notices.
pub const SIGNUP: Throttle = Throttle::new("signup", TimeDelta::hours(1), 3, 10);

/// Vendedores an admin creates: 30 an hour. The team form must answer "email already in
/// use", so every creation can probe an address; this bounds how many. Counted per admin
/// (`per_client` is not used).
pub const TEAM_CREATE: Throttle = Throttle::new("vendedores", TimeDelta::hours(1), 30, 30);

/// The ledger key of a subject: a SHA-256 of what was typed, already folded.
pub fn subject_key(subject: &str) -> String {
    sha256_hex(subject)
}

impl Throttle {
    /// A gate: its name in the ledger, its window, and the limits about one subject and
    /// from one client.
    pub const fn new(
        scope: &'static str,
        window: TimeDelta,
        per_subject: i64,
        per_client: i64,
    ) -> Self {
        Self {
            scope,
            window,
            per_subject,
            per_client,
        }
    }

    /// Counts a password attempt about `subject_key` before the password is checked, so
    /// parallel requests cannot all slip under the limit. A refused attempt is not kept.
    pub fn admit_password(
        &self,
        conn: &mut DbConnection,
        attempt: Attempt<'_>,
        now: Timestamp,
    ) -> diesel::QueryResult<Verdict> {
        let since = self.enter(conn, attempt, now)?;
        let about_subject = attempt.recent(conn, since, self.per_subject + 1, true)?;
        let from_client = attempt.recent(conn, since, self.per_client + 1, false)?;
        let waits = [
            self.wait(&about_subject, self.per_subject, now),
            self.wait(&from_client, self.per_client, now),
        ];
        match waits.into_iter().flatten().max() {
            None => Ok(Verdict::Proceed),
            Some(retry_after_secs) => {
                attempt.unrecord(conn, now)?;
                crate::metrics::throttle_refused();
                Ok(Verdict::Refuse { retry_after_secs })
            }
        }
    }

    /// Counts a request that would send mail about `subject_key` (see the module comment).
    pub fn admit_mail(
        &self,
        conn: &mut DbConnection,
        attempt: Attempt<'_>,
        now: Timestamp,
    ) -> diesel::QueryResult<Verdict> {
        db::write_transaction(conn, |conn| {
            attempt.serialize_client(conn)?;
            let since = self.enter(conn, attempt, now)?;
            let from_client = attempt.recent(conn, since, self.per_client + 1, false)?;
            if let Some(retry_after_secs) = self.wait(&from_client, self.per_client, now) {
                attempt.unrecord(conn, now)?;
                crate::metrics::throttle_refused();
                return Ok(Verdict::Refuse { retry_after_secs });
            }
            let about_address = attempt.count_about_subject_anywhere(conn, since)?;
            Ok(if about_address > self.per_subject {
                Verdict::Silence
            } else {
                Verdict::Proceed
            })
        })
    }

    /// Counts an action of one account (the attempt's subject and client are both that
    /// account): over `per_subject` within the window it is refused and not kept.
    pub fn admit_action(
        &self,
        conn: &mut DbConnection,
        attempt: Attempt<'_>,
        now: Timestamp,
    ) -> diesel::QueryResult<Verdict> {
        db::write_transaction(conn, |conn| {
            attempt.serialize_client(conn)?;
            let since = self.enter(conn, attempt, now)?;
            let recent = attempt.recent(conn, since, self.per_subject + 1, true)?;
            match self.wait(&recent, self.per_subject, now) {
                Some(retry_after_secs) => {
                    attempt.unrecord(conn, now)?;
                    crate::metrics::throttle_refused();
                    Ok(Verdict::Refuse { retry_after_secs })
                }
                None => Ok(Verdict::Proceed),
            }
        })
    }

    /// Forgets what left the window and records this attempt (written before counting, so
    /// parallel requests see each other); returns where the window starts.
    fn enter(
        &self,
        conn: &mut DbConnection,
        attempt: Attempt<'_>,
        now: Timestamp,
    ) -> diesel::QueryResult<Timestamp> {
        let since = now - self.window;
        attempts::forget_before(conn, self.scope, since)?;
        attempt.record(conn, now)?;
        Ok(since)
    }

    /// Over the limit (more than `limit` attempts, newest first, the current one included):
    /// the seconds until the oldest of the last `limit` earlier ones leaves the window.
    fn wait(&self, newest_first: &[Timestamp], limit: i64, now: Timestamp) -> Option<u64> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if newest_first.len() <= limit {
            return None;
        }
        let until = newest_first
            .get(limit)
            .map_or(now + self.window, |oldest| *oldest + self.window);
        let seconds = (until - now).num_seconds().max(1);
        Some(u64::try_from(seconds).unwrap_or(1))
    }
}

/// Which gate a request goes through.
#[derive(Clone, Copy)]
enum Gate {
    Password,
    Mail(Throttle),
}

/// Records the attempt about `subject_key` and asks the gate for its verdict.
async fn judge(
    state: &AppState,
    client: &Client,
    gate: Gate,
    subject_key: String,
) -> Result<Verdict, Error> {
    let (from, now) = (client.throttle_key.clone(), state.clock.now());
    db::run(&state.pool, move |conn| {
        let throttle = match gate {
            Gate::Password => PASSWORDS,
            Gate::Mail(throttle) => throttle,
        };
        let attempt = Attempt {
            scope: throttle.scope,
            subject_key: &subject_key,
            client: &from,
        };
        let verdict = match gate {
            Gate::Password => throttle.admit_password(conn, attempt, now),
            Gate::Mail(_) => throttle.admit_mail(conn, attempt, now),
        };
        Ok::<_, Error>(verdict?)
    })
    .await
}

/// Counts an attempt at `account`'s password (folded login or username) by `client`; a
/// refusal is [`Error::Throttled`]. Returns the attempt's key, for [`forgive_password`].
pub async fn admit_password(
    state: &AppState,
    client: &Client,
    account: &str,
) -> Result<String, Error> {
    let key = subject_key(account);
    let verdict = judge(state, client, Gate::Password, key.clone()).await?;
    verdict.into_result().map(|_| key)
}

/// A correct password forgives the client's counted attempts on that account.
pub fn forgive_password(
    conn: &mut DbConnection,
    client: &Client,
    key: &str,
) -> diesel::QueryResult<()> {
    Attempt {
        scope: PASSWORDS.scope,
        subject_key: key,
        client: &client.throttle_key,
    }
    .clear(conn)
}

/// Counts a request that would mail `address` for `purpose` under `throttle`: `Ok(true)` to
/// send, `Ok(false)` to answer the same and send nothing, or [`Error::Throttled`].
pub async fn admit_mail(
    state: &AppState,
    client: &Client,
    throttle: Throttle,
    purpose: &str,
    address: &str,
) -> Result<bool, Error> {
    let key = subject_key(&format!("{purpose}:{address}"));
    judge(state, client, Gate::Mail(throttle), key)
        .await?
        .into_result()
}

/// Counts an action of the account `actor_id` under `throttle` (see [`TEAM_CREATE`]); a
/// refusal is [`Error::Throttled`].
pub async fn admit_action(
    state: &AppState,
    throttle: Throttle,
    actor_id: i32,
) -> Result<(), Error> {
    let actor = format!("user:{actor_id}");
    let (key, now) = (subject_key(&actor), state.clock.now());
    let verdict = db::run(&state.pool, move |conn| {
        let attempt = Attempt {
            scope: throttle.scope,
            subject_key: &key,
            client: &actor,
        };
        Ok::<_, Error>(throttle.admit_action(conn, attempt, now)?)
    })
    .await?;
    verdict.into_result().map(drop)
}
