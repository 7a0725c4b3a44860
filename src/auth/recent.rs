//! [`RecentUser`]: the extractor of sensitive actions (ending other sessions, deleting the
//! account, exporting data). It is the signed-in user when the password was typed in this
//! session within `CUENTAS_REAUTH_MINUTES`, or typed again at `/reautenticar/` for this action;
//! otherwise the request goes to `/reautenticar/`, which sends the user back to the page the
//! action started from. A GET (the page of the action) only looks; an action spends the
//! re-authentication (see `accounts::sessions::spend_recent`).

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};

use super::CurrentUser;
use futures_util::future::LocalBoxFuture;

use crate::accounts::Error;
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
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let current = CurrentUser::from_request(req, payload).into_inner();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let (looking, next) = (req.method() == Method::GET, return_to(req));
        Box::pin(async move {
            let current = current?;
            let state = state.ok_or_else(|| AppError::unexpected(anyhow::anyhow!("no state")))?;
            let recent = if looking {
                sessions::require_recent(&state, &current.session)
            } else {
                sessions::spend_recent(&state, &current.session).await
            };
            match recent {
                Ok(recent) => Ok(Self { current, recent }),
                Err(Error::ReauthRequired) => Err(AppError::ReauthRequired { next }),
                Err(e) => Err(e.into()),
            }
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
