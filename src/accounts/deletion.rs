//! Deleting an account, with a grace period.
//!
//! The owner asks (confirming the address and the password): the account is marked with
//! `purge_after = now + CUENTAS_DELETION_GRACE_DAYS`, every session of it (and of an admin's
//! vendedores) ends, and a mail with a restore link goes out in the same transaction. Until
//! `purge_after` the account can be restored: by the right password at sign-in (which does
//! not sign in but offers the restore), or by the mailed link (which restores without signing
//! in). An admin marks and restores one vendedor from the team page (`accounts::team`).
//!
//! While an admin is pending deletion their vendedores cannot sign in either; restoring the
//! admin gives them their access back. The purge ([`purge_due`]) runs in every instance
//! (the mail worker's timer) and as `cuentas purge-deleted`; see `db::purge` for what goes.

use chrono::TimeDelta;

use super::entry::{SignInRecord, SignedIn};
use super::security_log::{self, Event};
use super::sessions::{self, Recent};
use super::{Client, Error, LinkFor, queue_link_mail};
use crate::clock::Timestamp;
use crate::db::invoice_settings::InvoiceSettings;
use crate::db::security_events::EventKind;
use crate::db::tokens::{OneTimeToken, Purpose};
use crate::db::users::User;
use crate::db::{self, DbConnection};
use crate::domain::{Problems, Role};
use crate::locale::Reader;
use crate::mail::messages::{Mail, Recipient};
use crate::state::AppState;
use crate::token::{is_token_shaped, random_token};

/// An account that may not sign in because it (or its admin) is pending deletion. Only
/// someone who typed the right password is told.
#[derive(Clone, Debug)]
pub struct Pending {
    pub user_id: i32,
    /// When the purge may remove it.
    pub purge_after: Timestamp,
    /// The account's time zone, to say the date in.
    pub timezone: String,
    /// True when the person signing in may restore it (their own deletion); false for a
    /// vendedor deleted by their admin, or whose admin is pending deletion.
    pub restorable: bool,
}

/// What a deletion would remove, for the confirmation page.
#[derive(Clone, Debug)]
pub struct Preview {
    /// When the account would be purged if deleted now.
    pub purge_after: Timestamp,
    /// An admin's invoice settings exist.
    pub invoice_settings: bool,
    /// An admin's vendedores, by name (full name and username).
    pub team: Vec<String>,
}

/// The deletion form, as typed.
#[derive(Clone, Debug, Default)]
pub struct DeletionRequest {
    pub confirm_email: String,
    pub password: String,
}

/// When an account deleted at `now` may be purged.
pub fn purge_time(state: &AppState, now: Timestamp) -> Timestamp {
    let grace = TimeDelta::from_std(state.settings.deletion_grace).unwrap_or(TimeDelta::MAX);
    now.checked_add_signed(grace)
        .unwrap_or(chrono::NaiveDateTime::MAX)
}

/// What deleting `user` now would remove, and when.
pub async fn preview(state: &AppState, user: &User) -> Result<Preview, Error> {
    let purge_after = purge_time(state, state.clock.now());
    if user.role != Role::Admin {
        return Ok(Preview {
            purge_after,
            invoice_settings: false,
            team: Vec::new(),
        });
    }
    let id = user.id;
    let (invoice_settings, team) = db::run(&state.pool, move |conn| {
        let invoice = InvoiceSettings::find(conn, id)?.is_some();
        let team = User::team_of(conn, id)?;
        Ok::<_, Error>((invoice, team))
    })
    .await?;
    let team = team
        .iter()
        .map(|member| match member.full_name() {
            name if name.is_empty() => member.username.clone(),
            name => format!("{name} ({})", member.username),
        })
        .collect();
    Ok(Preview {
        purge_after,
        invoice_settings,
        team,
    })
}

