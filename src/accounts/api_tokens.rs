//! Bearer tokens for the JSON API.
//!
//! A sign-in through the API (`sign_in`, the login page's own checks: throttle, guard,
//! unverified and pending-deletion accounts, second step) starts a session row like the
//! login page does, named "API: <client>", and hands out a pair: an access token
//! (`CUENTAS_API_ACCESS_MINUTES`) and a refresh token (`CUENTAS_API_REFRESH_DAYS`). The row is
//! the token family: it shows in the security centre and ends there, and a password change or
//! "no fui yo" ends it with every other session. Refreshing retires the refresh token and
//! hands out a new pair; a retired refresh token presented again revokes the family and is
//! recorded as a security event (someone may hold a copy).
//!
//! Personal access tokens (`cta_…`, made on `/seguridad/tokens/`) also own a session row,
//! lasting until their expiry, and carry scopes.
//!
//! Every token is [`random_token`] (256 bits); only its SHA-256 is stored.

use chrono::TimeDelta;

use super::login::{self, Authenticated, Credentials};
use super::security_log::{self, Event};
use super::sessions::{self, LiveSession, Remember};
use super::{Client, Error};
use crate::clock::Timestamp;
use crate::db;
use crate::db::api_tokens::{ACCESS, ApiToken, NewApiToken, PERSONAL, REFRESH};
use crate::db::security_events::EventKind;
use crate::db::sessions::UserSession;
use crate::state::AppState;
use crate::token::{is_token_shaped, random_token};

/// The prefix of a personal access token (so a leaked one is recognisable in code and logs).
pub const PERSONAL_PREFIX: &str = "cta_";
/// The scopes a token from a sign-in holds: all its user may do.
const ALL_SCOPES: &str = "*";
/// The longest client name kept (it names the session in the security centre).
const MAX_CLIENT_NAME: usize = 60;

/// What a personal token may be allowed to do.
pub const SCOPES: [&str; 6] = [
    "perfil:leer",
    "perfil:escribir",
    "equipo:leer",
    "equipo:escribir",
    "factura:leer",
    "factura:escribir",
];

/// A new access and refresh token.
#[derive(Clone, Debug)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds the access token works.
    pub expires_in: u64,
}

/// What an API sign-in came to.
pub enum ApiSignIn {
    Tokens(TokenPair),
    /// The account has two-step sign-in on and no code came: ask for one.
    CodeRequired,
    /// The account is under guard (see `accounts::login`): if the password was right, a
    /// sign-in link went to the account's address; no tokens.
    LinkSent,
}

/// A sign-in through the API: `code` is the second step's code when the account has one.
pub async fn sign_in(
    state: &AppState,
    client: &Client,
    credentials: Credentials,
    code: Option<String>,
) -> Result<ApiSignIn, Error> {
    let client = api_client(client);
    let authenticated = login::authenticate(state, &client, credentials, None).await?;
    let Authenticated::User {
        user,
        browser_id,
        second_step,
    } = authenticated
    else {
        return Ok(ApiSignIn::LinkSent);
    };
    let session_id = if second_step {
        let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
            return Ok(ApiSignIn::CodeRequired);
        };
        let pending = login::PendingSignIn::of(&user, Some(browser_id), Remember::No);
        let passed = login::complete_second_step(
            state,
            &client,
            pending,
            login::SecondFactor::Code(&code),
            None,
        )
        .await?;
        passed.signed_in.session.id
    } else {
        sessions::start(state, &user, &client, None, Remember::No)
            .await?
            .id
    };
    let pair = issue_pair(state, session_id, user.id, None).await?;
    Ok(ApiSignIn::Tokens(pair))
}

/// The client as an API session shows it: "API: <its User-Agent>" (cut short).
fn api_client(client: &Client) -> Client {
    let name: String = client
        .user_agent
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_CLIENT_NAME)
        .collect();
    let name = if name.trim().is_empty() {
        "cliente".to_owned()
    } else {
        name
    };
    Client {
        user_agent: format!("{API_PREFIX}{name}"),
        ..client.clone()
    }
}

/// How a session started by the API names its device (see `i18n::Lang::device`).
pub const API_PREFIX: &str = crate::i18n::API_DEVICE_PREFIX;

