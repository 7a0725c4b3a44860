//! [`AppState`]: what every front (pages, the JSON API, the CLI, the workers) shares. Plain
//! data assembled once by `startup`; nothing here knows about requests.

use std::sync::Arc;

use crate::auth::breached::BreachedPasswords;
use crate::auth::password::Passwords;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Pool;
use crate::mail::outbox::OutboxHandle;
use crate::photos::{MediaStore, PhotoPipeline};

/// Shared by every handler through `web::Data<AppState>`, and by the operations in `accounts`.
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub passwords: Passwords,
    /// The breached-password check (off unless configured).
    pub breached: BreachedPasswords,
    pub photos: PhotoPipeline,
    pub media: MediaStore,
    pub clock: Clock,
    /// Wakes the mail worker after a request commits a mail.
    pub outbox: OutboxHandle,
    /// The OpenID Connect provider, when configured (see `crate::oidc`).
    pub oidc: Option<Arc<crate::oidc::Provider>>,
}
