//! What an operator's tools ask: is this instance ready for traffic (`/readyz`), and the
//! gauges of shared state that `/metrics` reports beside its counters.

use diesel::RunQueryDsl;

use crate::db::outbox::OutboxMail;
use crate::db::{self, StorageError};
use crate::metrics::Gauges;
use crate::state::AppState;

/// What `/readyz` found; ready only when every part is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Readiness {
    pub database: bool,
    /// Every migration this binary knows is applied (and so none is missing from it).
    pub migrations: bool,
    pub media: bool,
}

impl Readiness {
    pub fn is_ready(self) -> bool {
        self.database && self.migrations && self.media
    }
}

/// Asks the database (and its applied migrations) and the media store, at the same time.
pub async fn readiness(state: &AppState) -> Readiness {
    let database = db::run(&state.pool, |conn| -> anyhow::Result<bool> {
        diesel::sql_query("SELECT 1").execute(conn)?;
        db::migrations_current(conn)
    });
    let media = state.media.check();
    let (database, media) = futures_util::future::join(database, media).await;
    if let Err(e) = &database {
        tracing::error!(
            error = format!("{e:#}"),
            "readiness: the database does not answer"
        );
    }
    if let Err(e) = &media {
        tracing::error!(error = %e, "readiness: the media store does not answer");
    }
    if matches!(database, Ok(false)) {
        tracing::error!("readiness: the database schema is not this version's");
    }
    Readiness {
        database: database.is_ok(),
        migrations: matches!(database, Ok(true)),
        media: media.is_ok(),
    }
}

/// The outbox and the pool as they are now.
pub async fn gauges(state: &AppState) -> Result<Gauges, StorageError> {
    let stats = db::run(&state.pool, |conn| {
        Ok::<_, StorageError>(OutboxMail::stats(conn)?)
    })
    .await?;
    let now = state.clock.now();
    let pool = state.pool.state();
    Ok(Gauges {
        outbox_pending: stats.pending,
        outbox_failed: stats.failed,
        outbox_oldest_age: stats
            .oldest_pending
            .map_or(0, |at| (now - at).num_seconds().max(0)),
        pool_connections: pool.connections,
        pool_idle: pool.idle_connections,
        pool_max: state.pool.max_size(),
    })
}
