//! Passkeys (WebAuthn, `webauthn-rs`): adding one, signing in with one alone (discoverable
//! credentials, user verification required) or as the second step after a password, renaming
//! and removing them.
//!
//! - The relying party id and origin come from the base URL. Browsers refuse an IP address as
//!   a relying party id, so with such a base URL passkeys are [`Error::Forbidden`] (the pages
//!   say to use a host name).
//! - Every ceremony has a server-side half in `passkey_ceremonies`: its id (random, only a
//!   hash stored) is handed to the caller, which keeps it in the encrypted session cookie. A
//!   ceremony is bound to its purpose and account, lives [`CEREMONY_LIFETIME`] and is deleted
//!   when it is finished, so a replayed answer finds nothing.
//! - Passkeys are a two-step factor: the first factor of an account brings recovery codes,
//!   removing the last one takes them away (and turns two-step sign-in off, which the notice
//!   and the history say); every change is a security event and a notice.
//! - Problems (a refused answer, an expired ceremony, a bad name) are on the field `llave`
//!   or `nombre`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
};

use super::entry::{PendingSignIn, SignInRecord, SignedIn};
use super::security_log::{self, Event};
use super::sessions::{self, Recent, Remember};
use super::throttle::{self, Throttle};
use super::two_step::StillOn;
use super::{Client, Error, two_step};
use crate::clock::Timestamp;
use crate::config::Settings;
use crate::db::passkeys::{Ceremony, NewPasskey, PasskeyRow};
use crate::db::security_events::EventKind;
use crate::db::two_step::RecoveryCodes;
use crate::db::users::User;
use crate::db::{self, DbConnection};
use crate::mail::messages::{Mail, Recipient, TwoStepNotice};
use crate::state::AppState;
use crate::token::{is_token_shaped, random_token, sha256_hex};

/// How long a ceremony waits for the authenticator's answer.
pub const CEREMONY_LIFETIME: TimeDelta = TimeDelta::minutes(5);
/// Passwordless sign-ins begun by one client: 30 in 15 minutes (each stores a ceremony and
/// allows one answer).
pub const SIGN_IN_STARTS: Throttle =
    Throttle::new("passkey_sign_in", TimeDelta::minutes(15), 30, 30);
/// The longest passkey name, in characters.
pub const NAME_MAX: usize = 60;

/// What a ceremony is for; the stored purpose must match the finishing call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Register,
    SignIn,
    SecondStep,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SignIn => "sign_in",
            Self::SecondStep => "second_step",
        }
    }
}

/// A ceremony begun: the options for the browser (`navigator.credentials`) and the id the
/// caller keeps (encrypted, never in a page) to finish it.
pub struct Started<T> {
    pub options: T,
    pub ceremony: String,
}

/// A passkey as the list shows it (never the key).
#[derive(Clone, Debug)]
pub struct PasskeySummary {
    pub id: i32,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// True when the base URL's host is a name (passkeys work), not an IP address.
pub fn available(settings: &Settings) -> bool {
    matches!(settings.base_url.host(), Some(url::Host::Domain(_)))
}

/// The relying party: id and origin from the base URL.
pub(super) fn relying_party(settings: &Settings) -> Result<Webauthn, Error> {
    let Some(url::Host::Domain(host)) = settings.base_url.host() else {
        return Err(Error::Forbidden);
    };
    let origin = Url::parse(settings.base_url.origin().ascii_serialization().as_str())
        .map_err(Error::unexpected)?;
    WebauthnBuilder::new(host, &origin)
        .and_then(|b| b.rp_name("cuentas").build())
        .map_err(|e| Error::unexpected(anyhow::anyhow!("relying party: {e:?}")))
}

fn refused() -> Error {
    Error::field("llave", "passkey-refused")
}

fn expired() -> Error {
    Error::field("llave", "passkey-expired")
}

/// A passkey's name: trimmed, 1 to [`NAME_MAX`] characters, no control characters.
pub fn parse_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::field("nombre", "error-required"));
    }
    if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(Error::field("nombre", "passkey-name-invalid"));
    }
    Ok(name.to_owned())
}

