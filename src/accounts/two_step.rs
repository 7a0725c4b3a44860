//! Two-step sign-in: the authenticator app (TOTP, RFC 6238: HMAC-SHA1, 6 digits, 30-second
//! steps) and single-use recovery codes.
//!
//! - A new secret is offered by the set-up page (the route keeps it in the encrypted session
//!   until confirmed); only a code that matches it enables it ([`enable`]). The stored secret
//!   is sealed with AES-256-GCM under a key derived from the secret key (HKDF-SHA256, its own
//!   purpose), bound to the account id.
//! - A code counts for the current step and one step either side, and never twice: the last
//!   accepted step is stored and moved forward in a conditional UPDATE.
//! - Ten recovery codes (16 characters of an alphabet without look-alikes, shown once, stored
//!   as SHA-256 hashes: they are 80 random bits, so a slow hash adds nothing) come with the
//!   first factor (the app, or a passkey); each is consumed in a conditional UPDATE, so two
//!   requests cannot both use one.
//! - At sign-in ([`second_step`]) every attempt is counted per account (5 in 15 minutes); a
//!   right code forgives them.
//!
//! - Passkeys (`accounts::passkeys`) are a factor too: [`Status::enabled`] counts them, the
//!   codes stay while any factor is on, and the admin's reset removes them with the rest.
//!
//! Every change is a security event and a notice to the account's address.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::TimeDelta;
use hmac::{Hmac, Mac};
use rand::RngCore;

pub use super::factors::{Status, status_in};
use super::security_log::{self, Event};
use super::sessions::Recent;
use super::throttle::{self, Throttle};
use super::{Client, Error};
use crate::clock::Timestamp;
use crate::db::attempts::Attempt;
use crate::db::passkeys::PasskeyRow;
use crate::db::security_events::EventKind;
use crate::db::two_step::{RecoveryCodes, TeamSettings, TotpSecret};
use crate::db::users::User;
use crate::db::{self, DbConnection};
use crate::domain::Role;
use crate::mail::messages::{Mail, Recipient, TwoStepNotice};
use crate::state::AppState;
use crate::token::sha256_hex;

/// Seconds in a TOTP time step.
pub const STEP_SECONDS: i64 = 30;
/// How many recovery codes a set holds.
pub const RECOVERY_CODES: usize = 10;
/// Signing in with a recovery code that leaves this many or fewer warns (the last-but-two).
pub const LOW_CODES: i64 = 2;
/// Codes typed at the second step: 5 per account in 15 minutes.
pub const SECOND_STEP: Throttle = Throttle::new("two_step", TimeDelta::minutes(15), 5, 5);
/// The issuer shown in authenticator apps.
const ISSUER: &str = "cuentas";
/// The purpose of the key that seals TOTP secrets (see `SecretKey::subkey`).
const SEAL_PURPOSE: &str = "totp-secret-v1";
/// Recovery codes use Crockford's base32 alphabet: no i, l, o or u, so nothing reads as
/// another character (a typed o counts as 0, an i or l as 1).
const CODE_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// The account's two-step status.
pub async fn status(state: &AppState, user_id: i32) -> Result<Status, Error> {
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(status_in(conn, user_id)?)
    })
    .await
}

/// Whether the admin requires two-step sign-in of their team.
pub async fn team_requires(state: &AppState, admin: &User) -> Result<bool, Error> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden);
    }
    let admin_id = admin.id;
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(TeamSettings::requires_two_step(conn, admin_id)?)
    })
    .await
}

/// The admin's switch: require two-step sign-in of every vendedor of the team, or not.
pub async fn set_team_requires(
    state: &AppState,
    admin: &User,
    required: bool,
) -> Result<(), Error> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden);
    }
    let (admin_id, now) = (admin.id, state.clock.now());
    db::run_write(&state.pool, move |conn| {
        Ok::<_, Error>(TeamSettings::set_requires_two_step(
            conn, admin_id, required, now,
        )?)
    })
    .await
}

