//! The `linked_identities` table: accounts at an OpenID Connect provider linked to a local
//! account. The identity is the pair (issuer, subject), never the email: a provider may reuse
//! or change addresses, the subject stays.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::linked_identities;
use crate::clock::Timestamp;

/// A linked identity.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = linked_identities)]
pub struct LinkedIdentity {
    pub id: i32,
    pub user_id: i32,
    pub issuer: String,
    pub subject: String,
    /// The address the provider gave when it was linked (shown on the security page).
    pub email: String,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
}

/// What [`LinkedIdentity::link`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Linked {
    Created,
    /// Already linked to this account.
    AlreadyYours,
    /// Linked to another account: nothing changed.
    Elsewhere,
}

impl LinkedIdentity {
    /// The identity `(issuer, subject)`, if linked to some account.
    pub fn find(
        conn: &mut DbConnection,
        issuer: &str,
        subject: &str,
    ) -> QueryResult<Option<LinkedIdentity>> {
        linked_identities::table
            .filter(linked_identities::issuer.eq(issuer))
            .filter(linked_identities::subject.eq(subject))
            .select(LinkedIdentity::as_select())
            .first(conn)
            .optional()
    }

    /// The identities linked to `user_id`, oldest first.
    pub fn of_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<LinkedIdentity>> {
        linked_identities::table
            .filter(linked_identities::user_id.eq(user_id))
            .order(linked_identities::id.asc())
            .select(LinkedIdentity::as_select())
            .load(conn)
    }

    /// Links `(issuer, subject)` to `user_id`.
    pub fn link(
        conn: &mut DbConnection,
        user_id: i32,
        issuer: &str,
        subject: &str,
        email: &str,
        now: Timestamp,
    ) -> QueryResult<Linked> {
        if let Some(found) = Self::find(conn, issuer, subject)? {
            return Ok(if found.user_id == user_id {
                Linked::AlreadyYours
            } else {
                Linked::Elsewhere
            });
        }
        // In a savepoint: on PostgreSQL a failed statement would end the caller's transaction.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(linked_identities::table)
                .values((
                    linked_identities::user_id.eq(user_id),
                    linked_identities::issuer.eq(issuer),
                    linked_identities::subject.eq(subject),
                    linked_identities::email.eq(email),
                    linked_identities::created_at.eq(now),
                    linked_identities::last_used_at.eq(now),
                ))
                .execute(conn)
        });
        match inserted {
            Ok(_) => Ok(Linked::Created),
            // Two links of one identity at once: the other one won.
            Err(e) if super::is_unique_violation(&e) => Ok(Linked::Elsewhere),
            Err(e) => Err(e),
        }
    }

    /// Notes a sign-in with the identity.
    pub fn touch(conn: &mut DbConnection, id: i32, now: Timestamp) -> QueryResult<()> {
        diesel::update(linked_identities::table.find(id))
            .set(linked_identities::last_used_at.eq(now))
            .execute(conn)
            .map(|_| ())
    }

    /// Removes the link `id` of `user_id` (someone else's id removes nothing); returns it.
    pub fn unlink(
        conn: &mut DbConnection,
        user_id: i32,
        id: i32,
    ) -> QueryResult<Option<LinkedIdentity>> {
        let found = linked_identities::table
            .find(id)
            .filter(linked_identities::user_id.eq(user_id))
            .select(LinkedIdentity::as_select())
            .first(conn)
            .optional()?;
        if found.is_some() {
            diesel::delete(linked_identities::table.find(id)).execute(conn)?;
        }
        Ok(found)
    }
}
