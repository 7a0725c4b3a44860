//! An admin's team of vendedores: listing, creating one with a temporary password, and the
//! actions on a member. Everything is scoped by the admin's id: someone else's vendedor, an
//! admin or an unknown id is [`Error::NotFound`].

use chrono::TimeDelta;

use super::security_log::{self, Event};
use super::{Client, Error, throttle};
use crate::auth::password::temporary_password;
use crate::clock::Timestamp;
use crate::db;
use crate::db::security_events::EventKind;
use crate::db::users::{NewUser, Preferences, Taken, TeamChange, User};
use crate::domain::profile::PersonName;
use crate::domain::{EmailAddress, Problem, Problems, Role, Username};
use crate::state::AppState;

/// What an admin can do to one of their vendedores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeamAction {
    Deactivate,
    Activate,
    ResetPassword,
    ResetTutorial,
    /// Marks the vendedor for deletion, with the same grace period as one's own deletion.
    Delete,
    /// Takes that back during the grace period.
    Restore,
    /// Removes the vendedor's two-step factors (a phone lost with the recovery codes).
    ResetTwoStep,
}

impl TeamAction {
    /// The action a word of `/equipo/{id}/{action}/` (and of the API's
    /// `/team/{id}/{action}`) names.
    pub fn from_word(word: &str) -> Option<Self> {
        Some(match word {
            "desactivar" => Self::Deactivate,
            "activar" => Self::Activate,
            "restablecer-password" => Self::ResetPassword,
            "reiniciar-tutorial" => Self::ResetTutorial,
            "eliminar" => Self::Delete,
            "restaurar" => Self::Restore,
            "reiniciar-dos-pasos" => Self::ResetTwoStep,
            _ => return None,
        })
    }
}

/// The new-vendedor form, as typed.
#[derive(Clone, Debug, Default)]
pub struct NewVendedorInput {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

/// A temporary password just set, to be shown once to the admin who set it.
pub struct IssuedPassword {
    pub username: String,
    pub password: String,
    pub expires_at: Timestamp,
}

/// Never prints the password, whatever logs it.
impl std::fmt::Debug for IssuedPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedPassword")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

fn require_admin(user: &User) -> Result<(), Error> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The admin's vendedores, by username.
pub async fn members(state: &AppState, admin: &User) -> Result<Vec<User>, Error> {
    require_admin(admin)?;
    let admin_id = admin.id;
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(User::team_of(conn, admin_id)?)
    })
    .await
}

/// The admin's vendedor `id`: anyone else (another admin's vendedor, an admin, an unknown id)
/// is [`Error::NotFound`].
pub async fn member(state: &AppState, admin: &User, id: i32) -> Result<User, Error> {
    require_admin(admin)?;
    let admin_id = admin.id;
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(User::find_in_team(conn, admin_id, id)?)
    })
    .await?
    .ok_or(Error::NotFound)
}

/// The account `id` as `viewer` may see it: their own, or (for an admin) one of their
/// vendedores; anyone else is [`Error::Forbidden`].
pub async fn visible_user(state: &AppState, viewer: &User, id: i32) -> Result<User, Error> {
    if id == viewer.id {
        return Ok(viewer.clone());
    }
    if viewer.role != Role::Admin {
        return Err(Error::Forbidden);
    }
    match member(state, viewer, id).await {
        Err(Error::NotFound) => Err(Error::Forbidden),
        other => other,
    }
}

/// A name problem worded about someone else: "write the vendedor's name".
fn about_them(problem: Problem) -> Problem {
    if problem.key == "error-name-required" {
        Problem::new("team-error-name-required")
    } else {
        problem
    }
}

