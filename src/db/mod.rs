//! Database access: the backend chosen from `DATABASE_URL` at run time, the connection pool,
//! the embedded migrations, and [`run`], the one way async code reaches the database.
//!
//! Storage knows nothing of HTTP: it returns [`StorageError`], and the fronts decide what a
//! failure means to their caller.
//!
//! SQLite is always built in; PostgreSQL joins with the cargo feature `postgres`. Queries live
//! as methods on the models in the files beside this one.

pub mod api_tokens;
pub mod attempts;
pub mod backup;
pub mod invoice_settings;
pub mod known_browsers;
pub mod linked_identities;
pub mod outbox;
pub mod passkeys;
pub mod pending_photos;
#[cfg(feature = "postgres")]
mod postgres_url;
#[cfg(feature = "postgres")]
pub use postgres_url::env_chooses as libpq_env_chooses;
pub mod profile_page;
pub mod purge;
pub mod schema;
pub mod security_events;
pub mod sessions;
mod stored_time;
pub mod tokens;
pub mod two_step;
pub mod users;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// One connection to whichever backend the URL names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    #[cfg(feature = "postgres")]
    Postgres(diesel::PgConnection),
    Sqlite(SqliteConnection),
}

/// The connection pool, and a gate in front of it for [`run`]: at most as many closures wait
/// on the blocking pool as there are connections, the rest queue here in arrival order. r2d2's
/// own wait is not fair (a late request can take a connection before one that waited long,
/// which shows as a long tail), and every closure waiting there holds a blocking thread.
#[derive(Clone)]
pub struct Pool {
    connections: diesel::r2d2::Pool<Manager>,
    gate: Arc<tokio::sync::Semaphore>,
}

impl Pool {
    fn new(connections: diesel::r2d2::Pool<Manager>) -> Self {
        let size = usize::try_from(connections.max_size()).unwrap_or(1);
        Self {
            connections,
            gate: Arc::new(tokio::sync::Semaphore::new(size)),
        }
    }
}

impl std::ops::Deref for Pool {
    type Target = diesel::r2d2::Pool<Manager>;

    fn deref(&self) -> &Self::Target {
        &self.connections
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The backend a `DATABASE_URL` names, decided by its scheme before any connection is tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite(PathBuf),
    #[cfg(feature = "postgres")]
    Postgres(String),
}

impl Backend {
    /// Reads the URL's scheme. diesel's `MultiConnection` would try every backend in turn and
    /// hide the real error (even creating a SQLite file named after a PostgreSQL conninfo
    /// string), so the choice is made here, once.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        let url = url.trim();
        if let Some(rest) = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
        {
            anyhow::ensure!(
                !rest.is_empty(),
                "DATABASE_URL: the PostgreSQL URL names no server"
            );
            return postgres_backend(url);
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            anyhow::ensure!(
                !path.is_empty(),
                "DATABASE_URL: the sqlite:// URL names no file"
            );
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            anyhow::bail!(
                "DATABASE_URL: unsupported scheme {scheme:?} (use postgres://… or a SQLite path)"
            );
        }
        let looks_like_conninfo = url.split_whitespace().any(|word| {
            ["host=", "dbname=", "user=", "port=", "password="]
                .iter()
                .any(|key| word.starts_with(key))
        });
        anyhow::ensure!(
            !looks_like_conninfo,
            "DATABASE_URL: keyword=value strings are not accepted; write postgres://user@host/db"
        );
        anyhow::ensure!(
            !url.is_empty() && url != ":memory:",
            "DATABASE_URL: a SQLite database needs a file path"
        );
        Ok(Self::Sqlite(PathBuf::from(url)))
    }
}

#[cfg(feature = "postgres")]
fn postgres_backend(url: &str) -> anyhow::Result<Backend> {
    Ok(Backend::Postgres(postgres_url::with_defaults(
        url,
        postgres_url::env_chooses(),
    )))
}

#[cfg(not(feature = "postgres"))]
fn postgres_backend(_url: &str) -> anyhow::Result<Backend> {
    anyhow::bail!(
        "DATABASE_URL: this build has no PostgreSQL support; build with --features postgres"
    )
}

/// Opens connections for the pool, always to the backend chosen up front.
#[derive(Debug)]
pub struct Manager {
    backend: Backend,
}

