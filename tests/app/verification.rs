//! Verification links and resending them: single use, expiry, one page for every bad link, the
//! same answer for every address, throttles, links built from the base URL only.

use cuentas::db::schema::users;
use cuentas::mail::SentMail;
use diesel::prelude::*;

use std::time::Duration;

use crate::helpers::{
    TestApp, TestUser, assert_is_redirect_to, link_path, new_client, spawn_app, spawn_app_with,
};

/// An unverified, self-registered admin.
async fn unverified(app: &TestApp, name: &str) -> TestUser {
    let user = app.create_user(name, "admin").await;
    app.set_unverified(user.id, None);
    user
}

async fn resend(app: &TestApp, client: &reqwest::Client, email: &str) -> reqwest::Response {
    app.post_form_with(client, "/reenviar-verificacion/", &[("email", email)])
        .await
}

/// Opens the mailed link, presses its button, lands on the sign-in page, and the address of
/// `user_id` is confirmed.
async fn assert_link_confirms(app: &TestApp, mail: &SentMail, user_id: i32) {
    assert_is_redirect_to(&app.confirm_link(&link_path(mail)).await, "/login/");
    assert!(app.user(user_id).email_verified);
}

/// Asks for a new link for `email` and waits for its mail (the `seen`-th to that address).
async fn resent_link(app: &TestApp, email: &str, seen: usize) -> SentMail {
    resend(app, &app.client, email).await;
    app.wait_for_mail_to(email, seen).await
}

#[tokio::test]
async fn resend_answers_alike_for_every_address_and_mails_only_unverified_accounts() {
    let app = spawn_app().await;
    let pending = unverified(&app, "Ana").await;
    let done = app.create_user("Bea", "admin").await;
    let client = new_client();

    let mut answers = Vec::new();
    for email in [
        pending.email.as_str(),
        done.email.as_str(),
        "nadie@example.com",
    ] {
        let response = resend(&app, &client, email).await;
        answers.push(app.answer_and_next_page(&client, response, "/login/").await);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[1], answers[2]);
    assert!(answers[0].1.contains("Si hay una cuenta sin confirmar"));

    let mail = app.wait_for_mail_to(&pending.email, 0).await;
    assert_eq!(mail.subject, "Confirma tu correo en cuentas");
    assert_eq!(mail.language, "es");
    // Give the other two requests' background work time to (not) queue anything.
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.wait_for_outbox_drained().await;
    let recipients: Vec<String> = app.outbox_rows().into_iter().map(|r| r.recipient).collect();
    assert_eq!(recipients, vec![pending.email.clone()]);

    assert_link_confirms(&app, &mail, pending.id).await;
}

#[tokio::test]
async fn a_new_link_voids_the_older_one() {
    let app = spawn_app().await;
    let user = unverified(&app, "Ana").await;
    let first = resent_link(&app, &user.email, 0).await;
    let second = resent_link(&app, &user.email, 1).await;
    assert_ne!(first.link, second.link);
    assert_eq!(app.status_of(&link_path(&first)).await, 410);
    assert!(!app.user(user.id).email_verified);
    assert_link_confirms(&app, &second, user.id).await;
}

#[tokio::test]
async fn expired_used_and_unknown_links_get_one_identical_page() {
    let app = spawn_app().await;
    let user = unverified(&app, "Ana").await;
    let other = unverified(&app, "Bea").await;
    let expiring = resent_link(&app, &user.email, 0).await;
    let used = resent_link(&app, &other.email, 0).await;
    assert_is_redirect_to(&app.confirm_link(&link_path(&used)).await, "/login/");
    // Read the flash of that success, so the pages below are compared without it.
    app.get("/login/").await;

    app.clock.advance(Duration::from_secs(48 * 3600 + 1));
    let unknown = format!("/verificar-email/{}/", "A".repeat(43));
    let mut pages = Vec::new();
    for path in [
        link_path(&expiring),
        link_path(&used),
        unknown,
        "/verificar-email/x/".into(),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status().as_u16(), 410, "{path}");
        assert_eq!(
            response.headers().get("referrer-policy").unwrap(),
            "no-referrer"
        );
        pages.push(response.text().await.unwrap());
    }
    assert!(pages.windows(2).all(|w| w[0] == w[1]), "the pages differ");
    assert!(pages[0].contains("Enlace no válido"));
    assert!(pages[0].contains("action=\"/reenviar-verificacion/\""));
    assert!(!app.user(user.id).email_verified);
}

