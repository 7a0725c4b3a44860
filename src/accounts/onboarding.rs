//! Onboarding: which first steps an account still has open, and from that its status.
//!
//! The one rule, derived from the account every time it is asked (nothing is stored, so
//! nothing can drift): an account is complete when its address is confirmed, it has a first
//! and a last name, a phone, a photo (uploaded, or the one its Google account gave), and
//! besides, for an admin, a company name in the invoice settings, and for a vendedor, their
//! own password in place of the temporary one. Until then its status is `onboarding`; after,
//! `active`.

use crate::db::invoice_settings::InvoiceSettings;
use crate::db::users::User;
use crate::db::{self};
use crate::domain::Role;
use crate::state::AppState;

use super::Error;
use super::sessions::LiveSession;

/// One first step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The account's address is confirmed.
    EmailConfirmed,
    /// Both first and last name are filled in.
    FullName,
    Phone,
    /// An uploaded photo, or a Google one.
    Photo,
    /// Admins: the invoice settings name the company.
    CompanyName,
    /// Vendedores: the temporary password was replaced.
    PasswordChanged,
}

impl Step {
    /// The catalog key of the step's words.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::EmailConfirmed => "onboarding-step-email",
            Self::FullName => "onboarding-step-name",
            Self::Phone => "onboarding-step-phone",
            Self::Photo => "onboarding-step-photo",
            Self::CompanyName => "onboarding-step-company",
            Self::PasswordChanged => "onboarding-step-password",
        }
    }

    /// The page (and the place on it) where the step is done.
    pub fn link(self) -> &'static str {
        match self {
            Self::EmailConfirmed => "/perfil/#page-title",
            Self::FullName => "/perfil/#first_name",
            Self::Phone => "/perfil/#telefono",
            Self::Photo => "/perfil/#foto_perfil",
            Self::CompanyName => "/perfil/#factura-nombre_empresa",
            Self::PasswordChanged => "/cambiar-password/",
        }
    }
}

/// Where an account stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Onboarding,
    Active,
}

impl Status {
    /// The word in data (`onboarding` | `active`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Onboarding => "onboarding",
            Self::Active => "active",
        }
    }

    /// The catalog key of its words on a page.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Onboarding => "onboarding-status-onboarding",
            Self::Active => "onboarding-status-active",
        }
    }
}

/// The account's steps, each with whether it is done, in the order the checklist shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Onboarding {
    pub steps: Vec<(Step, bool)>,
}

/// What the rule reads about an account.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    pub role: Role,
    pub email_verified: bool,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub phone: &'a str,
    /// An uploaded photo or a Google one.
    pub has_photo: bool,
    pub must_change_password: bool,
    /// The admin's saved company name (`None` without invoice settings).
    pub company_name: Option<&'a str>,
}

impl<'a> Facts<'a> {
    pub fn of(user: &'a User, company_name: Option<&'a str>) -> Self {
        Self {
            role: user.role,
            email_verified: user.email_verified,
            first_name: &user.first_name,
            last_name: &user.last_name,
            phone: &user.phone,
            has_photo: user.photo_path.is_some() || user.google_photo_path.is_some(),
            must_change_password: user.must_change_password,
            company_name,
        }
    }
}

impl Onboarding {
    /// The steps of `user`; `company_name` is the admin's saved company name (ignored for a
    /// vendedor).
    pub fn of(user: &User, company_name: Option<&str>) -> Self {
        Self::from_facts(Facts::of(user, company_name))
    }

    /// The rule itself.
    pub fn from_facts(facts: Facts<'_>) -> Self {
        let filled = |s: &str| !s.trim().is_empty();
        let mut steps = vec![
            (Step::EmailConfirmed, facts.email_verified),
            (
                Step::FullName,
                filled(facts.first_name) && filled(facts.last_name),
            ),
            (Step::Phone, filled(facts.phone)),
            (Step::Photo, facts.has_photo),
        ];
        match facts.role {
            Role::Admin => steps.push((Step::CompanyName, facts.company_name.is_some_and(filled))),
            Role::Vendedor => steps.push((Step::PasswordChanged, !facts.must_change_password)),
        }
        Self { steps }
    }

