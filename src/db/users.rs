//! The `users` table: one row per person, admins and vendedores alike.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::users;
use crate::clock::Timestamp;
use crate::domain::Role;

/// A full user row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub username: String,
    pub username_normalized: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub manager_id: Option<i32>,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub photo_path: Option<String>,
    pub google_photo_url: Option<String>,
    pub tutorial_seen: bool,
    pub must_change_password: bool,
    pub email_verified: bool,
    pub language: String,
    pub currency: String,
    pub timezone: String,
    pub is_active: bool,
    pub session_epoch: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
    /// When the temporary password an admin set stops working; `None` for one's own password.
    pub temp_password_expires_at: Option<Timestamp>,
}

/// The columns a new account starts with; everything else takes the table's defaults.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub username_normalized: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub manager_id: Option<i32>,
    pub email_verified: bool,
    pub must_change_password: bool,
    pub language: &'a str,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Which unique column a new account collided with.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    Username,
    Email,
}

impl User {
    pub fn role(&self) -> Role {
        Role::from_db(&self.role)
    }

    /// The name to greet someone by: their first name, else their username.
    pub fn display_name(&self) -> &str {
        if self.first_name.is_empty() {
            &self.username
        } else {
            &self.first_name
        }
    }

    pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    /// Finds the account for what was typed in the login field: a username or an email,
    /// already folded with `normalize_login`.
    pub fn find_by_login(conn: &mut DbConnection, login: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(
                users::username_normalized
                    .eq(login)
                    .or(users::email.eq(login)),
            )
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    /// Inserts the account, or says which unique field is already taken.
    pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<Result<User, Taken>> {
        Self::insert_unique(conn, new.username_normalized, new.email, |conn| {
            diesel::insert_into(users::table).values(new).execute(conn)
        })
    }

    /// Runs `insert` (one statement, no transaction: a unique violation must not abort one)
    /// unless the username or email is taken, and reads the new row back. Both are checked
    /// first for a precise answer; the constraint still decides a race.
    pub(super) fn insert_unique(
        conn: &mut DbConnection,
        username_normalized: &str,
        email: &str,
        insert: impl FnOnce(&mut DbConnection) -> QueryResult<usize>,
    ) -> QueryResult<Result<User, Taken>> {
        if let Some(taken) = Self::which_taken(conn, username_normalized, Some(email), None)? {
            return Ok(Err(taken));
        }
        // RETURNING is not available through diesel's MultiConnection; read the row back by
        // its unique key instead.
        // In its own (nested: a savepoint) transaction, so a unique violation inside a
        // caller's transaction leaves that transaction usable on PostgreSQL.
        match conn.transaction(insert) {
            Ok(_) => users::table
                .filter(users::username_normalized.eq(username_normalized))
                .select(User::as_select())
                .first(conn)
                .map(Ok),
            Err(e) if super::is_unique_violation(&e) => Ok(Err(Self::which_taken(
                conn,
                username_normalized,
                Some(email),
                None,
            )?
            .unwrap_or(Taken::Username))),
            Err(e) => Err(e),
        }
    }

    /// Which unique field another account (any but `except`) already holds. A username may
    /// look like an email: it must not equal anyone's email, nor an email anyone's username,
    /// or one login would name two accounts.
    fn which_taken(
        conn: &mut DbConnection,
        username_normalized: &str,
        email: Option<&str>,
        except: Option<i32>,
    ) -> QueryResult<Option<Taken>> {
        let others = || {
            let query = users::table.into_boxed();
            match except {
                Some(id) => query.filter(users::id.ne(id)),
                None => query,
            }
        };
        let username_taken: i64 = others()
            .filter(
                users::username_normalized
                    .eq(username_normalized)
                    .or(users::email.eq(username_normalized)),
            )
            .count()
            .get_result(conn)?;
        if username_taken > 0 {
            return Ok(Some(Taken::Username));
        }
        let Some(email) = email else {
            return Ok(None);
        };
        let email_taken: i64 = others()
            .filter(
                users::email
                    .eq(email)
                    .or(users::username_normalized.eq(email)),
            )
            .count()
            .get_result(conn)?;
        Ok((email_taken > 0).then_some(Taken::Email))
    }

    /// True when the username (as typed at sign-up) is another account's username or email.
    pub fn username_taken(conn: &mut DbConnection, username_normalized: &str) -> QueryResult<bool> {
        Ok(Self::which_taken(conn, username_normalized, None, None)?.is_some())
    }

    pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
        users::table.count().get_result(conn)
    }

    /// Records a successful login, replacing the hash when it was made with weaker parameters.
    pub fn record_login(
        conn: &mut DbConnection,
        id: i32,
        now: Timestamp,
        rehashed: Option<&str>,
    ) -> QueryResult<()> {
        let target = users::table.find(id);
        match rehashed {
            Some(hash) => diesel::update(target)
                .set((users::last_login_at.eq(now), users::password_hash.eq(hash)))
                .execute(conn)?,
            None => diesel::update(target)
                .set(users::last_login_at.eq(now))
                .execute(conn)?,
        };
        Ok(())
    }
}

