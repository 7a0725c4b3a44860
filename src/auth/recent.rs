//! [`RecentUser`]: the extractor of sensitive actions (ending other sessions, deleting the
//! account, exporting data). It is the signed-in user when the password was typed in this
//! session within `CUENTAS_REAUTH_MINUTES`; otherwise the request goes to `/reautenticar/`,
//! which sends the user back to the page the action started from.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};

use super::CurrentUser;
use crate::accounts::sessions::{self, Recent};
use crate::error::AppError;
use crate::paths::safe_next;
use crate::state::AppState;

/// The signed-in user, with the proof that the password was typed recently.
#[derive(Clone, Debug)]
pub struct RecentUser {
    pub current: CurrentUser,
    pub recent: Recent,
}

impl FromRequest for RecentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let current = match CurrentUser::from_request(req, payload).into_inner() {
            Ok(current) => current,
            Err(e) => return ready(Err(e)),
        };
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return ready(Err(AppError::unexpected(anyhow::anyhow!("no state"))));
        };
        ready(match sessions::require_recent(state, &current.session) {
            Ok(recent) => Ok(Self { current, recent }),
            Err(_) => Err(AppError::ReauthRequired {
                next: return_to(req),
            }),
        })
    }
}

/// Where to continue after re-authenticating: the page itself for a GET; for a form post, the
/// local page the form was on (the CSRF check already made sure the `Referer`, when sent, is
/// ours). Empty when unknown: the security centre then.
fn return_to(req: &HttpRequest) -> String {
    if req.method() == Method::GET {
        return req
            .uri()
            .path_and_query()
            .map_or_else(String::new, |pq| pq.as_str().to_owned());
    }
    req.headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| url::Url::parse(referer).ok())
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
        .filter(|path| safe_next(path).is_some())
        .unwrap_or_default()
}
