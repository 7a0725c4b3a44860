//! Exporting one's data: a ZIP holding `datos.json` (what the account holds, as plain serde
//! structs; the README documents each key) and `foto.jpg` when a photo was uploaded.
//!
//! The archive is written to an unnamed temporary file under the data folder (the file has
//! no name from the start, so it goes away when its handle is dropped, whatever happens), the
//! photo (a small JPEG) copied into it from the media store and the security history read and written a page at a
//! time: nothing but small rows is held in memory. The caller streams the file back.
//!
//! Nothing secret goes in: no password hash, no token or its hash, no session id, no known
//! browser hash. A vendedor's export holds only their own data (no team, no invoice
//! settings).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};

use anyhow::Context;
use chrono::{NaiveDate, SecondsFormat};
use serde::Serialize;
use serde::ser::{Error as _, SerializeSeq};

use super::onboarding;
use super::security_log::{self, Event};
use super::{Client, Error};
use crate::clock::Timestamp;
use crate::db::invoice_settings::InvoiceSettings;
use crate::db::linked_identities::LinkedIdentity;
use crate::db::security_events::{EventKind, SecurityEvent};
use crate::db::sessions::SessionRecord;
use crate::db::tokens::OneTimeToken;
use crate::db::users::User;
use crate::db::{self, DbConnection};
use crate::domain::Role;
use crate::state::AppState;

/// The version of `datos.json`'s layout; it grows when a key changes meaning or goes away.
pub const FORMAT: u32 = 1;
/// The names inside the archive.
pub const DATA_NAME: &str = "datos.json";
pub const PHOTO_NAME: &str = "foto.jpg";
/// How many security events are read at once.
const HISTORY_PAGE: i64 = 500;

/// `datos.json`.
#[derive(Serialize)]
pub struct Export<'c> {
    pub format: u32,
    #[serde(serialize_with = "utc")]
    pub generated_at: Timestamp,
    pub profile: Profile,
    pub preferences: Preferences,
    pub verification: Verification,
    pub account: AccountState,
    /// Admins only (`null` when never saved); absent for a vendedor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_settings: Option<Option<InvoiceExport>>,
    /// Admins only; absent for a vendedor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<Vec<TeamMember>>,
    pub sessions: Vec<SessionExport>,
    pub two_step: TwoStepExport,
    /// The OpenID Connect identities that sign in to the account.
    pub linked_identities: Vec<LinkedIdentityExport>,
    pub security_history: History<'c>,
}

/// One identity at an OpenID Connect provider linked to the account.
#[derive(Serialize)]
pub struct LinkedIdentityExport {
    pub issuer: String,
    /// The provider's id for the person (`sub`).
    pub subject: String,
    /// The address the provider gave when it was linked.
    pub email: String,
    #[serde(serialize_with = "utc")]
    pub linked_at: Timestamp,
    #[serde(serialize_with = "utc")]
    pub last_used_at: Timestamp,
}

/// Whether two-step sign-in is on; never the secret or a code.
#[derive(Serialize)]
pub struct TwoStepExport {
    pub authenticator_app: bool,
    #[serde(serialize_with = "utc_opt")]
    pub app_added_at: Option<Timestamp>,
    pub recovery_codes_left: i64,
    /// The passkeys: names and dates, never key material.
    pub passkeys: Vec<PasskeyExport>,
}

/// One passkey in the export.
#[derive(Serialize)]
pub struct PasskeyExport {
    pub name: String,
    #[serde(serialize_with = "utc")]
    pub added_at: Timestamp,
    #[serde(serialize_with = "utc_opt")]
    pub last_used_at: Option<Timestamp>,
}

#[derive(Serialize)]
pub struct Profile {
    pub username: String,
    pub email: String,
    /// `admin` | `vendedor`.
    pub role: &'static str,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    /// `foto.jpg` when the archive holds the uploaded photo.
    pub photo: Option<&'static str>,
    pub google_photo_url: Option<String>,
    /// A vendedor's admin (their username).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<String>,
    #[serde(serialize_with = "utc")]
    pub created_at: Timestamp,
    #[serde(serialize_with = "utc")]
    pub updated_at: Timestamp,
    #[serde(serialize_with = "utc_opt")]
    pub last_login_at: Option<Timestamp>,
}

#[derive(Serialize)]
pub struct Preferences {
    pub language: String,
    pub currency: String,
    pub timezone: String,
    /// The region chosen on the profile; `null` when it comes from the time zone.
    pub region: Option<String>,
}

#[derive(Serialize)]
pub struct Verification {
    pub email_verified: bool,
    /// A new address waiting for its confirmation link.
    pub pending_email: Option<String>,
}

#[derive(Serialize)]
pub struct AccountState {
    /// `onboarding` | `active` (see `accounts::onboarding`).
    pub status: &'static str,
    pub profile_complete: bool,
    pub is_active: bool,
    pub must_change_password: bool,
    pub tutorial_seen: bool,
}

#[derive(Serialize)]
pub struct InvoiceExport {
    pub company_name: String,
    pub address: String,
    pub phone: String,
    pub contact_email: String,
    pub custom_message: String,
    pub show_address: bool,
    pub show_phone: bool,
    pub show_email: bool,
    pub show_message: bool,
    #[serde(serialize_with = "utc")]
    pub updated_at: Timestamp,
}

