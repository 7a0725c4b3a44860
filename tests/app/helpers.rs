//! The test harness: a real server on port 0 with its own database, media folder and manual
//! clock; a client that keeps cookies and never follows redirects; and helpers for users,
//! CSRF tokens and login.

use std::time::Duration;

use cuentas::auth::password::hash_password;
use cuentas::clock::{Clock, ManualClock};
use cuentas::config::Settings;
use cuentas::db::outbox::{MailStatus, OutboxMail};
use cuentas::db::schema::users;
use cuentas::db::users::{NewUser, User};
use cuentas::db::{self, DbConnection, Pool};
use cuentas::domain::{EmailAddress, Username};
use cuentas::mail::outbox::OutboxHandle;
use cuentas::mail::{Mailer, MemoryMailbox, SentMail};
use cuentas::startup::Application;
use diesel::prelude::*;
use reqwest::{Client, Response};

pub struct TestApp {
    pub address: String,
    #[allow(dead_code, reason = "used by some test binaries")]
    pub port: u16,
    pub client: Client,
    pub pool: Pool,
    pub clock: ManualClock,
    #[allow(dead_code, reason = "used by some test binaries")]
    pub settings: Settings,
    /// What the stub transport received (empty when a test chose another transport).
    #[allow(dead_code, reason = "used by some test binaries")]
    pub mailbox: MemoryMailbox,
    /// Wakes the app's mail worker.
    #[allow(dead_code, reason = "used by some test binaries")]
    pub outbox: OutboxHandle,
    _root: tempfile::TempDir,
    _database: TestDatabase,
}

/// A user created directly in the database, with the password in clear for logging in.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i32,
    pub username: String,
    #[allow(dead_code, reason = "used by some test binaries")]
    pub email: String,
    pub password: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Settings for a throw-away instance: port 0, everything under `root`, a fixed key.
pub fn test_settings(root: &std::path::Path) -> Settings {
    let vars = [
        ("CUENTAS_BIND", "127.0.0.1:0".to_owned()),
        ("CUENTAS_DATA_DIR", root.join("data").display().to_string()),
        (
            "CUENTAS_MEDIA_ROOT",
            root.join("media").display().to_string(),
        ),
        ("CUENTAS_BASE_URL", "http://127.0.0.1/".to_owned()),
        ("CUENTAS_SECRET_KEY", "k".repeat(64)),
    ];
    Settings::from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .expect("test settings")
}

/// Starts the app after `configure` adjusts its settings; mail stays in `mailbox`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(configure, true).await
}

/// Starts the app with the mail transport its settings describe (files, SMTP).
#[allow(dead_code, reason = "used by some test binaries")]
pub async fn spawn_app_with_transport(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(configure, false).await
}

async fn spawn(configure: impl FnOnce(&mut Settings), in_memory: bool) -> TestApp {
    cuentas::telemetry::init();
    let root = tempfile::tempdir().expect("temporary folder");
    let mut settings = test_settings(root.path());
    let database = TestDatabase::create(&settings);
    settings.database_url = database.url.clone();
    configure(&mut settings);
    let (clock, manual) = Clock::manual();
    let mailbox = MemoryMailbox::default();
    let app = if in_memory {
        let mailer = Mailer::memory(&settings.mail_from, mailbox.clone()).expect("mailer");
        Application::build_with(settings.clone(), clock, mailer).await
    } else {
        Application::build(settings.clone(), clock).await
    }
    .expect("the app builds");
    let port = app.port();
    let outbox = app.outbox();
    tokio::spawn(app.run_until_stopped());
    let pool = db::connect(&settings.database_url).expect("test pool");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: new_client(),
        pool,
        clock: manual,
        settings,
        mailbox,
        outbox,
        _root: root,
        _database: database,
    }
}

