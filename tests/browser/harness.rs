//! Starts chromedriver and a headless Chromium session with a fresh profile.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};

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

/// The app with `CUENTAS_BASE_URL` set to its own address, so a link in a mail can be opened
/// exactly as written.
pub async fn spawn_app_linking_to_itself() -> crate::helpers::TestApp {
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
