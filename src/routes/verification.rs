//! `GET /verificar-email/{token}/` (confirms an address: the account's own, or a new one
//! asked for from the profile) and `GET, POST /reenviar-verificacion/` (a new link; the same
//! answer for every address). The work is in `accounts::verification`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::accounts::verification::Confirmed;
use crate::accounts::{self, Error};
use crate::auth::CurrentUser;
use crate::auth::session::client_of;
use crate::domain::EmailAddress;
use crate::error::AppError;
use crate::paths;
use crate::render::{
    EmailForm, EmailRequestPage, FlashLevel, Layout, LinkKind, flash, link_invalid, no_referrer,
    page, see_other,
};
use crate::state::AppState;

pub async fn open_verification_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let confirmed = match accounts::verification::confirm(&state, token.into_inner()).await {
        Ok(confirmed) => confirmed,
        Err(Error::LinkInvalid) => return link_invalid(&req, LinkKind::Verification),
        Err(e) => return Err(e.into()),
    };
    let key = match confirmed {
        Confirmed::Verified => "verify-done",
        Confirmed::Changed => "verify-email-changed",
    };
    flash(&session, FlashLevel::Success, key);
    let target = if CurrentUser::of(&req).is_some() {
        paths::PROFILE
    } else {
        paths::LOGIN
    };
    Ok(no_referrer(see_other(target)))
}

fn resend_page(layout: Layout, email: String, email_error: Option<String>) -> EmailRequestPage {
    EmailRequestPage {
        layout,
        title_key: "resend-title",
        intro_key: "resend-intro",
        submit_key: "resend-submit",
        action: paths::RESEND_VERIFICATION,
        email,
        email_error,
    }
}

pub async fn resend_form(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let form = resend_page(Layout::for_request(&req), String::new(), None);
    page(StatusCode::OK, &form)
}

pub async fn submit_resend(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(problem) => {
            let layout = Layout::for_request(&req);
            let error = Some(layout.t(problem.message_key()));
            let form = resend_page(layout, form.into_inner().email, error);
            return page(StatusCode::UNPROCESSABLE_ENTITY, &form);
        }
    };
    accounts::verification::resend(state.into_inner(), &client_of(&req), email).await?;
    flash(&session, FlashLevel::Info, "resend-done");
    Ok(see_other(paths::LOGIN))
}