/// Marks `user`'s account for deletion. `confirm_email` must be the account's address and
/// `password` its password (counted by the sign-in throttle); problems are reported on
/// `confirmar_email` and `password`, and then nothing changes. A sensitive action: the
/// caller proves a recent sign-in with [`Recent`]. Returns when the purge may remove the
/// account.
pub async fn request(
    state: &AppState,
    client: &Client,
    user: &User,
    input: DeletionRequest,
    _recent: Recent,
) -> Result<Timestamp, Error> {
    let DeletionRequest {
        confirm_email,
        password,
    } = input;
    let mut problems = Problems::new();
    let typed = confirm_email.trim().to_lowercase();
    if typed.is_empty() {
        problems.add("confirmar_email", "error-required");
    } else if typed != user.email {
        problems.add("confirmar_email", "deletion-error-email-mismatch");
    }
    if password.is_empty() {
        problems.add("password", "error-required");
    } else if !super::password::verify_own(state, client, user, password).await? {
        problems.add("password", "deletion-error-password-wrong");
    }
    problems.or(())?;

    let now = state.clock.now();
    let purge_after = purge_time(state, now);
    let lifetime = (purge_after - now).to_std().unwrap_or_default();
    let date = Reader::of(user).date_time(purge_after);
    let mail_base = state.settings.base_url.clone();
    let (recipient, id, email, who) = (
        Recipient::of(user),
        user.id,
        user.email.clone(),
        client.clone(),
    );
    db::run_write(&state.pool, move |conn| {
        if !User::mark_for_deletion(conn, id, now, purge_after)? {
            // Already marked (a second tab): nothing more to do.
            return Ok(());
        }
        let link = LinkFor::new(Purpose::RestoreAccount, id, &email, lifetime);
        queue_link_mail(conn, link, now, |token| {
            Mail::AccountDeletion { token, date: &date }.compose(&recipient, &mail_base, now)
        })?;
        let event = Event::new(EventKind::DeletionRequested, id);
        security_log::record(conn, &who, now, &event)?;
        Ok::<_, Error>(())
    })
    .await?;
    state.outbox.wake();
    Ok(purge_after)
}

/// Whether `user` is kept from signing in by a pending deletion: their own, or their
/// admin's.
pub fn pending_in(conn: &mut DbConnection, user: &User) -> Result<Option<Pending>, Error> {
    // An admin pending deletion takes the team with them: no vendedor of theirs may sign in
    // or restore themselves until the admin is restored, whatever their own state.
    if let Some(manager_id) = user.manager_id.filter(|_| user.role == Role::Vendedor) {
        let admin_leaves = User::find(conn, manager_id)?.and_then(|admin| admin.purge_after);
        if let Some(admin_leaves) = admin_leaves {
            let purge_after = user
                .purge_after
                .map_or(admin_leaves, |own| own.min(admin_leaves));
            return Ok(Some(Pending {
                user_id: user.id,
                purge_after,
                timezone: user.timezone.clone(),
                restorable: false,
            }));
        }
    }
    let Some(purge_after) = user.purge_after else {
        return Ok(None);
    };
    // A vendedor whose admin deleted them waits for that admin to restore them.
    let by_admin = user.role == Role::Vendedor
        && crate::db::security_events::SecurityEvent::last_actor(
            conn,
            user.id,
            EventKind::DeletionRequested,
        )?
        .is_some();
    Ok(Some(Pending {
        user_id: user.id,
        purge_after,
        timezone: user.timezone.clone(),
        restorable: !by_admin,
    }))
}

/// True when `user` is pending deletion and may restore the account themselves.
fn restorable(conn: &mut DbConnection, user: &User) -> Result<bool, Error> {
    Ok(pending_in(conn, user)?.is_some_and(|p| p.restorable))
}

/// [`pending_in`] on a pooled connection.
pub async fn pending_of(state: &AppState, user: &User) -> Result<Option<Pending>, Error> {
    let user = user.clone();
    db::run(&state.pool, move |conn| pending_in(conn, &user)).await
}

/// [`pending_in`] for the account `user_id` (`None` when it is gone or not pending).
pub async fn pending_by_id(state: &AppState, user_id: i32) -> Result<Option<Pending>, Error> {
    db::run(&state.pool, move |conn| match User::find(conn, user_id)? {
        Some(user) => pending_in(conn, &user),
        None => Ok(None),
    })
    .await
}

/// What restoring at sign-in came to.
pub enum Restored {
    /// The session started.
    SignedIn(Box<SignedIn>),
    /// The account has two-step sign-in: restored, but the session waits for a code.
    SecondStep(super::entry::PendingSignIn),
}