/// A fresh browser-like client: its own cookie jar, no redirects followed.
pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        get_with(&self.client, &self.url(path)).await
    }

    /// Posts a form with the CSRF token of `token_page` (a GET of that path first).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_form_with(&self.client, path, fields).await
    }

    pub async fn post_form_with(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let token = self.csrf_token_with(client).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// A GET through another client.
    #[allow(dead_code, reason = "used by some test binaries")]
    pub async fn get_with_client(&self, client: &Client, path: &str) -> Response {
        get_with(client, &self.url(path)).await
    }

    /// The body of a GET through `client`.
    #[allow(dead_code, reason = "used by some test binaries")]
    pub async fn get_page(&self, client: &Client, path: &str) -> String {
        get_with(client, &self.url(path))
            .await
            .text()
            .await
            .expect("body")
    }

    /// Posts a form with extra request headers (`Accept-Language`, `Host`…).
    #[allow(dead_code, reason = "used by some test binaries")]
    pub async fn post_form_headers(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        let token = self.csrf_token_with(client).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        let mut request = client.post(self.url(path)).form(&form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("POST")
    }

    /// Posts a multipart form, adding the client's CSRF token as a field (as the no-script
    /// form does).
    pub async fn post_multipart_with(
        &self,
        client: &Client,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> Response {
        let token = self.csrf_token_with(client).await;
        client
            .post(self.url(path))
            .multipart(form.text("csrf_token", token))
            .send()
            .await
            .expect("POST")
    }

    /// The CSRF token of the client's session, read from the first page that shows to this
    /// client: the password page when logged in (it has no side effects, unlike the
    /// dashboard's tutorial), else the login page.
    pub async fn csrf_token_with(&self, client: &Client) -> String {
        for path in ["/cambiar-password/", "/login/"] {
            let page = get_with(client, &self.url(path)).await;
            if page.status().is_success() {
                return csrf_token_in(&page.text().await.expect("body"));
            }
        }
        panic!("no page with a CSRF token answered")
    }

    pub async fn csrf_token(&self) -> String {
        self.csrf_token_with(&self.client).await
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.login_with(&self.client, login, password).await
    }

    pub async fn login_with(&self, client: &Client, login: &str, password: &str) -> Response {
        self.post_form_with(
            client,
            "/login/",
            &[("login", login), ("password", password)],
        )
        .await
    }

    pub async fn create_user(&self, username: &str, role: &str) -> TestUser {
        let password = format!("Clave-Segura-{username}-2026");
        // The local part keeps to ASCII (`dueña` becomes `duexa@example.com`).
        let local: String = username
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { 'x' })
            .collect();
        let email = format!("{local}@example.com");
        let hash = hash_password(&password).expect("hash");
        let new = NewUser::admin(
            &Username::parse(username).expect("a valid username"),
            &EmailAddress::parse(&email).expect("a valid email"),
            hash,
            "es",
            true,
            chrono::Utc::now().naive_utc(),
        );
        let role = role.to_owned();
        let user = self
            .db(move |conn| {
                let user = User::insert(conn, &new)?.expect("not taken");
                // A vendedor without an admin: only tests make one (no constructor does).
                diesel::update(users::table.find(user.id))
                    .set(users::role.eq(role))
                    .execute(conn)?;
                Ok(user)
            })
            .expect("insert");
        TestUser {
            id: user.id,
            username: username.to_owned(),
            email,
            password,
        }
    }

    /// Runs `f` on the test's database, for setting up and checking state.
    pub fn db<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
    ) -> diesel::QueryResult<T> {
        let mut conn = self.pool.get().expect("connection");
        f(&mut conn)
    }

    /// Puts the user under a forced password change, as a new vendedor starts.
    pub fn require_password_change(&self, id: i32) {
        use cuentas::db::schema::users;
        use diesel::prelude::*;
        self.db(|c| {
            diesel::update(users::table.find(id))
                .set(users::must_change_password.eq(true))
                .execute(c)
        })
        .expect("update");
    }

    /// Sets columns the forms cannot: verification, manager, first name.
    #[allow(dead_code, reason = "used by some test binaries")]
    pub fn set_unverified(&self, id: i32, manager_id: Option<i32>) {
        use cuentas::db::schema::users;
        use diesel::prelude::*;
        self.db(|c| {
            diesel::update(users::table.find(id))
                .set((
                    users::email_verified.eq(false),
                    users::manager_id.eq(manager_id),
                ))
                .execute(c)
        })
        .expect("update");
    }

    pub fn user(&self, id: i32) -> User {
        self.db(|conn| User::find(conn, id))
            .expect("query")
            .expect("user exists")
    }
}