impl User {
    /// Replaces the password, clears the forced change, bumps the session epoch (so every
    /// session of the user ends on every instance) and voids unused reset links (one sent
    /// before the change must not undo it). Returns the new epoch.
    pub fn change_password(
        conn: &mut DbConnection,
        id: i32,
        hash: &str,
        now: Timestamp,
    ) -> QueryResult<i32> {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(hash),
                users::must_change_password.eq(false),
                users::temp_password_expires_at.eq(None::<Timestamp>),
                users::session_epoch.eq(users::session_epoch + 1),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        // Whoever knew the old password may have asked for a reset link or an address change:
        // both die with it.
        super::tokens::OneTimeToken::void(
            conn,
            id,
            &[
                super::tokens::Purpose::ResetPassword,
                super::tokens::Purpose::ChangeEmail,
            ],
            now,
        )?;
        users::table
            .find(id)
            .select(users::session_epoch)
            .get_result(conn)
    }

    /// Marks the tutorial as seen; true only for the one request that changed it, so two tabs
    /// opened at once do not both show it.
    pub fn claim_tutorial(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
        let changed = diesel::update(users::table.find(id).filter(users::tutorial_seen.eq(false)))
            .set(users::tutorial_seen.eq(true))
            .execute(conn)?;
        Ok(changed == 1)
    }
}

/// The columns the profile form may write, and nothing else (role, flags, verification,
/// manager and the email, which changes only through its confirmation link, are not here, so
/// no request can set them through this form).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges<'a> {
    pub username: &'a str,
    pub username_normalized: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub phone: &'a str,
    pub language: &'a str,
    pub currency: &'a str,
    pub timezone: &'a str,
    /// A new photo; `None` leaves the current one alone.
    pub photo_path: Option<&'a str>,
    pub updated_at: Timestamp,
}

impl User {
    /// Saves the profile, or says which unique field another account holds. The check gives a
    /// precise answer; the constraint still decides a race between two requests.
    pub fn update_profile(
        conn: &mut DbConnection,
        id: i32,
        changes: &ProfileChanges<'_>,
    ) -> QueryResult<Result<(), Taken>> {
        if let Some(taken) = Self::which_taken(conn, changes.username_normalized, None, Some(id))? {
            return Ok(Err(taken));
        }
        // A savepoint when called inside a transaction (see `insert`).
        match conn.transaction(|c| {
            diesel::update(users::table.find(id))
                .set(changes)
                .execute(c)
        }) {
            Ok(_) => Ok(Ok(())),
            Err(e) if super::is_unique_violation(&e) => Ok(Err(Self::which_taken(
                conn,
                changes.username_normalized,
                None,
                Some(id),
            )?
            .unwrap_or(Taken::Username))),
            Err(e) => Err(e),
        }
    }
}

impl User {
    /// Forgets the uploaded photo and returns the path it had, so the caller can delete the
    /// file once the row no longer points at it.
    pub fn clear_photo(
        conn: &mut DbConnection,
        id: i32,
        now: Timestamp,
    ) -> QueryResult<Option<String>> {
        super::write_transaction(conn, |conn| {
            let previous: Option<String> = users::table
                .find(id)
                .select(users::photo_path)
                .get_result(conn)?;
            diesel::update(users::table.find(id))
                .set((
                    users::photo_path.eq(None::<String>),
                    users::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(previous)
        })
    }
}

impl User {
    /// The account whose address is `email` (already lower-cased).
    pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::email.eq(email))
            .select(User::as_select())
            .get_result(conn)
            .optional()
    }

    /// True when an account other than `except` holds `email` as its address or its username.
    pub fn email_taken(
        conn: &mut DbConnection,
        email: &str,
        except: Option<i32>,
    ) -> QueryResult<bool> {
        let mut query = users::table
            .filter(
                users::email
                    .eq(email)
                    .or(users::username_normalized.eq(email)),
            )
            .into_boxed();
        if let Some(id) = except {
            query = query.filter(users::id.ne(id));
        }
        let count: i64 = query.count().get_result(conn)?;
        Ok(count > 0)
    }

    /// Marks the address verified, only while the account still has `email` (a link sent to
    /// an old address proves nothing about the new one).
    pub fn mark_email_verified(
        conn: &mut DbConnection,
        id: i32,
        email: &str,
        now: Timestamp,
    ) -> QueryResult<bool> {
        let changed = diesel::update(users::table.find(id).filter(users::email.eq(email)))
            .set((users::email_verified.eq(true), users::updated_at.eq(now)))
            .execute(conn)?;
        Ok(changed == 1)
    }

    /// Switches the account to a confirmed new address; false when another account took it in
    /// the meantime.
    pub fn switch_email(
        conn: &mut DbConnection,
        id: i32,
        email: &str,
        now: Timestamp,
    ) -> QueryResult<bool> {
        if Self::email_taken(conn, email, Some(id))? {
            return Ok(false);
        }
        let switched = conn.transaction(|c| {
            diesel::update(users::table.find(id))
                .set((
                    users::email.eq(email),
                    users::email_verified.eq(true),
                    users::updated_at.eq(now),
                ))
                .execute(c)
        });
        match switched {
            Ok(changed) => Ok(changed == 1),
            Err(e) if super::is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
