//! The tables of passkeys: `passkeys` (an account's WebAuthn credentials: the serialized
//! public key, its name and dates) and `passkey_ceremonies` (the server's half of a ceremony in
//! progress, single use and short-lived). Checking assertions is `accounts::passkeys`.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{passkey_ceremonies, passkeys};
use crate::clock::Timestamp;

/// One passkey of an account.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = passkeys)]
pub struct PasskeyRow {
    pub id: i32,
    pub user_id: i32,
    /// The credential id, base64url, unique across every account.
    pub credential_id: String,
    /// The account's WebAuthn user handle (a UUID), the same for all its passkeys.
    pub user_handle: String,
    /// webauthn-rs's serialized credential: public key and counter, no secret.
    pub passkey: String,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A passkey to store.
#[derive(Insertable)]
#[diesel(table_name = passkeys)]
pub struct NewPasskey<'a> {
    pub user_id: i32,
    pub credential_id: &'a str,
    pub user_handle: &'a str,
    pub passkey: &'a str,
    pub name: &'a str,
    pub created_at: Timestamp,
}

impl NewPasskey<'_> {
    /// Stores the passkey; a credential id already stored (on any account) is a unique
    /// violation the caller turns into a problem.
    pub fn insert(&self, conn: &mut DbConnection) -> QueryResult<()> {
        diesel::insert_into(passkeys::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }
}

impl PasskeyRow {
    /// The account's passkeys, oldest first.
    pub fn of_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<Self>> {
        passkeys::table
            .filter(passkeys::user_id.eq(user_id))
            .order(passkeys::id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// How many passkeys the account has.
    pub fn count(conn: &mut DbConnection, user_id: i32) -> QueryResult<i64> {
        passkeys::table
            .filter(passkeys::user_id.eq(user_id))
            .count()
            .get_result(conn)
    }

    /// The passkey with this credential id, whoever's it is.
    pub fn by_credential(
        conn: &mut DbConnection,
        credential_id: &str,
    ) -> QueryResult<Option<Self>> {
        passkeys::table
            .filter(passkeys::credential_id.eq(credential_id))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    /// The passkey `id` when it is `user_id`'s.
    pub fn find_own(conn: &mut DbConnection, user_id: i32, id: i32) -> QueryResult<Option<Self>> {
        passkeys::table
            .find(id)
            .filter(passkeys::user_id.eq(user_id))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    /// Renames the passkey `id` of `user_id`. False when there is no such passkey.
    pub fn rename(conn: &mut DbConnection, user_id: i32, id: i32, name: &str) -> QueryResult<bool> {
        diesel::update(
            passkeys::table
                .find(id)
                .filter(passkeys::user_id.eq(user_id)),
        )
        .set(passkeys::name.eq(name))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// After a sign-in with it: the credential as updated (its counter) and the time.
    pub fn mark_used(
        conn: &mut DbConnection,
        id: i32,
        passkey: &str,
        now: Timestamp,
    ) -> QueryResult<()> {
        diesel::update(passkeys::table.find(id))
            .set((
                passkeys::passkey.eq(passkey),
                passkeys::last_used_at.eq(Some(now)),
            ))
            .execute(conn)
            .map(drop)
    }

    /// Removes the passkey `id` of `user_id`. False when there is no such passkey.
    pub fn remove(conn: &mut DbConnection, user_id: i32, id: i32) -> QueryResult<bool> {
        diesel::delete(
            passkeys::table
                .find(id)
                .filter(passkeys::user_id.eq(user_id)),
        )
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Removes every passkey of the account.
    pub fn remove_all(conn: &mut DbConnection, user_id: i32) -> QueryResult<usize> {
        diesel::delete(passkeys::table.filter(passkeys::user_id.eq(user_id))).execute(conn)
    }
}

/// The server's half of a WebAuthn ceremony.
pub struct Ceremony;

impl Ceremony {
    /// Stores a ceremony under the hash of its id (expired ones are swept on the way).
    pub fn insert(
        conn: &mut DbConnection,
        id_hash: &str,
        user_id: Option<i32>,
        purpose: &str,
        state: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> QueryResult<()> {
        diesel::delete(passkey_ceremonies::table.filter(passkey_ceremonies::expires_at.le(now)))
            .execute(conn)?;
        diesel::insert_into(passkey_ceremonies::table)
            .values((
                passkey_ceremonies::id_hash.eq(id_hash),
                passkey_ceremonies::user_id.eq(user_id),
                passkey_ceremonies::purpose.eq(purpose),
                passkey_ceremonies::state.eq(state),
                passkey_ceremonies::expires_at.eq(expires_at),
            ))
            .execute(conn)
            .map(drop)
    }

    /// Takes the live ceremony with this id hash, purpose and account: it is deleted, so it
    /// serves once. Call inside a write transaction. `None` when there is none (unknown, used,
    /// expired, another purpose or another account's).
    pub fn take(
        conn: &mut DbConnection,
        id_hash: &str,
        user_id: Option<i32>,
        purpose: &str,
        now: Timestamp,
    ) -> QueryResult<Option<String>> {
        let found: Option<(Option<i32>, String, String, Timestamp)> = passkey_ceremonies::table
            .find(id_hash)
            .select((
                passkey_ceremonies::user_id,
                passkey_ceremonies::purpose,
                passkey_ceremonies::state,
                passkey_ceremonies::expires_at,
            ))
            .first(conn)
            .optional()?;
        let Some((owner, found_purpose, state, expires_at)) = found else {
            return Ok(None);
        };
        let deleted = diesel::delete(passkey_ceremonies::table.find(id_hash)).execute(conn)? == 1;
        let live = deleted && owner == user_id && found_purpose == purpose && expires_at > now;
        Ok(live.then_some(state))
    }
}
