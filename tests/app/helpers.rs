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
    pub client: Client,
    pub pool: Pool,
    pub clock: ManualClock,
    pub settings: Settings,
    /// What the stub transport received (empty when a test chose another transport).
    pub mailbox: MemoryMailbox,
    /// Wakes the app's mail worker.
    pub outbox: OutboxHandle,
    /// `http://127.0.0.1:<port>` of the metrics listener, when the settings asked for one.
    pub metrics_address: Option<String>,
    _root: tempfile::TempDir,
    _database: TestDatabase,
}

/// A user created directly in the database, with the password in clear for logging in.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i32,
    pub username: String,
    pub email: String,
    pub password: String,
}

/// The text of the first element of `document` that matches `css`, if any.
pub fn text_at(document: &scraper::Html, css: &str) -> Option<String> {
    let selector = scraper::Selector::parse(css).expect("a valid selector");
    document
        .select(&selector)
        .next()
        .map(|element| element.text().collect())
}

/// The whole `Set-Cookie` value of the cookie `name` that `response` sets, if it does.
pub fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| {
            v.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('='))
        })
        .map(str::to_owned)
}

/// The status of a response still to come.
pub async fn status(response: impl std::future::Future<Output = Response>) -> u16 {
    response.await.status().as_u16()
}

/// A fresh app with one user, not signed in.
pub async fn spawn_with_user(name: &str, role: &str) -> (TestApp, TestUser) {
    let app = spawn_app().await;
    let user = app.create_user(name, role).await;
    (app, user)
}

/// A fresh app whose client is signed in as a new user "ana" with `role`.
pub async fn spawn_logged_in(role: &str) -> (TestApp, TestUser) {
    let app = spawn_app().await;
    let user = app.logged_in(role).await;
    (app, user)
}

/// A fresh app whose client is signed in as a new user `name` with `role`.
pub async fn spawn_logged_in_as(name: &str, role: &str) -> (TestApp, TestUser) {
    let app = spawn_app().await;
    let user = app.logged_in_as(name, role).await;
    (app, user)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Settings for a throw-away instance: port 0, everything under `root`, a fixed key.
fn test_settings(root: &std::path::Path) -> Settings {
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
    let mut settings = Settings::from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .expect("test settings");
    // The S3 suite: the same tests, photos in a bucket (see s3.rs).
    settings.media_s3 = s3_stand_in::test_location();
    settings
}

/// Starts the app after `configure` adjusts its settings; mail stays in `mailbox`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(configure, true).await
}

