//! Password rules as current guidance has them: no composition rule by default, and the
//! breached-password check against a local stand-in of the Pwned Passwords range API.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, assert_status_with_text, link_path, new_client,
    spawn_app_with, spawn_logged_in,
};

/// Listed by the stand-in as breached (strong enough for every other rule).
const BREACHED: &str = "Marea-Verde-Lenta-93";
/// Not listed: accepted.
const CLEAN: &str = "Otra-Clave-Larga-77";

fn sha1_hex(password: &str) -> String {
    Sha1::digest(password.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// A local stand-in of `GET <url>/range/{prefix}`: answers `SUFFIX:COUNT` lines (its breached
/// list, some decoys and padding) or, when `hang`, never answers. Records each prefix asked.
struct RangeApi {
    url: String,
    prefixes: Arc<Mutex<Vec<String>>>,
}

async fn start_range_api(breached: &'static [&'static str], hang: bool) -> RangeApi {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/range/", listener.local_addr().unwrap());
    let prefixes = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&prefixes);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&request).into_owned();
                let prefix = request
                    .split_whitespace()
                    .nth(1)
                    .and_then(|path| path.strip_prefix("/range/"))
                    .unwrap_or_default()
                    .to_owned();
                seen.lock().unwrap().push(prefix.clone());
                if hang {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                }
                let mut body = String::from(
                    "0018A45C4D1DEF81644B54AB7F969B88D65:3\r\n\
                     00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0\r\n",
                );
                for password in breached {
                    let digest = sha1_hex(password);
                    if digest[..5] == prefix {
                        body.push_str(&format!("{}:1234\r\n", &digest[5..]));
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    RangeApi { url, prefixes }
}

/// [`app_checking`], its client signed in as an admin.
async fn logged_in_checking(api: &RangeApi) -> (TestApp, TestUser) {
    let app = app_checking(api).await;
    let user = app.logged_in("admin").await;
    (app, user)
}

async fn app_checking(api: &RangeApi) -> TestApp {
    let url = api.url.parse().unwrap();
    spawn_app_with(move |s| s.pwned_passwords_url = Some(url)).await
}

async fn change(app: &TestApp, old: &str, new: &str) -> reqwest::Response {
    app.change_password_with(&app.client, old, new, new).await
}

#[tokio::test]
async fn by_default_a_password_of_letters_only_is_accepted_and_no_such_rule_is_listed() {
    let (app, user) = spawn_logged_in("admin").await;
    let page = app.get_page("/cambiar-password/").await;
    assert!(!page.contains("una letra y un número"), "the rule is off");
    let response = change(&app, &user.password, "vientoazulmontanasilenciosa").await;
    assert_is_redirect_to(&response, "/perfil/");
}

#[tokio::test]
async fn a_breached_password_is_refused_by_every_form_that_sets_one_and_only_a_prefix_leaves() {
    let api = start_range_api(&[BREACHED], false).await;
    let (app, user) = logged_in_checking(&api).await;
    let hash_before = app.user(user.id).password_hash;

    // Change.
    let response = change(&app, &user.password, BREACHED).await;
    assert_eq!(response.status().as_u16(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("aparece en filtraciones de datos"), "{body}");
    assert_eq!(app.user(user.id).password_hash, hash_before);

    // Sign-up.
    let visitor = new_client();
    let fields = [
        ("username", "marta"),
        ("email", "marta@example.com"),
        ("password1", BREACHED),
        ("password2", BREACHED),
    ];
    let response = app.post_form_with(&visitor, "/registro/", &fields).await;
    assert_status_with_text(response, 422, "aparece en filtraciones de datos").await;

    // Reset through a mailed link.
    let anonymous = new_client();
    let recover = [("email", user.email.as_str())];
    app.post_form_with(&anonymous, "/recuperar-password/", &recover)
        .await;
    let link = link_path(&app.wait_for_mail_to(&user.email, 0).await);
    app.get_with_client(&anonymous, &link).await;
    let fields = [("new_password1", BREACHED), ("new_password2", BREACHED)];
    let response = app
        .post_form_with(&anonymous, "/restablecer-password/", &fields)
        .await;
    assert_status_with_text(response, 422, "aparece en filtraciones de datos").await;
    assert_eq!(app.user(user.id).password_hash, hash_before);

    // Only the first five hex digits of the SHA-1 were ever sent.
    let prefixes = api.prefixes.lock().unwrap().clone();
    assert_eq!(prefixes.len(), 3, "{prefixes:?}");
    for prefix in &prefixes {
        assert_eq!(prefix, &sha1_hex(BREACHED)[..5]);
    }

    // A password the range does not list goes through, in English too.
    let response = change(&app, &user.password, CLEAN).await;
    assert_is_redirect_to(&response, "/perfil/");
}

#[tokio::test]
async fn english_speakers_read_the_breached_message_in_english() {
    let api = start_range_api(&[BREACHED], false).await;
    let (app, user) = logged_in_checking(&api).await;
    app.db(|c| {
        use cuentas::db::schema::users;
        use diesel::prelude::*;
        diesel::update(users::table)
            .set(users::language.eq("en"))
            .execute(c)
    })
    .unwrap();
    let body = change(&app, &user.password, BREACHED)
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("appeared in a known data breach"), "{body}");
}

#[tokio::test]
async fn when_the_range_api_hangs_the_password_is_accepted_after_two_seconds() {
    let api = start_range_api(&[BREACHED], true).await;
    let (app, user) = logged_in_checking(&api).await;
    let started = Instant::now();
    let response = change(&app, &user.password, BREACHED).await;
    let waited = started.elapsed();
    assert_is_redirect_to(&response, "/perfil/");
    assert!(waited >= Duration::from_secs(2), "{waited:?}");
    assert!(waited < Duration::from_secs(6), "{waited:?}");
    assert_eq!(api.prefixes.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn when_the_range_api_is_down_the_password_is_accepted() {
    // A port nobody listens on any more: the connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/range/", closed.local_addr().unwrap());
    drop(closed);
    let app = spawn_app_with(move |s| s.pwned_passwords_url = Some(url.parse().unwrap())).await;
    let user = app.logged_in("admin").await;
    let response = change(&app, &user.password, BREACHED).await;
    assert_is_redirect_to(&response, "/perfil/");
}
