//! An admin's team: the vendedores whose `manager_id` is the admin. Every query here is scoped
//! by the admin's id, so an admin can neither see nor touch anyone else's people.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::users;
use super::tokens::{OneTimeToken, Purpose};
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

/// A [`TeamAction`] with what it writes.
#[derive(Clone, Debug)]
pub enum TeamChange {
    Deactivate,
    Activate,
    ResetPassword(TempPassword),
    ResetTutorial,
}

/// A temporary password for a vendedor: its argon2 hash and when it stops working.
#[derive(Clone, Debug)]
pub struct TempPassword {
    pub hash: String,
    pub expires_at: Timestamp,
}

/// A new vendedor: the account, their names and when the temporary password stops working,
/// written by one INSERT.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewVendedor<'a> {
    #[diesel(embed)]
    pub user: NewUser<'a>,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub temp_password_expires_at: Option<Timestamp>,
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

    /// Adds a vendedor to the admin's team. They must change the temporary password at their
    /// first login, and it stops working at `temp_password_expires_at`.
    pub fn insert_vendedor(
        conn: &mut DbConnection,
        new: &NewVendedor<'_>,
    ) -> QueryResult<Result<User, Taken>> {
        debug_assert!(new.user.role == Role::Vendedor.as_str() && new.user.must_change_password);
        User::insert_unique(conn, new.user.username_normalized, new.user.email, |conn| {
            diesel::insert_into(users::table).values(new).execute(conn)
        })
    }

    /// Applies `change` to the vendedor `id` when `admin_id` manages them; `false` (nothing
    /// changed) for anyone else: another admin's vendedor, an admin, an unknown id.
    /// Deactivating and resetting the password bump the session epoch, which ends every
    /// session of the vendedor on their next request; a reset also voids their reset links.
    pub fn apply_team_action(
        conn: &mut DbConnection,
        admin_id: i32,
        id: i32,
        change: TeamChange,
        now: Timestamp,
    ) -> QueryResult<bool> {
        let target = users::table
            .filter(users::id.eq(id))
            .filter(users::manager_id.eq(admin_id))
            .filter(users::role.eq(Role::Vendedor.as_str()));
        let end_sessions = users::session_epoch.eq(users::session_epoch + 1);
        let changed = match change {
            TeamChange::Deactivate => diesel::update(target)
                .set((
                    users::is_active.eq(false),
                    end_sessions,
                    users::updated_at.eq(now),
                ))
                .execute(conn)?,
            TeamChange::Activate => diesel::update(target)
                .set((users::is_active.eq(true), users::updated_at.eq(now)))
                .execute(conn)?,
            // A password reset link the vendedor asked for earlier dies with the password.
            TeamChange::ResetPassword(temp) => super::write_transaction(conn, |conn| {
                let changed = diesel::update(target)
                    .set((
                        users::password_hash.eq(&temp.hash),
                        users::must_change_password.eq(true),
                        users::temp_password_expires_at.eq(temp.expires_at),
                        end_sessions,
                        users::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                if changed == 1 {
                    OneTimeToken::void(conn, id, &[Purpose::ResetPassword], now)?;
                }
                Ok::<_, diesel::result::Error>(changed)
            })?,
            TeamChange::ResetTutorial => diesel::update(target)
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
