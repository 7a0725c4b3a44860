//! One's own profile: the fields, the photo, and a change of address (which waits for the
//! link sent to the new address; the old one gets a notice).
//!
//! The update writes only the profile's own columns (`ProfileChanges`); role, flags, ids and
//! the address itself are never written here.

use super::password::verify_own;
use super::security_log::{self, Event};
use super::sessions::{self, LiveSession};
use super::{Client, Error, throttle};
use super::{LinkFor, queue_link_mail};
use crate::db;
use crate::db::invoice_settings::InvoiceSettings;
use crate::db::outbox::NewMail;
use crate::db::pending_photos::{self, PendingPhoto};
use crate::db::profile_page::{ProfilePageKey, ProfilePageRows};
use crate::db::security_events::EventKind;
use crate::db::tokens::{OneTimeToken, Purpose};
use crate::db::users::{ProfileChanges, Taken, User};
use crate::domain::profile::{PersonName, Phone, parse_currency, parse_timezone};
use crate::domain::region::Region;
use crate::domain::{EmailAddress, Problems, Role, Username};
use crate::i18n::Lang;
use crate::locale::Reader;
use crate::mail::messages::{Mail, Recipient};
use crate::state::AppState;

/// The profile's text fields as typed (or as saved, to fill the form); the names are the
/// form's.
#[derive(Clone, Debug, Default)]
pub struct ProfileFields {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub telefono: String,
    pub idioma: String,
    pub moneda: String,
    pub zona_horaria: String,
    /// Empty: taken from the time zone.
    pub region: String,
}

impl ProfileFields {
    /// The saved values.
    pub fn of(user: &User) -> Self {
        Self {
            username: user.username.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            email: user.email.clone(),
            telefono: user.phone.clone(),
            idioma: user.language.clone(),
            moneda: user.currency.clone(),
            zona_horaria: user.timezone.clone(),
            region: user.region.clone().unwrap_or_default(),
        }
    }
}

/// The profile form as submitted.
#[derive(Default)]
pub struct ProfileInput {
    pub fields: ProfileFields,
    /// Needed only when the address changes.
    pub password_actual: String,
    /// The uploaded file, if one was chosen.
    pub foto_perfil: Option<Vec<u8>>,
    /// The session a photo is kept for when the rest of the form has an error (for
    /// `db::pending_photos::LIFETIME`); the next valid save from it stores that photo. `None`:
    /// a photo that cannot be saved yet is dropped.
    pub keep_photo_for: Option<String>,
}

/// What a saved profile started besides the save.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfileSaved {
    /// A confirmation link went to a new address.
    pub email_change_requested: bool,
}

/// The parsed fields of the form.
struct ProfileUpdate {
    username: Username,
    first_name: PersonName,
    last_name: PersonName,
    email: EmailAddress,
    phone: Option<Phone>,
    language: Lang,
    currency: &'static str,
    timezone: chrono_tz::Tz,
    region: Option<Region>,
}

/// `current_username` is accepted unchanged even when older rules allowed it.
fn parse(
    input: &ProfileFields,
    current_username: &str,
    problems: &mut Problems,
) -> Option<ProfileUpdate> {
    let username = problems.check(
        "username",
        Username::parse_keeping(&input.username, current_username),
    );
    let first_name = problems.check("first_name", PersonName::parse(&input.first_name));
    let last_name = problems.check("last_name", PersonName::parse(&input.last_name));
    let email = problems.check("email", EmailAddress::parse(&input.email));
    let phone = problems.check("telefono", Phone::parse(&input.telefono));
    let language = problems.check(
        "idioma",
        Lang::from_code(input.idioma.trim()).ok_or("error-language"),
    );
    let currency = problems.check("moneda", parse_currency(&input.moneda));
    let timezone = problems.check("zona_horaria", parse_timezone(&input.zona_horaria));
    let region = problems.check("region", Region::parse_optional(&input.region));
    Some(ProfileUpdate {
        username: username?,
        first_name: first_name?,
        last_name: last_name?,
        email: email?,
        phone: phone?,
        language: language?,
        currency: currency?,
        timezone: timezone?,
        region: region?,
    })
}

