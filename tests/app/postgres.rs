//! What only the PostgreSQL suite can show (`TEST_DATABASE_URL`, `--features postgres`).

use diesel::sql_types::Bool;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

use cuentas::db::Backend;

#[derive(QueryableByName)]
struct Transport {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

/// Whether this connection to the server runs over TLS.
fn over_tls(url: &str) -> bool {
    let mut conn = PgConnection::establish(url).expect("connects");
    diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result::<Transport>(&mut conn)
        .expect("pg_stat_ssl")
        .ssl
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    ssl: String,
}

fn server_offers_tls(url: &str) -> bool {
    let mut conn = PgConnection::establish(url).expect("connects");
    diesel::sql_query("SELECT current_setting('ssl') AS ssl")
        .get_result::<Setting>(&mut conn)
        .expect("the ssl setting")
        .ssl
        == "on"
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
    let env_chooses = cuentas::db::LIBPQ_ENV
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if !on_loopback || url.query().is_some() || env_chooses {
        // CI's URL is a bare loopback one; a suite run against another server says so.
        eprintln!("not checked: TEST_DATABASE_URL is not a bare loopback URL, or PG* is set");
        return;
    }
    assert!(!over_tls(&as_cuentas_connects(&admin_url)));
    let asked = as_cuentas_connects(&format!("{admin_url}?sslmode=prefer"));
    assert!(asked.contains("sslmode=prefer") && !asked.contains("sslmode=disable"));
    // A server that offers TLS (Debian's does, CI's too) shows the difference.
    if server_offers_tls(&admin_url) {
        assert!(over_tls(&asked));
    }
}
