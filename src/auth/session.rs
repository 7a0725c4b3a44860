//! Session identity. The encrypted cookie holds the id of a `user_sessions` row; every request
//! loads that row with its user and checks revocation, the user's `session_epoch`, the idle and
//! absolute timeouts, that the account is active and that its temporary password (if any) has
//! not expired. Whatever fails, the request continues as anonymous and the cookie is cleared.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use rand::RngCore;

use crate::db::sessions::UserSession;
use crate::db::users::User;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::startup::AppState;

const SESSION_ID_KEY: &str = "sid";
/// `last_seen_at` is written at most this often, so a busy user costs one write a minute.
const TOUCH_INTERVAL: TimeDelta = TimeDelta::seconds(60);

/// The logged-in user of this request, put in the request extensions by [`load_identity`].
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: Arc<User>,
    pub session_id: Arc<str>,
}

impl CurrentUser {
    /// The identity of a request, when someone is logged in.
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

/// Middleware: resolves the session cookie to a user, or clears it.
pub async fn load_identity(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let session = req.get_session();
    let session_id = session.get::<String>(SESSION_ID_KEY).ok().flatten();
    if let (Some(session_id), Some(state)) = (session_id, req.app_data::<web::Data<AppState>>()) {
        match resolve(state, session_id).await {
            Ok(Some(identity)) => {
                req.extensions_mut().insert(identity);
            }
            // Only the identity goes: the CSRF token stays, so a form on a page the user still
            // has open (the logout button, the login form) keeps working.
            Ok(None) => {
                session.remove(SESSION_ID_KEY);
                session.renew();
            }
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

async fn resolve(state: &AppState, session_id: String) -> Result<Option<CurrentUser>, AppError> {
    let now = state.clock.now();
    let idle = TimeDelta::from_std(state.settings.session_idle).unwrap_or(TimeDelta::MAX);
    let max = TimeDelta::from_std(state.settings.session_max).unwrap_or(TimeDelta::MAX);
    db::run(&state.pool, move |conn| {
        let Some((row, user)) = UserSession::find_with_user(conn, &session_id)? else {
            return Ok(None);
        };
        let live = user.is_active
            && !user.temp_password_expired(now)
            && row.epoch == user.session_epoch
            && now - row.last_seen_at < idle
            && now - row.created_at < max;
        if !live {
            UserSession::revoke(conn, &row.id, now)?;
            return Ok(None);
        }
        if now - row.last_seen_at >= TOUCH_INTERVAL {
            UserSession::touch(conn, &row.id, now)?;
        }
        Ok(Some(CurrentUser {
            user: Arc::new(user),
            session_id: row.id.into(),
        }))
    })
    .await
}

/// Begins a session for `user`: a new `user_sessions` row whose fresh random id replaces
/// whatever the cookie held before (no session fixation); a session the cookie already named
/// is revoked, so an old copy of the cookie is worthless.
pub async fn log_in(
    pool: &Pool,
    session: &Session,
    user: &User,
    now: chrono::NaiveDateTime,
    ip: String,
    user_agent: String,
) -> Result<(), AppError> {
    let row = UserSession {
        id: random_token(),
        user_id: user.id,
        epoch: user.session_epoch,
        created_at: now,
        last_seen_at: now,
        ip,
        user_agent: user_agent.chars().take(500).collect(),
        revoked_at: None,
    };
    let id = row.id.clone();
    let previous = session.get::<String>(SESSION_ID_KEY).ok().flatten();
    db::run(pool, move |conn| {
        if let Some(previous) = previous {
            UserSession::revoke(conn, &previous, now)?;
        }
        Ok(UserSession::insert(conn, &row)?)
    })
    .await?;
    session.renew();
    session
        .insert(SESSION_ID_KEY, id)
        .map_err(AppError::unexpected)?;
    // A new login gets a new CSRF token too.
    super::csrf::rotate(session);
    Ok(())
}

/// Ends the session: the row is revoked (on every instance) and the cookie emptied.
pub async fn log_out(
    pool: &Pool,
    session: &Session,
    current: &CurrentUser,
    now: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let id = current.session_id.to_string();
    db::run(pool, move |conn| Ok(UserSession::revoke(conn, &id, now)?)).await?;
    session.clear();
    session.renew();
    Ok(())
}

/// 256 bits from the OS generator, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The client address as the socket saw it. Forwarded headers are not trusted: anyone can
/// send them, and the login throttle keys on this value.
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string())
}

/// The client as the throttles count it: an IPv4 address, or the /64 network of an IPv6 one
/// (one subscriber usually holds a whole /64, so single addresses would be free to rotate).
pub fn throttle_ip(req: &HttpRequest) -> String {
    match req.peer_addr().map(|addr| addr.ip()) {
        Some(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", std::net::Ipv6Addr::from(network))
        }
        Some(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(String::new, |v4| v4.to_string()),
        Some(ip) => ip.to_string(),
        None => "unknown".to_owned(),
    }
}

pub fn user_agent(req: &HttpRequest) -> String {
    req.headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The logged-in user when they are an admin. Anonymous visitors go to the login page like
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
                    if current.user.role() == crate::domain::Role::Admin {
                        Ok(Self(current))
                    } else {
                        Err(AppError::Forbidden)
                    }
                }),
        )
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::throttle_ip;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let at = |addr: &str| {
            throttle_ip(
                &TestRequest::default()
                    .peer_addr(addr.parse().unwrap())
                    .to_http_request(),
            )
        };
        assert_eq!(at("203.0.113.7:4000"), "203.0.113.7");
        assert_eq!(at("[2001:db8:1:2:aaaa::1]:4000"), "2001:db8:1:2::/64");
        assert_eq!(
            at("[2001:db8:1:2:ffff:ffff:ffff:ffff]:4000"),
            at("[2001:db8:1:2::9]:4000")
        );
        assert_ne!(at("[2001:db8:1:3::1]:4000"), at("[2001:db8:1:2::1]:4000"));
        assert_eq!(at("[::ffff:203.0.113.7]:4000"), "203.0.113.7");
    }
}
