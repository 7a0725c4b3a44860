//! What an operator relies on: `cuentas backup`, `/readyz`, `/metrics` on its own listener,
//! JSON logs, and a graceful stop on SIGTERM (requests in flight finish; the mail being sent
//! is sent once).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use cuentas::db::outbox::MailStatus;
use cuentas::db::schema::mail_outbox;
use diesel::prelude::*;

use crate::cli::{cuentas, serve_command, stderr};
use crate::helpers::{new_client, spawn_app, spawn_app_with};

#[tokio::test]
async fn backup_copies_the_live_sqlite_database_and_refuses_what_it_cannot_do() {
    let app = spawn_app().await;
    if app.settings.database_url.starts_with("postgres") {
        return; // The SQLite copy is tested on SQLite; the PostgreSQL refusal below.
    }
    let user = app.create_user("ana", "admin").await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copia.sqlite3");
    let copy_arg = copy.to_str().unwrap();
    let url = app.settings.database_url.clone();
    let env = [("DATABASE_URL", url.as_str())];
    // The server keeps running (and its pool keeps connections open) while the copy is made.
    let output = cuentas(dir.path(), &["backup", copy_arg], "", &env);
    assert!(output.status.success(), "{}", stderr(&output));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let pool = cuentas::db::connect(copy_arg).unwrap();
    let mut conn = pool.get().unwrap();
    let names: Vec<String> = cuentas::db::schema::users::table
        .select(cuentas::db::schema::users::username)
        .load(&mut conn)
        .unwrap();
    assert_eq!(names, vec![user.username.clone()]);
    assert_eq!(app.status_of("/healthz").await, 200, "the server went on");

    // An existing file is never overwritten.
    let again = cuentas(dir.path(), &["backup", copy_arg], "", &env);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn backup_on_postgresql_says_to_use_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let output = cuentas(
        dir.path(),
        &["backup", "x.dump"],
        "",
        &[("DATABASE_URL", "postgres://cuentas@db.example.com/cuentas")],
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("pg_dump"), "{message}");
    assert!(!dir.path().join("x.dump").exists());
}

#[test]
fn a_bad_media_url_or_a_cleartext_remote_endpoint_stops_the_start_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for (env, variable) in [
        (
            vec![("CUENTAS_MEDIA_URL", "ftp://fotos/")],
            "CUENTAS_MEDIA_URL",
        ),
        (
            vec![
                ("CUENTAS_MEDIA_URL", "s3://fotos-tienda/cuentas"),
                ("CUENTAS_S3_ENDPOINT", "http://minio.example.com:9000"),
            ],
            "CUENTAS_S3_ENDPOINT",
        ),
        (
            vec![("CUENTAS_METRICS_BIND", "everywhere")],
            "CUENTAS_METRICS_BIND",
        ),
    ] {
        let output = cuentas(dir.path(), &["migrate"], "", &env);
        assert_eq!(output.status.code(), Some(1), "{env:?}");
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(message.contains(variable), "{message}");
    }
}

#[tokio::test]
async fn readyz_says_ready_when_database_migrations_and_media_answer() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn readyz_names_what_is_not_ready_in_plain_text() {
    let app = spawn_app().await;
    // As if a newer binary's migration were missing: the latest one is forgotten.
    app.db(|c| {
        diesel::sql_query(
            "DELETE FROM __diesel_schema_migrations WHERE version = \
             (SELECT MAX(version) FROM __diesel_schema_migrations)",
        )
        .execute(c)
    })
    .unwrap();
    let response = app.get("/readyz").await;
    assert_eq!(response.status().as_u16(), 503);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert_eq!(response.text().await.unwrap(), "migrations not current");
    assert_eq!(app.status_of("/healthz").await, 200, "still alive");
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let app = spawn_app_with(|s| s.metrics_bind = Some("127.0.0.1:0".parse().unwrap())).await;
    let metrics = app.metrics_address.clone().expect("a metrics listener");
    let user = app.create_user("ana", "admin").await;
    app.login_with(&new_client(), &user.username, "Clave-Equivocada-1")
        .await;
    app.login(&user.username, &user.password).await;
    app.get("/perfil/").await;
    assert_eq!(
        app.status_of("/metrics").await,
        404,
        "never on the public port"
    );

    let response = reqwest::get(format!("{metrics}/metrics")).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
            .parse()
            .unwrap()
    };
    let profile = r#"cuentas_http_request_duration_seconds_count{route="/perfil/",method="GET",status="200"}"#;
    assert!(value(profile) >= 1.0);
    assert!(text.contains(
        r#"cuentas_http_request_duration_seconds_bucket{route="/perfil/",method="GET",status="200",le="+Inf"}"#
    ));
    // The counters are process-wide (other tests run beside this one): at least ours.
    assert!(value("cuentas_sign_ins_total") >= 1.0);
    assert!(value("cuentas_sign_in_failures_total") >= 1.0);
    for series in [
        "cuentas_throttle_refusals_total",
        "cuentas_outbox_pending",
        "cuentas_outbox_failed",
        "cuentas_outbox_oldest_pending_age_seconds",
        "cuentas_argon2_queue_depth",
        "cuentas_argon2_wait_seconds_count",
        "cuentas_db_pool_connections",
        "cuentas_db_pool_idle_connections",
        "cuentas_db_pool_wait_seconds_count",
        "cuentas_photo_pipeline_seconds_count",
    ] {
        assert!(value(series) >= 0.0, "{series}");
    }
    assert!(value("cuentas_db_pool_max_connections") >= 1.0);
    assert!(
        value("cuentas_argon2_wait_seconds_count") >= 2.0,
        "two sign-ins hashed"
    );
    // Every sample line is `name{labels} number`; comments are HELP and TYPE.
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(
                comment.starts_with("HELP ") || comment.starts_with("TYPE "),
                "{line}"
            );
        } else {
            let (_, number) = line.rsplit_once(' ').unwrap();
            number.parse::<f64>().unwrap_or_else(|_| panic!("{line}"));
        }
    }
}

