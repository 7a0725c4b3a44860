//! The `security_events` table: what happened to an account's security (sign-ins, failures,
//! lockouts, password and address changes, an admin's actions on a vendedor), for its owner to
//! read and for operators to investigate.
//!
//! A row is written in the same transaction as the change it records (see
//! `accounts::security_log`, which also puts it on the `security` tracing target). It holds the
//! account, who else acted (an admin), the client address and user agent, and a small JSON
//! object of details; never a password, a token or a hash. Rows older than
//! `CUENTAS_SECURITY_EVENTS_DAYS` are purged by the maintenance loop of the mail worker.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::security_events;
use crate::clock::Timestamp;

crate::text_enum! {
    /// What happened.
    pub enum EventKind refused as UnknownEventKind {
        /// A session began with the password.
        SignedIn = "signed_in",
        /// A sign-in attempt on this account failed (wrong password, inactive account, an
        /// expired temporary password, an address still to confirm).
        SignInFailed = "sign_in_failed",
        /// Sign-in attempts on this account are refused for a while (answered 429); recorded
        /// once per lockout window.
        SignInLocked = "sign_in_locked",
        /// The right password from a browser that never signed in to the account, while the
        /// account is under distributed guessing: a confirmation link was mailed instead.
        SignInChallenged = "sign_in_challenged",
        /// A session began from a mailed sign-in confirmation link.
        SignInConfirmed = "sign_in_confirmed",
        /// The owner changed the password.
        PasswordChanged = "password_changed",
        /// The password was set through a mailed reset link.
        PasswordReset = "password_reset",
        /// A new address was asked for; it applies once confirmed.
        EmailChangeRequested = "email_change_requested",
        /// The account switched to a confirmed new address.
        EmailChanged = "email_changed",
        /// The account's address was confirmed.
        EmailVerified = "email_verified",
        /// The account was created through the sign-up form.
        SignedUp = "signed_up",
        /// An admin created this vendedor.
        VendedorCreated = "vendedor_created",
        /// An admin deactivated this vendedor.
        Deactivated = "deactivated",
        /// An admin activated this vendedor again.
        Activated = "activated",
        /// An admin set a new temporary password.
        TemporaryPasswordSet = "temporary_password_set",
        /// An admin made the dashboard tutorial show again.
        TutorialReset = "tutorial_reset",
        /// The account was marked for deletion (by its owner, or by the admin of a vendedor).
        DeletionRequested = "deletion_requested",
        /// An account pending deletion was restored (at sign-in, from the mailed link, or by
        /// the admin of a vendedor).
        DeletionCancelled = "deletion_cancelled",
        /// The owner downloaded the export of their data.
        DataExported = "data_exported",
        /// The owner typed the password again for a sensitive action.
        Reauthenticated = "reauthenticated",
        /// The owner ended one of their other sessions.
        SessionEnded = "session_ended",
        /// The owner ended all their other sessions.
        OtherSessionsEnded = "other_sessions_ended",
        /// The owner said "no fui yo": every session ended, the password made unusable, the
        /// links voided, a reset link mailed.
        AccountLockedDown = "account_locked_down",
        /// Two-step sign-in was turned on (the authenticator app confirmed).
        TwoStepEnabled = "two_step_enabled",
        /// Two-step sign-in was turned off.
        TwoStepDisabled = "two_step_disabled",
        /// The authenticator app was removed; passkeys keep two-step sign-in on.
        TwoStepAppRemoved = "two_step_app_removed",
        /// A new set of recovery codes replaced the old one.
        RecoveryCodesReplaced = "recovery_codes_replaced",
        /// A recovery code was used to sign in.
        RecoveryCodeUsed = "recovery_code_used",
        /// A retired API refresh token was presented again: its whole family was revoked
        /// (someone may hold a stolen copy).
        ApiRefreshReused = "api_refresh_reused",
        /// The owner made a personal access token.
        PersonalTokenCreated = "personal_token_created",
        /// The owner revoked a personal access token.
        PersonalTokenRevoked = "personal_token_revoked",
        /// An account at the OpenID Connect provider was linked to this one.
        IdentityLinked = "identity_linked",
        /// A linked provider account was unlinked.
        IdentityUnlinked = "identity_unlinked",
        /// A passkey was added.
        PasskeyAdded = "passkey_added",
        /// A passkey was removed.
        PasskeyRemoved = "passkey_removed",
    }
}

