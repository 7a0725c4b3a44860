//! Real SMTP on loopback, through Python's aiosmtpd (`tests/support/smtp_sink.py`).
//!
//! They run when `CUENTAS_SMTP_TESTS=1` (`.ci/run` sets it and installs aiosmtpd) and then
//! fail if the server cannot start; otherwise each returns at once, saying why, so a plain
//! `cargo test` needs nothing but Rust.

use cuentas::db::schema::users;
use diesel::prelude::*;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cuentas::db::outbox::MailStatus;
use cuentas::mail::{MailTransport, SmtpUrl};

use crate::helpers::{
    SecondMail, TestApp, assert_is_redirect_to, enqueue_numbered, spawn_app_with_transport,
    spawn_second_instance,
};

/// A sink on a free port and an app that sends to it (`None` when SMTP tests are off).
async fn app_with_sink() -> Option<(u16, SmtpSink, TestApp)> {
    if !enabled() {
        return None;
    }
    let port = free_port();
    let sink = SmtpSink::start(port);
    let app = spawn_app_with_transport(|s| s.mail_transport = smtp_to(port)).await;
    Some((port, sink, app))
}

fn enabled() -> bool {
    if std::env::var("CUENTAS_SMTP_TESTS").as_deref() == Ok("1") {
        true
    } else {
        eprintln!(
            "SMTP test not run: set CUENTAS_SMTP_TESTS=1 (needs python3 -m pip install aiosmtpd)"
        );
        false
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A loopback SMTP server writing each message it receives to a file.
struct SmtpSink {
    child: Child,
    folder: tempfile::TempDir,
}

impl SmtpSink {
    fn start(port: u16) -> Self {
        let folder = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(port.to_string())
            .arg(folder.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("CUENTAS_SMTP_TESTS=1 but {python} cannot run: {e}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start (is aiosmtpd installed? python3 -m pip install aiosmtpd)"
        );
        Self { child, folder }
    }

    fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.folder.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    async fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} messages over SMTP, got {}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_to(port: u16) -> MailTransport {
    MailTransport::Smtp(SmtpUrl::parse(&format!("smtp://127.0.0.1:{port}")).unwrap())
}

/// Quoted-printable bodies break long lines with `=` + CRLF; joined again, links are whole.
fn unfolded(message: &str) -> String {
    message.replace("=\r\n", "").replace("=3D", "=")
}

async fn send_verification(app: &TestApp) -> Duration {
    let started = Instant::now();
    let response = app.post_form("/perfil/email/verificar/", &[]).await;
    let elapsed = started.elapsed();
    assert_is_redirect_to(&response, "/perfil/");
    elapsed
}

/// A logged-in, unverified team member, whose profile button sends a verification mail
/// within the request (no password hashing to blur the timing).
async fn unverified_member(app: &TestApp) -> String {
    let boss = app.create_user("Jefa", "admin").await;
    let user = app.create_user("Vende", "vendedor").await;
    app.set_unverified(user.id, Some(boss.id));
    app.update_user(user.id, users::language.eq("en"));
    assert_is_redirect_to(&app.login("vende", &user.password).await, "/dashboard/");
    user.email
}

#[tokio::test]
async fn a_mail_arrives_over_smtp() {
    let Some((_, sink, app)) = app_with_sink().await else {
        return;
    };
    let email = unverified_member(&app).await;
    let started = Instant::now();
    send_verification(&app).await;
    let messages = sink.wait_for(1).await;
    eprintln!("request to SMTP delivery: {:?}", started.elapsed());
    let message = unfolded(&messages[0]);
    assert!(
        message.contains(&format!("To: Vende <{email}>")),
        "{message}"
    );
    assert!(message.contains("Subject: Confirm your email for cuentas"));
    assert!(message.contains("From: cuentas <no-reply@localhost>"));
    assert!(message.contains("multipart/alternative"));
    assert!(message.contains("http://127.0.0.1/verificar-email/"));
    app.wait_for_outbox_drained().await;
    assert_eq!(app.outbox_rows()[0].status, MailStatus::Sent);
}

#[tokio::test]
async fn with_the_server_down_requests_succeed_and_mail_is_delivered_once_it_is_back() {
    if !enabled() {
        return;
    }
    let port = free_port();
    let app = spawn_app_with_transport(|s| s.mail_transport = smtp_to(port)).await;
    unverified_member(&app).await;

    let mut down = Vec::new();
    for _ in 0..3 {
        down.push(send_verification(&app).await);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    // The outage has been met by every row (each failed once, none lost) and no attempt is
    // still in flight: one that failed after the clock moves below would wait for a time the
    // manual clock never reaches.
    while !app
        .outbox_rows()
        .iter()
        .all(|r| r.attempts >= 1 && r.claimed_by.is_none() && r.status == MailStatus::Pending)
    {
        assert!(Instant::now() < deadline, "{:#?}", app.outbox_rows());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let sink = SmtpSink::start(port);
    app.clock.advance(Duration::from_secs(3600));
    let woken = Instant::now();
    app.outbox.wake();
    let messages = sink.wait_for(3).await;
    let delivery = woken.elapsed();
    app.wait_for_outbox_drained().await;
    assert!(
        app.outbox_rows()
            .iter()
            .all(|r| r.status == MailStatus::Sent)
    );
    assert_eq!(sink.messages().len(), 3, "{messages:#?}");

    // The same request with the server up, for comparison.
    app.clock.advance(Duration::from_secs(16 * 60));
    let up = send_verification(&app).await;
    sink.wait_for(4).await;
    eprintln!(
        "POST /perfil/email/verificar/ with SMTP down: {down:?}; up: {up:?}; \
         3 queued mails delivered {delivery:?} after the worker was woken"
    );
    assert!(down.iter().all(|d| *d < Duration::from_secs(1)), "{down:?}");
}

#[tokio::test]
async fn two_workers_on_one_database_send_each_row_once_over_smtp() {
    let Some((port, sink, app)) = app_with_sink().await else {
        return;
    };
    let second = spawn_second_instance(&app, SecondMail::Transport(smtp_to(port))).await;
    enqueue_numbered(&app, 30);
    app.outbox.wake();
    second.wake();
    sink.wait_for(30).await;
    app.wait_for_outbox_drained().await;
    // Anything sent twice would have arrived by now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = sink.messages();
    let mut subjects: Vec<String> = messages
        .iter()
        .filter_map(|m| {
            m.lines()
                .find(|l| l.starts_with("Subject: "))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(subjects.len(), 30);
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 30, "a mail was sent twice");
    assert!(app.outbox_rows().iter().all(|r| r.attempts == 1));
}
