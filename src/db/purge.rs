//! The purge of an account whose deletion time has come: the user row and every row that is
//! theirs, in every table, in one write transaction; for an admin, their vendedores too.
//!
//! Every table is named here instead of trusting `ON DELETE CASCADE` (SQLite applies it only
//! with `PRAGMA foreign_keys = ON`, and `users.manager_id` is `ON DELETE SET NULL`, which
//! would leave an admin's vendedores behind). The test that lists every table of the
//! database after a purge tells when a new table is missing here.
//!
//! `security_events.actor_id` naming a purged admin on someone else's row is set to NULL: the
//! event stays with its owner, without a pointer to an account that no longer exists. (Today
//! only an admin's own vendedores have such rows, and they go with the admin.)

use diesel::prelude::*;

use super::schema::{
    invoice_settings, known_browsers, linked_identities, mail_outbox, one_time_tokens,
    recovery_codes, security_events, team_settings, throttle_attempts, totp_secrets, user_sessions,
    users,
};
use super::security_events::EventKind;
use super::{DbConnection, Pool, StorageError};
use crate::clock::Timestamp;
use crate::domain::Role;
use crate::photos::MediaStore;
use crate::token::sha256_hex;

/// What one purge removed: how many accounts, and the photo files to delete once the
/// transaction committed.
#[derive(Debug, Default)]
pub struct Purged {
    pub accounts: usize,
    pub photos: Vec<String>,
}

/// Purges the account `id` when its `purge_after` has passed. The first statement is an
/// UPDATE of the user row guarded by `purge_after <= now`: it takes the row's lock, so of two
/// instances purging at once one waits, then finds the row gone and gets `None`. Only the
/// one that claimed it counts it.
pub fn purge_account(
    conn: &mut DbConnection,
    id: i32,
    now: Timestamp,
) -> QueryResult<Option<Purged>> {
    super::write_transaction(conn, |conn| {
        let claimed = diesel::update(users::table.find(id).filter(users::purge_after.le(now)))
            .set(users::purge_after.eq(users::purge_after))
            .execute(conn)?;
        if claimed == 0 {
            return Ok(None);
        }
        let mut ids: Vec<i32> = users::table
            .filter(users::manager_id.eq(id))
            .filter(users::role.eq(Role::Vendedor.as_str()))
            .select(users::id)
            .load(conn)?;
        ids.push(id);
        let rows: Vec<(String, String, Option<String>)> = users::table
            .filter(users::id.eq_any(&ids))
            .select((users::username_normalized, users::email, users::photo_path))
            .load(conn)?;
        let emails = addresses_of(conn, &ids, &rows)?;
        // The throttles count a SHA-256 of what was typed in the login field.
        let subjects: Vec<String> = rows
            .iter()
            .flat_map(|(username, email, _)| [sha256_hex(username), sha256_hex(email)])
            .collect();

        diesel::delete(user_sessions::table.filter(user_sessions::user_id.eq_any(&ids)))
            .execute(conn)?;
        diesel::delete(one_time_tokens::table.filter(one_time_tokens::user_id.eq_any(&ids)))
            .execute(conn)?;
        diesel::delete(security_events::table.filter(security_events::user_id.eq_any(&ids)))
            .execute(conn)?;
        diesel::update(security_events::table.filter(security_events::actor_id.eq_any(&ids)))
            .set(security_events::actor_id.eq(None::<i32>))
            .execute(conn)?;
        diesel::delete(known_browsers::table.filter(known_browsers::user_id.eq_any(&ids)))
            .execute(conn)?;
        diesel::delete(totp_secrets::table.filter(totp_secrets::user_id.eq_any(&ids)))
            .execute(conn)?;
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq_any(&ids)))
            .execute(conn)?;
        diesel::delete(linked_identities::table.filter(linked_identities::user_id.eq_any(&ids)))
            .execute(conn)?;
        let google_photos: Vec<Option<String>> = users::table
            .filter(users::id.eq_any(&ids))
            .select(users::google_photo_path)
            .load(conn)?;
        diesel::delete(team_settings::table.filter(team_settings::admin_id.eq_any(&ids)))
            .execute(conn)?;
        diesel::delete(invoice_settings::table.filter(invoice_settings::admin_id.eq_any(&ids)))
            .execute(conn)?;
        diesel::delete(mail_outbox::table.filter(mail_outbox::recipient.eq_any(&emails)))
            .execute(conn)?;
        diesel::delete(
            throttle_attempts::table.filter(throttle_attempts::subject_key.eq_any(&subjects)),
        )
        .execute(conn)?;
        // What this transaction removed: a vendedor another instance purged meanwhile is
        // counted there.
        let accounts = diesel::delete(users::table.filter(users::id.eq_any(&ids))).execute(conn)?;
        Ok(Some(Purged {
            accounts,
            photos: rows
                .into_iter()
                .map(|(_, _, photo)| photo)
                .chain(google_photos)
                .flatten()
                .collect(),
        }))
    })
}

/// Every address mail to these accounts may have gone to: the current ones, those their links
/// were sent to (a pending new address, an address reset from), and those their address
/// changes name (the old address got a notice); not one another account has now.
fn addresses_of(
    conn: &mut DbConnection,
    ids: &[i32],
    rows: &[(String, String, Option<String>)],
) -> QueryResult<Vec<String>> {
    let mut emails: Vec<String> = rows.iter().map(|(_, email, _)| email.clone()).collect();
    emails.extend(
        one_time_tokens::table
            .filter(one_time_tokens::user_id.eq_any(ids))
            .select(one_time_tokens::email)
            .load::<String>(conn)?,
    );
    let changes: Vec<String> = security_events::table
        .filter(security_events::user_id.eq_any(ids))
        .filter(security_events::kind.eq_any([
            EventKind::EmailChanged.as_str(),
            EventKind::EmailChangeRequested.as_str(),
        ]))
        .select(security_events::details)
        .load(conn)?;
    for details in changes {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&details) {
            for key in ["from", "to"] {
                if let Some(address) = map.get(key).and_then(serde_json::Value::as_str) {
                    emails.push(address.to_owned());
                }
            }
        }
    }
    emails.sort();
    emails.dedup();
    // An old address someone else has taken since is theirs now, and so is its mail.
    let taken: Vec<String> = users::table
        .filter(users::email.eq_any(&emails))
        .filter(users::id.ne_all(ids))
        .select(users::email)
        .load(conn)?;
    emails.retain(|address| !taken.contains(address));
    Ok(emails)
}

/// Purges every account whose time has come (see [`purge_account`]), then deletes their photo
/// files. Returns how many accounts this call removed; an account another instance purged at
/// the same time is counted there, not here. Blocking: call it off the async executor.
pub fn purge_due(pool: &Pool, media: &MediaStore, now: Timestamp) -> Result<usize, StorageError> {
    const BATCH: i64 = 50;
    let mut removed = 0;
    let mut conn = pool.get().map_err(StorageError::from)?;
    loop {
        let due = super::users::User::due_for_purge(&mut conn, now, BATCH)?;
        let mut progressed = false;
        for id in &due {
            let Some(purged) = purge_account(&mut conn, *id, now)? else {
                continue;
            };
            progressed = true;
            removed += purged.accounts;
            for photo in purged.photos {
                if let Err(e) = media.remove(&photo) {
                    tracing::warn!(error = %e, "the photo of a purged account was not deleted");
                }
            }
            tracing::info!(
                target: "security",
                user_id = id,
                accounts = purged.accounts,
                "purged an account past its deletion date"
            );
        }
        if !progressed || due.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            return Ok(removed);
        }
    }
}