#[allow(dead_code, reason = "used by some test binaries")]
impl TestApp {
    /// Waits (up to 10 s) until the stub holds at least `count` mails, and returns them all.
    pub async fn wait_for_mails(&self, count: usize) -> Vec<SentMail> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let sent = self.mailbox.sent();
            if sent.len() >= count {
                return sent;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "expected {count} mails, got {}: {sent:#?}",
                sent.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the next mail to `to` beyond the `seen` already counted for that address.
    pub async fn wait_for_mail_to(&self, to: &str, seen: usize) -> SentMail {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let mut mine: Vec<SentMail> = self
                .mailbox
                .sent()
                .into_iter()
                .filter(|m| m.to == to)
                .collect();
            if mine.len() > seen {
                return mine.swap_remove(seen);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail #{} to {to}; all: {:#?}",
                seen + 1,
                self.mailbox.sent()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn mails_to(&self, to: &str) -> Vec<SentMail> {
        self.mailbox
            .sent()
            .into_iter()
            .filter(|m| m.to == to)
            .collect()
    }

    /// Every outbox row, oldest first.
    pub fn outbox_rows(&self) -> Vec<OutboxMail> {
        self.db(OutboxMail::all).expect("outbox")
    }

    /// Waits until no outbox row is pending (sent or failed), waking the worker as it goes.
    pub async fn wait_for_outbox_drained(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while self
            .outbox_rows()
            .iter()
            .any(|r| r.status == MailStatus::Pending)
        {
            assert!(
                std::time::Instant::now() < deadline,
                "outbox not drained: {:#?}",
                self.outbox_rows()
            );
            self.outbox.wake();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// How the second instance sends mail.
#[allow(dead_code, reason = "used by some test binaries")]
pub enum SecondMail {
    Memory(MemoryMailbox),
    Transport(cuentas::mail::MailTransport),
}

/// A second server instance on the same database (another process, in production), with its
/// own mail transport and worker. Returns what wakes its worker.
#[allow(dead_code, reason = "used by some test binaries")]
pub async fn spawn_second_instance(app: &TestApp, transport: SecondMail) -> OutboxHandle {
    let settings = app.settings.clone();
    let (clock, _manual) = Clock::manual();
    let mailer = match transport {
        SecondMail::Memory(mailbox) => Mailer::memory(&settings.mail_from, mailbox),
        SecondMail::Transport(transport) => {
            Mailer::new(&transport, &settings.mail_from, &settings.data_dir)
        }
    }
    .expect("mailer");
    let second = Application::build_with(settings, clock, mailer)
        .await
        .expect("the second instance builds");
    let outbox = second.outbox();
    tokio::spawn(second.run_until_stopped());
    outbox
}

/// Queues `count` mails straight into the outbox, numbered in their subjects.
#[allow(dead_code, reason = "used by some test binaries")]
pub fn enqueue_numbered(app: &TestApp, count: usize) {
    use cuentas::db::outbox::NewMail;
    let now = chrono::Utc::now().naive_utc();
    app.db(|conn| {
        for n in 0..count {
            NewMail {
                kind: "test".into(),
                recipient: format!("n{n}@example.com"),
                recipient_name: String::new(),
                language: "es".into(),
                subject: format!("mail {n}"),
                body_text: format!("body {n}"),
                body_html: format!("<p>body {n}</p>"),
                link: None,
                next_attempt_at: now - chrono::TimeDelta::seconds(1),
                created_at: now,
            }
            .enqueue(conn)?;
        }
        Ok(())
    })
    .expect("enqueue");
}

/// The path of a link in a mail (`http://127.0.0.1/verificar-email/…/` → `/verificar-email/…/`).
#[allow(dead_code, reason = "used by some test binaries")]
pub fn link_path(mail: &SentMail) -> String {
    let link = mail.link.clone().expect("the mail has a link");
    let url = url::Url::parse(&link).expect("an absolute link");
    url.path().to_owned()
}

pub async fn get_with(client: &Client, url: &str) -> Response {
    client.get(url).send().await.expect("GET")
}

pub fn csrf_token_in(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("page has a CSRF token") + marker.len();
    let end = page[start..].find('"').expect("closing quote") + start;
    page[start..end].to_owned()
}

pub fn assert_is_redirect_to(response: &Response, location: &str) {
    assert_eq!(
        response.status().as_u16(),
        303,
        "expected a redirect to {location}"
    );
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some(location)
    );
}

/// The database a test runs on: a file in the test's folder, or with
/// `TEST_DATABASE_URL=postgres://…` (and `--features postgres`) a fresh PostgreSQL database
/// dropped when the test ends.
pub struct TestDatabase {
    pub url: String,
    #[cfg(feature = "postgres")]
    cleanup: Option<(String, String)>,
}

impl TestDatabase {
    fn create(settings: &Settings) -> Self {
        #[cfg(feature = "postgres")]
        if let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") {
            use diesel::{Connection, RunQueryDsl};
            let name = format!(
                "cuentas_test_{}",
                cuentas::token::random_token()
                    .to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "")
                    .chars()
                    .take(20)
                    .collect::<String>()
            );
            let mut admin =
                diesel::PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL connects");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .expect("create test database");
            let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            return Self {
                url: url.to_string(),
                cleanup: Some((admin_url, name)),
            };
        }
        Self {
            url: settings.database_url.clone(),
            #[cfg(feature = "postgres")]
            cleanup: None,
        }
    }
}

#[cfg(feature = "postgres")]
impl Drop for TestDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if let Some((admin_url, name)) = &self.cleanup
            && let Ok(mut admin) = diesel::PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}
