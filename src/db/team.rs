//! An admin's team: the vendedores whose `manager_id` is the admin. Every query here is scoped
//! by the admin's id, so an admin can neither see nor touch anyone else's people.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::users;
use super::users::{NewUser, Taken, User};
use crate::clock::Timestamp;
use crate::domain::Role;

/// What an admin can do to one of their vendedores (the `{action}` of `/equipo/{id}/{action}/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
pub enum TeamAction {
    #[serde(rename = "desactivar")]
    Deactivate,
    #[serde(rename = "activar")]
    Activate,
    #[serde(rename = "restablecer-password")]
    ResetPassword,
    #[serde(rename = "reiniciar-tutorial")]
    ResetTutorial,
}

/// A temporary password for a vendedor: its hash and when it stops working.
#[derive(Clone, Copy, Debug)]
pub struct TempPassword<'a> {
    pub hash: &'a str,
    pub expires_at: Timestamp,
}

impl User {
    /// The admin's vendedores, by username.
    pub fn team_of(conn: &mut DbConnection, admin_id: i32) -> QueryResult<Vec<User>> {
        users::table
            .filter(users::manager_id.eq(admin_id))
            .filter(users::role.eq(Role::Vendedor.as_str()))
            .order(users::username_normalized)
            .select(User::as_select())
            .load(conn)
    }

    /// Adds a vendedor (with their names) to the admin's team with a temporary password: they
    /// must change it at their first login, and it stops working at `temp.expires_at`.
    pub fn insert_vendedor(
        conn: &mut DbConnection,
        new: &NewUser<'_>,
        (first_name, last_name): (&str, &str),
        temp: TempPassword<'_>,
    ) -> QueryResult<Result<User, Taken>> {
        debug_assert!(new.role == Role::Vendedor.as_str() && new.must_change_password);
        conn.transaction(|conn| {
            let user = match User::insert(conn, new)? {
                Ok(user) => user,
                Err(taken) => return Ok(Err(taken)),
            };
            diesel::update(users::table.find(user.id))
                .set((
                    users::first_name.eq(first_name),
                    users::last_name.eq(last_name),
                    users::temp_password_expires_at.eq(temp.expires_at),
                ))
                .execute(conn)?;
            Ok(Ok(User {
                first_name: first_name.to_owned(),
                last_name: last_name.to_owned(),
                temp_password_expires_at: Some(temp.expires_at),
                ..user
            }))
        })
    }

    /// Applies `action` to the vendedor `id` when `admin_id` manages them; `false` (nothing
    /// changed) for anyone else: another admin's vendedor, an admin, an unknown id.
    /// Deactivating and resetting the password bump the session epoch, which ends every
    /// session of the vendedor on their next request.
    pub fn apply_team_action(
        conn: &mut DbConnection,
        admin_id: i32,
        id: i32,
        action: TeamAction,
        temp: Option<TempPassword<'_>>,
        now: Timestamp,
    ) -> QueryResult<bool> {
        let target = users::table
            .filter(users::id.eq(id))
            .filter(users::manager_id.eq(admin_id))
            .filter(users::role.eq(Role::Vendedor.as_str()));
        let end_sessions = users::session_epoch.eq(users::session_epoch + 1);
        let changed = match (action, temp) {
            (TeamAction::Deactivate, _) => diesel::update(target)
                .set((
                    users::is_active.eq(false),
                    end_sessions,
                    users::updated_at.eq(now),
                ))
                .execute(conn)?,
            (TeamAction::Activate, _) => diesel::update(target)
                .set((users::is_active.eq(true), users::updated_at.eq(now)))
                .execute(conn)?,
            (TeamAction::ResetPassword, Some(temp)) => diesel::update(target)
                .set((
                    users::password_hash.eq(temp.hash),
                    users::must_change_password.eq(true),
                    users::temp_password_expires_at.eq(temp.expires_at),
                    end_sessions,
                    users::updated_at.eq(now),
                ))
                .execute(conn)?,
            (TeamAction::ResetPassword, None) => 0,
            (TeamAction::ResetTutorial, _) => diesel::update(target)
                .set((users::tutorial_seen.eq(false), users::updated_at.eq(now)))
                .execute(conn)?,
        };
        Ok(changed == 1)
    }

    /// The vendedor `id` when `admin_id` manages them.
    pub fn find_in_team(
        conn: &mut DbConnection,
        admin_id: i32,
        id: i32,
    ) -> QueryResult<Option<User>> {
        users::table
            .filter(users::id.eq(id))
            .filter(users::manager_id.eq(admin_id))
            .filter(users::role.eq(Role::Vendedor.as_str()))
            .select(User::as_select())
            .get_result(conn)
            .optional()
    }

    /// True once a temporary password has outlived its time (it no longer logs anyone in).
    pub fn temp_password_expired(&self, now: Timestamp) -> bool {
        self.temp_password_expires_at.is_some_and(|at| now >= at)
    }
}
