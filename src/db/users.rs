//! The `users` table: one row per person, admins and vendedores alike. Every query about a
//! user row lives in the one `impl User` below, team queries included (they are scoped by
//! the admin's id, so an admin can neither see nor touch anyone else's people).

use diesel::prelude::*;

use super::DbConnection;
use super::schema::users;
use super::stored_time::{MaybeStored, Stored};
use super::tokens::{OneTimeToken, Purpose};
use crate::clock::Timestamp;
use crate::domain::profile::PersonName;
use crate::domain::{EmailAddress, PasswordHash, Role, Username};

/// A full user row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub username: String,
    pub username_normalized: String,
    pub email: String,
    #[diesel(deserialize_as = String)]
    pub password_hash: PasswordHash,
    #[diesel(deserialize_as = String)]
    pub role: Role,
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
    #[diesel(deserialize_as = Stored)]
    pub created_at: Timestamp,
    #[diesel(deserialize_as = Stored)]
    pub updated_at: Timestamp,
    #[diesel(deserialize_as = MaybeStored)]
    pub last_login_at: Option<Timestamp>,
    /// When the temporary password an admin set stops working; `None` for one's own password.
    #[diesel(deserialize_as = MaybeStored)]
    pub temp_password_expires_at: Option<Timestamp>,
    /// When deletion was asked for (by the owner, or by the admin for a vendedor).
    #[diesel(deserialize_as = MaybeStored)]
    pub deletion_requested_at: Option<Timestamp>,
    /// Set while the account is pending deletion: it can be restored until then, and the
    /// purge removes it after (see `accounts::deletion`).
    #[diesel(deserialize_as = MaybeStored)]
    pub purge_after: Option<Timestamp>,
    /// The provider's picture (`google_photo_url`) as a stored file, shown when no photo was
    /// uploaded.
    pub google_photo_path: Option<String>,
    /// The region chosen on the profile (see `domain::region`); `None`: from the time zone.
    pub region: Option<String>,
}

/// A new account: one INSERT, everything else takes the table's defaults. Built only by the
/// constructors, so an admin never has a manager and a vendedor always has one. No `Debug`:
/// it holds a password hash.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    username: String,
    username_normalized: String,
    email: String,
    password_hash: String,
    role: &'static str,
    manager_id: Option<i32>,
    first_name: String,
    last_name: String,
    email_verified: bool,
    must_change_password: bool,
    temp_password_expires_at: Option<Timestamp>,
    language: String,
    currency: String,
    timezone: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// Language, currency and time zone: what a new vendedor takes from their admin.
#[derive(Clone, Copy, Debug)]
pub struct Preferences<'a> {
    pub language: &'a str,
    pub currency: &'a str,
    pub timezone: &'a str,
}

impl<'a> Preferences<'a> {
    /// The account's own.
    pub fn of(user: &'a User) -> Self {
        Self {
            language: &user.language,
            currency: &user.currency,
            timezone: &user.timezone,
        }
    }
}

impl NewUser {
    /// An admin (sign-up or `create-admin`); `email_verified` only when an operator vouches.
    pub fn admin(
        username: &Username,
        email: &EmailAddress,
        password_hash: String,
        language: &str,
        email_verified: bool,
        now: Timestamp,
    ) -> Self {
        Self {
            username: username.as_ref().to_owned(),
            username_normalized: username.normalized(),
            email: email.as_ref().to_owned(),
            password_hash,
            role: Role::Admin.as_str(),
            manager_id: None,
            first_name: String::new(),
            last_name: String::new(),
            email_verified,
            must_change_password: false,
            temp_password_expires_at: None,
            language: language.to_owned(),
            // The columns' defaults (see the first migration).
            currency: "USD".to_owned(),
            timezone: "UTC".to_owned(),
            created_at: now,
            updated_at: now,
        }
    }

    /// The same account with a first and last name (sign-up's optional fields).
    pub fn named(self, first_name: Option<&PersonName>, last_name: Option<&PersonName>) -> Self {
        let name = |n: Option<&PersonName>| n.map_or_else(String::new, |n| n.as_ref().to_owned());
        Self {
            first_name: name(first_name),
            last_name: name(last_name),
            ..self
        }
    }

    /// A vendedor of `admin_id`'s team, with a temporary password that must be changed at the
    /// first sign-in and stops working at `temp_expires_at`. They start with their admin's
    /// language, currency and time zone.
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per column the admin sets"
    )]
    pub fn vendedor(
        admin_id: i32,
        username: &Username,
        email: &EmailAddress,
        first_name: &PersonName,
        last_name: &PersonName,
        temp_password_hash: String,
        temp_expires_at: Timestamp,
        preferences: Preferences<'_>,
        now: Timestamp,
    ) -> Self {
        let language = preferences.language;
        Self {
            currency: preferences.currency.to_owned(),
            timezone: preferences.timezone.to_owned(),
            role: Role::Vendedor.as_str(),
            manager_id: Some(admin_id),
            first_name: first_name.as_ref().to_owned(),
            last_name: last_name.as_ref().to_owned(),
            must_change_password: true,
            temp_password_expires_at: Some(temp_expires_at),
            ..Self::admin(username, email, temp_password_hash, language, false, now)
        }
    }
}

