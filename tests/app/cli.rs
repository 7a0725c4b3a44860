//! The command line, run as the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn cuentas(
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

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn create_admin_makes_an_account_and_refuses_bad_input_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let admin = [
        "create-admin",
        "--email",
        "Ana@Example.com",
        "--username",
        "ana",
        "--password-stdin",
    ];
    let ok = cuentas(dir.path(), &admin, "Tortuga-Verde-42\n", &[]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ana@example.com"));
    assert!(dir.path().join("cuentas.sqlite3").exists());

    let again = cuentas(dir.path(), &admin, "Tortuga-Verde-42\n", &[]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(stderr(&again).lines().count(), 1, "{}", stderr(&again));

    let cases: [(&[&str], &str, &str); 3] = [
        (
            &[
                "create-admin",
                "--email",
                "not-an-email",
                "--username",
                "bea",
                "--password-stdin",
            ],
            "Tortuga-Verde-42",
            "--email",
        ),
        (
            &[
                "create-admin",
                "--email",
                "bea@example.com",
                "--username",
                "b",
                "--password-stdin",
            ],
            "Tortuga-Verde-42",
            "--username",
        ),
        (
            &[
                "create-admin",
                "--email",
                "bea@example.com",
                "--username",
                "bea",
                "--password-stdin",
            ],
            "12345678",
            "password",
        ),
    ];
    for (args, password, mentions) in cases {
        let output = cuentas(dir.path(), args, password, &[]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(message.contains(mentions), "{message}");
    }
}

#[test]
fn the_password_keeps_everything_but_one_trailing_newline() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "create-admin",
        "--email",
        "ana@example.com",
        "--username",
        "ana",
        "--password-stdin",
    ];
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
        assert_eq!(output.status.code(), Some(1));
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(message.contains(name), "{message}");
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