/// Starts the app with the mail transport its settings describe (files, SMTP).
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
    let metrics_address = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    let outbox = app.outbox();
    tokio::spawn(app.run_until_stopped());
    let pool = db::connect(&settings.database_url).expect("test pool");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: new_client(),
        pool,
        clock: manual,
        settings,
        mailbox,
        outbox,
        metrics_address,
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

    /// The app's photo store (its folder or its bucket prefix).
    pub fn media(&self) -> cuentas::media::MediaStore {
        cuentas::media::MediaStore::open(&self.settings.media_location()).expect("media store")
    }

    /// The keys of every stored photo (`fotos_perfil/<name>.jpg`), sorted.
    pub async fn stored_photos(&self) -> Vec<String> {
        self.media().list().await.expect("media listing")
    }

    /// The bytes of a stored photo.
    pub async fn stored_photo(&self, relative: &str) -> Vec<u8> {
        self.media()
            .read(relative)
            .await
            .expect("media read")
            .expect("the photo exists")
            .to_vec()
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
    pub async fn get_with_client(&self, client: &Client, path: &str) -> Response {
        get_with(client, &self.url(path)).await
    }

    /// The body of a GET through the app's client, whatever its status.
    /// Posts each address as the `email` field of the form at `path`; the statuses, in order.
    pub async fn post_emails(
        &self,
        path: &str,
        emails: impl IntoIterator<Item = String>,
    ) -> Vec<u16> {
        let mut statuses = Vec::new();
        for email in emails {
            let response = self.post_form(path, &[("email", &email)]).await;
            statuses.push(response.status().as_u16());
        }
        statuses
    }

    /// The ids of the sessions that are not revoked, of every user.
    pub fn live_session_ids(&self) -> Vec<String> {
        use cuentas::db::schema::user_sessions;
        self.db(|c| {
            user_sessions::table
                .filter(user_sessions::revoked_at.is_null())
                .select(user_sessions::id)
                .load(c)
        })
        .expect("sessions")
    }

    /// The account whose address is `email`, if any.
    pub fn user_by_email(&self, email: &str) -> Option<User> {
        let email = email.to_owned();
        self.db(move |c| User::find_by_email(c, &email))
            .expect("user by email")
    }

    /// How many attempts the throttles have counted, in every gate.
    pub fn throttle_attempts(&self) -> i64 {
        use cuentas::db::schema::throttle_attempts;
        self.db(|c| throttle_attempts::table.count().get_result(c))
            .expect("attempts")
    }

    /// The page at `path`, after checking that it says each of `texts`.
    pub async fn assert_page_says(&self, path: &str, texts: &[&str]) -> String {
        let page = self.get_page(path).await;
        for text in texts {
            assert!(page.contains(text), "{path} does not say {text:?}:\n{page}");
        }
        page
    }

    pub async fn get_page(&self, path: &str) -> String {
        self.get_page_with(&self.client, path).await
    }

    /// The body of a GET through `client`, whatever its status.
    pub async fn get_page_with(&self, client: &Client, path: &str) -> String {
        body_of(get_with(client, &self.url(path)).await).await
    }

    /// The status of a GET through the app's client.
    pub async fn status_of(&self, path: &str) -> u16 {
        self.get(path).await.status().as_u16()
    }

    /// Posts owned fields (as tests build them with `with`/`without`) through `client`.
    pub async fn post_fields(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&'static str, String)],
    ) -> Response {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.post_form_with(client, path, &fields).await
    }

    /// Posts a url-encoded form exactly as given, with these headers: no CSRF token is
    /// added, so tests of the token and origin checks say what they send.
    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        with_headers(self.client.post(self.url(path)).form(fields), headers)
            .send()
            .await
            .expect("POST")
    }

    /// A request without a body from the app's client, with these headers.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Response {
        with_headers(self.client.request(method, self.url(path)), headers)
            .send()
            .await
            .expect("request")
    }

    /// Posts a form with extra request headers (`Accept-Language`, `Host`…).
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
        with_headers(client.post(self.url(path)).form(&form), headers)
            .send()
            .await
            .expect("POST")
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

    /// Posts `fields` as a multipart form (plus the optional file part), with the CSRF token.
    pub async fn post_multipart_fields(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&'static str, String)],
        file: Option<(&'static str, reqwest::multipart::Part)>,
    ) -> Response {
        self.post_multipart_with(client, path, multipart_form(fields, file))
            .await
    }

    /// The CSRF token of the client's session, read from the first page that shows to this
    /// client: the password page when logged in (it has no side effects, unlike the
    /// dashboard's tutorial), else the login page, else (for a user who must set up two-step
    /// sign-in first) its set-up page.
    pub async fn csrf_token_with(&self, client: &Client) -> String {
        for path in ["/cambiar-password/", "/login/", "/seguridad/dos-pasos/"] {
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

    /// Posts the password-change form through `client`.
    pub async fn change_password_with(
        &self,
        client: &Client,
        old: &str,
        new1: &str,
        new2: &str,
    ) -> Response {
        let fields = [
            ("old_password", old),
            ("new_password1", new1),
            ("new_password2", new2),
        ];
        self.post_form_with(client, "/cambiar-password/", &fields)
            .await
    }

    /// Opens a verification link as a person does: the GET shows one button and changes
    /// nothing; the button posts the confirmation. Returns the answer to that POST.
    pub async fn confirm_link_with(&self, client: &Client, path: &str) -> Response {
        let page = get_with(client, &self.url(path)).await;
        assert_eq!(page.status().as_u16(), 200, "the link shows its button");
        let page = body_of(page).await;
        assert!(page.contains(&format!("action=\"{path}\"")), "{page}");
        client
            .post(self.url(path))
            .form(&[("csrf_token", csrf_token_in(&page))])
            .send()
            .await
            .expect("POST")
    }

    /// [`TestApp::confirm_link_with`] through the app's client.
    pub async fn confirm_link(&self, path: &str) -> Response {
        self.confirm_link_with(&self.client, path).await
    }

    /// A dead reset link is still moved into the client's session (no oracle in the redirect),
    /// and the form then answers 410.
    pub async fn assert_reset_link_is_dead(&self, client: &Client, link: &str) {
        assert_is_redirect_to(
            &self.get_with_client(client, link).await,
            "/restablecer-password/",
        );
        let form = self.get_with_client(client, "/restablecer-password/").await;
        assert_eq!(form.status().as_u16(), 410);
    }

    /// What an anonymous form answers (status and redirect) with the page the browser shows
    /// next: for comparing the answers about known and unknown accounts.
    pub async fn answer_and_next_page(
        &self,
        client: &Client,
        response: Response,
        next: &str,
    ) -> (
        (reqwest::StatusCode, Option<reqwest::header::HeaderValue>),
        String,
    ) {
        let head = (
            response.status(),
            response.headers().get("location").cloned(),
        );
        (head, self.get_page_with(client, next).await)
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

    /// `vende`, a team member of `jefa` whose address is unverified (which does not stop a
    /// team member), logged in on the app's client. Returns (jefa, vende).
    pub async fn logged_in_unverified_member(&self) -> (TestUser, TestUser) {
        let boss = self.create_user("Jefa", "admin").await;
        let member = self.create_user("Vende", "vendedor").await;
        self.set_unverified(member.id, Some(boss.id));
        self.log_in_with(&self.client, &member).await;
        (boss, member)
    }

    /// Creates `name` with `role` and logs the app's client in as them.
    pub async fn logged_in_as(&self, name: &str, role: &str) -> TestUser {
        let user = self.create_user(name, role).await;
        self.log_in_with(&self.client, &user).await;
        user
    }

    /// `logged_in_as("ana", role)`: the user most tests need.
    pub async fn logged_in(&self, role: &str) -> TestUser {
        self.logged_in_as("ana", role).await
    }

    /// A fresh client (its own cookie jar) logged in as `user`.
    pub async fn new_logged_in_client(&self, user: &TestUser) -> Client {
        let client = new_client();
        self.log_in_with(&client, user).await;
        client
    }

    /// Logs `client` in as `user` and checks the login was accepted.
    pub async fn log_in_with(&self, client: &Client, user: &TestUser) {
        assert_is_redirect_to(
            &self
                .login_with(client, &user.username, &user.password)
                .await,
            "/dashboard/",
        );
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

    /// Writes `changes` (`users::language.eq("en")`, or a tuple of them) to the user's row:
    /// for state the forms cannot set.
    pub fn update_user<V>(&self, id: i32, changes: V)
    where
        V: AsChangeset<Target = users::table>,
        diesel::dsl::Update<diesel::dsl::Find<users::table, i32>, V>:
            diesel::query_dsl::methods::ExecuteDsl<DbConnection>,
    {
        self.db(|c| {
            diesel::update(users::table.find(id))
                .set(changes)
                .execute(c)
        })
        .expect("update");
    }

    /// Puts the user under a forced password change, as a new vendedor starts.
    pub fn require_password_change(&self, id: i32) {
        self.update_user(id, users::must_change_password.eq(true));
    }

    /// An unverified address, under `manager_id` (a team member) or none (a self-registered
    /// admin).
    pub fn set_unverified(&self, id: i32, manager_id: Option<i32>) {
        self.update_user(
            id,
            (
                users::email_verified.eq(false),
                users::manager_id.eq(manager_id),
            ),
        );
    }

    pub fn user(&self, id: i32) -> User {
        self.db(|conn| User::find(conn, id))
            .expect("query")
            .expect("user exists")
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

    /// Waits for mail #`seen` to `to` and returns the path of its link.
    pub async fn link_in_mail_to(&self, to: &str, seen: usize) -> String {
        link_path(&self.wait_for_mail_to(to, seen).await)
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
pub enum SecondMail {
    Memory(MemoryMailbox),
    Transport(cuentas::mail::MailTransport),
}

/// A second server instance on the same database (another process, in production), with its
/// own mail transport and worker. Returns what wakes its worker.
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
pub fn link_path(mail: &SentMail) -> String {
    let link = mail.link.clone().expect("the mail has a link");
    let url = url::Url::parse(&link).expect("an absolute link");
    url.path().to_owned()
}

/// Form fields a test builds and adjusts (with `with` and `without`) before posting.
pub type Fields = Vec<(&'static str, String)>;

/// `fields` with `name` set to `value` (replacing any earlier value).
pub fn with(fields: Fields, name: &'static str, value: &str) -> Fields {
    let mut fields = without(fields, name);
    fields.push((name, value.to_owned()));
    fields
}

/// `fields` without `name`.
pub fn without(mut fields: Fields, name: &str) -> Fields {
    fields.retain(|(n, _)| *n != name);
    fields
}

/// A multipart form of text fields and an optional file part.
pub fn multipart_form(
    fields: &[(&'static str, String)],
    file: Option<(&'static str, reqwest::multipart::Part)>,
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(*name, value.clone());
    }
    match file {
        Some((name, part)) => form.part(name, part),
        None => form,
    }
}

fn with_headers(
    mut request: reqwest::RequestBuilder,
    headers: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
}

pub async fn body_of(response: Response) -> String {
    response.text().await.expect("body")
}

/// Checks the status and that the page says `text`; returns the page.
pub async fn assert_status_with_text(response: Response, status: u16, text: &str) -> String {
    assert_eq!(
        response.status().as_u16(),
        status,
        "expected {status} saying {text:?}"
    );
    let body = body_of(response).await;
    assert!(body.contains(text), "{text:?} not in {body}");
    body
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

/// A protected page sends an anonymous visitor to log in, and back to `path` afterwards.
pub fn assert_is_sent_to_login(response: &Response, path: &str) {
    let next = path.replace('/', "%2F");
    assert_is_redirect_to(response, &format!("/login/?next={next}"));
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
            let template = postgres_template::name(&admin_url);
            let mut admin =
                diesel::PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL connects");
            diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .execute(&mut admin)
                .expect("create test database");
            return Self {
                url: postgres_template::database_url(&admin_url, &name),
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

/// The database every PostgreSQL test database is copied from: migrated once, so a test
/// starts from a copy (a few milliseconds) instead of running every migration again (most of
/// a short test's time on a slow disk). Named after the migrations it holds, so a run after a
/// migration changed makes a new one (and drops the old); it is left for the next run.
#[cfg(feature = "postgres")]
mod postgres_template {
    use std::sync::OnceLock;

    use diesel::{Connection, PgConnection, RunQueryDsl};

    /// The template's name, made on first use.
    pub fn name(admin_url: &str) -> &'static str {
        static NAME: OnceLock<String> = OnceLock::new();
        NAME.get_or_init(|| make(admin_url))
    }

    fn make(admin_url: &str) -> String {
        let digest = migrations_digest();
        let name = format!("cuentas_test_template_{digest:016x}");
        let mut admin = PgConnection::establish(admin_url).expect("TEST_DATABASE_URL connects");
        // One builder at a time, across test processes too; the others wait, then find it.
        let key = i64::from_ne_bytes(digest.to_ne_bytes());
        run(&mut admin, &format!("SELECT pg_advisory_lock({key})"));
        if !datnames(&mut admin, &name).contains(&name) {
            build(&mut admin, admin_url, &name);
        }
        run(&mut admin, &format!("SELECT pg_advisory_unlock({key})"));
        name
    }

    /// Migrates a new database and renames it to `name` when complete, so that no test ever
    /// copies a half-migrated template. A half-built one that a crashed run left, and the
    /// templates of older migrations, are dropped first.
    fn build(admin: &mut PgConnection, admin_url: &str, name: &str) {
        for old in datnames(admin, "cuentas_test_template_%") {
            run(admin, &format!("ALTER DATABASE {old} IS_TEMPLATE false"));
            run(admin, &format!("DROP DATABASE {old} WITH (FORCE)"));
        }
        let building = format!("{name}_building");
        run(admin, &format!("CREATE DATABASE {building}"));
        {
            let mut conn = cuentas::db::DbConnection::Postgres(
                PgConnection::establish(&database_url(admin_url, &building))
                    .expect("template connects"),
            );
            cuentas::db::run_migrations(&mut conn).expect("migrate the template");
        }
        // No connection may be open to a database being copied: none is allowed from now on.
        run(
            admin,
            &format!("ALTER DATABASE {building} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"),
        );
        // The server ends the closed connection's process a moment later, and a rename waits
        // up to 5 s for it before it is refused.
        let mut refused = None;
        for _ in 0..3 {
            match diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(admin)
            {
                Ok(_) => return,
                Err(e) => refused = Some(e),
            }
        }
        panic!("the template {building} could not be renamed to {name}: {refused:?}");
    }

    /// The URL of the database `name` on the server of `admin_url`.
    pub fn database_url(admin_url: &str, name: &str) -> String {
        let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(name);
        url.into()
    }

    fn run(admin: &mut PgConnection, statement: &str) {
        diesel::sql_query(statement)
            .execute(admin)
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }

    /// The databases whose names are `LIKE` the pattern.
    fn datnames(admin: &mut PgConnection, pattern: &str) -> Vec<String> {
        use diesel::sql_types::Text;
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE $1")
            .bind::<Text, _>(pattern)
            .load::<Datname>(admin)
            .expect("pg_database")
            .into_iter()
            .map(|row| row.datname)
            .collect()
    }

    #[derive(diesel::QueryableByName)]
    struct Datname {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }

    /// A digest of every PostgreSQL migration file (FNV-1a over paths and contents).
    fn migrations_digest() -> u64 {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
        let mut files = Vec::new();
        let mut folders = vec![root.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("migrations folder") {
                let path = entry.expect("migration entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        files.sort();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for path in files {
            let relative = path.strip_prefix(&root).expect("under the root");
            let bytes = [
                relative.to_string_lossy().as_bytes(),
                &std::fs::read(&path).expect("migration file"),
            ]
            .concat();
            for byte in bytes {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        hash
    }
}

/// The S3 stand-in of the S3 suite (see tests/app/s3.rs): moto's server on loopback.
pub mod s3_stand_in {
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};
    use std::sync::OnceLock;

    use cuentas::media::S3Location;
    use url::Url;

    pub const BUCKET: &str = "cuentas-test";

    /// Whether the S3 suite was asked for.
    pub fn enabled() -> bool {
        std::env::var("CUENTAS_S3_TESTS").as_deref() == Ok("1")
    }

    /// A fresh prefix of the test bucket, when the S3 suite runs (the stand-in starts once per
    /// test process and stops with it). Fails, not skips, when asked for and moto is missing.
    pub fn test_location() -> Option<S3Location> {
        if !enabled() {
            return None;
        }
        static SERVER: OnceLock<(u16, std::sync::Mutex<Child>)> = OnceLock::new();
        let (port, _) = SERVER.get_or_init(|| {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/support/s3_stand_in.py");
            let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
            let mut child = Command::new(&python)
                .arg(&script)
                .arg(port.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("CUENTAS_S3_TESTS=1 but {python} cannot run: {e}"));
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            assert_eq!(
                line.trim(),
                "ready",
                "the S3 stand-in did not start (python3 -m pip install 'moto[server]')"
            );
            (port, std::sync::Mutex::new(child))
        });
        Some(S3Location {
            bucket: BUCKET.to_owned(),
            prefix: format!("t-{}", cuentas::token::random_token()),
            region: "us-east-1".to_owned(),
            endpoint: Some(Url::parse(&format!("http://127.0.0.1:{port}")).unwrap()),
            access_key_id: Some("testing".to_owned()),
            secret_access_key: Some("testing".to_owned()),
            session_token: None,
        })
    }
}