#[tokio::test]
async fn links_are_built_from_the_base_url_never_the_host_header() {
    // The other host is allowed here, so the request gets past the Host check.
    let app = spawn_app_with(|s| s.allowed_hosts = vec!["evil.example".into()]).await;
    let user = unverified(&app, "Ana").await;
    let response = app
        .post_form_headers(
            &app.client,
            "/reenviar-verificacion/",
            &[("email", &user.email)],
            &[
                ("Host", "evil.example"),
                ("X-Forwarded-Host", "evil.example"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let mail = app.wait_for_mail_to(&user.email, 0).await;
    assert!(mail.link.clone().unwrap().starts_with("http://127.0.0.1/"));
    assert!(!mail.raw.contains("evil.example"));
    assert!(!mail.text.contains("evil.example") && !mail.html.contains("evil.example"));
}

#[tokio::test]
async fn resending_is_throttled_per_address_across_ips_and_per_ip() {
    let app = spawn_app().await;
    let user = unverified(&app, "Ana").await;
    // Three mails per address in 15 minutes; further requests get the same answer, no mail.
    let same = std::iter::repeat_n(user.email.clone(), 5);
    let statuses = app.post_emails("/reenviar-verificacion/", same).await;
    assert_eq!(statuses, [303; 5]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.wait_for_outbox_drained().await;
    assert_eq!(app.mails_to(&user.email).len(), 3);

    // Twenty requests per IP, whatever the addresses; then 429 with Retry-After.
    let nobody = (5..20).map(|n| format!("nadie{n}@example.com"));
    let statuses = app.post_emails("/reenviar-verificacion/", nobody).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    let over = resend(&app, &app.client, "otro@example.com").await;
    assert_eq!(over.status().as_u16(), 429);
    assert!(over.headers().get("retry-after").is_some());

    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(
        resend(&app, &app.client, &user.email)
            .await
            .status()
            .as_u16(),
        303
    );
    app.wait_for_mail_to(&user.email, 3).await;
}

#[tokio::test]
async fn the_profile_of_an_unverified_user_offers_a_verification_link() {
    let app = spawn_app().await;
    let (_, user) = app.logged_in_unverified_member().await;
    let page = app.get_page("/perfil/").await;
    assert!(
        page.contains("action=\"/perfil/email/verificar/\""),
        "{page}"
    );

    let sent = app.post_form("/perfil/email/verificar/", &[]).await;
    assert_is_redirect_to(&sent, "/perfil/");
    let mail = app.wait_for_mail_to(&user.email, 0).await;
    // Opened while logged in, the link lands on the profile.
    assert_is_redirect_to(&app.confirm_link(&link_path(&mail)).await, "/perfil/");
    assert!(app.user(user.id).email_verified);
    let page = app.get_page("/perfil/").await;
    assert!(!page.contains("action=\"/perfil/email/verificar/\""));
}

#[tokio::test]
async fn a_verification_link_for_an_address_the_account_no_longer_has_does_nothing() {
    let app = spawn_app().await;
    let user = unverified(&app, "Ana").await;
    resend(&app, &app.client, &user.email).await;
    let mail = app.wait_for_mail_to(&user.email, 0).await;
    app.update_user(user.id, users::email.eq("ana.otra@example.com"));
    assert_eq!(app.status_of(&link_path(&mail)).await, 410);
    assert!(!app.user(user.id).email_verified);
}

/// A mail provider's link scanner opens every link it sees: that must neither confirm the
/// address nor use up the link.
#[tokio::test]
async fn opening_a_verification_link_changes_nothing_until_its_button_is_pressed() {
    let app = spawn_app().await;
    let user = unverified(&app, "Ana").await;
    resend(&app, &app.client, &user.email).await;
    let path = link_path(&app.wait_for_mail_to(&user.email, 0).await);

    let scanner = new_client();
    for _ in 0..2 {
        let opened = scanner.get(app.url(&path)).send().await.unwrap();
        assert_eq!(opened.status().as_u16(), 200);
        assert_eq!(
            opened.headers().get("referrer-policy").unwrap(),
            "no-referrer"
        );
        let page = opened.text().await.unwrap();
        assert!(page.contains(&format!("action=\"{path}\"")), "{page}");
        assert!(page.contains("Confirmar mi correo"));
    }
    assert!(!app.user(user.id).email_verified);
    // A post without the page's token changes nothing either.
    let forged = app.post_raw(&path, &[], &[]).await;
    assert_eq!(forged.status().as_u16(), 403);
    assert!(!app.user(user.id).email_verified);

    assert_is_redirect_to(&app.confirm_link(&path).await, "/login/");
    assert!(app.user(user.id).email_verified);
}
