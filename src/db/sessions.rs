//! The `user_sessions` table: one row per login. The encrypted cookie carries the row's id;
//! every request checks the row, so revoking it ends the session on every instance.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{invoice_settings, user_sessions, users};
use super::stored_time::{MaybeStored, Stored};
use super::users::User;
use crate::clock::Timestamp;

/// A login, as stored.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = user_sessions)]
pub struct UserSession {
    pub id: String,
    pub user_id: i32,
    /// The user's `session_epoch` when this session began; bumping the user's epoch ends it.
    pub epoch: i32,
    #[diesel(deserialize_as = Stored)]
    pub created_at: Timestamp,
    #[diesel(deserialize_as = Stored)]
    pub last_seen_at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    #[diesel(deserialize_as = MaybeStored)]
    pub revoked_at: Option<Timestamp>,
    /// The id pages and forms use to name the session (the `id` is the cookie's secret).
    pub public_id: String,
    /// When the password (or a mailed sign-in link) was last used in this session: the
    /// sign-in, or the latest re-authentication.
    #[diesel(deserialize_as = Stored)]
    pub authenticated_at: Timestamp,
    /// Set for a "recordarme" sign-in: the session lasts until then, idle or not.
    #[diesel(deserialize_as = MaybeStored)]
    pub remember_until: Option<Timestamp>,
    /// When the password was typed again for a sensitive action and not yet spent on one.
    #[diesel(deserialize_as = MaybeStored)]
    pub reauth_pass_at: Option<Timestamp>,
}

impl UserSession {
    pub fn insert(conn: &mut DbConnection, session: &UserSession) -> QueryResult<()> {
        diesel::insert_into(user_sessions::table)
            .values(session)
            .execute(conn)
            .map(drop)
    }

    /// The live session with this id, its user and, for an admin who saved one, the invoice's
    /// company name (the last of an admin's first steps, which the dashboard shows), in one
    /// query. It runs on every request: no `LIMIT` (the id is the primary key), which lets
    /// SQLite reuse the prepared statement.
    pub fn find_with_user(
        conn: &mut DbConnection,
        id: &str,
    ) -> QueryResult<Option<(UserSession, User, Option<String>)>> {
        crate::on_backend!(conn, |c| user_sessions::table
            .inner_join(users::table.left_join(invoice_settings::table))
            .filter(user_sessions::id.eq(id))
            .filter(user_sessions::revoked_at.is_null())
            .select((
                UserSession::as_select(),
                User::as_select(),
                invoice_settings::company_name.nullable(),
            ))
            .get_result(c)
            .optional())
    }

