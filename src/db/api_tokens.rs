//! The `api_tokens` table: the bearer tokens of the JSON API. Each belongs to a
//! `user_sessions` row, its family: revoking the row, or bumping the user's epoch, ends every
//! token of it. Only the SHA-256 of a token is stored and looked up.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::api_tokens;
use crate::clock::Timestamp;
use crate::token::sha256_hex;

/// A short-lived token that opens the API.
pub const ACCESS: &str = "access";
/// A token exchanged once for a new pair; presented again, it revokes its family.
pub const REFRESH: &str = "refresh";
/// A personal access token made on `/seguridad/tokens/`: named, scoped, long-lived.
pub const PERSONAL: &str = "personal";

/// A token as stored (never the token itself).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i32,
    pub session_id: String,
    pub user_id: i32,
    pub kind: String,
    pub name: Option<String>,
    /// Space-separated scopes; `*` for a token from a sign-in (it may do all its user may).
    pub scopes: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub retired_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

/// A token to store: `token` is hashed on insert.
pub struct NewApiToken<'a> {
    pub token: &'a str,
    pub session_id: &'a str,
    pub user_id: i32,
    pub kind: &'static str,
    pub name: Option<&'a str>,
    pub scopes: &'a str,
    pub expires_at: Option<Timestamp>,
}

impl NewApiToken<'_> {
    pub fn insert(&self, conn: &mut DbConnection, now: Timestamp) -> QueryResult<()> {
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::token_hash.eq(sha256_hex(self.token)),
                api_tokens::session_id.eq(self.session_id),
                api_tokens::user_id.eq(self.user_id),
                api_tokens::kind.eq(self.kind),
                api_tokens::name.eq(self.name),
                api_tokens::scopes.eq(self.scopes),
                api_tokens::created_at.eq(now),
                api_tokens::expires_at.eq(self.expires_at),
            ))
            .execute(conn)
            .map(drop)
    }
}

impl ApiToken {
    /// The token with this value, of one of `kinds`, whatever its state (the caller checks
    /// expiry and retirement: a retired refresh token must be recognised).
    pub fn find(
        conn: &mut DbConnection,
        token: &str,
        kinds: &[&str],
    ) -> QueryResult<Option<ApiToken>> {
        api_tokens::table
            .filter(api_tokens::token_hash.eq(sha256_hex(token)))
            .filter(api_tokens::kind.eq_any(kinds))
            .select(ApiToken::as_select())
            .first(conn)
            .optional()
    }

    /// Retires a refresh token; true when this call did (two refreshes at once cannot both
    /// use one token).
    pub fn retire(conn: &mut DbConnection, id: i32, now: Timestamp) -> QueryResult<bool> {
        diesel::update(
            api_tokens::table
                .find(id)
                .filter(api_tokens::retired_at.is_null()),
        )
        .set(api_tokens::retired_at.eq(now))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Notes a personal token's use (at most once a minute, as sessions do).
    pub fn touch(conn: &mut DbConnection, id: i32, now: Timestamp) -> QueryResult<()> {
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::last_used_at.eq(now))
            .execute(conn)
            .map(drop)
    }

    /// The access tokens of a family (at a refresh, the old ones stop working).
    pub fn delete_access_of(conn: &mut DbConnection, session_id: &str) -> QueryResult<usize> {
        diesel::delete(
            api_tokens::table
                .filter(api_tokens::session_id.eq(session_id))
                .filter(api_tokens::kind.eq(ACCESS)),
        )
        .execute(conn)
    }

    /// The user's personal tokens, newest first.
    pub fn personal_of(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<ApiToken>> {
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::kind.eq(PERSONAL))
            .order(api_tokens::id.desc())
            .select(ApiToken::as_select())
            .load(conn)
    }
}
