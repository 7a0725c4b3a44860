//! What only the PostgreSQL suite can show (`TEST_DATABASE_URL`, `--features postgres`).

use diesel::sql_types::Bool;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

use cuentas::db::Backend;

/// How a connection reaches the server: over TLS or not, and whether the server offers it.
#[derive(QueryableByName)]
struct Transport {
    #[diesel(sql_type = Bool)]
    ssl: bool,
    #[diesel(sql_type = Bool)]
    offered: bool,
}

fn transport(url: &str) -> Transport {
    let mut conn = PgConnection::establish(url).expect("connects");
    diesel::sql_query(
        "SELECT ssl, current_setting('ssl') = 'on' AS offered \
         FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    .get_result(&mut conn)
    .expect("pg_stat_ssl")
}

/// The URL cuentas connects with, from a `DATABASE_URL`.
fn as_cuentas_connects(url: &str) -> String {
    match Backend::from_url(url).expect("a PostgreSQL URL") {
        Backend::Postgres(url) => url,
        Backend::Sqlite(_) => panic!("not a PostgreSQL URL"),
    }
}

/// On loopback TLS protects nothing and costs the profile page 5-9% of its throughput, so a
/// URL that does not ask for it connects without; one that names its `sslmode` gets it.
#[test]
fn a_server_on_this_machine_is_reached_without_tls_unless_asked() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        return; // the SQLite run
    };
    let url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
    let on_loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if !on_loopback || url.query().is_some() || cuentas::db::libpq_env_chooses() {
        // CI's URL is a bare loopback one; a suite run against another server says so.
        eprintln!("not checked: TEST_DATABASE_URL is not a bare loopback URL, or PG* is set");
        return;
    }
    let by_default = transport(&as_cuentas_connects(&admin_url));
    assert!(!by_default.ssl);
    let asked = as_cuentas_connects(&format!("{admin_url}?sslmode=prefer"));
    assert!(asked.contains("sslmode=prefer") && !asked.contains("sslmode=disable"));
    // A server that offers TLS (Debian's does, CI's too) shows the difference.
    if by_default.offered {
        assert!(transport(&asked).ssl);
    }
}