/// A fresh secret (160 bits), as base32 text.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    base32_encode(&bytes)
}

/// What the set-up page shows for `secret`: the `otpauth://` URI and its QR code as SVG.
pub struct SetUp {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

impl SetUp {
    pub fn new(secret: String, email: &str) -> Self {
        // The label is "issuer:account", each part percent-encoded (Key URI Format).
        let encode = |text: &str| {
            url::form_urlencoded::byte_serialize(text.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        };
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("secret", &secret)
            .append_pair("issuer", ISSUER)
            .append_pair("algorithm", "SHA1")
            .append_pair("digits", "6")
            .append_pair("period", "30")
            .finish();
        let uri = format!(
            "otpauth://totp/{}:{}?{query}",
            encode(ISSUER),
            encode(email)
        );
        let qr_svg = qrcode::QrCode::new(uri.as_bytes())
            .map(|code| {
                code.render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(200, 200)
                    .quiet_zone(true)
                    .build()
            })
            .unwrap_or_default();
        // The page embeds the SVG element; the XML declaration is not HTML.
        let qr_svg = match qr_svg.find("<svg") {
            Some(at) => qr_svg[at..].to_owned(),
            None => qr_svg,
        };
        Self {
            secret,
            uri,
            qr_svg,
        }
    }
}

/// Turns the app on: `secret` (what the set-up page showed) must be confirmed by `code`.
/// When it is the account's first factor, returns the new recovery codes (to show once);
/// beside a passkey the codes the user saved stay good, and `None` says so. Problems are on
/// `codigo`.
pub async fn enable(
    state: &AppState,
    client: &Client,
    user: &User,
    _recent: Recent,
    secret: &str,
    code: &str,
) -> Result<Option<Vec<String>>, Error> {
    let bytes = base32_decode(secret).ok_or_else(|| Error::field("codigo", "two-step-expired"))?;
    let code = parse_app_code(code)?;
    let now = state.clock.now();
    let step = matching_step(&bytes, code, now, i64::MIN)
        .ok_or_else(|| Error::field("codigo", "two-step-wrong-code"))?;
    let sealed = seal(state, user.id, &bytes)?;
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| code_hash(c)).collect();
    let notice = notice(state, user, TwoStepNotice::Enabled, now)?;
    let (user_id, who) = (user.id, client.clone());
    let first = db::run_write(&state.pool, move |conn| {
        // New codes with the first factor, or when every saved one is used up.
        let status = status_in(conn, user_id)?;
        let first = !status.enabled() || status.codes_left == 0;
        TotpSecret::replace(conn, user_id, &sealed, step, now)?;
        if first {
            RecoveryCodes::replace(conn, user_id, &hashes, now)?;
        }
        notice.enqueue(conn)?;
        let event = Event::new(EventKind::TwoStepEnabled, user_id).with("method", "app");
        security_log::record(conn, &who, now, &event)?;
        Ok::<_, Error>(first)
    })
    .await?;
    state.outbox.wake();
    Ok(first.then_some(codes))
}

/// Turns two-step sign-in off: the app's secret and the recovery codes go.
/// [`Error::NotFound`] when it was off.
pub async fn disable(
    state: &AppState,
    client: &Client,
    user: &User,
    _recent: Recent,
) -> Result<StillOn, Error> {
    let now = state.clock.now();
    let (user_id, who) = (user.id, client.clone());
    let (to, base_url) = (Recipient::of(user), state.settings.base_url.clone());
    let still_on = db::run_write(&state.pool, move |conn| {
        if !TotpSecret::remove(conn, user_id)? {
            return Err(Error::NotFound);
        }
        // Codes stay while passkeys still make two-step sign-in.
        let still_on = status_in(conn, user_id)?.enabled();
        let (kind, told) = if still_on {
            (EventKind::TwoStepAppRemoved, TwoStepNotice::AppRemoved)
        } else {
            RecoveryCodes::remove(conn, user_id)?;
            (EventKind::TwoStepDisabled, TwoStepNotice::Disabled)
        };
        Mail::TwoStep(told)
            .compose(&to, &base_url, now)
            .map_err(Error::unexpected)?
            .enqueue(conn)?;
        let event = Event::new(kind, user_id).with("method", "app");
        security_log::record(conn, &who, now, &event)?;
        Ok(StillOn(still_on))
    })
    .await?;
    state.outbox.wake();
    Ok(still_on)
}

/// After the app is turned off: whether two-step sign-in is still on (passkeys remain, and
/// with them the recovery codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StillOn(pub bool);

/// An admin removes the factors of `member`, one of their vendedores (the caller checked
/// that): the app's secret, the passkeys and the recovery codes go, and the vendedor is told
/// by mail. Nothing happens (and nobody is told) when there was nothing to remove.
pub async fn reset_by_admin(
    state: &AppState,
    client: &Client,
    admin: &User,
    member: &User,
) -> Result<(), Error> {
    let now = state.clock.now();
    let notice = notice(state, member, TwoStepNotice::ResetByAdmin, now)?;
    let (user_id, admin_id, who) = (member.id, admin.id, client.clone());
    let removed = db::run_write(&state.pool, move |conn| {
        let had = status_in(conn, user_id)?;
        if !had.enabled() && had.codes_left == 0 {
            return Ok(false);
        }
        TotpSecret::remove(conn, user_id)?;
        PasskeyRow::remove_all(conn, user_id)?;
        RecoveryCodes::remove(conn, user_id)?;
        notice.enqueue(conn)?;
        let event = Event::new(EventKind::TwoStepDisabled, user_id)
            .by(admin_id)
            .with("method", "admin_reset");
        security_log::record(conn, &who, now, &event)?;
        Ok::<_, Error>(true)
    })
    .await?;
    if removed {
        state.outbox.wake();
    }
    Ok(())
}

/// Replaces every recovery code; returns the new ones. [`Error::NotFound`] when two-step
/// sign-in is off (codes alone are no factor).
pub async fn replace_codes(
    state: &AppState,
    client: &Client,
    user: &User,
    _recent: Recent,
) -> Result<Vec<String>, Error> {
    let now = state.clock.now();
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| code_hash(c)).collect();
    let notice = notice(state, user, TwoStepNotice::NewCodes, now)?;
    let (user_id, who) = (user.id, client.clone());
    db::run_write(&state.pool, move |conn| {
        if !status_in(conn, user_id)?.enabled() {
            return Err(Error::NotFound);
        }
        RecoveryCodes::replace(conn, user_id, &hashes, now)?;
        notice.enqueue(conn)?;
        let event = Event::new(EventKind::RecoveryCodesReplaced, user_id);
        security_log::record(conn, &who, now, &event)?;
        Ok(())
    })
    .await?;
    state.outbox.wake();
    Ok(codes)
}

