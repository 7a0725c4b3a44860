//! Session identity on the page side. The encrypted cookie holds the id of a `user_sessions`
//! row; every request resolves it through [`accounts::sessions`] (revocation, epoch, idle and
//! absolute timeouts, active account, unexpired temporary password). Whatever fails, the
//! request continues as anonymous and the identity leaves the cookie.

use std::future::{Ready, ready};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::accounts::profile::ProfileExtras;
use crate::accounts::sessions::LiveSession;
use crate::accounts::{self, Client};
use crate::db::users::User;
use crate::domain::Role;
use crate::error::AppError;
use crate::state::AppState;

const SESSION_ID_KEY: &str = "sid";

/// The signed-in user of this request, put in the request extensions by [`load_identity`].
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: Arc<User>,
    /// The session of the request (its id, public id, last password entry).
    pub session: LiveSession,
}

impl CurrentUser {
    /// The identity of a request, when someone is signed in.
    pub fn of(req: &HttpRequest) -> Option<CurrentUser> {
        req.extensions().get::<CurrentUser>().cloned()
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    /// Pages that need a user send anonymous visitors to the login page, remembering where
    /// they were going when it was a page (GET).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req).ok_or_else(|| {
            let next = if req.method() == actix_web::http::Method::GET {
                req.uri()
                    .path_and_query()
                    .map_or_else(String::new, |pq| pq.as_str().to_owned())
            } else {
                String::new()
            };
            AppError::LoginRequired { next }
        }))
    }
}

/// The signed-in user when they are an admin. Anonymous visitors go to the login page like
/// for [`CurrentUser`]; a vendedor gets 403.
#[derive(Clone, Debug)]
pub struct AdminUser(pub CurrentUser);

impl FromRequest for AdminUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(
            CurrentUser::from_request(req, payload)
                .into_inner()
                .and_then(|current| {
                    if current.user.role == Role::Admin {
                        Ok(Self(current))
                    } else {
                        Err(AppError::Forbidden)
                    }
                }),
        )
    }
}

