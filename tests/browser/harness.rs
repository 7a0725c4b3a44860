//! Starts chromedriver and a headless Chromium session with a fresh profile, and checks pages
//! with axe-core.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{TestApp, TestUser};

/// One rule that a page breaks, with the elements that break it.
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub help_url: String,
    /// Each element's CSS selector and axe-core's note on how to fix it.
    pub nodes: Vec<(String, String)>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "- {} ({}): {}\n  {}",
            self.id, self.impact, self.help, self.help_url
        )?;
        for (target, summary) in &self.nodes {
            write!(f, "\n    {target}\n      {summary}")?;
        }
        Ok(())
    }
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// The browser, or `None` (with a note) when browser tests were not asked for.
pub async fn browser() -> Option<Browser> {
    if std::env::var("CUENTAS_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!("browser test not run: set CUENTAS_BROWSER_TESTS=1 to run it");
        return None;
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let chromedriver =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    for path in [&chromium, &chromedriver] {
        assert!(
            std::path::Path::new(path).exists(),
            "CUENTAS_BROWSER_TESTS=1 but {path} is missing: apt-get install chromium chromium-driver"
        );
    }
    // Every page visited is checked for accessibility, so no test runs without axe-core.
    axe_source();
    let port = free_port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    wait_for_port(port);
    let profile = tempfile::tempdir().unwrap();
    let mut capabilities = Capabilities::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,900",
                "--lang=es-ES",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": { "intl.accept_languages": "es-ES,es" },
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&url)
        .await
        .expect("a Chromium session starts");
    Some(Browser {
        client,
        driver,
        _profile: profile,
    })
}

impl Browser {
    /// Opens `path` of `app`.
    pub async fn open(&self, app: &TestApp, path: &str) {
        self.client.goto(&app.url(path)).await.unwrap();
    }

    /// Opens `path` of `app` and checks the page it lands on with axe-core.
    pub async fn open_and_check(&self, app: &TestApp, path: &str, page: &str) {
        self.open(app, path).await;
        self.assert_accessible(page).await;
    }

    /// Signs in through the login form on the way to `path`, and waits for it.
    pub async fn log_in_to(&self, app: &TestApp, path: &str, login: &str, password: &str) {
        let next = url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>();
        self.open(app, &format!("/login/?next={next}")).await;
        self.submit_login(login, password).await;
        self.wait_for_path(path).await;
    }

    /// Fills each (field, text).
    pub async fn fill_in(&self, fields: &[(&str, &str)]) {
        for (css, text) in fields {
            self.fill(css, text).await;
        }
    }

    /// Clicks the submit button of the form whose action is `action`.
    pub async fn submit_form(&self, action: &str) {
        self.click(&format!("form[action='{action}'] button[type=submit]"))
            .await;
    }

    /// Submits the form whose action is `action` and waits for the new page at `path`.
    /// The old page must be gone first: when the answer comes back to the same path (a form
    /// re-rendered with its errors), the path alone is already right before the answer arrives.
    pub async fn submit_form_to(&self, action: &str, path: &str) {
        let old_page = self.client.find(Locator::Css("html")).await.unwrap();
        self.submit_form(action).await;
        self.wait_until_gone(&old_page).await;
        self.wait_for_path(path).await;
    }

