//! The `pending_photos` table: a processed photo from a profile form that had another error,
//! kept for the session that chose it (one at most) until a valid save stores it. Rows older
//! than the caller's cut-off are treated as gone and removed by the maintenance timer.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::pending_photos;
use crate::clock::Timestamp;

/// How long a kept photo waits for a valid save.
pub const LIFETIME: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

/// A session's pending photo: the JPEG the photo pipeline made of the upload.
pub struct PendingPhoto;

impl PendingPhoto {
    /// Keeps `jpeg` for the session, replacing the one it had.
    pub fn keep(
        conn: &mut DbConnection,
        session_id: &str,
        user_id: i32,
        jpeg: &[u8],
        now: Timestamp,
    ) -> QueryResult<()> {
        conn.transaction(|conn| {
            Self::discard(conn, session_id)?;
            diesel::insert_into(pending_photos::table)
                .values((
                    pending_photos::session_id.eq(session_id),
                    pending_photos::user_id.eq(user_id),
                    pending_photos::jpeg.eq(jpeg),
                    pending_photos::created_at.eq(now),
                ))
                .execute(conn)
                .map(drop)
        })
    }

    /// The session's photo, if it was kept after `since`.
    pub fn of_session(
        conn: &mut DbConnection,
        session_id: &str,
        user_id: i32,
        since: Timestamp,
    ) -> QueryResult<Option<Vec<u8>>> {
        pending_photos::table
            .find(session_id)
            .filter(pending_photos::user_id.eq(user_id))
            .filter(pending_photos::created_at.gt(since))
            .select(pending_photos::jpeg)
            .first(conn)
            .optional()
    }

    /// Drops the session's photo. True when there was one.
    pub fn discard(conn: &mut DbConnection, session_id: &str) -> QueryResult<bool> {
        diesel::delete(pending_photos::table.find(session_id))
            .execute(conn)
            .map(|n| n > 0)
    }

    /// Removes the photos kept before `before`; how many.
    pub fn delete_expired(conn: &mut DbConnection, before: Timestamp) -> QueryResult<usize> {
        diesel::delete(pending_photos::table.filter(pending_photos::created_at.le(before)))
            .execute(conn)
    }
}