/// The account's passkeys, oldest first.
pub async fn list(state: &AppState, user_id: i32) -> Result<Vec<PasskeySummary>, Error> {
    db::run(&state.pool, move |conn| {
        let rows = PasskeyRow::of_user(conn, user_id)?;
        Ok::<_, Error>(
            rows.into_iter()
                .map(|r| PasskeySummary {
                    id: r.id,
                    name: r.name,
                    created_at: r.created_at,
                    last_used_at: r.last_used_at,
                })
                .collect(),
        )
    })
    .await
}

/// Stores the server's half of a ceremony; returns its id.
async fn store_ceremony(
    state: &AppState,
    user_id: Option<i32>,
    purpose: Purpose,
    ceremony_state: &impl Serialize,
) -> Result<String, Error> {
    let id = random_token();
    let (hash, json) = (
        sha256_hex(&id),
        serde_json::to_string(ceremony_state).map_err(Error::unexpected)?,
    );
    let now = state.clock.now();
    db::run_write(&state.pool, move |conn| {
        Ceremony::insert(
            conn,
            &hash,
            user_id,
            purpose.as_str(),
            &json,
            now,
            now + CEREMONY_LIFETIME,
        )?;
        Ok::<_, Error>(())
    })
    .await?;
    Ok(id)
}

/// Takes (once) the ceremony `id`, inside a write transaction.
fn take_ceremony<T: for<'de> Deserialize<'de>>(
    conn: &mut DbConnection,
    id: &str,
    user_id: Option<i32>,
    purpose: Purpose,
    now: Timestamp,
) -> Result<T, Error> {
    if !is_token_shaped(id) {
        return Err(expired());
    }
    let json = Ceremony::take(conn, &sha256_hex(id), user_id, purpose.as_str(), now)?
        .ok_or_else(expired)?;
    serde_json::from_str(&json).map_err(|_| expired())
}

/// The server's half of adding a passkey.
#[derive(Serialize, Deserialize)]
struct Registration {
    state: PasskeyRegistration,
    user_handle: Uuid,
    name: String,
}

/// Starts adding a passkey named `name` (checked now, before the authenticator is asked):
/// the options ask for a discoverable credential with user verification, and exclude the
/// account's passkeys.
pub async fn start_registration(
    state: &AppState,
    user: &User,
    _recent: Recent,
    name: &str,
) -> Result<Started<serde_json::Value>, Error> {
    let name = parse_name(name)?;
    let rp = relying_party(&state.settings)?;
    let user_id = user.id;
    let rows = db::run(&state.pool, move |conn| {
        Ok::<_, Error>(PasskeyRow::of_user(conn, user_id)?)
    })
    .await?;
    let user_handle = rows
        .first()
        .and_then(|r| Uuid::parse_str(&r.user_handle).ok())
        .unwrap_or_else(Uuid::new_v4);
    let exclude: Vec<_> = rows
        .iter()
        .filter_map(|r| serde_json::from_str::<Passkey>(&r.passkey).ok())
        .map(|p| p.cred_id().clone())
        .collect();
    let display = format!("{} {}", user.first_name, user.last_name);
    let display = if display.trim().is_empty() {
        user.username.clone()
    } else {
        display.trim().to_owned()
    };
    let (options, reg_state) = rp
        .start_passkey_registration(user_handle, &user.email, &display, Some(exclude))
        .map_err(|e| Error::unexpected(anyhow::anyhow!("passkey registration: {e:?}")))?;
    let options = discoverable(options)?;
    let ceremony = Registration {
        state: reg_state,
        user_handle,
        name,
    };
    let ceremony = store_ceremony(state, Some(user.id), Purpose::Register, &ceremony).await?;
    Ok(Started { options, ceremony })
}

/// The creation options, asking for a discoverable credential (a passkey that signs in
/// without a user name): webauthn-rs's passkey defaults leave that to the authenticator.
fn discoverable(options: CreationChallengeResponse) -> Result<serde_json::Value, Error> {
    let mut value = serde_json::to_value(options).map_err(Error::unexpected)?;
    if let Some(public_key) = value.get_mut("publicKey").and_then(|v| v.as_object_mut()) {
        let selection = public_key
            .entry("authenticatorSelection")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(selection) = selection.as_object_mut() {
            selection.insert("residentKey".into(), "required".into());
            selection.insert("requireResidentKey".into(), true.into());
            selection.insert("userVerification".into(), "required".into());
        }
    }
    Ok(value)
}