fn lifetime(duration: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

fn later(now: Timestamp, delta: TimeDelta) -> Timestamp {
    now.checked_add_signed(delta).unwrap_or(Timestamp::MAX)
}

/// Stores a new access and refresh token for the family `session_id` (retiring
/// `retiring`, a refresh token being exchanged, in the same transaction) and makes the
/// family last as long as the refresh token.
async fn issue_pair(
    state: &AppState,
    session_id: String,
    user_id: i32,
    retiring: Option<i32>,
) -> Result<TokenPair, Error> {
    let now = state.clock.now();
    let access = lifetime(state.settings.api_access_lifetime);
    let refresh_until = later(now, lifetime(state.settings.api_refresh_lifetime));
    let pair = TokenPair {
        access_token: random_token(),
        refresh_token: random_token(),
        expires_in: u64::try_from(access.num_seconds()).unwrap_or(0),
    };
    let tokens = pair.clone();
    db::run_write(&state.pool, move |conn| {
        if let Some(id) = retiring {
            if !ApiToken::retire(conn, id, now)? {
                return Err(Error::LinkInvalid);
            }
            ApiToken::delete_access_of(conn, &session_id)?;
        }
        for (token, kind, until) in [
            (&tokens.access_token, ACCESS, later(now, access)),
            (&tokens.refresh_token, REFRESH, refresh_until),
        ] {
            NewApiToken {
                token,
                session_id: &session_id,
                user_id,
                kind,
                name: None,
                scopes: ALL_SCOPES,
                expires_at: Some(until),
            }
            .insert(conn, now)?;
        }
        UserSession::last_until(conn, &session_id, refresh_until)?;
        Ok::<_, Error>(())
    })
    .await?;
    Ok(pair)
}

/// Exchanges a refresh token for a new pair. An unknown, expired or ended one is
/// [`Error::LinkInvalid`]; a retired one revokes its family, is recorded, and is
/// [`Error::LinkInvalid`] too.
pub async fn refresh(state: &AppState, client: &Client, token: String) -> Result<TokenPair, Error> {
    if !is_token_shaped(&token) {
        return Err(Error::LinkInvalid);
    }
    let now = state.clock.now();
    let found = db::run(&state.pool, move |conn| {
        Ok::<_, Error>(ApiToken::find(conn, &token, &[REFRESH])?)
    })
    .await?
    .ok_or(Error::LinkInvalid)?;
    if found.retired_at.is_some() {
        revoke_reused(state, client, &found).await?;
        return Err(Error::LinkInvalid);
    }
    if found.expires_at.is_some_and(|until| until <= now) {
        return Err(Error::LinkInvalid);
    }
    let Some(live) = sessions::resolve(state, found.session_id.clone()).await? else {
        return Err(Error::LinkInvalid);
    };
    match issue_pair(
        state,
        found.session_id.clone(),
        live.user.id,
        Some(found.id),
    )
    .await
    {
        // Another request exchanged it first: that is a second use too.
        Err(Error::LinkInvalid) => {
            revoke_reused(state, client, &found).await?;
            Err(Error::LinkInvalid)
        }
        other => other,
    }
}

/// A refresh token used twice: the family ends and the owner's log says why.
async fn revoke_reused(state: &AppState, client: &Client, token: &ApiToken) -> Result<(), Error> {
    let (now, who) = (state.clock.now(), client.clone());
    let (session_id, user_id) = (token.session_id.clone(), token.user_id);
    db::run_write(&state.pool, move |conn| {
        UserSession::revoke(conn, &session_id, now)?;
        let event = Event::new(EventKind::ApiRefreshReused, user_id);
        security_log::record(conn, &who, now, &event)?;
        Ok::<_, Error>(())
    })
    .await
}

/// What a bearer token grants.
#[derive(Clone, Debug)]
pub struct Grant {
    pub session: LiveSession,
    /// `None` for a token from a sign-in (everything its user may do); the scopes of a
    /// personal token otherwise.
    pub scopes: Option<Vec<String>>,
}

impl Grant {
    /// True when the token may act within `scope`.
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes
            .as_ref()
            .is_none_or(|scopes| scopes.iter().any(|s| s == scope))
    }
}

/// The live grant of a bearer token (an access token or a personal token), or `None` for
/// a token that is unknown, expired, or whose family ended.
pub async fn resolve(state: &AppState, token: String) -> Result<Option<Grant>, Error> {
    let personal = token.strip_prefix(PERSONAL_PREFIX).is_some();
    let shaped = token
        .strip_prefix(PERSONAL_PREFIX)
        .map_or(is_token_shaped(&token), is_token_shaped);
    if !shaped {
        return Ok(None);
    }
    let now = state.clock.now();
    let kinds: &'static [&'static str] = if personal { &[PERSONAL] } else { &[ACCESS] };
    let found = db::run(&state.pool, move |conn| {
        let found = ApiToken::find(conn, &token, kinds)?;
        if let Some(found) = &found {
            let stale = found
                .last_used_at
                .is_none_or(|at| now - at >= TimeDelta::seconds(60));
            if found.kind == PERSONAL && stale {
                ApiToken::touch(conn, found.id, now)?;
            }
        }
        Ok::<_, Error>(found)
    })
    .await?;
    let Some(found) = found.filter(|t| t.expires_at.is_none_or(|until| now < until)) else {
        return Ok(None);
    };
    let Some(session) = sessions::resolve(state, found.session_id).await? else {
        return Ok(None);
    };
    let scopes =
        (found.scopes != ALL_SCOPES).then(|| found.scopes.split(' ').map(str::to_owned).collect());
    Ok(Some(Grant { session, scopes }))
}

/// Ends the family of the session `session_id` (the API's sign-out).
pub async fn sign_out(state: &AppState, session_id: String) -> Result<(), Error> {
    sessions::end(state, session_id).await
}