impl Manager {
    fn establish(&self) -> diesel::ConnectionResult<DbConnection> {
        match &self.backend {
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // WAL lets readers run beside the one writer; the busy timeout makes a writer
                // wait its turn instead of failing at once.
                // The busy timeout comes first: switching to WAL takes a lock too, and a
                // connection opened while another writes would fail at once without it.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(url) => Ok(DbConnection::Postgres(diesel::PgConnection::establish(
                url,
            )?)),
        }
    }
}

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        self.establish()
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Connects (failing fast with the driver's own message), runs pending migrations and builds
/// the pool.
pub fn connect(database_url: &str) -> anyhow::Result<Pool> {
    let backend = Backend::from_url(database_url)?;
    if let Backend::Sqlite(path) = &backend
        && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    // The database file is 0600 before SQLite opens it; SQLite gives its -wal and -shm files
    // the database file's mode.
    if let Backend::Sqlite(path) = &backend
        && path.as_os_str() != ":memory:"
    {
        crate::files::touch_private_file(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        for suffix in ["-wal", "-shm"] {
            let mut side = path.clone().into_os_string();
            side.push(suffix);
            crate::files::make_private(std::path::Path::new(&side))
                .with_context(|| format!("cannot restrict {}", path.display()))?;
        }
    }
    #[cfg(feature = "postgres")]
    if let Backend::Postgres(url) = &backend
        && let Some(host) =
            postgres_url::unverified_remote_host(url, std::env::var("PGSSLMODE").ok().as_deref())
    {
        tracing::warn!(
            %host,
            "DATABASE_URL reaches PostgreSQL on another machine without sslmode=verify-full \
             (or verify-ca): libpq does not check that the server is the one meant, and \
             with sslmode=disable or allow the connection is not encrypted"
        );
    }
    let manager = Manager { backend };
    let mut first = manager
        .establish()
        .context("cannot connect to the database")?;
    run_migrations(&mut first)?;
    drop(first);
    // Eight each, measured on two cores (README, Performance): on PostgreSQL, sixteen
    // connections kept sixteen server processes and as many blocking threads runnable at
    // once, and the p99 grew to 100-250 ms while the p50 stayed at 1-4 ms; eight serve as
    // many requests with every p99 under 18 ms. Four cost SQLite a sixth of its throughput.
    let max_size = match manager.backend {
        Backend::Sqlite(_) => 8,
        #[cfg(feature = "postgres")]
        Backend::Postgres(_) => 8,
    };
    // No ping before each checkout: on PostgreSQL it was one more round trip for every
    // query batch. A connection the server closed fails its next query instead, and
    // `has_broken` keeps it from going back into the pool; connections are also renewed
    // after 30 minutes (`max_lifetime`) and closed after 10 idle ones.
    diesel::r2d2::Pool::builder()
        .max_size(max_size)
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(5))
        .build(manager)
        .map(Pool::new)
        .context("cannot open the connection pool")
}

/// Applies every migration not yet applied; safe to call on every start.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<()> {
    let result = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(drop),
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(drop),
    };
    result.map_err(|e| anyhow::anyhow!("cannot run the database migrations: {e}"))
}

/// True when every embedded migration has been applied (what `/readyz` checks: an instance
/// started from an older binary than the schema, or the reverse, is not ready).
pub fn migrations_current(conn: &mut DbConnection) -> anyhow::Result<bool> {
    let pending = match conn {
        DbConnection::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS).map(|p| p.len()),
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => c.pending_migrations(POSTGRES_MIGRATIONS).map(|p| p.len()),
    };
    pending
        .map(|count| count == 0)
        .map_err(|e| anyhow::anyhow!("cannot read the applied migrations: {e}"))
}

/// Why storage failed: no connection, a query error, or the blocking task died.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no database connection: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("a query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("the database task did not finish: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Runs `f` with a pooled connection on the blocking thread pool (diesel blocks), folding
/// pool and thread failures into the caller's error type.
pub async fn run<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StorageError> + Send + 'static,
{
    let pool = pool.clone();
    // The wait `/metrics` reports: the turn at the gate, then the checkout.
    let started = std::time::Instant::now();
    // Never closed, so never an error. The turn goes with the closure: a request dropped
    // while it runs does not let another in before it ends.
    let turn = Arc::clone(&pool.gate).acquire_owned().await.ok();
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        let mut conn = pool.connections.get().map_err(StorageError::from)?;
        crate::metrics::pool_checkout(started.elapsed());
        f(&mut conn)
    })
    .await
    .map_err(StorageError::from)?
}

/// [`run`] with `f` inside a [`write_transaction`]: the usual shape of an operation's write.
pub async fn run_write<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StorageError> + From<diesel::result::Error> + Send + 'static,
{
    run(pool, move |conn| write_transaction(conn, f)).await
}

/// Runs `f` in a transaction that will write. On SQLite it begins with `BEGIN IMMEDIATE`: a
/// deferred transaction that reads first and writes later fails at once with "database is
/// locked" when another connection committed in between (the busy timeout does not apply),
/// which the outbox worker writing beside every request would make common. Inside an open
/// transaction it is a savepoint, like `Connection::transaction`.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match conn {
        DbConnection::Sqlite(c) => {
            let open = AnsiTransactionManager::transaction_manager_status_mut(c)
                .transaction_depth()?
                .is_some();
            if open {
                return conn.transaction(f);
            }
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
        }
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(_) => return conn.transaction(f),
    }
    match f(conn) {
        Ok(value) => {
            DbConnection::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) = DbConnection::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "a rollback failed");
            }
            Err(error)
        }
    }
}

/// Runs one diesel expression on the concrete connection inside a [`DbConnection`]. Queries
/// sent through diesel's `MultiConnection` are prepared again on every call; on the hot path
/// (the session lookup of every request) the backend's own statement cache is worth having.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            $crate::db::DbConnection::Postgres($c) => $body,
        }
    };
}

/// True when the error is a unique-constraint violation, so callers can turn it into a field
/// error instead of a 500.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_decides_the_backend() {
        assert_eq!(
            Backend::from_url("data/x.sqlite3").expect("path"),
            Backend::Sqlite("data/x.sqlite3".into())
        );
        assert_eq!(
            Backend::from_url("sqlite://data/x.sqlite3").expect("sqlite url"),
            Backend::Sqlite("data/x.sqlite3".into())
        );
        for bad in [
            "mysql://x/y",
            "host=db dbname=cuentas",
            "",
            ":memory:",
            "sqlite://",
        ] {
            assert!(Backend::from_url(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[cfg(not(feature = "postgres"))]
    #[test]
    fn a_postgres_url_without_the_feature_says_how_to_get_it() {
        let err = Backend::from_url("postgres://localhost/x").expect_err("no feature");
        assert!(err.to_string().contains("--features postgres"));
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn a_postgres_url_gets_a_connect_timeout() {
        assert_eq!(
            Backend::from_url("postgres://u@h/db").expect("pg"),
            Backend::Postgres("postgres://u@h/db?connect_timeout=5".into())
        );
    }
}