/// How a second step was passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passed {
    App,
    /// One of the account's passkeys.
    Passkey,
    /// A recovery code; this many are left.
    RecoveryCode {
        left: i64,
    },
}

/// Checks `code` (an app code or a recovery code) for `user` at sign-in, under the
/// per-account throttle. A wrong, reused or malformed code is a problem on `codigo`.
pub async fn second_step(
    state: &AppState,
    client: &Client,
    user: &User,
    code: &str,
) -> Result<Passed, Error> {
    let typed = code.trim().to_owned();
    // Input that is no code at all is not a guess: it is not counted.
    if typed.is_empty() {
        return Err(Error::field("codigo", "error-required"));
    }
    if parse_app_code(&typed).is_err() && normalize_recovery_code(&typed).is_none() {
        return Err(Error::field("codigo", "two-step-malformed"));
    }
    throttle::admit_action(state, SECOND_STEP, user.id).await?;
    let now = state.clock.now();
    let key = state.settings.secret_key.subkey(SEAL_PURPOSE);
    let (user_id, who, owner) = (user.id, client.clone(), user.clone());
    let base_url = state.settings.base_url.clone();
    let passed = db::run_write(&state.pool, move |conn| {
        let passed = if let Ok(code) = parse_app_code(&typed) {
            let Some(row) = TotpSecret::find(conn, user_id)? else {
                return Ok(None);
            };
            let bytes = open(&key, user_id, &row.secret_sealed)?;
            match matching_step(&bytes, code, now, row.last_step) {
                Some(step) if TotpSecret::use_step(conn, user_id, step)? => Some(Passed::App),
                _ => None,
            }
        } else if let Some(normal) = normalize_recovery_code(&typed) {
            if RecoveryCodes::consume(conn, user_id, &code_hash(&normal), now)? {
                let left = RecoveryCodes::remaining(conn, user_id)?;
                let to = Recipient::of(&owner);
                Mail::TwoStep(TwoStepNotice::CodeUsed {
                    left,
                    low: left <= LOW_CODES,
                })
                .compose(&to, &base_url, now)
                .map_err(Error::unexpected)?
                .enqueue(conn)?;
                let event = Event::new(EventKind::RecoveryCodeUsed, user_id).with("left", left);
                security_log::record(conn, &who, now, &event)?;
                Some(Passed::RecoveryCode { left })
            } else {
                None
            }
        } else {
            None
        };
        if passed.is_some() {
            forgive(conn, user_id)?;
        } else {
            let event = Event::new(EventKind::SignInFailed, user_id).with("reason", "wrong_code");
            security_log::record(conn, &who, now, &event)?;
        }
        Ok::<_, Error>(passed)
    })
    .await?;
    match passed {
        Some(passed) => {
            state.outbox.wake();
            Ok(passed)
        }
        None => Err(Error::field("codigo", "two-step-wrong-code")),
    }
}

