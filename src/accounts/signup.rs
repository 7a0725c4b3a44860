//! Admin accounts: sign-up (when `CUENTAS_SIGNUP` is on) and `create-admin` on the command
//! line, under the same rules.
//!
//! A signed-up account starts unverified and gets a verification mail. When the address
//! already has an account the answer is the same, and its owner gets a "someone tried to sign
//! up with your address" notice instead, so the form tells nobody which addresses exist.

use super::password::check_new_pair;
use super::security_log::{self, Event};
use super::{Client, Error, throttle};
use super::{LinkFor, queue_link_mail};
use crate::db::invoice_settings::InvoiceSettings;
use crate::db::security_events::EventKind;
use crate::db::tokens::Purpose;
use crate::db::users::{NewUser, Taken, User};
use crate::db::{self, DbConnection};
use crate::domain::invoice::parse_company_name;
use crate::domain::profile::PersonName;
use crate::domain::{EmailAddress, NewPassword, PasswordPolicy, Problems, Username};
use crate::mail::messages::{Mail, Recipient};
use crate::state::AppState;

/// The sign-up form, as typed.
pub struct SignupInput {
    pub username: String,
    pub email: String,
    pub password1: String,
    pub password2: String,
    /// Optional: checked like the profile's names.
    pub first_name: String,
    pub last_name: String,
    /// Optional: checked like the invoice settings' company name, and saved as it.
    pub company_name: String,
    /// The language of the page it was typed on: the account's and its mail's.
    pub language: &'static str,
}

/// Signs an admin up. `Ok` both when the account was created and when the address already
/// had one (see the module comment); a taken username is a problem on `username`.
pub async fn sign_up(state: &AppState, client: &Client, input: SignupInput) -> Result<(), Error> {
    if !state.settings.signup_enabled {
        return Err(Error::NotFound);
    }
    let mut problems = Problems::new();
    let username = problems.check("username", Username::parse(&input.username));
    let email = problems.check("email", EmailAddress::parse(&input.email));
    let first_name = optional_name(&mut problems, "first_name", &input.first_name);
    let last_name = optional_name(&mut problems, "last_name", &input.last_name);
    let company_name = problems
        .check("nombre_empresa", parse_company_name(&input.company_name))
        .unwrap_or_default();
    let personal = vec![
        input.username.clone(),
        input.email.clone(),
        input.first_name.clone(),
        input.last_name.clone(),
    ];
    let password = check_new_pair(
        state,
        ("password1", "password2"),
        (input.password1, input.password2),
        personal,
        &mut problems,
    )
    .await?;
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        return Err(Error::Invalid(problems));
    };
    problems.or(())?;

    let send_notice =
        throttle::admit_mail(state, client, throttle::SIGNUP, "signup", email.as_ref()).await?;
    // Hashed in every case, so a taken address answers after the same work as a new one.
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let now = state.clock.now();
    let (base_url, lifetime) = (
        state.settings.base_url.clone(),
        state.settings.verify_token_lifetime,
    );
    let (language, client) = (input.language, client.clone());
    let created = db::run_write(&state.pool, move |conn| {
        // The username first: answering "username taken" only when the address is free
        // would tell whether the address has an account.
        if User::username_taken(conn, &username.normalized())? {
            return Err(Error::field("username", "error-username-taken"));
        }
        let owner = match User::find_by_email(conn, email.as_ref())? {
            Some(owner) => Some(owner),
            None => {
                let new = NewUser::admin(&username, &email, hash, language, false, now)
                    .named(first_name.as_ref(), last_name.as_ref());
                match User::insert(conn, &new)? {
                    Ok(user) => {
                        if !company_name.is_empty() {
                            InvoiceSettings::create_for_new_admin(
                                conn,
                                user.id,
                                &company_name,
                                now,
                            )?;
                        }
                        let link =
                            LinkFor::new(Purpose::VerifyEmail, user.id, &user.email, lifetime);
                        let hours = lifetime.as_secs() / 3600;
                        let to = Recipient::of(&user);
                        queue_link_mail(conn, link, now, |token| {
                            Mail::VerifyEmail { token, hours }.compose(&to, &base_url, now)
                        })?;
                        let event = Event::new(EventKind::SignedUp, user.id);
                        security_log::record(conn, &client, now, &event)?;
                        return Ok(true);
                    }
                    Err(Taken::Username) => {
                        return Err(Error::field("username", "error-username-taken"));
                    }
                    // Lost a race for the address: answered like any taken address.
                    Err(Taken::Email) => None,
                }
            }
        };
        if let (Some(owner), true) = (owner, send_notice) {
            Mail::SignupAttempt
                .compose(&Recipient::of(&owner), &base_url, now)
                .map_err(Error::unexpected)?
                .enqueue(conn)?;
        }
        Ok(false)
    })
    .await?;
    if created || send_notice {
        state.outbox.wake();
    }
    Ok(())
}

/// An optional name: `None` when left empty, a problem on `field` when it breaks the rules.
fn optional_name(problems: &mut Problems, field: &'static str, input: &str) -> Option<PersonName> {
    if input.trim().is_empty() {
        return None;
    }
    problems.check(field, PersonName::parse(input))
}

/// What `create-admin` was given.
pub struct AdminInput<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
}

/// Creates a verified admin (an operator vouches for the address), with the same rules as the
/// sign-up form. Problems are reported on `username`, `email` and `password`.
pub fn create_admin(
    conn: &mut DbConnection,
    policy: PasswordPolicy,
    input: AdminInput<'_>,
    now: crate::clock::Timestamp,
) -> Result<User, Error> {
    let mut problems = Problems::new();
    let username = problems.check("username", Username::parse(input.username));
    let email = problems.check("email", EmailAddress::parse(input.email));
    let personal = [input.username, input.email];
    if let Err(broken) = NewPassword::parse(input.password, policy, &personal) {
        for problem in broken {
            problems.add("password", problem);
        }
    }
    let (Some(username), Some(email)) = (username, email) else {
        return Err(Error::Invalid(problems));
    };
    problems.or(())?;
    let hash = crate::auth::password::hash_password(input.password)?;
    let new = NewUser::admin(&username, &email, hash, "es", true, now);
    match User::insert(conn, &new)? {
        Ok(user) => Ok(user),
        Err(Taken::Username) => Err(Error::field("username", "error-username-taken")),
        Err(Taken::Email) => Err(Error::field("email", "error-email-taken")),
    }
}
