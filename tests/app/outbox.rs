//! The durable outbox with the stub and file transports: retries with backoff on the app's
//! clock, giving up after the last attempt, no tokens kept after sending, typed headers, two
//! workers on one database, and requests that never wait for the mail server.

use cuentas::db::schema::users;
use diesel::prelude::*;

use std::time::{Duration, Instant};

use cuentas::db::outbox::MailStatus;
use cuentas::db::outbox::OutboxMail;
use cuentas::mail::outbox::MAX_ATTEMPTS;
use cuentas::mail::{MailTransport, MemoryMailbox, SmtpUrl};

use crate::helpers::{
    SecondMail, TestApp, enqueue_numbered, spawn_app, spawn_app_with_transport,
    spawn_second_instance, spawn_with_user,
};

async fn ask_for_reset(app: &TestApp, email: &str) -> Duration {
    let started = Instant::now();
    let response = app
        .post_form("/recuperar-password/", &[("email", email)])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    started.elapsed()
}

/// Waits until the only outbox row satisfies `check`.
async fn wait_for_row(
    app: &TestApp,
    what: &str,
    check: impl Fn(&OutboxMail) -> bool,
) -> OutboxMail {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = app.outbox_rows();
        if let Some(row) = rows.first().filter(|r| check(r)) {
            return row.clone();
        }
        assert!(Instant::now() < deadline, "{what}: {rows:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_failed_send_is_retried_after_a_backoff_on_the_app_clock() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    app.mailbox.set_failing(true);
    ask_for_reset(&app, &user.email).await;
    let row = wait_for_row(&app, "first attempt", |r| {
        r.attempts == 1 && r.claimed_by.is_none()
    })
    .await;
    assert_eq!(row.status, MailStatus::Pending);
    assert!(row.last_error.is_some());
    let wait = row.next_attempt_at - row.created_at;
    assert!(wait >= chrono::TimeDelta::seconds(29), "{wait}");

    // Back up, but not due yet: nothing is sent.
    app.mailbox.set_failing(false);
    app.outbox.wake();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.mailbox.sent().is_empty());

    app.clock.advance(Duration::from_secs(31));
    app.outbox.wake();
    let mail = app.wait_for_mail_to(&user.email, 0).await;
    assert!(mail.link.is_some());
    let row = wait_for_row(&app, "sent", |r| r.status == MailStatus::Sent).await;
    assert_eq!(row.attempts, 2);
    // A sent row keeps no copy of the link or the bodies.
    assert_eq!(row.link, None);
    assert!(row.body_text.is_empty() && row.body_html.is_empty());
}

#[tokio::test]
async fn after_the_last_attempt_a_mail_is_marked_failed() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    app.mailbox.set_failing(true);
    ask_for_reset(&app, &user.email).await;
    for attempt in 1..=MAX_ATTEMPTS {
        wait_for_row(&app, "attempt", |r| {
            r.attempts == attempt && r.claimed_by.is_none()
        })
        .await;
        app.clock.advance(Duration::from_secs(3600));
        app.outbox.wake();
    }
    let row = wait_for_row(&app, "failed", |r| r.status == MailStatus::Failed).await;
    assert_eq!(row.attempts, MAX_ATTEMPTS);
    assert_eq!(row.link, None);
    // Given up for good: it is not tried again.
    app.mailbox.set_failing(false);
    app.clock.advance(Duration::from_secs(3600));
    app.outbox.wake();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.mailbox.sent().is_empty());
    assert_eq!(app.outbox_rows()[0].attempts, MAX_ATTEMPTS);
}

#[tokio::test]
async fn a_name_with_line_breaks_cannot_add_a_header() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    app.update_user(
        user.id,
        users::first_name.eq("Ana\r\nBcc: victim@evil.example\r\nX-Evil: 1"),
    );
    ask_for_reset(&app, &user.email).await;
    let mail = app.wait_for_mail_to(&user.email, 0).await;
    let headers = mail
        .raw
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .to_ascii_lowercase();
    for line in headers.split("\r\n") {
        assert!(
            !line.starts_with("bcc:") && !line.starts_with("x-evil:"),
            "injected header: {line}\n{}",
            mail.raw
        );
    }
    assert!(headers.contains("to: "), "{headers}");
    assert!(headers.contains("<ana@example.com>"), "{headers}");
}