    /// The session with this id when it is not revoked (timeouts aside).
    pub fn find_open(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserSession>> {
        user_sessions::table
            .find(id)
            .filter(user_sessions::revoked_at.is_null())
            .select(UserSession::as_select())
            .first(conn)
            .optional()
    }

    /// Spends the session's re-authentication pass if it was granted after `since`; true when
    /// this call spent it (two actions at once cannot both use one pass).
    pub fn spend_reauth_pass(
        conn: &mut DbConnection,
        id: &str,
        since: Timestamp,
    ) -> QueryResult<bool> {
        diesel::update(
            user_sessions::table
                .find(id)
                .filter(user_sessions::reauth_pass_at.gt(since)),
        )
        .set(user_sessions::reauth_pass_at.eq(None::<Timestamp>))
        .execute(conn)
        .map(|n| n == 1)
    }

    pub fn touch(conn: &mut DbConnection, id: &str, now: Timestamp) -> QueryResult<()> {
        diesel::update(user_sessions::table.find(id))
            .set(user_sessions::last_seen_at.eq(now))
            .execute(conn)
            .map(drop)
    }

    /// The user's sessions that are not revoked, newest activity first. Sessions past their
    /// timeouts are left to the caller to filter (see `accounts::sessions`).
    pub fn open_of_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<UserSession>> {
        user_sessions::table
            .filter(user_sessions::user_id.eq(user_id))
            .filter(user_sessions::revoked_at.is_null())
            .order(user_sessions::last_seen_at.desc())
            .select(UserSession::as_select())
            .load(conn)
    }

    /// Revokes the user's open session with this public id; false when there is none (unknown,
    /// already ended, or someone else's).
    pub fn revoke_public(
        conn: &mut DbConnection,
        user_id: i32,
        public_id: &str,
        now: Timestamp,
    ) -> QueryResult<bool> {
        diesel::update(
            user_sessions::table
                .filter(user_sessions::user_id.eq(user_id))
                .filter(user_sessions::public_id.eq(public_id))
                .filter(user_sessions::revoked_at.is_null()),
        )
        .set(user_sessions::revoked_at.eq(now))
        .execute(conn)
        .map(|n| n > 0)
    }

    /// Revokes every open session of the user but `keep`; returns how many ended.
    pub fn revoke_others(
        conn: &mut DbConnection,
        user_id: i32,
        keep: &str,
        now: Timestamp,
    ) -> QueryResult<usize> {
        diesel::update(
            user_sessions::table
                .filter(user_sessions::user_id.eq(user_id))
                .filter(user_sessions::id.ne(keep))
                .filter(user_sessions::revoked_at.is_null()),
        )
        .set(user_sessions::revoked_at.eq(now))
        .execute(conn)
    }

    /// Revokes every open session of the user.
    pub fn revoke_all(conn: &mut DbConnection, user_id: i32, now: Timestamp) -> QueryResult<usize> {
        diesel::update(
            user_sessions::table
                .filter(user_sessions::user_id.eq(user_id))
                .filter(user_sessions::revoked_at.is_null()),
        )
        .set(user_sessions::revoked_at.eq(now))
        .execute(conn)
    }

    /// Sets the end of a session that lasts a set time whether idle or not (an API token
    /// family lasts as long as its refresh token).
    pub fn last_until(conn: &mut DbConnection, id: &str, until: Timestamp) -> QueryResult<()> {
        diesel::update(user_sessions::table.find(id))
            .set(user_sessions::remember_until.eq(until))
            .execute(conn)
            .map(drop)
    }

    pub fn revoke(conn: &mut DbConnection, id: &str, now: Timestamp) -> QueryResult<()> {
        diesel::update(user_sessions::table.find(id))
            .filter(user_sessions::revoked_at.is_null())
            .set(user_sessions::revoked_at.eq(now))
            .execute(conn)
            .map(drop)
    }

    /// Deletes the sessions that ended before `before`: revoked then, or expired then by the
    /// idle or the absolute timeout (a remembered session: by its own end). Returns how many
    /// went.
    pub fn purge(
        conn: &mut DbConnection,
        before: Timestamp,
        idle: chrono::TimeDelta,
        max: chrono::TimeDelta,
    ) -> QueryResult<usize> {
        diesel::delete(
            user_sessions::table.filter(
                user_sessions::revoked_at
                    .lt(before)
                    .or(user_sessions::remember_until.lt(before))
                    .or(user_sessions::remember_until.is_null().and(
                        user_sessions::last_seen_at
                            .lt(before - idle)
                            .or(user_sessions::created_at.lt(before - max)),
                    )),
            ),
        )
        .execute(conn)
    }
}

/// What a person may read about one of their sessions (the data export): the id, a secret,
/// is not selected.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = user_sessions)]
pub struct SessionRecord {
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    pub revoked_at: Option<Timestamp>,
}

impl SessionRecord {
    /// The user's sessions still on record (ended ones stay until the hourly purge), newest
    /// first.
    pub fn list_for_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<Self>> {
        user_sessions::table
            .filter(user_sessions::user_id.eq(user_id))
            .order(user_sessions::created_at.desc())
            .select(Self::as_select())
            .load(conn)
    }
}
