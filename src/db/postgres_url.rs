//! The PostgreSQL URL as cuentas hands it to libpq, with two defaults added where the URL
//! (or libpq's environment) does not choose for itself:
//!
//! - `connect_timeout=5`: libpq waits forever for an unreachable host otherwise.
//! - `sslmode=disable` for a server on this machine (`localhost` or a loopback address).
//!   libpq's own default, `prefer`, encrypts whenever the server offers TLS, and Debian's
//!   server does, without checking who answers. On loopback the bytes never leave the kernel,
//!   so that protects nothing, and without it the profile page serves 5-20% more requests
//!   on PostgreSQL (README, Performance). A URL that names `sslmode`, `host` or `hostaddr`, or a
//!   set `PGSSLMODE`, is left as it is.
//!
//! [`unverified_remote_host`] names a server on another machine whose identity libpq is not
//! told to check, for a warning at start.

use std::net::IpAddr;

/// The URL with the defaults above; `env_sslmode` is `PGSSLMODE`, which libpq reads when
/// the URL has no `sslmode`.
pub fn with_defaults(url: &str, env_sslmode: Option<&str>) -> String {
    let mut out = url.to_owned();
    let mut add = |pair: &str| {
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(pair);
    };
    if param(url, "connect_timeout").is_none() {
        add("connect_timeout=5");
    }
    let chooses_itself = env_sslmode.is_some()
        || ["sslmode", "host", "hostaddr"]
            .iter()
            .any(|key| param(url, key).is_some());
    if !chooses_itself && host(url).is_some_and(|h| h.on_this_machine()) {
        add("sslmode=disable");
    }
    out
}

/// The host of a URL that reaches another machine with an `sslmode` (from the URL, else
/// `env_sslmode`, else libpq's `prefer`) that does not check the server's certificate.
pub fn unverified_remote_host(url: &str, env_sslmode: Option<&str>) -> Option<String> {
    let host = host(url)?;
    if host.on_this_machine() || param(url, "host").is_some() {
        return None;
    }
    let mode = param(url, "sslmode").or(env_sslmode).unwrap_or("prefer");
    // `verify-full` and `verify-ca` check the certificate; the other modes do not.
    (!mode.starts_with("verify")).then_some(host.0)
}

/// A URL's host as written (a socket folder arrives percent-encoded: `%2Fvar%2Frun…`).
struct Host(String);

impl Host {
    /// A loopback name or address, or a socket folder (no TLS on a socket either way).
    fn on_this_machine(&self) -> bool {
        let name = self.0.trim_start_matches('[').trim_end_matches(']');
        name.is_empty()
            || name.starts_with('/')
            || name.to_ascii_lowercase().starts_with("%2f")
            || name.eq_ignore_ascii_case("localhost")
            || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// `None` when the URL does not parse (several hosts, say): then nothing is added and no
/// warning is given; libpq reads it as written.
fn host(url: &str) -> Option<Host> {
    let parsed = url::Url::parse(url).ok()?;
    Some(Host(parsed.host_str().unwrap_or_default().to_owned()))
}

/// The value of a query parameter (the last one, as libpq reads them).
fn param<'a>(url: &'a str, key: &str) -> Option<&'a str> {
    let (_, query) = url.split_once('?')?;
    query
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
        ] {
            assert_eq!(
                with_defaults(url, None),
                format!("{url}?connect_timeout=5&sslmode=disable"),
                "{url}"
            );
        }
        assert_eq!(
            with_defaults("postgres://u@127.0.0.1/db?application_name=x", None),
            "postgres://u@127.0.0.1/db?application_name=x&connect_timeout=5&sslmode=disable"
        );
    }

    #[test]
    fn a_choice_made_elsewhere_is_kept() {
        for url in [
            "postgres://u@127.0.0.1/db?sslmode=require",
            "postgres://u@127.0.0.1/db?sslmode=prefer",
            "postgres://u@127.0.0.1/db?host=db.example.com",
            "postgres://u@127.0.0.1/db?hostaddr=10.0.0.5",
        ] {
            assert_eq!(
                with_defaults(url, None),
                format!("{url}&connect_timeout=5"),
                "{url}"
            );
        }
        assert_eq!(
            with_defaults("postgres://u@127.0.0.1/db", Some("require")),
            "postgres://u@127.0.0.1/db?connect_timeout=5"
        );
        assert_eq!(
            with_defaults("postgres://u@localhost/db?connect_timeout=2", None),
            "postgres://u@localhost/db?connect_timeout=2&sslmode=disable"
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
        ] {
            assert_eq!(
                with_defaults(url, None),
                format!("{url}?connect_timeout=5"),
                "{url}"
            );
        }
        // A socket folder (no TLS on a socket whatever the mode).
        assert_eq!(
            with_defaults("postgres://u@%2Fvar%2Frun%2Fpostgresql/db", None),
            "postgres://u@%2Fvar%2Frun%2Fpostgresql/db?connect_timeout=5&sslmode=disable"
        );
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
        assert_eq!(named("postgres://u@127.0.0.1/db", None), None);
        assert_eq!(
            named("postgres://u@%2Fvar%2Frun%2Fpostgresql/db", None),
            None
        );
        assert_eq!(named("postgres://u@db1:5432,db2:5432/db", None), None);
    }
}