/// Meaningful on PostgreSQL (CI runs the suite there too): SQLite runs write transactions one
/// at a time, so there even a non-atomic claim would pass.
#[tokio::test]
async fn two_workers_on_one_database_send_each_mail_once() {
    let app = spawn_app().await;
    let second = MemoryMailbox::default();
    let second_outbox = spawn_second_instance(&app, SecondMail::Memory(second.clone())).await;
    enqueue_numbered(&app, 40);
    app.outbox.wake();
    second_outbox.wake();
    app.wait_for_outbox_drained().await;
    let mut subjects: Vec<String> = app
        .mailbox
        .sent()
        .into_iter()
        .chain(second.sent())
        .map(|m| m.subject)
        .collect();
    eprintln!(
        "first instance sent {}, second {}",
        app.mailbox.sent().len(),
        second.sent().len()
    );
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 40);
    assert_eq!(app.mailbox.sent().len() + second.sent().len(), 40);
    assert!(
        app.outbox_rows()
            .iter()
            .all(|r| r.status == MailStatus::Sent && r.attempts == 1)
    );
}

#[tokio::test]
async fn without_smtp_mail_becomes_eml_files_in_the_data_folder() {
    let app = spawn_app_with_transport(|s| s.mail_transport = MailTransport::File).await;
    let user = app.create_user("Ana", "admin").await;
    ask_for_reset(&app, &user.email).await;
    let folder = app.settings.data_dir.join("outbox");
    let deadline = Instant::now() + Duration::from_secs(10);
    let file = loop {
        let found = std::fs::read_dir(&folder)
            .ok()
            .and_then(|mut entries| entries.next())
            .map(|entry| entry.unwrap().path());
        if let Some(file) = found {
            break file;
        }
        assert!(Instant::now() < deadline, "no .eml in {}", folder.display());
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(file.extension().unwrap(), "eml");
    app.wait_for_outbox_drained().await;
    // A mail may hold a live link: only the server's account reads it, or the folders.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&app.settings.data_dir), 0o700);
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("To: Ana <ana@example.com>"), "{text}");
    assert!(text.contains("multipart/alternative"));
    let id = app.outbox_rows()[0].id;
    assert!(
        text.contains(&format!("Message-ID: <cuentas.{id}.")),
        "{text}"
    );
    assert_eq!(app.outbox_rows()[0].status, MailStatus::Sent);
}

#[tokio::test]
async fn a_mail_server_that_never_answers_does_not_slow_requests() {
    // Accepts connections and never says a word: the worst kind of outage.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(4) {
            open.push(stream);
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let url = SmtpUrl::parse(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let app = spawn_app_with_transport(|s| s.mail_transport = MailTransport::Smtp(url)).await;
    let first = app.create_user("Ana", "admin").await;
    let second = app.create_user("Bea", "admin").await;
    ask_for_reset(&app, &first.email).await;
    // The worker is now stuck on the first mail; the next request must not notice.
    wait_for_row(&app, "claimed", |r| r.claimed_by.is_some()).await;
    let elapsed = ask_for_reset(&app, &second.email).await;
    eprintln!("request while the SMTP server hangs: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
    let page = Instant::now();
    assert_eq!(app.status_of("/login/").await, 200);
    assert!(page.elapsed() < Duration::from_millis(500));
    drop(held);
}

#[tokio::test]
async fn old_mail_and_expired_links_are_purged_after_thirty_days() {
    let (app, user) = spawn_with_user("Ana", "admin").await;
    ask_for_reset(&app, &user.email).await;
    app.wait_for_mail_to(&user.email, 0).await;
    app.wait_for_outbox_drained().await;
    enqueue_numbered(&app, 1);
    app.mailbox.set_failing(true);
    let tokens = |app: &TestApp| {
        use cuentas::db::schema::one_time_tokens;
        use diesel::prelude::*;
        app.db(|c| one_time_tokens::table.count().get_result::<i64>(c))
            .unwrap()
    };
    assert_eq!(tokens(&app), 1);

    app.clock.advance(Duration::from_secs(31 * 24 * 3600));
    app.outbox.wake();
    let deadline = Instant::now() + Duration::from_secs(10);
    // The sent mail and the expired link go; the mail still being retried stays.
    while app.outbox_rows().len() != 1 || tokens(&app) != 0 {
        assert!(Instant::now() < deadline, "{:#?}", app.outbox_rows());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.outbox_rows()[0].subject, "mail 0");
}