/// Saves `user`'s profile. A new photo is stored first and the old file removed only once
/// the row points elsewhere; a new address needs the current password and waits for its
/// link.
pub async fn update_profile(
    state: &AppState,
    client: &Client,
    user: &User,
    mut input: ProfileInput,
) -> Result<ProfileSaved, Error> {
    let mut problems = Problems::new();
    let update = parse(&input.fields, &user.username, &mut problems);
    let email_changes = check_email_change(state, client, user, &mut input, &mut problems).await?;
    let keep_for = input.keep_photo_for.take();
    let fresh = process_upload(state, &mut input, keep_for.is_some(), &mut problems).await?;
    let update = match problems.or(update) {
        Ok(Some(update)) => update,
        invalid => {
            if let (Some(session), Some(jpeg)) = (&keep_for, fresh) {
                keep_pending_photo(state, session, user.id, jpeg).await?;
            }
            return Err(invalid.err().unwrap_or_default().into());
        }
    };
    let photo = match (fresh, &keep_for) {
        (Some(jpeg), _) => Some(jpeg),
        (None, Some(session)) => pending_photo(state, session, user.id).await?,
        (None, None) => None,
    };

    let new_photo = match photo {
        Some(jpeg) => Some(state.media.save(jpeg).await.map_err(Error::unexpected)?),
        None => None,
    };
    // A new address takes effect only once confirmed through the link sent to it. Mail to a
    // typed address is throttled like every other (over the per-address limit the answer is
    // the same and nothing is sent).
    let send_change = email_changes
        && throttle::admit_mail(
            state,
            client,
            throttle::MAIL,
            "change",
            update.email.as_ref(),
        )
        .await?;
    let now = state.clock.now();
    let email_change = if send_change {
        Some(EmailChange::new(state, client, user, &update, now)?)
    } else {
        None
    };
    let saved = write(state, user.id, update, new_photo.clone(), email_change).await;
    // The file no row points at any more: the photo the row pointed at when it was written
    // (not the one this request saw, which a save at the same time may have replaced), or
    // the new one when the row was not written. Deleted only after the database decided.
    let orphan = match (&saved, new_photo) {
        (Ok(replaced), Some(_)) => replaced.clone(),
        (Err(_), new) => new,
        (Ok(_), None) => None,
    };
    if let Some(orphan) = orphan {
        remove_photo_file(state, orphan).await;
    }
    saved?;
    if let Some(session) = keep_for {
        discard_pending_photo(state, &session).await?;
    }
    if email_changes {
        state.outbox.wake();
    }
    Ok(ProfileSaved {
        email_change_requested: email_changes,
    })
}

/// Whether the form changes the address; if so, the current password must come with it.
async fn check_email_change(
    state: &AppState,
    client: &Client,
    user: &User,
    input: &mut ProfileInput,
    problems: &mut Problems,
) -> Result<bool, Error> {
    let changes = EmailAddress::parse(&input.fields.email).is_ok_and(|e| e.as_ref() != user.email);
    if changes {
        let password = std::mem::take(&mut input.password_actual);
        if password.is_empty() {
            problems.add("password_actual", "error-password-needed-for-email");
        } else if !verify_own(state, client, user, password).await? {
            problems.add("password_actual", "password-old-wrong");
        }
    }
    Ok(changes)
}