/// A recorded event.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = security_events)]
pub struct SecurityEvent {
    pub id: i32,
    /// The account the event is about.
    pub user_id: i32,
    /// Someone else who acted on the account (the vendedor's admin); `None` for the owner or
    /// an anonymous client.
    pub actor_id: Option<i32>,
    #[diesel(deserialize_as = String)]
    pub kind: EventKind,
    pub client_address: String,
    pub user_agent: String,
    pub created_at: Timestamp,
    /// A JSON object.
    pub details: String,
}

/// An event to record.
#[derive(Clone, Copy, Debug, Insertable)]
#[diesel(table_name = security_events)]
pub struct NewSecurityEvent<'a> {
    pub user_id: i32,
    pub actor_id: Option<i32>,
    /// An [`EventKind`]'s word.
    pub kind: &'static str,
    pub client_address: &'a str,
    pub user_agent: &'a str,
    pub created_at: Timestamp,
    pub details: &'a str,
}

impl SecurityEvent {
    /// Records an event; call inside the transaction of the change it records.
    pub fn insert(conn: &mut DbConnection, event: &NewSecurityEvent<'_>) -> QueryResult<()> {
        diesel::insert_into(security_events::table)
            .values(event)
            .execute(conn)
            .map(drop)
    }

    /// The user's events, newest first: at most `limit`, after skipping `offset`.
    pub fn list_for_user(
        conn: &mut DbConnection,
        user_id: i32,
        offset: i64,
        limit: i64,
    ) -> QueryResult<Vec<SecurityEvent>> {
        security_events::table
            .filter(security_events::user_id.eq(user_id))
            .order((
                security_events::created_at.desc(),
                security_events::id.desc(),
            ))
            .offset(offset.max(0))
            .limit(limit.max(0))
            .select(SecurityEvent::as_select())
            .load(conn)
    }

    /// True when the user has an event of this kind after `since`.
    pub fn recorded_since(
        conn: &mut DbConnection,
        user_id: i32,
        kind: EventKind,
        since: Timestamp,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            security_events::table
                .filter(security_events::user_id.eq(user_id))
                .filter(security_events::kind.eq(kind.as_str()))
                .filter(security_events::created_at.gt(since)),
        ))
        .get_result(conn)
    }

    /// Who else acted in the user's latest event of this kind: `None` when there is no such
    /// event or the owner did it.
    pub fn last_actor(
        conn: &mut DbConnection,
        user_id: i32,
        kind: EventKind,
    ) -> QueryResult<Option<i32>> {
        let actor: Option<Option<i32>> = security_events::table
            .filter(security_events::user_id.eq(user_id))
            .filter(security_events::kind.eq(kind.as_str()))
            .order((
                security_events::created_at.desc(),
                security_events::id.desc(),
            ))
            .select(security_events::actor_id)
            .first(conn)
            .optional()?;
        Ok(actor.flatten())
    }

    /// The user's failed sign-ins after `since`: how many, and from how many client addresses.
    pub fn failures_since(
        conn: &mut DbConnection,
        user_id: i32,
        since: Timestamp,
    ) -> QueryResult<(i64, i64)> {
        use diesel::dsl::{count, count_star};
        security_events::table
            .filter(security_events::user_id.eq(user_id))
            .filter(security_events::kind.eq(EventKind::SignInFailed.as_str()))
            .filter(security_events::created_at.gt(since))
            .select((
                count_star(),
                count(security_events::client_address).aggregate_distinct(),
            ))
            .get_result(conn)
    }

    /// Deletes the events recorded before `before`; returns how many.
    pub fn purge(conn: &mut DbConnection, before: Timestamp) -> QueryResult<usize> {
        diesel::delete(security_events::table.filter(security_events::created_at.lt(before)))
            .execute(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::EventKind;

    #[test]
    fn a_kind_reads_back_as_written() {
        for kind in [EventKind::SignedIn, EventKind::TemporaryPasswordSet] {
            assert_eq!(
                EventKind::try_from(kind.as_str().to_owned()).ok(),
                Some(kind)
            );
        }
        assert!(EventKind::try_from("password".to_owned()).is_err());
    }
}
