//! Request bodies: 64 KiB unless a signed-in user sends a file to a route that takes one, and
//! a body that does not arrive in time gets 408. Bodies here are written by hand (chunked,
//! slowly, or stalled) over a plain socket, as an attacker would.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::helpers::{TestApp, new_client, spawn_app, spawn_app_with};

const KIB: usize = 1024;
const BOUNDARY: &str = "XyZzY";

/// The session cookie (`name=value`) a response set.
/// The session cookie a response sets (a sign-in also sets the known-browser cookie).
fn cookie_of(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| !v.starts_with("cuentas_browser="))
        .unwrap();
    set.split(';').next().unwrap().to_owned()
}

/// The `Cookie` header of an anonymous visitor whose session holds a CSRF token (the login
/// page gives both).
async fn anonymous_cookie(app: &TestApp) -> String {
    let cookie = cookie_of(&new_client().get(app.url("/login/")).send().await.unwrap());
    format!("Cookie: {cookie}")
}

/// The `Cookie` and `X-CSRF-Token` headers of a signed-in user.
async fn signed_in_headers(app: &TestApp) -> String {
    let user = app.create_user("ana", "vendedor").await;
    let client = new_client();
    let cookie = cookie_of(
        &app.login_with(&client, &user.username, &user.password)
            .await,
    );
    let page = client
        .get(app.url("/cambiar-password/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let token = crate::helpers::csrf_token_in(&page.text().await.unwrap());
    format!("Cookie: {cookie}\r\nX-CSRF-Token: {token}")
}

/// How the body goes out after its head.
#[derive(Clone, Copy)]
enum Pace {
    /// `total` bytes in 64 KiB chunks, `pause` apart.
    Steady { total: usize, pause: Duration },
    /// `first` bytes, then nothing more (the connection stays open).
    Stall { first: usize },
}

/// Posts a multipart file (or, for `/login/`, a url-encoded form) with `headers` (lines
/// without the last line break) and a chunked body at `pace`; returns the status of the
/// answer and how long it took to come.
fn post_by_hand(app: &TestApp, path: &str, headers: &str, pace: Pace) -> (u16, Duration) {
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let content_type = if path == "/login/" {
        "application/x-www-form-urlencoded".to_owned()
    } else {
        format!("multipart/form-data; boundary={BOUNDARY}")
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\n{headers}\r\n\
         Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let started = Instant::now();
    stream.write_all(head.as_bytes()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let answered = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&answered);
    let part = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"foto_perfil\"; \
         filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    );
    std::thread::spawn(move || {
        let chunk = |writer: &mut TcpStream, data: &[u8]| {
            let mut framed = format!("{:x}\r\n", data.len()).into_bytes();
            framed.extend_from_slice(data);
            framed.extend_from_slice(b"\r\n");
            writer.write_all(&framed)
        };
        let filler = vec![b'a'; 64 * KIB];
        let _ = chunk(&mut writer, part.as_bytes());
        match pace {
            Pace::Steady { total, pause } => {
                let mut sent = 0;
                while sent < total && !stop.load(Ordering::Relaxed) {
                    if chunk(&mut writer, &filler).is_err() {
                        return;
                    }
                    sent += filler.len();
                    std::thread::sleep(pause);
                }
                let _ = writer.write_all(b"0\r\n\r\n");
            }
            Pace::Stall { first } => {
                let _ = chunk(&mut writer, &filler[..first]);
            }
        }
    });
    let mut status_line = String::new();
    let read = BufReader::new(&stream).read_line(&mut status_line);
    answered.store(true, Ordering::Relaxed);
    let _ = stream.shutdown(std::net::Shutdown::Both);
    assert!(read.is_ok(), "no answer to {path}: {read:?}");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, started.elapsed())
}

/// The resident memory of this process (the server runs in it), in MiB.
fn resident_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

async fn on_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test]
async fn an_anonymous_upload_is_refused_at_64_kib_without_waiting_for_the_rest() {
    let app = spawn_app().await;
    let cookie = anonymous_cookie(&app).await;
    // Five megabytes, slowly: the answer comes long before the body would have.
    let pace = Pace::Steady {
        total: 5 * 1024 * KIB,
        pause: Duration::from_millis(50),
    };
    let (status, took) = post_by_hand(&app, "/actualizar-perfil/", &cookie, pace);
    assert_eq!(status, 413);
    assert!(took < Duration::from_secs(3), "{took:?}");
    // The same for any other form, and a declared length over the limit is refused at once.
    let (status, _) = post_by_hand(&app, "/login/", &cookie, pace);
    assert_eq!(status, 413);
    let declared = reqwest::Client::new()
        .post(app.url("/login/"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 65 * KIB])
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status().as_u16(), 413);
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_gets_408() {
    let app = spawn_app_with(|s| s.body_timeout = Duration::from_secs(1)).await;
    let anonymous = anonymous_cookie(&app).await;
    let signed_in = signed_in_headers(&app).await;
    for (path, cookie) in [("/login/", &anonymous), ("/actualizar-perfil/", &signed_in)] {
        let (status, took) = post_by_hand(&app, path, cookie, Pace::Stall { first: 100 });
        assert_eq!(status, 408, "{path}");
        assert!(took >= Duration::from_secs(1), "{path}: {took:?}");
        assert!(took < Duration::from_secs(5), "{path}: {took:?}");
    }
}

#[tokio::test]
async fn a_signed_in_user_may_still_send_a_large_body_to_the_photo_form() {
    let app = spawn_app().await;
    let headers = signed_in_headers(&app).await;
    // Two megabytes, past the CSRF check (the header) to the form, which reads them all and
    // then finds the form unfinished (no closing boundary): 400, not 413.
    let pace = Pace::Steady {
        total: 2 * 1024 * KIB,
        pause: Duration::ZERO,
    };
    let (status, _) = post_by_hand(&app, "/actualizar-perfil/", &headers, pace);
    assert_eq!(status, 400);
    // The same body from an anonymous visitor stops at 64 KiB.
    let anonymous = anonymous_cookie(&app).await;
    let (status, _) = post_by_hand(&app, "/actualizar-perfil/", &anonymous, pace);
    assert_eq!(status, 413);
}

/// Fifty visitors trickle five-megabyte uploads at once; the server holds 64 KiB of each at
/// most, and a signed-in page answers meanwhile. (The server runs in this process, so this
/// process's resident memory is the server's plus the test's.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_slow_anonymous_uploads_leave_memory_bounded_and_pages_answering() {
    let app = Arc::new(spawn_app().await);
    app.logged_in("vendedor").await;
    let cookie = anonymous_cookie(&app).await;
    let baseline = resident_mib();
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(baseline));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(resident_mib(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let pace = Pace::Steady {
        total: 5 * 1024 * KIB,
        pause: Duration::from_millis(20),
    };
    let uploads: Vec<_> = (0..50)
        .map(|_| {
            let (app, cookie) = (Arc::clone(&app), cookie.clone());
            std::thread::spawn(move || post_by_hand(&app, "/actualizar-perfil/", &cookie, pace))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let page = app.get("/perfil/").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let statuses = on_thread(move || {
        uploads
            .into_iter()
            .map(|u| u.join().unwrap().0)
            .collect::<Vec<_>>()
    })
    .await;
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let grown = peak.load(Ordering::Relaxed) - baseline;
    eprintln!("resident memory: {baseline} MiB before, +{grown} MiB at the peak");
    assert!(grown < 100, "the server grew by {grown} MiB");
    assert!(statuses.iter().all(|s| *s == 413), "{statuses:?}");
}