#[derive(Serialize)]
pub struct TeamMember {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub is_active: bool,
    pub email_verified: bool,
    pub must_change_password: bool,
    #[serde(serialize_with = "utc")]
    pub created_at: Timestamp,
    #[serde(serialize_with = "utc_opt")]
    pub last_login_at: Option<Timestamp>,
}

#[derive(Serialize)]
pub struct SessionExport {
    #[serde(serialize_with = "utc")]
    pub started_at: Timestamp,
    #[serde(serialize_with = "utc")]
    pub last_seen_at: Timestamp,
    /// When it was ended (signed out or revoked); `null` while it may still be live.
    #[serde(serialize_with = "utc_opt")]
    pub ended_at: Option<Timestamp>,
    pub address: String,
    pub user_agent: String,
}

#[derive(Serialize)]
pub struct EventExport {
    #[serde(serialize_with = "utc")]
    pub at: Timestamp,
    /// An event kind's word (`signed_in`, `password_changed`, …).
    pub kind: &'static str,
    pub address: String,
    pub user_agent: String,
    /// Who else acted (the vendedor's admin), by username.
    pub by: Option<String>,
    pub details: serde_json::Value,
}

/// The user's security events, newest first, read from the database a page at a time while
/// they are written out.
pub struct History<'c> {
    conn: RefCell<&'c mut DbConnection>,
    user_id: i32,
}

impl Serialize for History<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut conn = self.conn.borrow_mut();
        let mut names: HashMap<i32, Option<String>> = HashMap::new();
        let mut seq = serializer.serialize_seq(None)?;
        let mut offset = 0;
        loop {
            let page = SecurityEvent::list_for_user(&mut conn, self.user_id, offset, HISTORY_PAGE)
                .map_err(S::Error::custom)?;
            for event in &page {
                let by = match event.actor_id {
                    Some(id) => match names.get(&id) {
                        Some(name) => name.clone(),
                        None => {
                            let name = User::find(&mut conn, id)
                                .map_err(S::Error::custom)?
                                .map(|u| u.username);
                            names.insert(id, name.clone());
                            name
                        }
                    },
                    None => None,
                };
                seq.serialize_element(&EventExport {
                    at: event.created_at,
                    kind: event.kind.as_str(),
                    address: event.client_address.clone(),
                    user_agent: event.user_agent.clone(),
                    by,
                    details: serde_json::from_str(&event.details)
                        .unwrap_or_else(|_| serde_json::Value::Object(Default::default())),
                })?;
            }
            if (page.len() as i64) < HISTORY_PAGE {
                break;
            }
            offset += HISTORY_PAGE;
        }
        seq.end()
    }
}

fn utc<S: serde::Serializer>(at: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn utc_opt<S: serde::Serializer>(at: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => utc(at, s),
        None => s.serialize_none(),
    }
}

/// A finished archive, rewound, ready to stream; its storage goes when it is dropped.
#[derive(Debug)]
pub struct ExportFile {
    pub file: File,
    pub username: String,
    /// The day it was made (UTC, like every time in it).
    pub date: NaiveDate,
}

impl ExportFile {
    /// `cuentas-<username>-<date>.zip`.
    pub fn file_name(&self) -> String {
        format!(
            "cuentas-{}-{}.zip",
            self.username,
            self.date.format("%Y-%m-%d")
        )
    }
}

/// Builds `user`'s archive, and records that it was made (in the security history it holds).
pub async fn export(state: &AppState, client: &Client, user: &User) -> Result<ExportFile, Error> {
    let user = user.clone();
    let now = state.clock.now();
    let (id, client) = (user.id, client.clone());
    db::run_write(&state.pool, move |conn| {
        let event = Event::new(EventKind::DataExported, id);
        Ok::<_, Error>(security_log::record(conn, &client, now, &event)?)
    })
    .await?;
    let folder = state.settings.data_dir.join("tmp");
    // A photo that is gone is left out (and said so: `photo` is null).
    let photo = match user.photo_path.as_deref() {
        Some(path) => state.media.read(path).await.map_err(Error::unexpected)?,
        None => None,
    };
    db::run(&state.pool, move |conn| {
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        // Unnamed from the start: nothing is left behind, even if the process dies.
        let file = tempfile::tempfile_in(&folder).context("cannot create the export file")?;
        let file = write_archive(conn, file, &user, now, photo)?;
        Ok(ExportFile {
            file,
            date: now.date(),
            username: user.username,
        })
    })
    .await
}