/// A personal token as its owner's page lists it (never the token).
#[derive(Clone, Debug)]
pub struct PersonalToken {
    pub id: i32,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

/// What makes a personal token.
pub struct NewPersonal {
    pub name: String,
    pub scopes: Vec<String>,
    /// Days it works; `None`: until revoked.
    pub days: Option<u32>,
}

/// Parses the page's fields into a [`NewPersonal`]: a name (1 to 60 characters), at least one
/// known scope, and 30, 90 or 365 days or none.
pub fn parse_personal(
    name: &str,
    scopes: &[String],
    expiry: &str,
) -> Result<NewPersonal, crate::domain::Problems> {
    let mut problems = crate::domain::Problems::new();
    let name = name.trim();
    if name.is_empty() {
        problems.add("nombre", "error-required");
    } else if name.chars().count() > MAX_CLIENT_NAME || name.chars().any(char::is_control) {
        problems.add(
            "nombre",
            crate::domain::Problem::with("error-text-too-long", "max", MAX_CLIENT_NAME as u64),
        );
    }
    let known: Vec<String> = SCOPES
        .iter()
        .filter(|s| scopes.iter().any(|t| t == *s))
        .map(|s| (*s).to_owned())
        .collect();
    if known.is_empty() || known.len() != scopes.len() {
        problems.add("scopes", "tokens-scopes-required");
    }
    let days = match expiry {
        "30" => Some(30),
        "90" => Some(90),
        "365" => Some(365),
        "none" => None,
        _ => {
            problems.add("expiracion", "tokens-expiry-required");
            None
        }
    };
    problems.or(NewPersonal {
        name: name.to_owned(),
        scopes: known,
        days,
    })
}

/// Makes a personal token for the signed-in user (a sensitive action: `_recent`). Returns the
/// token, to be shown once.
pub async fn create_personal(
    state: &AppState,
    client: &Client,
    current: &LiveSession,
    new: NewPersonal,
    _recent: sessions::Recent,
) -> Result<String, Error> {
    let now = state.clock.now();
    let expires_at = new
        .days
        .map(|days| later(now, TimeDelta::days(i64::from(days))));
    // A token without an expiry lasts as long as nothing ends it (revoked, the epoch).
    let until = expires_at.unwrap_or_else(|| later(now, TimeDelta::days(365 * 100)));
    let named = Client {
        user_agent: format!("{API_PREFIX}{}", new.name),
        ..client.clone()
    };
    let row = sessions::new_row(&current.user, &named, now, Some(until));
    let secret = random_token();
    let token = format!("{PERSONAL_PREFIX}{secret}");
    let (user_id, who, stored) = (current.user.id, client.clone(), token.clone());
    db::run_write(&state.pool, move |conn| {
        UserSession::insert(conn, &row)?;
        NewApiToken {
            token: &stored,
            session_id: &row.id,
            user_id,
            kind: PERSONAL,
            name: Some(&new.name),
            scopes: &new.scopes.join(" "),
            expires_at,
        }
        .insert(conn, now)?;
        let event = Event::new(EventKind::PersonalTokenCreated, user_id).with("name", new.name);
        security_log::record(conn, &who, now, &event)?;
        Ok::<_, Error>(())
    })
    .await?;
    Ok(token)
}

/// The user's personal tokens that still work, newest first.
pub async fn list_personal(
    state: &AppState,
    current: &LiveSession,
) -> Result<Vec<PersonalToken>, Error> {
    let now = state.clock.now();
    let user_id = current.user.id;
    let epoch = current.user.session_epoch;
    db::run(&state.pool, move |conn| {
        let mut listed = Vec::new();
        for token in ApiToken::personal_of(conn, user_id)? {
            let live =
                UserSession::find_open(conn, &token.session_id)?.is_some_and(|s| s.epoch == epoch);
            if live && token.expires_at.is_none_or(|until| now < until) {
                listed.push(PersonalToken {
                    id: token.id,
                    name: token.name.unwrap_or_default(),
                    scopes: token.scopes.split(' ').map(str::to_owned).collect(),
                    created_at: token.created_at,
                    expires_at: token.expires_at,
                    last_used_at: token.last_used_at,
                });
            }
        }
        Ok::<_, Error>(listed)
    })
    .await
}

/// Revokes the user's personal token `id` (someone else's or an unknown one is
/// [`Error::NotFound`]).
pub async fn revoke_personal(
    state: &AppState,
    client: &Client,
    current: &LiveSession,
    id: i32,
) -> Result<(), Error> {
    let (now, user_id, who) = (state.clock.now(), current.user.id, client.clone());
    db::run_write(&state.pool, move |conn| {
        let token = ApiToken::personal_of(conn, user_id)?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(Error::NotFound)?;
        UserSession::revoke(conn, &token.session_id, now)?;
        let event = Event::new(EventKind::PersonalTokenRevoked, user_id)
            .with("name", token.name.unwrap_or_default());
        security_log::record(conn, &who, now, &event)?;
        Ok(())
    })
    .await
}