    /// Waits (up to 10 s) until `element`'s page has been replaced: WebDriver then answers
    /// that the element is stale.
    pub async fn wait_until_gone(&self, element: &Element) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while element.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "the page was not replaced");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fails unless the page's flash message says `text`.
    pub async fn assert_flash(&self, text: &str) {
        let flash = self.text_of(".flash").await;
        assert!(
            flash.contains(text),
            "{text:?} is not in the flash {flash:?}"
        );
    }

    /// True when the element is on the page and displayed.
    pub async fn is_shown(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.is_displayed().await.unwrap(),
            Err(_) => false,
        }
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Waits for the page at `path` (the browser follows redirects itself).
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let current = self.client.current_url().await.unwrap();
            if current.path() == path {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "still at {current}, expected {path}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Waits (up to 5 s) until the element is displayed. WebDriver counts an element at
    /// opacity 0 as hidden, so a dialog still fading in is not displayed yet.
    pub async fn wait_until_displayed(&self, css: &str) -> Element {
        let element = self
            .client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !element.is_displayed().await.unwrap() {
            assert!(Instant::now() < deadline, "{css} is not displayed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        element
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Fills and submits the login form of the current page.
    pub async fn submit_login(&self, login: &str, password: &str) {
        self.fill("#login", login).await;
        self.fill("#password", password).await;
        self.click("form[action='/login/'] button[type=submit]")
            .await;
    }

    /// Runs axe-core on the current page and fails, listing every violation, when the page
    /// breaks any WCAG 2.0/2.1 level A or AA rule. `page` names the page in the message.
    pub async fn assert_accessible(&self, page: &str) {
        let violations = self.accessibility_violations(page).await;
        if violations.is_empty() {
            return;
        }
        let url = self.client.current_url().await.unwrap();
        let mut report = format!(
            "axe-core found {} WCAG 2.1 AA violation(s) on the {page} page ({url}):",
            violations.len()
        );
        for violation in &violations {
            report.push_str(&format!("\n{violation}"));
        }
        panic!("{report}");
    }

    /// What axe-core finds against WCAG 2.0/2.1 level A and AA on the current page (loading
    /// axe-core into it first when the page does not have it yet).
    pub async fn accessibility_violations(&self, page: &str) -> Vec<Violation> {
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object'", vec![])
            .await
            .unwrap();
        if loaded != serde_json::Value::Bool(true) {
            self.client
                .execute(axe_source(), vec![])
                .await
                .unwrap_or_else(|error| {
                    panic!("axe-core did not load on the {page} page: {error}")
                });
        }
        let outcome = self
            .client
            .execute_async(AXE_RUN, vec![])
            .await
            .unwrap_or_else(|error| panic!("axe-core did not run on the {page} page: {error}"));
        if let Some(error) = outcome.get("error") {
            panic!("axe-core failed on the {page} page: {error}");
        }
        let text =
            |value: &serde_json::Value, key: &str| value[key].as_str().unwrap_or("?").to_owned();
        outcome["violations"]
            .as_array()
            .unwrap_or_else(|| panic!("axe-core answered {outcome} on the {page} page"))
            .iter()
            .map(|violation| Violation {
                id: text(violation, "id"),
                impact: text(violation, "impact"),
                help: text(violation, "help"),
                help_url: text(violation, "helpUrl"),
                nodes: violation["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|node| (text(node, "target"), one_line(&text(node, "summary"))))
                    .collect(),
            })
            .collect()
    }

    /// Clicks `css` and waits until the next page has loaded, even when it has the same address
    /// (a form re-rendered with its errors).
    pub async fn click_and_wait_for_next_page(&self, css: &str) {
        self.client
            .execute("window.cuentasPageBeforeClick = true", vec![])
            .await
            .unwrap();
        self.click(css).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // Scripts may fail while the browser is between pages; that is "not yet".
            let loaded = self
                .client
                .execute(
                    "return window.cuentasPageBeforeClick !== true \
                     && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(serde_json::Value::Bool(true))) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no new page loaded after clicking {css}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
}

impl Drop for Browser {
    /// Stops chromedriver even when a test failed midway (`close` ends the browser first when
    /// the test gets that far).
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// axe-core's note on a node ("Fix any of the following:" and one check a line) on one line.
fn one_line(summary: &str) -> String {
    let mut lines = summary
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty());
    let head = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.collect();
    format!("{head} {}", rest.join("; ")).trim().to_owned()
}

/// Waits for running animations (a dialog fading in would show half-faded colours), then runs
/// axe-core with the WCAG 2.0 and 2.1 level A and AA rules only, and answers the violations.
const AXE_RUN: &str = r"
const done = arguments[arguments.length - 1];
const settled = Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)));
const timeout = new Promise((resolve) => setTimeout(resolve, 2000));
Promise.race([settled, timeout])
  .then(() => axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'],
  }))
  .then((results) => done({
    violations: results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.map((t) => [].concat(t).join(' >>> ')).join(' '),
        summary: n.failureSummary || '',
      })),
    })),
  }), (error) => done({ error: String((error && error.stack) || error) }));
";

/// Where axe-core's `axe.min.js` is: `AXE_CORE_JS`, else where `.ci/run` installs it.
fn axe_path() -> PathBuf {
    if let Some(path) = std::env::var_os("AXE_CORE_JS") {
        return path.into();
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    PathBuf::from(home).join(".cache/cuentas-axe/node_modules/axe-core/axe.min.js")
}

/// axe-core's script, read once for the whole run; fails the test, saying how to install it,
/// when it is missing.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = axe_path();
        std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!(
                "CUENTAS_BROWSER_TESTS=1 but axe-core's script {} cannot be read ({error}): \
                 install it with `npm install --prefix ~/.cache/cuentas-axe axe-core@<the version \
                 pinned in .ci/run>` or set AXE_CORE_JS to the path of axe.min.js",
                path.display()
            )
        })
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A browser, a fresh app and one user of it (`None` when browser tests were not asked for).
pub async fn start_with_user(name: &str, role: &str) -> Option<(Browser, TestApp, TestUser)> {
    let browser = browser().await?;
    let app = crate::helpers::spawn_app().await;
    let user = app.create_user(name, role).await;
    Some((browser, app, user))
}

/// [`start_with_user`], signed in through the login form and at `path`.
pub async fn start_signed_in(
    name: &str,
    role: &str,
    path: &str,
) -> Option<(Browser, TestApp, TestUser)> {
    let (browser, app, user) = start_with_user(name, role).await?;
    browser.log_in_to(&app, path, name, &user.password).await;
    Some((browser, app, user))
}

/// The app with `CUENTAS_BASE_URL` set to its own address, so a link in a mail can be opened
/// exactly as written.
pub async fn spawn_app_linking_to_itself() -> TestApp {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    crate::helpers::spawn_app_with(|s| {
        s.bind = ([127, 0, 0, 1], port).into();
        s.base_url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    })
    .await
}
