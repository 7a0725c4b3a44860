//! The command line, run as the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

pub(crate) fn cuentas(
    dir: &std::path::Path,
    args: &[&str],
    stdin: &str,
    extra_env: &[(&str, &str)],
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cuentas"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CUENTAS_DATA_DIR", dir)
        .env("CUENTAS_MEDIA_ROOT", dir.join("media"))
        .env("RUST_LOG", "error")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in extra_env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `create-admin` with these flags, the password read from stdin.
fn create_admin_args<'a>(email: &'a str, username: &'a str) -> [&'a str; 6] {
    [
        "create-admin",
        "--email",
        email,
        "--username",
        username,
        "--password-stdin",
    ]
}

/// Fails unless `output` exited with `code` and said one line that mentions `mentions`.
fn assert_one_line_failure(output: &Output, code: i32, mentions: &str) {
    assert_eq!(output.status.code(), Some(code), "{}", stderr(output));
    let message = stderr(output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains(mentions), "{message}");
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn create_admin_makes_an_account_and_refuses_bad_input_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let admin = create_admin_args("Ana@Example.com", "ana");
    let ok = cuentas(dir.path(), &admin, "Tortuga-Verde-42\n", &[]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ana@example.com"));
    assert!(dir.path().join("cuentas.sqlite3").exists());
    #[cfg(unix)]
    for file in ["cuentas.sqlite3", "secret_key"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }

    let again = cuentas(dir.path(), &admin, "Tortuga-Verde-42\n", &[]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(stderr(&again).lines().count(), 1, "{}", stderr(&again));

    let cases: [([&str; 6], &str, &str); 3] = [
        (
            create_admin_args("not-an-email", "bea"),
            "Tortuga-Verde-42",
            "--email",
        ),
        (
            create_admin_args("bea@example.com", "b"),
            "Tortuga-Verde-42",
            "--username",
        ),
        (
            create_admin_args("bea@example.com", "bea"),
            "12345678",
            "password",
        ),
    ];
    for (args, password, mentions) in cases {
        let output = cuentas(dir.path(), &args, password, &[]);
        assert_one_line_failure(&output, 2, mentions);
    }
}

#[test]
fn the_password_keeps_everything_but_one_trailing_newline() {
    let dir = tempfile::tempdir().unwrap();
    let args = create_admin_args("ana@example.com", "ana");
    let ok = cuentas(dir.path(), &args, " Tortuga-Verde-42 \n", &[]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let pool = cuentas::db::connect(&dir.path().join("cuentas.sqlite3").to_string_lossy()).unwrap();
    let mut conn = pool.get().unwrap();
    let user = cuentas::db::users::User::find_by_login(&mut conn, "ana")
        .unwrap()
        .unwrap();
    let parsed =
        argon2::password_hash::phc::PasswordHash::new(user.password_hash.expose()).unwrap();
    use argon2::password_hash::PasswordVerifier;
    assert!(
        argon2::Argon2::default()
            .verify_password(b" Tortuga-Verde-42 ", &parsed)
            .is_ok()
    );
    assert_eq!(user.role, cuentas::domain::Role::Admin);
}

#[test]
fn a_bad_setting_stops_the_start_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (name, value) in [
        ("CUENTAS_BIND", "nowhere"),
        ("CUENTAS_SESSION_IDLE_MINUTES", "soon"),
        (
            "CUENTAS_PWNED_PASSWORDS_URL",
            "api.pwnedpasswords.com/range",
        ),
    ] {
        let output = cuentas(dir.path(), &["migrate"], "", &[(name, value)]);
        assert_one_line_failure(&output, 1, name);
    }
}

#[test]
fn a_conninfo_string_or_unknown_scheme_is_refused_without_creating_files() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["host=localhost dbname=cuentas", "mysql://localhost/cuentas"] {
        let output = cuentas(dir.path(), &["migrate"], "", &[("DATABASE_URL", url)]);
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains("DATABASE_URL"),
            "{}",
            stderr(&output)
        );
    }
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(files.iter().all(|f| f == "secret_key"), "{files:?}");
}

