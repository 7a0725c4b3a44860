//! `GET, POST /equipo/` and `POST /equipo/{id}/{action}/`: an admin's team of vendedores
//! (`accounts::team`). Every route takes an [`AdminUser`] (a vendedor gets 403); someone
//! else's vendedor, an admin or an unknown id is 404.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::accounts::team::{IssuedPassword, NewVendedorInput, TeamAction};
use crate::accounts::{self, Error};
use crate::auth::AdminUser;
use crate::db::users::User;
use crate::domain::Problems;
use crate::error::AppError;
use crate::locale::{Moment, Reader};
use crate::paths;
use crate::render::{FieldErrors, FlashLevel, Layout, PageContext};

/// The temporary password waiting in the session to be shown once.
const ISSUED_KEY: &str = "issued_password";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct NewVendedorForm {
    username: String,
    email: String,
    first_name: String,
    last_name: String,
}

/// The flash message that confirms `action`.
fn confirmation(action: TeamAction) -> &'static str {
    match action {
        TeamAction::Deactivate => "team-deactivated",
        TeamAction::Activate => "team-activated",
        TeamAction::ResetPassword => "team-password-reset",
        TeamAction::ResetTutorial => "team-tutorial-reset",
        TeamAction::Delete => "team-deleted",
        TeamAction::Restore => "team-restored",
        TeamAction::ResetTwoStep => "team-two-step-reset",
    }
}

/// A temporary password just issued, shown on the next team page of the admin who issued it
/// and then forgotten. No `Debug`: nothing can print the password.
#[derive(Serialize, Deserialize)]
struct ShownPassword {
    admin_id: i32,
    username: String,
    password: String,
    /// When it stops working, in the admin's time zone.
    expires: String,
}

/// One row of the team table.
struct Member {
    id: i32,
    name: String,
    username: String,
    email: String,
    active: bool,
    must_change_password: bool,
    temp_password_expired: bool,
    email_verified: bool,
    last_login: Option<Moment>,
    /// When a member pending deletion will be purged, in the admin's time zone.
    purge_date: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/team.html")]
struct TeamPage {
    layout: Layout,
    members: Vec<Member>,
    issued: Option<ShownPassword>,
    values: NewVendedorForm,
    errors: FieldErrors,
    /// The `exigir_dos_pasos` switch.
    require_two_step: bool,
}

impl TeamPage {
    async fn build(
        ctx: &PageContext,
        admin: &User,
        issued: Option<ShownPassword>,
        (values, problems): (NewVendedorForm, Problems),
    ) -> Result<Self, AppError> {
        let (layout, now) = (ctx.layout(), ctx.state.clock.now());
        let reader = Reader::of(admin);
        let members = accounts::team::members(&ctx.state, admin)
            .await?
            .iter()
            .map(|user| Member {
                id: user.id,
                name: user.full_name(),
                username: user.username.clone(),
                email: user.email.clone(),
                active: user.is_active,
                must_change_password: user.must_change_password,
                temp_password_expired: user.temp_password_expired(now),
                email_verified: user.email_verified,
                last_login: user.last_login_at.map(|at| Moment::ago(&reader, at, now)),
                purge_date: user.purge_after.map(|at| reader.date_time(at)),
            })
            .collect();
        let require_two_step = accounts::two_step::team_requires(&ctx.state, admin).await?;
        Ok(Self {
            errors: FieldErrors::new(&problems, layout.lang),
            layout,
            members,
            issued,
            values,
            require_two_step,
        })
    }

    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field)
    }

    fn error_items(&self) -> Vec<(&'static str, String)> {
        self.errors.items()
    }
}

pub async fn show_team(
    ctx: PageContext,
    AdminUser(current): AdminUser,
) -> Result<HttpResponse, AppError> {
    // Taken out of the session: it is shown on this page and never again, and only to the
    // admin who issued it (another admin may have signed in on this browser since).
    let issued = ctx
        .session
        .remove_as::<ShownPassword>(ISSUED_KEY)
        .and_then(Result::ok)
        .filter(|issued| issued.admin_id == current.user.id);
    let empty_form = (NewVendedorForm::default(), Problems::new());
    let team = TeamPage::build(&ctx, &current.user, issued, empty_form).await?;
    ctx.ok(&team)
}

pub async fn submit_new_vendedor(
    ctx: PageContext,
    AdminUser(current): AdminUser,
    form: web::Form<NewVendedorForm>,
) -> Result<HttpResponse, AppError> {
    let typed = form.into_inner();
    let input = NewVendedorInput {
        username: typed.username.clone(),
        email: typed.email.clone(),
        first_name: typed.first_name.clone(),
        last_name: typed.last_name.clone(),
    };
    let admin = &current.user;
    match accounts::team::create_vendedor(&ctx.state, &ctx.client(), admin, &input).await {
        Ok(issued) => {
            show_once(&ctx.session, admin, issued)?;
            ctx.redirect_with(paths::TEAM, FlashLevel::Success, "team-created")
        }
        Err(Error::Invalid(problems)) => {
            let team = TeamPage::build(&ctx, admin, None, (typed, problems)).await?;
            ctx.invalid(&team)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn submit_team_action(
    ctx: PageContext,
    AdminUser(current): AdminUser,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, word) = path.into_inner();
    let action = TeamAction::from_word(&word).ok_or(AppError::NotFound)?;
    let admin = &current.user;
    if let Some(issued) =
        accounts::team::act_on_member(&ctx.state, &ctx.client(), admin, id, action).await?
    {
        show_once(&ctx.session, admin, issued)?;
    }
    ctx.redirect_with(paths::TEAM, FlashLevel::Success, confirmation(action))
}

/// Keeps a new temporary password in the (encrypted) session cookie until the team page
/// shows it once.
fn show_once(session: &Session, admin: &User, issued: IssuedPassword) -> Result<(), AppError> {
    let shown = ShownPassword {
        admin_id: admin.id,
        expires: Reader::of(admin).date_time(issued.expires_at),
        username: issued.username,
        password: issued.password,
    };
    session
        .insert(ISSUED_KEY, shown)
        .map_err(AppError::unexpected)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TeamTwoStepForm {
    /// The checkbox: present (any value) when ticked.
    exigir_dos_pasos: Option<String>,
}

/// `POST /equipo/dos-pasos/`: the switch that requires two-step sign-in of every vendedor.
pub async fn submit_team_two_step(
    ctx: PageContext,
    AdminUser(current): AdminUser,
    form: web::Form<TeamTwoStepForm>,
) -> Result<HttpResponse, AppError> {
    let required = form.exigir_dos_pasos.is_some();
    accounts::two_step::set_team_requires(&ctx.state, &current.user, required).await?;
    let message = if required {
        "team-two-step-required"
    } else {
        "team-two-step-not-required"
    };
    ctx.redirect_with(paths::TEAM, FlashLevel::Success, message)
}
