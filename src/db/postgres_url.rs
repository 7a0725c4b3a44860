//! The PostgreSQL URL as cuentas hands it to libpq, with two defaults added where the URL
//! (or libpq's environment) does not choose for itself:
//!
//! - `connect_timeout=5`: libpq waits forever for an unreachable host otherwise.
//! - `sslmode=disable` for a server on this machine (`localhost`, a loopback address or a
//!   socket folder). libpq's own default, `prefer`, encrypts whenever the server offers TLS,
//!   and Debian's server does, without checking who answers. On loopback that protects
//!   nothing, and without it the profile page serves 5-9% more requests on PostgreSQL
//!   (README, Performance). The URL is left as it is when it names any TLS setting or another
//!   way to the server (`host`, `hostaddr`, `service`), when libpq's environment does
//!   (`PGSSLMODE`, `PGHOST`, `PGHOSTADDR`, `PGSERVICE`), or when libpq might read its host
//!   differently from this module (a `#`, a `?` or a second `@` before the path, a
//!   percent-encoded parameter name).
//!
//! [`unverified_remote_host`] names a server on another machine whose identity libpq is not
//! told to check, for a warning at start.

use std::net::IpAddr;

/// Whether one of libpq's environment variables that choose the TLS mode or the server in
/// the URL's place (`PGSSLMODE`, `PGHOST`, `PGHOSTADDR`, `PGSERVICE`) is set.
pub fn env_chooses() -> bool {
    ["PGSSLMODE", "PGHOST", "PGHOSTADDR", "PGSERVICE"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
}

/// URL parameters that choose a TLS setting or another way to the server.
const CHOSEN: [&str; 7] = [
    "sslmode",
    "requiressl",
    "sslnegotiation",
    "sslrootcert",
    "host",
    "hostaddr",
    "service",
];

/// The URL with the defaults above; `env_chooses` is [`env_chooses`] (a parameter, so the
/// tests need not set the process's environment).
pub fn with_defaults(url: &str, env_chooses: bool) -> String {
    let mut out = url.to_owned();
    let mut add = |pair: &str| {
        match out.split_once('?') {
            None => out.push('?'),
            Some((_, query)) if query.is_empty() || query.ends_with('&') => {}
            Some(_) => out.push('&'),
        }
        out.push_str(pair);
    };
    if param(url, "connect_timeout").is_none() {
        add("connect_timeout=5");
    }
    let chooses_itself = env_chooses
        || CHOSEN.iter().any(|key| param(url, key).is_some())
        || query(url).is_some_and(|q| q.contains('%'));
    if !chooses_itself && host(url).is_some_and(|h| h.on_this_machine()) {
        add("sslmode=disable");
    }
    out
}

/// The host of a URL that reaches another machine with an `sslmode` (from the URL, else
/// `env_sslmode`, else libpq's `prefer`) that does not check the server's certificate.
pub fn unverified_remote_host(url: &str, env_sslmode: Option<&str>) -> Option<String> {
    let host = host(url)?;
    if host.on_this_machine() || param(url, "sslrootcert") == Some("system") {
        return None;
    }
    let mode = param(url, "sslmode").or(env_sslmode).unwrap_or("prefer");
    // `verify-full` and `verify-ca` check the certificate; the other modes do not.
    (!mode.starts_with("verify")).then_some(host.0)
}

/// A URL's host as written (a socket folder arrives percent-encoded: `%2Fvar%2Frun…`).
struct Host(String);

impl Host {
    /// A loopback name or address, or a socket folder (no TLS on a socket either way). An
    /// empty host is libpq's default socket, but `PGHOST` may name another machine: that is
    /// left to the caller's `env_chooses`.
    fn on_this_machine(&self) -> bool {
        let name = self.0.trim_start_matches('[').trim_end_matches(']');
        name.is_empty()
            || name.to_ascii_lowercase().starts_with("%2f")
            || name.eq_ignore_ascii_case("localhost")
            || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// The URL's host, when the `url` crate and libpq read the same one. `None` when the URL
/// does not parse (several hosts with ports, say) or the two could disagree: then nothing
/// is added and no warning is given; libpq reads the URL as written.
fn host(url: &str) -> Option<Host> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str().unwrap_or_default();
    // libpq's authority runs to the first `/`, its user to the first `@`; `url` also stops at
    // `?` and `#`, and takes the last `@`.
    let (_, rest) = url.split_once("://")?;
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let ambiguous = authority.contains(['#', '?']) || authority.matches('@').count() > 1;
    (!ambiguous).then(|| Host(host.to_owned()))
}

fn query(url: &str) -> Option<&str> {
    url.split_once('?').map(|(_, query)| query)
}

/// The value of a query parameter (the last one, as libpq reads them).
fn param<'a>(url: &'a str, key: &str) -> Option<&'a str> {
    query(url)?
        .rsplit('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_on_this_machine_is_reached_without_tls() {
        for url in [
            "postgres://u@127.0.0.1:5432/db",
            "postgres://u@localhost/db",
            "postgresql://u:p%40ss@LOCALHOST:5433/db",
            "postgres://u@[::1]:5432/db",
            "postgres://u@127.0.0.2/db",
            // A socket folder, or libpq's default socket (no TLS on a socket whatever the mode).
            "postgres://u@%2Fvar%2Frun%2Fpostgresql/db",
            "postgres:///db",
        ] {
            assert_eq!(
                with_defaults(url, false),
                format!("{url}?connect_timeout=5&sslmode=disable"),
                "{url}"
            );
        }
        assert_eq!(
            with_defaults("postgres://u@127.0.0.1/db?application_name=x", false),
            "postgres://u@127.0.0.1/db?application_name=x&connect_timeout=5&sslmode=disable"
        );
        assert_eq!(
            with_defaults("postgres://u@localhost/db?connect_timeout=2", false),
            "postgres://u@localhost/db?connect_timeout=2&sslmode=disable"
        );
        // An empty query, or one ending in `&`, gets no separator of its own.
        assert_eq!(
            with_defaults("postgres://u@localhost/db?connect_timeout=3&", false),
            "postgres://u@localhost/db?connect_timeout=3&sslmode=disable"
        );
        assert_eq!(
            with_defaults("postgres://u@localhost/db?", false),
            "postgres://u@localhost/db?connect_timeout=5&sslmode=disable"
        );
    }

    #[test]
    fn a_choice_made_elsewhere_is_kept() {
        for url in [
            "postgres://u@127.0.0.1/db?sslmode=require",
            "postgres://u@127.0.0.1/db?sslmode=prefer",
            "postgres://u@127.0.0.1/db?requiressl=1",
            "postgres://u@127.0.0.1/db?sslrootcert=system",
            "postgres://u@127.0.0.1/db?sslnegotiation=direct",
            "postgres://u@127.0.0.1/db?host=db.example.com",
            "postgres://u@127.0.0.1/db?hostaddr=10.0.0.5",
            "postgres://u@127.0.0.1/db?service=main",
            "postgres://u@127.0.0.1/db?ssl%6Dode=require",
        ] {
            assert_eq!(
                with_defaults(url, false),
                format!("{url}&connect_timeout=5"),
                "{url}"
            );
        }
        // PGSSLMODE, PGHOST, PGHOSTADDR or PGSERVICE set.
        assert_eq!(
            with_defaults("postgres:///db", true),
            "postgres:///db?connect_timeout=5"
        );
    }

    #[test]
    fn another_machine_keeps_libpqs_default() {
        for url in [
            "postgres://u@db.example.com/db",
            "postgres://u@10.0.0.5:5432/db",
            "postgres://u@localhost.example.com/db",
            "postgres://u@127.0.0.1.example.com/db",
            "postgres://u@db1:5432,db2:5432/db",
            "postgres://u@localhost,db.example.com/db",
            // Where libpq would read another host than the `url` crate does.
            "postgres://localhost#@db.example.com/db",
            "postgres://localhost?x@db.example.com/db",
            "postgres://a@localhost@db.example.com/db",
        ] {
            let given = with_defaults(url, false);
            assert!(given.ends_with("connect_timeout=5"), "{given}");
            assert!(!given.contains("sslmode"), "{given}");
        }
    }

    #[test]
    fn only_an_unchecked_server_elsewhere_is_named() {
        let named = |url, env| unverified_remote_host(url, env);
        assert_eq!(
            named("postgres://u@db.example.com/db", None).as_deref(),
            Some("db.example.com")
        );
        assert_eq!(
            named("postgres://u@10.0.0.5/db?sslmode=require", None).as_deref(),
            Some("10.0.0.5")
        );
        assert_eq!(
            named("postgres://u@db.example.com/db", Some("disable")).as_deref(),
            Some("db.example.com")
        );
        assert_eq!(
            named("postgres://u@db.example.com/db?sslmode=verify-full", None),
            None
        );
        assert_eq!(
            named(
                "postgres://u@db.example.com/db?sslmode=verify-ca",
                Some("disable")
            ),
            None
        );
        assert_eq!(
            named("postgres://u@db.example.com/db?sslrootcert=system", None),
            None
        );
        assert_eq!(named("postgres://u@127.0.0.1/db", None), None);
        assert_eq!(
            named("postgres://u@%2Fvar%2Frun%2Fpostgresql/db", None),
            None
        );
        assert_eq!(named("postgres://u@db1:5432,db2:5432/db", None), None);
    }
}
