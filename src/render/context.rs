//! [`PageContext`]: what every page handler reads besides its form and its user: the request
//! (for the layout and the client), the shared state and the session (for flash messages).

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

use super::{FlashLevel, Layout, flash, page, see_other};
use crate::accounts::Client;
use crate::auth::session::client_of;
use crate::error::AppError;
use crate::state::AppState;

pub struct PageContext {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
    pub session: Session,
}

impl FromRequest for PageContext {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.app_data::<web::Data<AppState>>()
                .cloned()
                .map(|state| Self {
                    req: req.clone(),
                    state,
                    session: req.get_session(),
                })
                .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("no AppState"))),
        )
    }
}

impl PageContext {
    /// The page's layout; takes the queued flash messages (they show once).
    pub fn layout(&self) -> Layout {
        Layout::for_request(&self.req)
    }

    /// Who is asking, for the operations.
    pub fn client(&self) -> Client {
        client_of(&self.req)
    }

    /// A 200 page.
    pub fn ok(&self, template: &impl askama::Template) -> Result<HttpResponse, AppError> {
        page(StatusCode::OK, template)
    }

    /// A form shown again with its problems: 422.
    pub fn invalid(&self, template: &impl askama::Template) -> Result<HttpResponse, AppError> {
        page(StatusCode::UNPROCESSABLE_ENTITY, template)
    }

    /// A 303 to `location` with a flash message for the page there.
    pub fn redirect_with(
        &self,
        location: &str,
        level: FlashLevel,
        key: &str,
    ) -> Result<HttpResponse, AppError> {
        flash(&self.session, level, key);
        Ok(see_other(location))
    }
}