/// Finishes adding a passkey with the browser's answer. Returns the new recovery codes when
/// this is the account's first factor (to show once).
pub async fn finish_registration(
    state: &AppState,
    client: &Client,
    user: &User,
    ceremony: &str,
    answer: &RegisterPublicKeyCredential,
) -> Result<Option<Vec<String>>, Error> {
    let rp = relying_party(&state.settings)?;
    let now = state.clock.now();
    let (user_id, id) = (user.id, ceremony.to_owned());
    let registration: Registration = db::run_write(&state.pool, move |conn| {
        take_ceremony(conn, &id, Some(user_id), Purpose::Register, now)
    })
    .await?;
    let passkey = rp
        .finish_passkey_registration(answer, &registration.state)
        .map_err(|_| refused())?;
    let credential_id = URL_SAFE_NO_PAD.encode::<&[u8]>(passkey.cred_id().as_ref());
    let json = serde_json::to_string(&passkey).map_err(Error::unexpected)?;
    let codes = two_step::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| two_step::code_hash(c)).collect();
    let notice = two_step::notice(state, user, TwoStepNotice::PasskeyAdded, now)?;
    let (who, handle, name) = (
        client.clone(),
        registration.user_handle.to_string(),
        registration.name,
    );
    let first = db::run_write(&state.pool, move |conn| {
        let first = !two_step::status_in(conn, user_id)?.enabled();
        let stored = NewPasskey {
            user_id,
            credential_id: &credential_id,
            user_handle: &handle,
            passkey: &json,
            name: &name,
            created_at: now,
        }
        .insert(conn);
        match stored {
            Err(e) if db::is_unique_violation(&e) => {
                return Err(Error::field("llave", "passkey-already-added"));
            }
            other => other?,
        }
        if first {
            RecoveryCodes::replace(conn, user_id, &hashes, now)?;
        }
        notice.enqueue(conn)?;
        let event = Event::new(EventKind::PasskeyAdded, user_id).with("name", name.as_str());
        security_log::record(conn, &who, now, &event)?;
        Ok(first)
    })
    .await?;
    state.outbox.wake();
    Ok(first.then_some(codes))
}