/// Restores the account `user_id` right after a sign-in with its right password (the caller
/// kept who it was, briefly, in the encrypted session) and starts a session (replacing
/// `replacing`; a "recordarme" one when `remember`), or, with two-step sign-in, hands back the
/// pending sign-in. [`Error::NotFound`] when there is nothing to restore any more (already
/// restored, purged, or its time has come).
pub async fn restore_after_sign_in(
    state: &AppState,
    client: &Client,
    restore: RestoreAfterSignIn,
) -> Result<Restored, Error> {
    let RestoreAfterSignIn {
        user_id,
        replacing,
        remember,
        browser,
        by_passkey,
    } = restore;
    let now = state.clock.now();
    let browser_id = browser
        .filter(|id| is_token_shaped(id))
        .unwrap_or_else(random_token);
    let (who, remembered, base_url) = (
        client.clone(),
        browser_id.clone(),
        state.settings.base_url.clone(),
    );
    let (user, noticed, second_step) = db::run_write(&state.pool, move |conn| {
        let user = User::find(conn, user_id)?.ok_or(Error::NotFound)?;
        if !restorable(conn, &user)? || !User::restore(conn, user_id, now)? {
            return Err(Error::NotFound);
        }
        let restored = Event::new(EventKind::DeletionCancelled, user_id).with("via", "sign_in");
        security_log::record(conn, &who, now, &restored)?;
        // With a second factor, the sign-in is recorded once it passes; a passkey was both.
        let second_step = !by_passkey && super::two_step::status_in(conn, user_id)?.enabled();
        let noticed = if second_step {
            false
        } else {
            let sign_in = SignInRecord {
                owner: &user,
                client: &who,
                browser_id: &remembered,
                rehash: None,
                second_step: false,
                via: None,
            };
            sign_in.record_with(conn, now, &base_url, by_passkey.then_some("passkey"))?
        };
        let user = User::find(conn, user_id)?.ok_or(Error::NotFound)?;
        Ok((user, noticed, second_step))
    })
    .await?;
    if noticed {
        state.outbox.wake();
    }
    if second_step {
        let pending = super::entry::PendingSignIn::of(&user, Some(browser_id), remember);
        return Ok(Restored::SecondStep(pending));
    }
    let session = sessions::start(state, &user, client, replacing, remember).await?;
    Ok(Restored::SignedIn(Box::new(SignedIn {
        user,
        session,
        browser_id,
    })))
}

/// What [`restore_after_sign_in`] needs: the account the browser may restore (kept briefly in
/// the encrypted session after the right password), the session it held, the "recordarme"
/// choice of that sign-in and the known-browser id it sent.
pub struct RestoreAfterSignIn {
    pub user_id: i32,
    pub replacing: Option<String>,
    pub remember: sessions::Remember,
    pub browser: Option<String>,
    /// The refused sign-in was a passkey's, which also passed the second step.
    pub by_passkey: bool,
}

/// True when `token` is a live restore link for an account that can still be restored
/// (reading it changes nothing).
pub async fn restore_link_is_live(state: &AppState, token: String) -> Result<bool, Error> {
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        let Some(found) = OneTimeToken::find_live(conn, &token, &[Purpose::RestoreAccount], now)?
        else {
            return Ok(false);
        };
        let Some(user) = User::find(conn, found.user_id)?.filter(|u| u.email == found.email) else {
            return Ok(false);
        };
        Ok::<_, Error>(user.purge_after.is_some_and(|at| at > now) && restorable(conn, &user)?)
    })
    .await
}

/// Uses a mailed restore link: the account is no longer pending deletion (nobody is signed
/// in). A used, voided, expired or unknown link, an account already purged or past its time,
/// or an address that changed since are [`Error::LinkInvalid`].
pub async fn restore_by_link(
    state: &AppState,
    client: &Client,
    token: String,
) -> Result<(), Error> {
    let now = state.clock.now();
    let who = client.clone();
    db::run_write(&state.pool, move |conn| {
        let found = OneTimeToken::find_live(conn, &token, &[Purpose::RestoreAccount], now)?
            .ok_or(Error::LinkInvalid)?;
        let user = User::find(conn, found.user_id)?
            .filter(|u| u.email == found.email)
            .ok_or(Error::LinkInvalid)?;
        if !restorable(conn, &user)? {
            return Err(Error::LinkInvalid);
        }
        if !OneTimeToken::consume(conn, found.id, now)? || !User::restore(conn, user.id, now)? {
            return Err(Error::LinkInvalid);
        }
        let event = Event::new(EventKind::DeletionCancelled, user.id).with("via", "link");
        security_log::record(conn, &who, now, &event)?;
        Ok(())
    })
    .await
}

/// Purges every account whose time has come (see `db::purge::purge_due`).
pub use crate::db::purge::purge_due;
