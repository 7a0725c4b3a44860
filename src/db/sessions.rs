//! The `user_sessions` table: one row per login. The encrypted cookie carries the row's id;
//! every request checks the row, so revoking it ends the session on every instance.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{user_sessions, users};
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
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    pub revoked_at: Option<Timestamp>,
}

impl UserSession {
    pub fn insert(conn: &mut DbConnection, session: &UserSession) -> QueryResult<()> {
        diesel::insert_into(user_sessions::table)
            .values(session)
            .execute(conn)
            .map(drop)
    }

    /// The live session with this id and its user, in one query. It runs on every request:
    /// no `LIMIT` (the id is the primary key), which lets SQLite reuse the prepared statement.
    pub fn find_with_user(
        conn: &mut DbConnection,
        id: &str,
    ) -> QueryResult<Option<(UserSession, User)>> {
        crate::on_backend!(conn, |c| user_sessions::table
            .inner_join(users::table)
            .filter(user_sessions::id.eq(id))
            .filter(user_sessions::revoked_at.is_null())
            .select((UserSession::as_select(), User::as_select()))
            .get_result(c)
            .optional())
    }

    pub fn touch(conn: &mut DbConnection, id: &str, now: Timestamp) -> QueryResult<()> {
        diesel::update(user_sessions::table.find(id))
            .set(user_sessions::last_seen_at.eq(now))
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
    /// idle or the absolute timeout. Returns how many went.
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
                    .or(user_sessions::last_seen_at.lt(before - idle))
                    .or(user_sessions::created_at.lt(before - max)),
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