/// Adds a vendedor to the admin's team, with a temporary password they must change at their
/// first sign-in.
pub async fn create_vendedor(
    state: &AppState,
    client: &Client,
    admin: &User,
    input: &NewVendedorInput,
) -> Result<IssuedPassword, Error> {
    require_admin(admin)?;
    let mut problems = Problems::new();
    let username = problems.check("username", Username::parse(&input.username));
    let email = problems.check("email", EmailAddress::parse(&input.email));
    let first_name = problems.check(
        "first_name",
        PersonName::parse(&input.first_name).map_err(|key| about_them(key.into())),
    );
    let last_name = problems.check(
        "last_name",
        PersonName::parse(&input.last_name).map_err(|key| about_them(key.into())),
    );
    let (Some(username), Some(email), Some(first_name), Some(last_name)) =
        (username, email, first_name, last_name)
    else {
        return Err(Error::Invalid(problems));
    };
    // Each creation may answer "email already in use": bounded per admin.
    throttle::admit_action(state, throttle::TEAM_CREATE, admin.id).await?;

    let password = temporary_password();
    let hash = state.passwords.hash(password.clone()).await?;
    let now = state.clock.now();
    let expires_at = temp_expiry(state, now);
    let new = NewUser::vendedor(
        admin.id,
        &username,
        &email,
        &first_name,
        &last_name,
        hash,
        expires_at,
        Preferences::of(admin),
        now,
    );
    let (admin_id, client) = (admin.id, client.clone());
    let inserted = db::run_write(&state.pool, move |conn| {
        let inserted = User::insert(conn, &new)?;
        if let Ok(user) = &inserted {
            let event = Event::new(EventKind::VendedorCreated, user.id).by(admin_id);
            security_log::record(conn, &client, now, &event)?;
        }
        Ok::<_, Error>(inserted)
    })
    .await?;
    match inserted {
        Ok(user) => Ok(IssuedPassword {
            username: user.username,
            password,
            expires_at,
        }),
        Err(Taken::Username) => Err(Error::field("username", "error-username-taken")),
        Err(Taken::Email) => Err(Error::field("email", "error-email-taken")),
    }
}

/// Applies `action` to the admin's vendedor `id`. A password reset returns the new temporary
/// password; deactivating, resetting and deleting end the vendedor's sessions. A delete of
/// someone already pending deletion, or a restore after the grace period, is
/// [`Error::NotFound`].
pub async fn act_on_member(
    state: &AppState,
    client: &Client,
    admin: &User,
    id: i32,
    action: TeamAction,
) -> Result<Option<IssuedPassword>, Error> {
    require_admin(admin)?;
    let admin_id = admin.id;
    let member = db::run(&state.pool, move |conn| {
        Ok::<_, Error>(User::find_in_team(conn, admin_id, id)?)
    })
    .await?
    .ok_or(Error::NotFound)?;
    let now = state.clock.now();
    let mut issued = None;
    let change = match action {
        TeamAction::Deactivate => TeamChange::Deactivate,
        TeamAction::Activate => TeamChange::Activate,
        TeamAction::ResetTutorial => TeamChange::ResetTutorial,
        TeamAction::Delete => TeamChange::Delete {
            purge_after: super::deletion::purge_time(state, now),
        },
        TeamAction::Restore => TeamChange::Restore,
        TeamAction::ResetTwoStep => {
            super::two_step::reset_by_admin(state, client, admin, &member).await?;
            return Ok(None);
        }
        TeamAction::ResetPassword => {
            let password = temporary_password();
            let hash = state.passwords.hash(password.clone()).await?;
            let expires_at = temp_expiry(state, now);
            issued = Some(IssuedPassword {
                username: member.username,
                password,
                expires_at,
            });
            TeamChange::ResetPassword { hash, expires_at }
        }
    };
    let kind = match action {
        TeamAction::Deactivate => EventKind::Deactivated,
        TeamAction::Activate => EventKind::Activated,
        TeamAction::ResetPassword => EventKind::TemporaryPasswordSet,
        TeamAction::ResetTutorial => EventKind::TutorialReset,
        TeamAction::Delete => EventKind::DeletionRequested,
        TeamAction::Restore => EventKind::DeletionCancelled,
        TeamAction::ResetTwoStep => EventKind::TwoStepDisabled,
    };
    let client = client.clone();
    let applied = db::run_write(&state.pool, move |conn| {
        let applied = User::apply_team_change(conn, admin_id, id, &change, now)?;
        if applied {
            let event = Event::new(kind, id).by(admin_id);
            security_log::record(conn, &client, now, &event)?;
        }
        Ok::<_, Error>(applied)
    })
    .await?;
    if !applied {
        return Err(Error::NotFound);
    }
    Ok(issued)
}

fn temp_expiry(state: &AppState, now: Timestamp) -> Timestamp {
    let lifetime =
        TimeDelta::from_std(state.settings.temp_password_lifetime).unwrap_or(TimeDelta::MAX);
    now.checked_add_signed(lifetime)
        .unwrap_or(chrono::NaiveDateTime::MAX)
}