    /// The steps still to do.
    pub fn open_steps(&self) -> Vec<Step> {
        self.steps
            .iter()
            .filter(|(_, done)| !done)
            .map(|(step, _)| *step)
            .collect()
    }

    /// True when every step is done.
    pub fn profile_complete(&self) -> bool {
        self.steps.iter().all(|(_, done)| *done)
    }

    pub fn status(&self) -> Status {
        if self.profile_complete() {
            Status::Active
        } else {
            Status::Onboarding
        }
    }
}

/// Reads what the rule needs beyond the user row (an admin's company name).
pub fn load(conn: &mut db::DbConnection, user: &User) -> Result<Onboarding, Error> {
    let company = match user.role {
        Role::Admin => InvoiceSettings::find(conn, user.id)?.map(|s| s.company_name),
        Role::Vendedor => None,
    };
    Ok(Onboarding::of(user, company.as_deref()))
}

/// What the dashboard shows besides the account: the tutorial (true only for the request that
/// marks it seen) and the onboarding steps.
pub struct Home {
    pub show_tutorial: bool,
    pub onboarding: Onboarding,
}

/// The dashboard's one call: the onboarding steps from what the session read (the account
/// and an admin's company name), and the tutorial, claimed when it is still to show: the only
/// database trip, once per account.
pub async fn home(state: &AppState, session: &LiveSession) -> Result<Home, Error> {
    let user = &session.user;
    let onboarding = Onboarding::of(user, session.company_name.as_deref());
    let show_tutorial = !user.tutorial_seen && claim_tutorial(state, user.id).await?;
    Ok(Home {
        show_tutorial,
        onboarding,
    })
}

/// Marks the dashboard's tutorial seen; true only for the request that did (show it then).
pub async fn claim_tutorial(state: &AppState, user_id: i32) -> Result<bool, Error> {
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(User::claim_tutorial(conn, user_id)?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_account(role: Role) -> Facts<'static> {
        Facts {
            role,
            email_verified: false,
            first_name: "",
            last_name: "",
            phone: "",
            has_photo: false,
            must_change_password: true,
            company_name: None,
        }
    }

    fn complete(role: Role) -> Facts<'static> {
        Facts {
            email_verified: true,
            first_name: "Ana",
            last_name: "Pérez",
            phone: "+34 600 000 000",
            has_photo: true,
            must_change_password: false,
            ..new_account(role)
        }
    }

    #[test]
    fn an_admin_is_active_once_every_step_and_the_company_name_are_done() {
        let admin = complete(Role::Admin);
        let without_company = Onboarding::from_facts(admin);
        assert_eq!(without_company.open_steps(), [Step::CompanyName]);
        let blank = Facts {
            company_name: Some("  "),
            ..admin
        };
        assert_eq!(Onboarding::from_facts(blank).status(), Status::Onboarding);
        let done = Onboarding::from_facts(Facts {
            company_name: Some("Tienda"),
            ..admin
        });
        assert!(done.profile_complete());
        assert_eq!(done.status().as_str(), "active");
    }

    #[test]
    fn a_vendedor_must_replace_the_temporary_password_and_needs_no_company() {
        let vendedor = complete(Role::Vendedor);
        assert!(Onboarding::from_facts(vendedor).profile_complete());
        let temporary = Facts {
            must_change_password: true,
            company_name: Some("ignored"),
            ..vendedor
        };
        assert_eq!(
            Onboarding::from_facts(temporary).open_steps(),
            [Step::PasswordChanged]
        );
    }

    #[test]
    fn a_new_account_has_every_step_open() {
        let open = Onboarding::from_facts(new_account(Role::Admin)).open_steps();
        assert_eq!(
            open,
            [
                Step::EmailConfirmed,
                Step::FullName,
                Step::Phone,
                Step::Photo,
                Step::CompanyName
            ]
        );
    }
}
