//! `GET /dashboard/`: the home page of a signed-in user.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::CurrentUser;
use crate::db;
use crate::db::users::User;
use crate::error::AppError;
use crate::render::{Layout, page};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    display_name: String,
    username: String,
    email: String,
    member_since: String,
    show_tutorial: bool,
    is_admin: bool,
}

pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    // The tutorial shows once: the request that flips the flag is the one that shows it.
    let show_tutorial = if user.tutorial_seen {
        false
    } else {
        let id = user.id;
        db::run(&state.pool, move |conn| Ok(User::claim_tutorial(conn, id)?)).await?
    };
    page(
        StatusCode::OK,
        &DashboardPage {
            layout: Layout::for_request(&req),
            display_name: user.display_name().to_owned(),
            username: user.username.clone(),
            email: user.email.clone(),
            member_since: user.created_at.format("%Y-%m-%d").to_string(),
            show_tutorial,
            is_admin: user.role() == crate::domain::Role::Admin,
        },
    )
}
