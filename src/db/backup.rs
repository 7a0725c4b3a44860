//! `cuentas backup <file>`: a consistent copy of a SQLite database taken while the server
//! runs. `VACUUM INTO` reads the database in one transaction (WAL lets the server go on
//! writing meanwhile) and writes a compact, self-contained file. PostgreSQL has its own tool.

use std::path::Path;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl, SqliteConnection};

use super::Backend;

/// Why a backup was not made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "the database is PostgreSQL: back it up with pg_dump \
         (pg_dump --format=custom --file=cuentas.dump \"$DATABASE_URL\"; restore with pg_restore)"
    )]
    Postgres,
    #[error("{0} already exists; name a new file")]
    TargetExists(String),
    #[error("there is no database at {0}")]
    NoDatabase(String),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Copies the SQLite database of `database_url` into the new file `target` (0600). The
/// target must not exist; on failure nothing is left there.
pub fn backup(database_url: &str, target: &Path) -> Result<(), BackupError> {
    // Said before the URL is parsed: a build without PostgreSQL gives the same advice.
    let url = database_url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(BackupError::Postgres);
    }
    let source = match Backend::from_url(url)? {
        Backend::Sqlite(path) => path,
        #[cfg(feature = "postgres")]
        Backend::Postgres(_) => return Err(BackupError::Postgres),
    };
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source.display().to_string()));
    }
    // An empty 0600 file is what VACUUM INTO accepts besides none, and the copy keeps the mode.
    match crate::files::write_new_private_file(target, b"") {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(BackupError::TargetExists(target.display().to_string()));
        }
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("cannot create {}", target.display()))
                .into());
        }
    }
    let copied = vacuum_into(&source, target);
    if copied.is_err() {
        let _ = std::fs::remove_file(target);
    }
    copied.map_err(BackupError::Failed)
}

fn vacuum_into(source: &Path, target: &Path) -> anyhow::Result<()> {
    let mut conn = SqliteConnection::establish(&source.to_string_lossy())
        .with_context(|| format!("cannot open {}", source.display()))?;
    // The server may be writing: wait for its lock instead of failing at once.
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(target.to_string_lossy().into_owned())
        .execute(&mut conn)
        .with_context(|| format!("cannot write the copy to {}", target.display()))?;
    Ok(())
}
