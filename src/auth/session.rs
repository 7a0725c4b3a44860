//! Session identity on the page side. The encrypted cookie holds the id of a `user_sessions`
//! row; every request resolves it through [`accounts::sessions`] (revocation, epoch, idle and
//! absolute timeouts, active account, unexpired temporary password). Whatever fails, the
//! request continues as anonymous and the identity leaves the cookie.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

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
    pub session_id: Arc<str>,
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

/// Middleware: resolves the session cookie to a user, or drops the identity from it.
pub async fn load_identity(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let session = req.get_session();
    if let (Some(session_id), Some(state)) = (session_id(&session), state_of(&req)) {
        match accounts::sessions::resolve(state, session_id).await {
            Ok(Some(live)) => {
                req.extensions_mut().insert(CurrentUser {
                    user: live.user,
                    session_id: live.id,
                });
            }
            // Only the identity goes: the CSRF token stays, so a form on a page the user still
            // has open (the logout button, the login form) keeps working.
            Ok(None) => {
                session.remove(SESSION_ID_KEY);
                session.renew();
            }
            Err(e) => return Ok(req.error_response(AppError::from(e)).map_into_right_body()),
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
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

/// Who is asking: the peer address and the user agent.
pub fn client_of(req: &HttpRequest) -> Client {
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // Forwarded headers are not trusted: anyone can send them, and the throttles key on this.
    Client::new(req.peer_addr().map(|addr| addr.ip()), user_agent)
}