/// Renames the passkey `id` of `user`. [`Error::NotFound`] when it is not theirs.
pub async fn rename(
    state: &AppState,
    user: &User,
    _recent: Recent,
    id: i32,
    name: &str,
) -> Result<(), Error> {
    let name = parse_name(name)?;
    let user_id = user.id;
    let renamed = db::run_write(&state.pool, move |conn| {
        Ok::<_, Error>(PasskeyRow::rename(conn, user_id, id, &name)?)
    })
    .await?;
    if renamed {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Removes the passkey `id` of `user`. When it was the last factor, two-step sign-in is off:
/// the recovery codes go too, and the notice and the history say so (as when the app is
/// turned off). Returns whether two-step sign-in is still on. [`Error::NotFound`] when it is
/// not theirs.
pub async fn remove(
    state: &AppState,
    client: &Client,
    user: &User,
    _recent: Recent,
    id: i32,
) -> Result<StillOn, Error> {
    let now = state.clock.now();
    let (user_id, who) = (user.id, client.clone());
    let (to, base_url) = (Recipient::of(user), state.settings.base_url.clone());
    let still_on = db::run_write(&state.pool, move |conn| {
        let row = PasskeyRow::find_own(conn, user_id, id)?.ok_or(Error::NotFound)?;
        if is_last_way_in(conn, user_id)? {
            return Err(Error::Forbidden);
        }
        if !PasskeyRow::remove(conn, user_id, id)? {
            return Err(Error::NotFound);
        }
        let still_on = two_step::status_in(conn, user_id)?.enabled();
        let told = if still_on {
            TwoStepNotice::PasskeyRemoved
        } else {
            RecoveryCodes::remove(conn, user_id)?;
            TwoStepNotice::LastPasskeyRemoved
        };
        Mail::TwoStep(told)
            .compose(&to, &base_url, now)
            .map_err(Error::unexpected)?
            .enqueue(conn)?;
        let event = Event::new(EventKind::PasskeyRemoved, user_id).with("name", row.name.as_str());
        security_log::record(conn, &who, now, &event)?;
        if !still_on {
            let event = Event::new(EventKind::TwoStepDisabled, user_id).with("method", "passkey");
            security_log::record(conn, &who, now, &event)?;
        }
        Ok(StillOn(still_on))
    })
    .await?;
    state.outbox.wake();
    Ok(still_on)
}

/// True when the account's only way in is its one passkey: no usable password (an account
/// made through the OpenID Connect provider) and no linked identity left.
fn is_last_way_in(conn: &mut DbConnection, user_id: i32) -> Result<bool, Error> {
    let user = User::find(conn, user_id)?.ok_or(Error::NotFound)?;
    Ok(
        user.password_hash.expose() == crate::auth::password::UNUSABLE
            && PasskeyRow::count(conn, user_id)? <= 1
            && crate::db::linked_identities::LinkedIdentity::of_user(conn, user_id)?.is_empty(),
    )
}

/// Starts a passwordless sign-in: any discoverable passkey of this site may answer. Counted
/// per client ([`SIGN_IN_STARTS`]); over the limit it is [`Error::Throttled`].
pub async fn start_sign_in(
    state: &AppState,
    client: &Client,
) -> Result<Started<RequestChallengeResponse>, Error> {
    let rp = relying_party(&state.settings)?;
    let key = client.throttle_key.clone();
    if !throttle::admit_mail(state, client, SIGN_IN_STARTS, "passkey", &key).await? {
        let retry_after_secs = u64::try_from(SIGN_IN_STARTS.window.num_seconds()).unwrap_or(900);
        return Err(Error::Throttled { retry_after_secs });
    }
    let (mut options, auth_state) = rp
        .start_discoverable_authentication()
        .map_err(|e| Error::unexpected(anyhow::anyhow!("passkey sign-in: {e:?}")))?;
    // A button starts it, not the browser's autofill.
    options.mediation = None;
    let ceremony = store_ceremony(state, None, Purpose::SignIn, &auth_state).await?;
    Ok(Started { options, ceremony })
}

/// Checks a passwordless answer: the passkey it names (by credential id and user handle) and
/// its signature over the ceremony's challenge. Returns the passkey's row and the credential
/// as updated (its counter).
fn check_discoverable(
    rp: &Webauthn,
    conn: &mut DbConnection,
    auth: DiscoverableAuthentication,
    answer: &PublicKeyCredential,
) -> Result<(PasskeyRow, Passkey), Error> {
    let (handle, credential_id) = rp
        .identify_discoverable_authentication(answer)
        .map_err(|_| refused())?;
    let credential_id = URL_SAFE_NO_PAD.encode(credential_id);
    let row = PasskeyRow::by_credential(conn, &credential_id)?
        .filter(|r| Uuid::parse_str(&r.user_handle).ok() == Some(handle))
        .ok_or_else(refused)?;
    let mut passkey: Passkey = serde_json::from_str(&row.passkey).map_err(Error::unexpected)?;
    let result = rp
        .finish_discoverable_authentication_v2(answer, auth, &passkey)
        .map_err(|_| refused())?;
    passkey.update_credential(&result);
    Ok((row, passkey))
}

/// Finishes a passwordless sign-in: a right answer from a passkey of an account that may sign
/// in records the sign-in as a password would (see `SignInRecord`) and starts the session.
/// An account pending deletion is [`Error::PendingDeletion`]; anything else wrong is a problem
/// on `llave` that says nothing about the account.
pub async fn finish_sign_in(
    state: &AppState,
    client: &Client,
    ceremony: &str,
    answer: PublicKeyCredential,
    browser: Option<String>,
    replacing: Option<String>,
) -> Result<SignedIn, Error> {
    let rp = relying_party(&state.settings)?;
    let now = state.clock.now();
    let browser_id = browser
        .filter(|id| is_token_shaped(id))
        .unwrap_or_else(random_token);
    let (id, who, remembered) = (ceremony.to_owned(), client.clone(), browser_id.clone());
    let base_url = state.settings.base_url.clone();
    // The ceremony is used up in a transaction of its own: a wrong answer (which rolls the
    // sign-in back) must not leave it for another try.
    let auth = db::run_write(&state.pool, move |conn| {
        take_ceremony::<DiscoverableAuthentication>(conn, &id, None, Purpose::SignIn, now)
    })
    .await?;
    let entered = db::run_write(&state.pool, move |conn| {
        let (row, passkey) = check_discoverable(&rp, conn, auth, &answer)?;
        let user = User::find(conn, row.user_id)?
            .filter(|u| u.is_active && !u.temp_password_expired(now))
            .ok_or_else(refused)?;
        if let Some(pending) = super::deletion::pending_in(conn, &user)? {
            // Committed: the refusal is kept in the account's history.
            let event =
                Event::new(EventKind::SignInFailed, user.id).with("reason", "pending_deletion");
            security_log::record(conn, &who, now, &event)?;
            return Ok(Err(Box::new(pending)));
        }
        let json = serde_json::to_string(&passkey).map_err(Error::unexpected)?;
        PasskeyRow::mark_used(conn, row.id, &json, now)?;
        let noticed = SignInRecord {
            owner: &user,
            client: &who,
            browser_id: &remembered,
            rehash: None,
            second_step: false,
            via: None,
        }
        .record_with(conn, now, &base_url, Some("passkey"))?;
        Ok::<_, Error>(Ok((user, noticed)))
    })
    .await?;
    let (user, noticed) = entered.map_err(Error::PendingDeletion)?;
    if noticed {
        state.outbox.wake();
    }
    let session = sessions::start(state, &user, client, replacing, Remember::No).await?;
    Ok(SignedIn {
        user,
        session,
        browser_id,
    })
}

/// Starts a passkey as the second step of `pending`: the account's passkeys may answer.
/// [`Error::NotFound`] when it has none.
pub async fn start_second_step(
    state: &AppState,
    pending: &PendingSignIn,
) -> Result<Started<RequestChallengeResponse>, Error> {
    let rp = relying_party(&state.settings)?;
    let user_id = pending.user_id;
    let rows = db::run(&state.pool, move |conn| {
        Ok::<_, Error>(PasskeyRow::of_user(conn, user_id)?)
    })
    .await?;
    let passkeys: Vec<Passkey> = rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.passkey).ok())
        .collect();
    if passkeys.is_empty() {
        return Err(Error::NotFound);
    }
    let (options, auth_state) = rp
        .start_passkey_authentication(&passkeys)
        .map_err(|e| Error::unexpected(anyhow::anyhow!("passkey second step: {e:?}")))?;
    let ceremony = store_ceremony(state, Some(user_id), Purpose::SecondStep, &auth_state).await?;
    Ok(Started { options, ceremony })
}

/// Checks a passkey's answer as the second step of `user`'s sign-in (the caller checked that
/// the pending sign-in still holds); true when right. The caller counts attempts.
pub(super) fn check_second_step(
    rp: &Webauthn,
    conn: &mut DbConnection,
    user_id: i32,
    ceremony: &str,
    answer: &PublicKeyCredential,
    now: Timestamp,
) -> Result<bool, Error> {
    let auth: PasskeyAuthentication =
        take_ceremony(conn, ceremony, Some(user_id), Purpose::SecondStep, now)?;
    let Ok(result) = rp.finish_passkey_authentication(answer, &auth) else {
        return Ok(false);
    };
    let credential_id = URL_SAFE_NO_PAD.encode::<&[u8]>(result.cred_id().as_ref());
    let Some(row) =
        PasskeyRow::by_credential(conn, &credential_id)?.filter(|r| r.user_id == user_id)
    else {
        return Ok(false);
    };
    let mut passkey: Passkey = serde_json::from_str(&row.passkey).map_err(Error::unexpected)?;
    passkey.update_credential(&result);
    let json = serde_json::to_string(&passkey).map_err(Error::unexpected)?;
    PasskeyRow::mark_used(conn, row.id, &json, now)?;
    Ok(true)
}