/// A right code forgives the account's counted second-step attempts.
pub(super) fn forgive(conn: &mut DbConnection, user_id: i32) -> diesel::QueryResult<()> {
    let actor = format!("user:{user_id}");
    Attempt {
        scope: SECOND_STEP.scope,
        subject_key: &throttle::subject_key(&actor),
        client: &actor,
    }
    .clear(conn)
}

pub(super) fn notice(
    state: &AppState,
    user: &User,
    notice: TwoStepNotice,
    now: Timestamp,
) -> Result<crate::db::outbox::NewMail, Error> {
    Mail::TwoStep(notice)
        .compose(&Recipient::of(user), &state.settings.base_url, now)
        .map_err(Error::unexpected)
}

/// Six digits (spaces allowed between them, as apps show them).
fn parse_app_code(code: &str) -> Result<u32, Error> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits
            .parse()
            .map_err(|_| Error::field("codigo", "two-step-malformed"))
    } else if digits.is_empty() {
        Err(Error::field("codigo", "error-required"))
    } else {
        Err(Error::field("codigo", "two-step-malformed"))
    }
}

/// The time step of `now`.
pub fn step_at(now: Timestamp) -> i64 {
    now.and_utc().timestamp().div_euclid(STEP_SECONDS)
}

/// The step (current, one before, one after) whose code is `code`, if it is after
/// `last_used`. Every candidate is computed, so the time does not tell which matched.
fn matching_step(secret: &[u8], code: u32, now: Timestamp, last_used: i64) -> Option<i64> {
    let current = step_at(now);
    let mut found = None;
    for step in [current - 1, current, current + 1] {
        let same = subtle::ConstantTimeEq::ct_eq(&totp(secret, step), &code);
        if bool::from(same) && step > last_used && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// The 6-digit code of `step` (RFC 4226 dynamic truncation of HMAC-SHA1).
pub fn totp(secret: &[u8], step: i64) -> u32 {
    let Ok(mut mac) = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret) else {
        return u32::MAX;
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let bin = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    bin % 1_000_000
}

fn seal(state: &AppState, user_id: i32, secret: &[u8]) -> Result<String, Error> {
    let key = state.settings.secret_key.subkey(SEAL_PURPOSE);
    let cipher = Aes256Gcm::new_from_slice(&key).map_err(Error::unexpected)?;
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let aad = user_id.to_be_bytes();
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: secret,
                aad: &aad,
            },
        )
        .map_err(|_| Error::unexpected(anyhow::anyhow!("sealing a TOTP secret failed")))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(STANDARD.encode(out))
}