/// Which unique column a new or changed account collided with.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    Username,
    Email,
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
    /// `None` clears it (the region then comes from the time zone).
    #[diesel(treat_none_as_null = true)]
    pub region: Option<&'a str>,
    /// A new photo; `None` leaves the current one alone.
    pub photo_path: Option<&'a str>,
    pub updated_at: Timestamp,
}

/// What an admin does to one of their vendedores, with what it writes.
#[derive(Clone, Debug)]
pub enum TeamChange {
    Deactivate,
    Activate,
    /// A new temporary password (its hash) that stops working at `expires_at`.
    ResetPassword {
        hash: String,
        expires_at: Timestamp,
    },
    ResetTutorial,
    /// Marks the vendedor for deletion (see `accounts::deletion`); their sessions end.
    Delete {
        purge_after: Timestamp,
    },
    /// Takes a pending deletion back, while its time has not come.
    Restore,
}

impl User {
    /// The name to greet someone by: their first name, else their username.
    pub fn display_name(&self) -> &str {
        if self.first_name.is_empty() {
            &self.username
        } else {
            &self.first_name
        }
    }

    /// First and last name, or nothing.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned()
    }

    /// True once a temporary password has outlived its time (it no longer signs anyone in).
    pub fn temp_password_expired(&self, now: Timestamp) -> bool {
        self.temp_password_expires_at.is_some_and(|at| now >= at)
    }

    pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    /// Finds the account for what was typed in the login field: a username or an email,
    /// already folded with `normalize_login`. An address names its owner first: a username
    /// from before usernames refused `@` may equal another account's address.
    pub fn find_by_login(conn: &mut DbConnection, login: &str) -> QueryResult<Option<User>> {
        let matches: Vec<User> = users::table
            .filter(
                users::username_normalized
                    .eq(login)
                    .or(users::email.eq(login)),
            )
            .select(User::as_select())
            .limit(2)
            .load(conn)?;
        let by_email = matches.iter().position(|user| user.email == login);
        Ok(matches.into_iter().nth(by_email.unwrap_or(0)))
    }

    /// The account whose address is `email` (already lower-cased).
    pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::email.eq(email))
            .select(User::as_select())
            .get_result(conn)
            .optional()
    }

    pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
        users::table.count().get_result(conn)
    }

    /// Inserts the account (one statement, no transaction of its own: a unique violation must
    /// not abort the caller's), or says which unique field is already taken. Both are checked
    /// first for a precise answer; the constraint still decides a race.
    pub fn insert(conn: &mut DbConnection, new: &NewUser) -> QueryResult<Result<User, Taken>> {
        if let Some(taken) =
            Self::which_taken(conn, &new.username_normalized, Some(&new.email), None)?
        {
            return Ok(Err(taken));
        }
        // RETURNING is not available through diesel's MultiConnection; read the row back by
        // its unique key instead. In its own (nested: a savepoint) transaction, so a unique
        // violation inside a caller's transaction leaves that transaction usable on PostgreSQL.
        match conn.transaction(|c| diesel::insert_into(users::table).values(new).execute(c)) {
            Ok(_) => users::table
                .filter(users::username_normalized.eq(&new.username_normalized))
                .select(User::as_select())
                .first(conn)
                .map(Ok),
            Err(e) if super::is_unique_violation(&e) => Ok(Err(Self::which_taken(
                conn,
                &new.username_normalized,
                Some(&new.email),
                None,
            )?
            .unwrap_or(Taken::Username))),
            Err(e) => Err(e),
        }
    }

    /// Which unique field another account (any but `except`) already holds: usernames are
    /// compared with usernames and emails with emails, never across (a username holds no
    /// `@`, so none is an address; comparing across told anyone which addresses have
    /// accounts).
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
            .filter(users::username_normalized.eq(username_normalized))
            .count()
            .get_result(conn)?;
        if username_taken > 0 {
            return Ok(Some(Taken::Username));
        }
        let Some(email) = email else {
            return Ok(None);
        };
        Ok(Self::email_taken(conn, email, except)?.then_some(Taken::Email))
    }

    /// True when the username (as typed at sign-up, folded) is another account's username.
    pub fn username_taken(conn: &mut DbConnection, username_normalized: &str) -> QueryResult<bool> {
        Ok(Self::which_taken(conn, username_normalized, None, None)?.is_some())
    }

    /// True when an account other than `except` holds `email` as its address.
    pub fn email_taken(
        conn: &mut DbConnection,
        email: &str,
        except: Option<i32>,
    ) -> QueryResult<bool> {
        let mut query = users::table.filter(users::email.eq(email)).into_boxed();
        if let Some(id) = except {
            query = query.filter(users::id.ne(id));
        }
        let count: i64 = query.count().get_result(conn)?;
        Ok(count > 0)
    }

    /// Records a successful sign-in, replacing the hash when it was made with weaker
    /// parameters.
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

    /// Replaces the password, clears the forced change, bumps the session epoch (so every
    /// session of the user ends on every instance) and voids unused reset and address-change
    /// links (one sent before the change must not undo it). Returns the new epoch.
    pub fn set_password(
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
        OneTimeToken::void(
            conn,
            id,
            &[Purpose::ResetPassword, Purpose::ChangeEmail],
            now,
        )?;
        users::table
            .find(id)
            .select(users::session_epoch)
            .get_result(conn)
    }

    /// Makes the password unusable and ends every session: `unusable` is a value no password
    /// verifies against (not a hash). Returns nothing; the caller voids the links.
    pub fn lock_down(
        conn: &mut DbConnection,
        id: i32,
        unusable: &str,
        now: Timestamp,
    ) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(unusable),
                users::session_epoch.eq(users::session_epoch + 1),
                users::updated_at.eq(now),
            ))
            .execute(conn)
            .map(drop)
    }

    /// Marks the tutorial as seen; true only for the one request that changed it, so two tabs
    /// opened at once do not both show it.
    pub fn claim_tutorial(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
        let changed = diesel::update(users::table.find(id).filter(users::tutorial_seen.eq(false)))
            .set(users::tutorial_seen.eq(true))
            .execute(conn)?;
        Ok(changed == 1)
    }

    /// Writes the profile form's columns, or says which unique field another account holds.
    /// With a new photo, returns the uploaded photo it replaced (read under the row's lock,
    /// see [`Self::photos_for_update`]), for the caller to delete.
    pub fn write_profile(
        conn: &mut DbConnection,
        id: i32,
        changes: &ProfileChanges<'_>,
    ) -> QueryResult<Result<Option<String>, Taken>> {
        if let Some(taken) = Self::which_taken(conn, changes.username_normalized, None, Some(id))? {
            return Ok(Err(taken));
        }
        // A savepoint when called inside a transaction (see `insert`).
        match conn.transaction(|c| {
            let replaced = match changes.photo_path {
                Some(new) => Self::photos_for_update(c, id)?.0.filter(|old| old != new),
                None => None,
            };
            diesel::update(users::table.find(id))
                .set(changes)
                .execute(c)?;
            Ok(replaced)
        }) {
            Ok(replaced) => Ok(Ok(replaced)),
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

    /// The account's stored photos (uploaded, provider's), read inside a write transaction
    /// so that they stay so until it ends: the row is locked on PostgreSQL (`FOR UPDATE`); on
    /// SQLite the write transaction (`BEGIN IMMEDIATE`) already keeps other writers out. Two
    /// saves at once then each learn the file the other one replaced, and none is left
    /// without a row pointing at it.
    fn photos_for_update(
        conn: &mut DbConnection,
        id: i32,
    ) -> QueryResult<(Option<String>, Option<String>)> {
        let query = users::table
            .find(id)
            .select((users::photo_path, users::google_photo_path));
        match conn {
            DbConnection::Sqlite(c) => query.get_result(c),
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => query.for_update().get_result(c),
        }
    }

    /// Forgets the uploaded photo and returns the path it had, so the caller can delete the
    /// file once the row no longer points at it.
    pub fn clear_photo(
        conn: &mut DbConnection,
        id: i32,
        now: Timestamp,
    ) -> QueryResult<Option<String>> {
        Self::set_photo(conn, id, None, now)
    }

    /// Points the account at the uploaded photo `path` (or none); returns the previous one.
    pub fn set_photo(
        conn: &mut DbConnection,
        id: i32,
        path: Option<&str>,
        now: Timestamp,
    ) -> QueryResult<Option<String>> {
        super::write_transaction(conn, |conn| {
            let previous = Self::photos_for_update(conn, id)?.0;
            diesel::update(users::table.find(id))
                .set((users::photo_path.eq(path), users::updated_at.eq(now)))
                .execute(conn)?;
            Ok(previous)
        })
    }

    /// Points the account at the provider's picture (`url`) and the stored file made from it;
    /// returns the file it replaces so the caller can delete it once the row no longer points
    /// at it.
    pub fn set_google_photo(
        conn: &mut DbConnection,
        id: i32,
        url: &str,
        path: &str,
        now: Timestamp,
    ) -> QueryResult<Option<String>> {
        super::write_transaction(conn, |conn| {
            let previous = Self::photos_for_update(conn, id)?.1;
            diesel::update(users::table.find(id))
                .set((
                    users::google_photo_url.eq(url),
                    users::google_photo_path.eq(path),
                    users::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(previous.filter(|old| old != path))
        })
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

    /// The admin's vendedores, by username.
    pub fn team_of(conn: &mut DbConnection, admin_id: i32) -> QueryResult<Vec<User>> {
        users::table
            .filter(users::manager_id.eq(admin_id))
            .filter(users::role.eq(Role::Vendedor.as_str()))
            .order(users::username_normalized)
            .select(User::as_select())
            .load(conn)
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

    /// Applies `change` to the vendedor `id` when `admin_id` manages them; `false` (nothing
    /// changed) for anyone else: another admin's vendedor, an admin, an unknown id.
    /// Deactivating and resetting the password bump the session epoch, which ends every
    /// session of the vendedor on their next request; a reset also voids their reset links.
    pub fn apply_team_change(
        conn: &mut DbConnection,
        admin_id: i32,
        id: i32,
        change: &TeamChange,
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
            TeamChange::ResetPassword { hash, expires_at } => {
                super::write_transaction(conn, |conn| {
                    let changed = diesel::update(target)
                        .set((
                            users::password_hash.eq(hash),
                            users::must_change_password.eq(true),
                            users::temp_password_expires_at.eq(expires_at),
                            end_sessions,
                            users::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    if changed == 1 {
                        OneTimeToken::void(conn, id, &[Purpose::ResetPassword], now)?;
                    }
                    Ok::<_, diesel::result::Error>(changed)
                })?
            }
            TeamChange::ResetTutorial => diesel::update(target)
                .set((users::tutorial_seen.eq(false), users::updated_at.eq(now)))
                .execute(conn)?,
            TeamChange::Delete { purge_after } => {
                diesel::update(target.filter(users::purge_after.is_null()))
                    .set((
                        users::deletion_requested_at.eq(now),
                        users::purge_after.eq(purge_after),
                        end_sessions,
                        users::updated_at.eq(now),
                    ))
                    .execute(conn)?
            }
            TeamChange::Restore => diesel::update(target.filter(users::purge_after.gt(now)))
                .set((
                    users::deletion_requested_at.eq(None::<Timestamp>),
                    users::purge_after.eq(None::<Timestamp>),
                    users::updated_at.eq(now),
                ))
                .execute(conn)?,
        };
        // A restore link mailed for an earlier deletion of the vendedor's own must not undo
        // (or outlive) what the admin decided.
        if changed == 1 && matches!(change, TeamChange::Delete { .. } | TeamChange::Restore) {
            OneTimeToken::void(conn, id, &[Purpose::RestoreAccount], now)?;
        }
        Ok(changed == 1)
    }

    /// Marks the account for deletion at `purge_after` and ends its sessions (the epoch
    /// moves), and for an admin the sessions of the whole team. False when it was already
    /// marked.
    pub fn mark_for_deletion(
        conn: &mut DbConnection,
        id: i32,
        now: Timestamp,
        purge_after: Timestamp,
    ) -> QueryResult<bool> {
        let changed = diesel::update(users::table.find(id).filter(users::purge_after.is_null()))
            .set((
                users::deletion_requested_at.eq(now),
                users::purge_after.eq(purge_after),
                users::session_epoch.eq(users::session_epoch + 1),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(
            users::table
                .filter(users::manager_id.eq(id))
                .filter(users::role.eq(Role::Vendedor.as_str())),
        )
        .set(users::session_epoch.eq(users::session_epoch + 1))
        .execute(conn)?;
        Ok(changed == 1)
    }

    /// Takes the deletion back while its time has not come (`purge_after > now`), so a
    /// restore and the purge never both win. True when it did.
    pub fn restore(conn: &mut DbConnection, id: i32, now: Timestamp) -> QueryResult<bool> {
        let changed = diesel::update(users::table.find(id).filter(users::purge_after.gt(now)))
            .set((
                users::deletion_requested_at.eq(None::<Timestamp>),
                users::purge_after.eq(None::<Timestamp>),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        if changed == 1 {
            OneTimeToken::void(conn, id, &[Purpose::RestoreAccount], now)?;
        }
        Ok(changed == 1)
    }

    /// The ids of the accounts whose deletion time has come, oldest first.
    pub fn due_for_purge(
        conn: &mut DbConnection,
        now: Timestamp,
        limit: i64,
    ) -> QueryResult<Vec<i32>> {
        users::table
            .filter(users::purge_after.le(now))
            .order((users::purge_after.asc(), users::id.asc()))
            .select(users::id)
            .limit(limit)
            .load(conn)
    }
}