/// Gathers the data and writes the archive into `file`, returned rewound.
fn write_archive(
    conn: &mut DbConnection,
    file: File,
    user: &User,
    now: Timestamp,
    photo: Option<bytes::Bytes>,
) -> Result<File, Error> {
    let is_admin = user.role == Role::Admin;
    let pending_email = OneTimeToken::pending_email(conn, user.id, now)?;
    let invoice = if is_admin {
        InvoiceSettings::find(conn, user.id)?
    } else {
        None
    };
    let company = invoice.as_ref().map(|saved| saved.company_name.as_str());
    let onboarding = onboarding::Onboarding::of(user, company);
    let invoice_settings = is_admin.then(|| invoice.as_ref().map(invoice_export));
    let team = if is_admin {
        let members = User::team_of(conn, user.id)?;
        Some(members.iter().map(team_member).collect())
    } else {
        None
    };
    let admin = match (user.role, user.manager_id) {
        (Role::Vendedor, Some(id)) => User::find(conn, id)?.map(|admin| admin.username),
        _ => None,
    };
    let sessions = SessionRecord::list_for_user(conn, user.id)?
        .into_iter()
        .map(|s| SessionExport {
            started_at: s.created_at,
            last_seen_at: s.last_seen_at,
            ended_at: s.revoked_at,
            address: s.ip,
            user_agent: s.user_agent,
        })
        .collect();
    let two_step = two_step_export(conn, user.id)?;
    let linked_identities = linked_identities_export(conn, user.id)?;
    let export = Export {
        format: FORMAT,
        generated_at: now,
        profile: Profile {
            username: user.username.clone(),
            email: user.email.clone(),
            role: user.role.as_str(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            phone: user.phone.clone(),
            photo: photo.is_some().then_some(PHOTO_NAME),
            google_photo_url: user.google_photo_url.clone(),
            admin,
            created_at: user.created_at,
            updated_at: user.updated_at,
            last_login_at: user.last_login_at,
        },
        preferences: Preferences {
            language: user.language.clone(),
            currency: user.currency.clone(),
            timezone: user.timezone.clone(),
            region: user.region.clone(),
        },
        verification: Verification {
            email_verified: user.email_verified,
            pending_email,
        },
        account: AccountState {
            status: onboarding.status().as_str(),
            profile_complete: onboarding.profile_complete(),
            is_active: user.is_active,
            must_change_password: user.must_change_password,
            tutorial_seen: user.tutorial_seen,
        },
        invoice_settings,
        team,
        sessions,
        two_step,
        linked_identities,
        security_history: History {
            conn: RefCell::new(conn),
            user_id: user.id,
        },
    };
    zip_into(file, &export, photo).map_err(Error::unexpected)
}

fn zip_into(file: File, export: &Export<'_>, photo: Option<bytes::Bytes>) -> anyhow::Result<File> {
    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;

    // Stored, not compressed: the JSON is small and the JPEG would not shrink, and a stored
    // archive opens with any tool (and lets the tests search its bytes for secrets).
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(file);
    zip.start_file(DATA_NAME, stored)?;
    {
        let mut json = BufWriter::new(&mut zip);
        serde_json::to_writer_pretty(&mut json, export)?;
        json.flush()?;
    }
    if let Some(photo) = photo {
        zip.start_file(PHOTO_NAME, stored)?;
        zip.write_all(&photo)?;
    }
    let mut file = zip.finish()?;
    file.flush()?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// Whether two-step sign-in is on, and the passkeys by name.
fn two_step_export(conn: &mut DbConnection, user_id: i32) -> diesel::QueryResult<TwoStepExport> {
    let app = crate::db::two_step::TotpSecret::find(conn, user_id)?;
    Ok(TwoStepExport {
        authenticator_app: app.is_some(),
        app_added_at: app.map(|a| a.created_at),
        recovery_codes_left: crate::db::two_step::RecoveryCodes::remaining(conn, user_id)?,
        passkeys: crate::db::passkeys::PasskeyRow::of_user(conn, user_id)?
            .into_iter()
            .map(|p| PasskeyExport {
                name: p.name,
                added_at: p.created_at,
                last_used_at: p.last_used_at,
            })
            .collect(),
    })
}

fn linked_identities_export(
    conn: &mut DbConnection,
    user_id: i32,
) -> diesel::QueryResult<Vec<LinkedIdentityExport>> {
    Ok(LinkedIdentity::of_user(conn, user_id)?
        .into_iter()
        .map(|identity| LinkedIdentityExport {
            issuer: identity.issuer,
            subject: identity.subject,
            email: identity.email,
            linked_at: identity.created_at,
            last_used_at: identity.last_used_at,
        })
        .collect())
}

fn invoice_export(saved: &InvoiceSettings) -> InvoiceExport {
    InvoiceExport {
        company_name: saved.company_name.clone(),
        address: saved.address.clone(),
        phone: saved.phone.clone(),
        contact_email: saved.contact_email.clone(),
        custom_message: saved.custom_message.clone(),
        show_address: saved.show_address,
        show_phone: saved.show_phone,
        show_email: saved.show_email,
        show_message: saved.show_message,
        updated_at: saved.updated_at,
    }
}

fn team_member(member: &User) -> TeamMember {
    TeamMember {
        username: member.username.clone(),
        email: member.email.clone(),
        first_name: member.first_name.clone(),
        last_name: member.last_name.clone(),
        phone: member.phone.clone(),
        is_active: member.is_active,
        email_verified: member.email_verified,
        must_change_password: member.must_change_password,
        created_at: member.created_at,
        last_login_at: member.last_login_at,
    }
}