/// Middleware: resolves the session cookie to a user, or drops the identity from it. An API
/// request with an `Authorization` header is identified by its token instead (see
/// [`super::bearer`]).
pub async fn load_identity(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let identified = if super::bearer::presented(req.request()) {
        super::bearer::identify(&req).await
    } else {
        cookie_identity(&req).await
    };
    if let Err(e) = identified {
        return Ok(req.error_response(e).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

async fn cookie_identity(req: &ServiceRequest) -> Result<(), AppError> {
    let session = req.get_session();
    if let (Some(session_id), Some(state)) = (session_id(&session), state_of(req)) {
        let resolved = if reads_profile_ahead(req) {
            accounts::profile::resolve_with_page(state, session_id).await?
        } else {
            accounts::sessions::resolve(state, session_id)
                .await?
                .map(|live| (live, None))
        };
        match resolved {
            Some((live, page)) => {
                super::remember::mark(req.request(), live.remember_until);
                let mut extensions = req.extensions_mut();
                extensions.insert(CurrentUser {
                    user: live.user.clone(),
                    session: live,
                });
                if let Some(extras) = page {
                    extensions.insert(ProfileReadAhead(extras));
                }
            }
            // Only the identity goes: the CSRF token stays, so a form on a page the user still
            // has open (the logout button, the login form) keeps working.
            None => {
                session.remove(SESSION_ID_KEY);
                session.renew();
            }
        }
    }
    Ok(())
}

/// The profile page's rows, read in the session's trip: its `GET` is the busiest page, and
/// one trip with one statement instead of two of each is a fifth of its cost (see the
/// README's performance section). Nothing else changes: the identity, and the checks that
/// follow it, are the same as for any other request.
struct ProfileReadAhead(ProfileExtras);

fn reads_profile_ahead(req: &ServiceRequest) -> bool {
    req.method() == Method::GET && req.path() == crate::paths::PROFILE
}

/// The profile page's rows when the identity middleware read them with the session (taken:
/// they serve the request's one rendering); `None` otherwise, and the page reads them itself.
pub fn take_profile_read_ahead(req: &HttpRequest) -> Option<ProfileExtras> {
    req.extensions_mut()
        .remove::<ProfileReadAhead>()
        .map(|ahead| ahead.0)
}

fn state_of(req: &ServiceRequest) -> Option<&web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>()
}

/// The session id the cookie holds, if any (live or not).
pub fn session_id(session: &Session) -> Option<String> {
    session.get::<String>(SESSION_ID_KEY).ok().flatten()
}

/// Puts a freshly started session into the cookie: a new cookie (no session fixation) and a
/// new CSRF token (a token seen before sign-in is worthless after it).
pub fn establish(session: &Session, session_id: String) -> Result<(), AppError> {
    session.renew();
    // A restore offered to whoever typed another account's password earlier in this browser
    // is not for whoever signs in now, nor is a sign-in left waiting for its second step
    // (its code would swap this session for that account's).
    session.remove(RESTORE_KEY);
    session.remove(SECOND_STEP_KEY);
    session
        .insert(SESSION_ID_KEY, session_id)
        .map_err(AppError::unexpected)?;
    super::csrf::rotate(session);
    Ok(())
}

/// Empties the cookie (after the session row was ended).
pub fn forget(session: &Session) {
    session.clear();
    session.renew();
}

const RESTORE_KEY: &str = "restore_account";
/// How long, after the right password for an account pending deletion, the restore button
/// works in that browser.
const RESTORE_WINDOW_SECONDS: i64 = 5 * 60;

/// Who typed the right password for an account pending deletion, and until when they may
/// restore it (kept in the encrypted cookie, never taken from a form).
#[derive(serde::Serialize, serde::Deserialize)]
struct RestoreTicket {
    user_id: i32,
    until: i64,
    /// "Recordarme" was ticked on the sign-in form.
    remember: bool,
    /// The sign-in was a passkey's (absent in cookies made before it was kept).
    #[serde(default)]
    by_passkey: bool,
}

impl RestoreTicket {
    /// Still within its [`RESTORE_WINDOW_SECONDS`].
    fn live(&self, now: crate::clock::Timestamp) -> bool {
        now.and_utc().timestamp() < self.until
    }
}

/// Remembers, for [`RESTORE_WINDOW_SECONDS`], that this browser may restore `user_id` (and
/// whether the session it then starts is a "recordarme" one).
pub fn allow_restore(
    session: &Session,
    user_id: i32,
    remember: accounts::sessions::Remember,
    now: crate::clock::Timestamp,
) -> Result<(), AppError> {
    hold_restore(session, user_id, remember, false, now)
}

/// [`allow_restore`] after a passkey sign-in: the passkey was both steps, so restoring
/// signs in without asking for a second one.
pub fn allow_restore_by_passkey(
    session: &Session,
    user_id: i32,
    now: crate::clock::Timestamp,
) -> Result<(), AppError> {
    hold_restore(
        session,
        user_id,
        accounts::sessions::Remember::No,
        true,
        now,
    )
}

fn hold_restore(
    session: &Session,
    user_id: i32,
    remember: accounts::sessions::Remember,
    by_passkey: bool,
    now: crate::clock::Timestamp,
) -> Result<(), AppError> {
    let ticket = RestoreTicket {
        user_id,
        until: now.and_utc().timestamp() + RESTORE_WINDOW_SECONDS,
        remember: remember == accounts::sessions::Remember::Yes,
        by_passkey,
    };
    session
        .insert(RESTORE_KEY, ticket)
        .map_err(AppError::unexpected)
}

/// What a browser may restore (see [`take_restore`]).
#[derive(Clone, Copy, Debug)]
pub struct RestorePermission {
    pub user_id: i32,
    pub remember: accounts::sessions::Remember,
    /// The refused sign-in was a passkey's, which also passed the second step.
    pub by_passkey: bool,
}

/// The account this browser may restore now, left in the cookie (for the page that offers
/// the button).
pub fn may_restore(session: &Session, now: crate::clock::Timestamp) -> Option<i32> {
    let ticket = session.get::<RestoreTicket>(RESTORE_KEY).ok().flatten()?;
    ticket.live(now).then_some(ticket.user_id)
}

/// The account this browser may restore now, and how; taken out of the cookie (it works
/// once).
pub fn take_restore(session: &Session, now: crate::clock::Timestamp) -> Option<RestorePermission> {
    let ticket = session
        .remove_as::<RestoreTicket>(RESTORE_KEY)
        .and_then(Result::ok)?;
    let remember = if ticket.remember {
        accounts::sessions::Remember::Yes
    } else {
        accounts::sessions::Remember::No
    };
    ticket.live(now).then_some(RestorePermission {
        user_id: ticket.user_id,
        remember,
        by_passkey: ticket.by_passkey,
    })
}

const SECOND_STEP_KEY: &str = "second_step";
const SET_UP_KEY: &str = "two_step_set_up";

/// A sign-in waiting for its second step, as the encrypted cookie holds it.
#[derive(serde::Serialize, serde::Deserialize)]
struct SecondStepTicket {
    pending: accounts::login::PendingSignIn,
    until: i64,
    /// Where to go once signed in (already checked to be a local path).
    next: String,
}

/// Holds `pending` in the cookie for [`accounts::login::PENDING_LIFETIME`]: the second step
/// is bound to this browser's password step, and nothing of it is in a form.
pub fn hold_second_step(
    session: &Session,
    pending: accounts::login::PendingSignIn,
    next: String,
    now: crate::clock::Timestamp,
) -> Result<(), AppError> {
    let until = (now + accounts::login::PENDING_LIFETIME)
        .and_utc()
        .timestamp();
    let ticket = SecondStepTicket {
        pending,
        until,
        next,
    };
    session
        .insert(SECOND_STEP_KEY, ticket)
        .map_err(AppError::unexpected)
}

/// The pending sign-in of this browser and where it goes next, while it is live.
pub fn second_step(
    session: &Session,
    now: crate::clock::Timestamp,
) -> Option<(accounts::login::PendingSignIn, String)> {
    let ticket = session
        .get::<SecondStepTicket>(SECOND_STEP_KEY)
        .ok()
        .flatten()?;
    (now.and_utc().timestamp() < ticket.until).then_some((ticket.pending, ticket.next))
}

/// Drops the pending sign-in (used, expired or void).
pub fn drop_second_step(session: &Session) {
    session.remove(SECOND_STEP_KEY);
}

/// Keeps the secret the set-up page offered (for `user_id`), until a code confirms it.
pub fn hold_set_up_secret(session: &Session, user_id: i32, secret: &str) -> Result<(), AppError> {
    session
        .insert(SET_UP_KEY, (user_id, secret))
        .map_err(AppError::unexpected)
}

/// The secret the set-up page offered to `user_id`, if any.
pub fn set_up_secret(session: &Session, user_id: i32) -> Option<String> {
    let (owner, secret) = session.get::<(i32, String)>(SET_UP_KEY).ok().flatten()?;
    (owner == user_id).then_some(secret)
}

/// Forgets the offered secret (confirmed, or two-step sign-in turned off).
pub fn drop_set_up_secret(session: &Session) {
    session.remove(SET_UP_KEY);
}

const CEREMONY_KEY: &str = "passkey_ceremony";
const NEW_CODES_KEY: &str = "new_recovery_codes";

/// Keeps the id of the passkey ceremony this browser started (its state is in the database;
/// a newer ceremony replaces it).
pub fn hold_ceremony(session: &Session, purpose: &str, id: &str) -> Result<(), AppError> {
    session
        .insert(CEREMONY_KEY, (purpose, id))
        .map_err(AppError::unexpected)
}

/// The passkey ceremony this browser started (its purpose and id), taken out of the cookie
/// (it serves once).
pub fn take_ceremony(session: &Session) -> Option<(String, String)> {
    session
        .remove_as::<(String, String)>(CEREMONY_KEY)
        .and_then(Result::ok)
}

/// Keeps new recovery codes for `user_id` until the next page shows them (a passkey is added
/// by a script, which then loads that page).
pub fn hold_new_codes(session: &Session, user_id: i32, codes: &[String]) -> Result<(), AppError> {
    session
        .insert(NEW_CODES_KEY, (user_id, codes))
        .map_err(AppError::unexpected)
}

/// The new recovery codes held for `user_id`, taken out of the cookie (shown once).
pub fn take_new_codes(session: &Session, user_id: i32) -> Option<Vec<String>> {
    let (owner, codes) = session
        .remove_as::<(i32, Vec<String>)>(NEW_CODES_KEY)
        .and_then(Result::ok)?;
    (owner == user_id).then_some(codes)
}

/// Who is asking: the client address (see [`client_address`]) and the user agent.
pub fn client_of(req: &HttpRequest) -> Client {
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let peer = req.peer_addr().map(|addr| addr.ip());
    let ip = match (peer, req.app_data::<web::Data<AppState>>()) {
        (Some(peer), Some(state)) => Some(client_address(peer, req.headers(), |ip| {
            state.settings.trusts_proxy(ip)
        })),
        _ => peer,
    };
    Client::new(ip, user_agent)
}

/// The client's address. Forwarding headers are believed only from a trusted proxy (anyone
/// can send them, and the throttles key on this): then the client is the right-most address
/// of `X-Forwarded-For` (else of `Forwarded: for=`) that is not itself a trusted proxy, since
/// everything left of that the client wrote itself. An entry that is not an address ends the
/// walk at the last trusted hop.
pub fn client_address(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: impl Fn(IpAddr) -> bool,
) -> IpAddr {
    if !trusted(peer) {
        return peer;
    }
    let mut hops = forwarded_for(headers);
    let mut client = peer;
    while let Some(hop) = hops.pop() {
        let Some(ip) = hop else {
            return client;
        };
        client = ip;
        if !trusted(ip) {
            return ip;
        }
    }
    client
}

/// The addresses the proxies recorded, nearest last (`None` for an entry that is none).
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name| {
        headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    let xff = values(header::HeaderName::from_static("x-forwarded-for"));
    if !xff.is_empty() {
        return xff.into_iter().map(parse_hop).collect();
    }
    values(header::FORWARDED)
        .into_iter()
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_hop(value.trim().trim_matches('"')))
            })
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|s| s.ip()))
        .or_else(|_| text.trim_start_matches('[').trim_end_matches(']').parse())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn client(peer: &str, headers: &[(&'static str, &'static str)]) -> String {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let proxies = crate::net::IpBlock::parse("10.0.0.0/8").unwrap();
        client_address(peer.parse().unwrap(), &map, |ip| proxies.contains(ip)).to_string()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let spoof = [("x-forwarded-for", "198.51.100.1")];
        assert_eq!(client("203.0.113.9", &spoof), "203.0.113.9");
        assert_eq!(client("10.0.0.2", &spoof), "198.51.100.1");
        assert_eq!(client("10.0.0.2", &[]), "10.0.0.2");
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let chain = [("x-forwarded-for", "1.1.1.1, 198.51.100.1, 10.0.0.7")];
        assert_eq!(client("10.0.0.2", &chain), "198.51.100.1");
        let two_headers = [
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "198.51.100.1"),
        ];
        assert_eq!(client("10.0.0.2", &two_headers), "198.51.100.1");
        let all_trusted = [("x-forwarded-for", "10.0.0.9, 10.0.0.7")];
        assert_eq!(client("10.0.0.2", &all_trusted), "10.0.0.9");
        let garbage = [("x-forwarded-for", "198.51.100.1, unknown, 10.0.0.7")];
        assert_eq!(client("10.0.0.2", &garbage), "10.0.0.7");
        let with_port = [("x-forwarded-for", "[2001:db8::5]:4711")];
        assert_eq!(client("10.0.0.2", &with_port), "2001:db8::5");
    }

    #[test]
    fn the_forwarded_header_is_read_when_there_is_no_x_forwarded_for() {
        let forwarded = [(
            "forwarded",
            "for=1.1.1.1, for=\"[2001:db8::7]:80\";proto=https, for=10.0.0.3",
        )];
        assert_eq!(client("10.0.0.2", &forwarded), "2001:db8::7");
        let v4 = [("forwarded", "proto=https;For=\"198.51.100.4:8080\"")];
        assert_eq!(client("10.0.0.2", &v4), "198.51.100.4");
    }
}