/// The uploaded photo through the pipeline (a problem with it goes to `problems`). A file
/// input left empty still sends an empty part. With other problems already found, it is
/// processed only if it can be kept for the next save.
async fn process_upload(
    state: &AppState,
    input: &mut ProfileInput,
    can_keep: bool,
    problems: &mut Problems,
) -> Result<Option<Vec<u8>>, Error> {
    let upload = input.foto_perfil.take().filter(|bytes| !bytes.is_empty());
    let Some(bytes) = upload.filter(|_| problems.is_empty() || can_keep) else {
        return Ok(None);
    };
    Ok(match state.photos.process(bytes).await? {
        Ok(jpeg) => Some(jpeg),
        Err(problem) => {
            problems.add("foto_perfil", problem);
            None
        }
    })
}

/// Keeps the processed photo of a form that had another error for `session`, replacing the
/// one it had.
async fn keep_pending_photo(
    state: &AppState,
    session: &str,
    user_id: i32,
    jpeg: Vec<u8>,
) -> Result<(), Error> {
    let (session, now) = (session.to_owned(), state.clock.now());
    db::run_write(&state.pool, move |conn| {
        Ok::<_, Error>(PendingPhoto::keep(conn, &session, user_id, &jpeg, now)?)
    })
    .await
}

/// The photo kept for `session` (the processed JPEG), if it is still fresh.
pub async fn pending_photo(
    state: &AppState,
    session: &str,
    user_id: i32,
) -> Result<Option<Vec<u8>>, Error> {
    let (session, since) = (
        session.to_owned(),
        state.clock.now() - pending_photos::LIFETIME,
    );
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(PendingPhoto::of_session(conn, &session, user_id, since)?)
    })
    .await
}

/// Drops the photo kept for `session`; true when there was one.
pub async fn discard_pending_photo(state: &AppState, session: &str) -> Result<bool, Error> {
    let session = session.to_owned();
    db::run_write(&state.pool, move |conn| {
        Ok::<_, Error>(PendingPhoto::discard(conn, &session)?)
    })
    .await
}

/// What a requested address change queues beside the profile update.
struct EmailChange {
    new_email: String,
    new_owner: Recipient,
    notice: NewMail,
    hours: u64,
    base_url: url::Url,
    lifetime: std::time::Duration,
    client: Client,
}

impl EmailChange {
    fn new(
        state: &AppState,
        client: &Client,
        user: &User,
        update: &ProfileUpdate,
        now: crate::clock::Timestamp,
    ) -> Result<Self, Error> {
        let lifetime = state.settings.verify_token_lifetime;
        let reader = Reader::of(user).with_lang(update.language);
        let new_owner = Recipient {
            address: update.email.as_ref().to_owned(),
            name: update.first_name.as_ref().to_owned(),
            lang: update.language,
            reader,
        };
        let old_owner = Recipient {
            lang: update.language,
            reader,
            ..Recipient::of(user)
        };
        let notice = Mail::EmailChangeRequested {
            new_email: update.email.as_ref(),
        }
        .compose(&old_owner, &state.settings.base_url, now)
        .map_err(Error::unexpected)?;
        Ok(Self {
            new_email: update.email.as_ref().to_owned(),
            new_owner,
            notice,
            hours: lifetime.as_secs() / 3600,
            base_url: state.settings.base_url.clone(),
            lifetime,
            client: client.clone(),
        })
    }

    /// Issues the link to the new address and queues both mails; inside the update's
    /// transaction.
    fn queue(
        &self,
        conn: &mut db::DbConnection,
        id: i32,
        now: crate::clock::Timestamp,
    ) -> Result<(), Error> {
        let link = LinkFor::new(Purpose::ChangeEmail, id, &self.new_email, self.lifetime);
        queue_link_mail(conn, link, now, |token| {
            let mail = Mail::ConfirmNewEmail {
                token,
                hours: self.hours,
                new_email: &self.new_email,
            };
            mail.compose(&self.new_owner, &self.base_url, now)
        })?;
        self.notice.enqueue(conn)?;
        let event =
            Event::new(EventKind::EmailChangeRequested, id).with("to", self.new_email.as_str());
        security_log::record(conn, &self.client, now, &event)?;
        Ok(())
    }
}