/// The server binary, started on a free port with everything under `dir`.
struct Server {
    child: Child,
    port: u16,
    /// Standard error after the "listening" line.
    log: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(dir: &std::path::Path, env: &[(&str, &str)]) -> Self {
        let mut child = serve_command(dir, env).spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (send, log) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(15);
        let port = loop {
            let line = log
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("the server starts");
            if let Some(rest) = line.split("cuentas listening on http://127.0.0.1:").nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                break digits.parse().unwrap();
            }
        };
        Self { child, port, log }
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit (at most `limit`) and returns whether it exited cleanly.
    fn wait_exit(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not stop within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[("CUENTAS_LOG_FORMAT", "json")]);
    let mut request = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    request
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    request.read_to_end(&mut Vec::new()).unwrap();
    let mut seen = 0;
    while let Ok(line) = server.log.recv_timeout(Duration::from_millis(500)) {
        let value: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            value["level"].is_string() && value["fields"].is_object(),
            "{line}"
        );
        seen += 1;
    }
    assert!(seen >= 1, "the request was logged");

    let bad = cuentas(
        dir.path(),
        &["migrate"],
        "",
        &[("CUENTAS_LOG_FORMAT", "xml")],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("CUENTAS_LOG_FORMAT"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn on_sigterm_a_request_in_flight_completes_and_new_connections_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let address = format!("127.0.0.1:{}", server.port);
    // A form whose body is still arriving when the signal comes.
    let body = "login=ana&password=x";
    let mut slow = TcpStream::connect(&address).unwrap();
    write!(
        slow,
        "POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..5]
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        TcpStream::connect(&address).is_err(),
        "a stopping server accepts nothing new"
    );
    slow.write_all(&body.as_bytes()[5..]).unwrap();
    let mut answer = String::new();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    slow.read_to_string(&mut answer).unwrap();
    // Without a CSRF token the form is refused, but it is answered, not cut off.
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(server.wait_exit(Duration::from_secs(10)), "a clean exit");
}

/// A loopback SMTP server that takes `delay` to accept each message, and counts them.
struct SlowSmtp {
    port: u16,
    received: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    data_started: std::sync::mpsc::Receiver<()>,
}

impl SlowSmtp {
    fn start(delay: Duration) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (started, data_started) = std::sync::mpsc::channel();
        let count = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (count, started) = (count.clone(), started.clone());
                std::thread::spawn(move || {
                    let _ = smtp_session(stream, delay, &count, &started);
                });
            }
        });
        Self {
            port,
            received,
            data_started,
        }
    }
}

fn smtp_session(
    stream: TcpStream,
    delay: Duration,
    count: &std::sync::atomic::AtomicUsize,
    started: &std::sync::mpsc::Sender<()>,
) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 slow.test ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => out.write_all(b"250 slow.test\r\n")?,
            "DATA" => {
                out.write_all(b"354 go on\r\n")?;
                loop {
                    line.clear();
                    if lines.read_line(&mut line)? == 0 || line == ".\r\n" {
                        break;
                    }
                }
                let _ = started.send(());
                std::thread::sleep(delay);
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                out.write_all(b"250 queued\r\n")?;
            }
            "QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => out.write_all(b"250 ok\r\n")?,
        }
    }
}

#[test]
fn on_sigterm_the_mail_being_sent_is_finished_recorded_and_sent_once() {
    let smtp = SlowSmtp::start(Duration::from_secs(2));
    let dir = tempfile::tempdir().unwrap();
    let smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
    let mut server = Server::start(dir.path(), &[("CUENTAS_SMTP_URL", smtp_url.as_str())]);
    let base = format!("http://127.0.0.1:{}", server.port);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = new_client();
        let page = client
            .get(format!("{base}/registro/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = crate::helpers::csrf_token_in(&page);
        let response = client
            .post(format!("{base}/registro/"))
            .form(&[
                ("username", "ana"),
                ("email", "ana@example.com"),
                ("password1", "Tortuga-Verde-42"),
                ("password2", "Tortuga-Verde-42"),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303);
    });
    smtp.data_started
        .recv_timeout(Duration::from_secs(15))
        .expect("the confirmation mail reaches the SMTP server");
    // The signal comes while the server is still taking the message.
    server.terminate();
    assert!(server.wait_exit(Duration::from_secs(20)), "a clean exit");
    assert_eq!(smtp.received.load(std::sync::atomic::Ordering::SeqCst), 1);
    let pool = cuentas::db::connect(dir.path().join("cuentas.sqlite3").to_str().unwrap()).unwrap();
    let mut conn = pool.get().unwrap();
    let rows: Vec<(String, i32)> = mail_outbox::table
        .select((mail_outbox::status, mail_outbox::attempts))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        rows,
        vec![(MailStatus::Sent.as_str().to_owned(), 1)],
        "recorded as sent: a restart will not send it again"
    );
}
