//! The client address behind a reverse proxy: forwarding headers count only from a trusted
//! peer, and the address they name feeds the throttles and the session row.

use cuentas::db::schema::user_sessions;
use cuentas::net::IpBlock;
use diesel::prelude::*;

use crate::helpers::{TestApp, assert_is_redirect_to, new_client, spawn_app_with, spawn_with_user};

/// The test client connects from 127.0.0.1: here that is the proxy.
async fn behind_a_proxy() -> TestApp {
    spawn_app_with(|s| s.trusted_proxies = vec![IpBlock::parse("127.0.0.1").unwrap()]).await
}

async fn login_from(app: &TestApp, login: &str, password: &str, forwarded: &str) -> u16 {
    app.post_form_headers(
        &new_client(),
        "/login/",
        &[("login", login), ("password", password)],
        &[("X-Forwarded-For", forwarded)],
    )
    .await
    .status()
    .as_u16()
}

fn session_addresses(app: &TestApp) -> Vec<String> {
    app.db(|c| user_sessions::table.select(user_sessions::ip).load(c))
        .unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_visitors_failures_do_not_lock_out_the_others() {
    let app = behind_a_proxy().await;
    let user = app.create_user("ana", "admin").await;
    for _ in 0..5 {
        assert_eq!(
            login_from(&app, "ana", "wrong-password-1", "203.0.113.66").await,
            422
        );
    }
    assert_eq!(
        login_from(&app, "ana", "wrong-password-1", "203.0.113.66").await,
        429
    );
    // The owner, from another address behind the same proxy, signs in.
    assert_eq!(
        login_from(&app, "ana", &user.password, "198.51.100.7").await,
        303
    );
    // The attacker cannot pass as someone else by writing the header himself: the proxy
    // appends the address it saw, and that right-most untrusted one is the client.
    assert_eq!(
        login_from(
            &app,
            "ana",
            "wrong-password-1",
            "198.51.100.7, 203.0.113.66"
        )
        .await,
        429
    );
}

#[tokio::test]
async fn the_session_row_records_the_address_the_trusted_proxy_saw() {
    let app = behind_a_proxy().await;
    let user = app.create_user("ana", "admin").await;
    let response = app
        .post_form_headers(
            &app.client,
            "/login/",
            &[("login", "ana"), ("password", &user.password)],
            &[("Forwarded", "for=198.51.100.1, for=\"[2001:db8::5]:4711\"")],
        )
        .await;
    assert_is_redirect_to(&response, "/dashboard/");
    assert_eq!(session_addresses(&app), vec!["2001:db8::5".to_owned()]);
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let (app, user) = spawn_with_user("ana", "admin").await;
    for n in 0..5 {
        let forwarded = format!("203.0.113.{n}");
        assert_eq!(
            login_from(&app, "ana", "wrong-password-1", &forwarded).await,
            422
        );
    }
    assert_eq!(
        login_from(&app, "ana", &user.password, "198.51.100.7").await,
        429
    );
    app.clock
        .advance(std::time::Duration::from_secs(15 * 60 + 1));
    assert_eq!(
        login_from(&app, "ana", &user.password, "198.51.100.7").await,
        303
    );
    assert_eq!(session_addresses(&app), vec!["127.0.0.1".to_owned()]);
}