#[cfg(feature = "postgres")]
#[test]
fn an_unreachable_postgres_fails_fast_with_the_real_reason() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let output = cuentas(
        dir.path(),
        &["migrate"],
        "",
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing")],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let message = stderr(&output).to_lowercase();
    assert!(message.contains("connect"), "{message}");
}

#[test]
fn help_is_available_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["create-admin", "--help"],
    ] {
        let output = cuentas(dir.path(), &args, "", &[]);
        assert!(output.status.success(), "{args:?}");
    }
}

#[test]
fn a_password_over_plain_smtp_to_another_machine_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let in_clear = [(
        "CUENTAS_SMTP_URL",
        "smtp://ana:secreto@mail.example.com:587",
    )];
    let output = cuentas(dir.path(), &["migrate"], "", &in_clear);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("CUENTAS_SMTP_URL"), "{message}");
    assert!(!message.contains("secreto"), "{message}");
    // The same to a relay on this machine, or over TLS, is fine.
    for url in [
        "smtp://ana:secreto@127.0.0.1:2525",
        "smtp://ana:secreto@mail.example.com:587?tls=starttls",
    ] {
        let output = cuentas(dir.path(), &["migrate"], "", &[("CUENTAS_SMTP_URL", url)]);
        assert!(output.status.success(), "{url}: {}", stderr(&output));
    }
}

/// `cuentas serve` on loopback port 0 with only `env` (and `PATH`) set, its data and media in
/// `dir`, its log (`info`) on a piped standard error.
pub(crate) fn serve_command(dir: &std::path::Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cuentas"));
    command
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CUENTAS_DATA_DIR", dir)
        .env("CUENTAS_MEDIA_ROOT", dir.join("media"))
        .env("CUENTAS_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// Starts `serve` and returns its log lines up to the one that says it listens (the server
/// is then killed; after ten seconds without that line, the test fails).
fn start_log(dir: &std::path::Path, env: &[(&str, &str)]) -> Vec<String> {
    use std::io::BufRead;
    let mut child = serve_command(dir, env).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let listening = line.contains("cuentas listening on");
            lines.push(line);
            if listening {
                let _ = send.send(lines);
                return;
            }
        }
    });
    let lines = receive.recv_timeout(std::time::Duration::from_secs(10));
    child.kill().unwrap();
    child.wait().unwrap();
    lines.expect("the server starts")
}

#[test]
fn an_https_site_that_trusts_no_proxy_warns_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let https = ("CUENTAS_BASE_URL", "https://cuentas.example/");
    let about_proxies = |lines: Vec<String>| -> Vec<String> {
        lines
            .into_iter()
            .filter(|l| l.contains("CUENTAS_TRUSTED_PROXIES"))
            .collect()
    };
    let warned = about_proxies(start_log(dir.path(), &[https]));
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("WARN"), "{warned:?}");
    // With the proxy named, or on plain http, the start says nothing about it.
    let trusted = ("CUENTAS_TRUSTED_PROXIES", "127.0.0.1");
    assert!(about_proxies(start_log(dir.path(), &[https, trusted])).is_empty());
    assert!(about_proxies(start_log(dir.path(), &[])).is_empty());
}

#[test]
fn purge_deleted_removes_the_accounts_past_their_date_and_says_how_many() {
    use cuentas::db::schema::users;
    use diesel::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    for (email, username) in [("ana@example.com", "ana"), ("bea@example.com", "bea")] {
        let ok = cuentas(
            dir.path(),
            &create_admin_args(email, username),
            "Tortuga-Verde-42\n",
            &[],
        );
        assert!(ok.status.success(), "{}", stderr(&ok));
    }
    let pool = cuentas::db::connect(&dir.path().join("cuentas.sqlite3").to_string_lossy()).unwrap();
    let past = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1);
    diesel::update(users::table.filter(users::username_normalized.eq("ana")))
        .set(users::purge_after.eq(past))
        .execute(&mut pool.get().unwrap())
        .unwrap();

    let output = cuentas(dir.path(), &["purge-deleted"], "", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "purged 1 deleted accounts"
    );
    let left: Vec<String> = users::table
        .select(users::username_normalized)
        .load(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(left, ["bea"]);
    let again = cuentas(dir.path(), &["purge-deleted"], "", &[]);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "purged 0 deleted accounts"
    );
}