fn open(key: &[u8; 32], user_id: i32, sealed: &str) -> Result<Vec<u8>, Error> {
    let failed = || Error::unexpected(anyhow::anyhow!("a TOTP secret does not open"));
    let bytes = STANDARD.decode(sealed).map_err(|_| failed())?;
    if bytes.len() < 12 {
        return Err(failed());
    }
    let (nonce, sealed) = bytes.split_at(12);
    let cipher = Aes256Gcm::new_from_slice(key).map_err(Error::unexpected)?;
    let aad = user_id.to_be_bytes();
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .map_err(|_| failed())
}

/// Ten new codes, `xxxx-xxxx-xxxx-xxxx`.
pub(super) fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 16];
            rng.fill_bytes(&mut bytes);
            let chars: Vec<char> = bytes
                .iter()
                .map(|b| char::from(CODE_ALPHABET[usize::from(b & 31)]))
                .collect();
            chars
                .chunks(4)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// A typed recovery code in its stored form (dashes and spaces dropped, case folded to the
/// alphabet's), if it has the shape of one.
fn normalize_recovery_code(typed: &str) -> Option<String> {
    let chars: String = typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .collect();
    if chars.chars().count() != 16 {
        return None;
    }
    let folded: Option<String> = chars
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            'o' => Some('0'),
            'i' | 'l' => Some('1'),
            c => CODE_ALPHABET
                .iter()
                .map(|b| char::from(*b))
                .find(|a| *a == c),
        })
        .collect();
    let folded = folded?;
    let grouped: Vec<String> = folded
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect())
        .collect();
    Some(grouped.join("-"))
}

pub(super) fn code_hash(normal: &str) -> String {
    sha256_hex(normal)
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// RFC 4648 base32 (any case, spaces and padding ignored); `None` when not base32 or empty.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32
            .iter()
            .position(|b| char::from(*b).eq_ignore_ascii_case(&c))?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        let secret = b"12345678901234567890";
        // RFC 6238 appendix B, truncated to six digits.
        assert_eq!(totp(secret, 59 / 30), 287_082);
        assert_eq!(totp(secret, 1_111_111_109 / 30), 81_804);
        assert_eq!(totp(secret, 1_234_567_890 / 30), 5_924);
        assert_eq!(totp(secret, 2_000_000_000 / 30), 279_037);
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(
            base32_encode(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        let secret = new_secret();
        assert_eq!(base32_encode(&base32_decode(&secret).unwrap()), secret);
        assert_eq!(base32_decode("not base32!"), None);
    }

    #[test]
    fn recovery_codes_are_folded_and_grouped() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let code = &codes[0];
        assert_eq!(code.len(), 19);
        assert_eq!(
            normalize_recovery_code(code).as_deref(),
            Some(code.as_str())
        );
        let bare = code.replace('-', "");
        assert_eq!(
            normalize_recovery_code(&bare).as_deref(),
            Some(code.as_str())
        );
        let upper = code.to_uppercase();
        assert_eq!(
            normalize_recovery_code(&upper).as_deref(),
            Some(code.as_str())
        );
        assert_eq!(normalize_recovery_code("uuuu-uuuu-uuuu-uuuu"), None);
    }
}
