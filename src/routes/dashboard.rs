//! `GET /dashboard/`: the home page of a signed-in user.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::render::{Layout, page};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    display_name: String,
    username: String,
    email: String,
    member_since: String,
}

pub async fn dashboard(req: HttpRequest, current: CurrentUser) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    page(
        StatusCode::OK,
        &DashboardPage {
            layout: Layout::for_request(&req),
            display_name: user.display_name().to_owned(),
            username: user.username.clone(),
            email: user.email.clone(),
            member_since: user.created_at.format("%Y-%m-%d").to_string(),
        },
    )
}