/// One transaction: the address still free, the profile's columns, the change's link and
/// mails. Returns the uploaded photo that a new one replaced.
async fn write(
    state: &AppState,
    id: i32,
    update: ProfileUpdate,
    photo_path: Option<String>,
    email_change: Option<EmailChange>,
) -> Result<Option<String>, Error> {
    let now = state.clock.now();
    db::run_write(&state.pool, move |conn| {
        if let Some(change) = &email_change
            && User::email_taken(conn, &change.new_email, Some(id))?
        {
            return Err(Error::field("email", "error-email-taken"));
        }
        let normalized = update.username.normalized();
        let changes = ProfileChanges {
            username: update.username.as_ref(),
            username_normalized: &normalized,
            first_name: update.first_name.as_ref(),
            last_name: update.last_name.as_ref(),
            phone: update.phone.as_ref().map_or("", AsRef::as_ref),
            language: update.language.code(),
            currency: update.currency,
            timezone: update.timezone.name(),
            region: update.region.map(Region::code),
            photo_path: photo_path.as_deref(),
            updated_at: now,
        };
        let replaced = match User::write_profile(conn, id, &changes)? {
            Ok(replaced) => replaced,
            Err(Taken::Username) => {
                return Err(Error::field("username", "error-username-taken"));
            }
            Err(Taken::Email) => return Err(Error::field("email", "error-email-taken")),
        };
        if let Some(change) = &email_change {
            change.queue(conn, id, now)?;
        }
        Ok(replaced)
    })
    .await
}

/// Drops the address waiting for confirmation; its link stops working.
pub async fn cancel_email_change(state: &AppState, user: &User) -> Result<(), Error> {
    let (id, now) = (user.id, state.clock.now());
    db::run(&state.pool, move |conn| {
        Ok::<_, Error>(OneTimeToken::void(conn, id, &[Purpose::ChangeEmail], now)?)
    })
    .await
}

/// Replaces the photo alone (the API's `PUT /api/v1/me/photo`), through the same pipeline and
/// limits as the profile form; a picture the pipeline refuses is a problem on `foto_perfil`.
/// The old file goes only once the row points at the new one.
pub async fn replace_photo(state: &AppState, user: &User, bytes: Vec<u8>) -> Result<(), Error> {
    if bytes.is_empty() {
        return Err(Error::field("foto_perfil", "error-required"));
    }
    let jpeg = state
        .photos
        .process(bytes)
        .await?
        .map_err(|problem| Error::field("foto_perfil", problem))?;
    let saved = state.media.save(jpeg).await.map_err(Error::unexpected)?;
    let (id, now, path) = (user.id, state.clock.now(), saved.clone());
    let previous = db::run(&state.pool, move |conn| {
        Ok::<_, Error>(User::set_photo(conn, id, Some(&path), now)?)
    })
    .await;
    match previous {
        Ok(Some(previous)) => remove_photo_file(state, previous).await,
        Ok(None) => {}
        Err(e) => {
            remove_photo_file(state, saved).await;
            return Err(e);
        }
    }
    Ok(())
}

/// Removes the uploaded photo (back to the Google photo or the default avatar); true when
/// there was one.
pub async fn remove_photo(state: &AppState, user: &User) -> Result<bool, Error> {
    let (id, now) = (user.id, state.clock.now());
    let previous = db::run(&state.pool, move |conn| {
        Ok::<_, Error>(User::clear_photo(conn, id, now)?)
    })
    .await?;
    let removed = previous.is_some();
    if let Some(previous) = previous {
        remove_photo_file(state, previous).await;
    }
    Ok(removed)
}

/// Deletes a photo file no row points at; a failure is logged, never shown (the row is right).
async fn remove_photo_file(state: &AppState, relative: String) {
    if let Err(e) = state.media.remove(&relative).await {
        tracing::warn!(error = %e, "a replaced photo could not be deleted");
    }
}

