//! `GET /dashboard/`: the home page of a signed-in user.

use actix_web::HttpResponse;
use askama::Template;

use crate::accounts;
use crate::auth::CurrentUser;
use crate::domain::Role;
use crate::error::AppError;
use crate::locale::{Moment, Reader};
use crate::render::{Layout, PageContext};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    display_name: String,
    username: String,
    email: String,
    member_since: Moment,
    show_tutorial: bool,
    is_admin: bool,
    /// The open first steps: (catalog key, link). Empty once the profile is complete.
    open_steps: Vec<(&'static str, &'static str)>,
}

pub async fn show_dashboard(
    ctx: PageContext,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    // The tutorial shows once: the request that flips the flag is the one that shows it.
    let home = accounts::onboarding::home(&ctx.state, &current.session).await?;
    let open_steps = home
        .onboarding
        .open_steps()
        .into_iter()
        .map(|step| (step.label_key(), step.link()))
        .collect();
    ctx.ok(&DashboardPage {
        layout: ctx.layout(),
        display_name: user.display_name().to_owned(),
        username: user.username.clone(),
        email: user.email.clone(),
        member_since: Moment::day(&Reader::of(user), user.created_at),
        show_tutorial: home.show_tutorial,
        is_admin: user.role == Role::Admin,
        open_steps,
    })
}