/// What the profile page shows beside the account itself.
pub struct ProfileExtras {
    /// A new address waiting for its confirmation link.
    pub pending_email: Option<String>,
    /// The saved invoice settings, for admins (created with the defaults on first sight).
    pub invoice: Option<InvoiceSettings>,
    /// The account's first steps (its status).
    pub onboarding: super::onboarding::Onboarding,
    /// This session keeps a photo for the next valid save.
    pub pending_photo: bool,
}

/// One trip to the database for the profile page (one statement, see
/// [`ProfilePageRows::read`]): the pending address, the kept photo and, when asked and the
/// user is an admin, the saved invoice settings.
pub async fn extras(
    state: &AppState,
    user: &User,
    session: &str,
    with_invoice: bool,
) -> Result<ProfileExtras, Error> {
    let (id, now) = (user.id, state.clock.now());
    let session = session.to_owned();
    let load_invoice = with_invoice && user.role == Role::Admin;
    let user = user.clone();
    db::run(&state.pool, move |conn| {
        let key = ProfilePageKey {
            user_id: id,
            session_id: &session,
            now,
            photos_since: now - pending_photos::LIFETIME,
        };
        let rows = ProfilePageRows::read(conn, key, load_invoice)?;
        extras_of(conn, &user, rows, load_invoice, now)
    })
    .await
}

/// The request's session, checked as [`sessions::resolve`] checks it, and the profile page's
/// rows, in one trip, read by one statement ([`ProfilePageRows::read_with_session`]; the
/// session's own checks may add theirs, as for any request, and an admin's first sight of the
/// page makes the invoice settings): the identity middleware reads them ahead for the page's
/// `GET`. No extras come back for a [`LiveSession::held`] user: the page will not be shown.
pub async fn resolve_with_page(
    state: &AppState,
    session_id: String,
) -> Result<Option<(LiveSession, Option<ProfileExtras>)>, Error> {
    let checks = sessions::Checks::of(state);
    db::run(&state.pool, move |conn| {
        let now = checks.now();
        let since = now - pending_photos::LIFETIME;
        let Some((row, user, rows)) =
            ProfilePageRows::read_with_session(conn, &session_id, now, since)?
        else {
            return Ok(None);
        };
        let company_name = rows.invoice.as_ref().map(|i| i.company_name.clone());
        let Some(live) = checks.keep(conn, row, user, company_name)? else {
            return Ok(None);
        };
        if live.held() {
            return Ok(Some((live, None)));
        }
        let user = &live.user;
        let load_invoice = user.role == Role::Admin;
        let extras = extras_of(conn, user, rows, load_invoice, now)?;
        Ok(Some((live, Some(extras))))
    })
    .await
}

/// The page's extras from its rows: the first sight of an admin's page makes the invoice
/// settings with the defaults.
fn extras_of(
    conn: &mut db::DbConnection,
    user: &User,
    mut rows: ProfilePageRows,
    load_invoice: bool,
    now: crate::clock::Timestamp,
) -> Result<ProfileExtras, Error> {
    if !load_invoice {
        rows.invoice = None;
    } else if rows.invoice.is_none() {
        rows.invoice = Some(InvoiceSettings::get_or_create(conn, user.id, now)?);
    }
    let onboarding = match &rows.invoice {
        Some(saved) => super::onboarding::Onboarding::of(user, Some(&saved.company_name)),
        None => super::onboarding::load(conn, user)?,
    };
    Ok(ProfileExtras {
        pending_email: rows.pending_email,
        invoice: rows.invoice,
        onboarding,
        pending_photo: rows.pending_photo,
    })
}

/// The account as stored now (after a change, to show it).
pub async fn reload(state: &AppState, id: i32) -> Result<User, Error> {
    db::run(&state.pool, move |conn| {
        User::find(conn, id)?.ok_or(Error::NotFound)
    })
    .await
}
