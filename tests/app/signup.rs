//! Sign-up: an unverified admin and a verification mail; the same answer for a taken address.

use cuentas::db::users::User;

use crate::helpers::{
    TestApp, assert_is_redirect_to, link_path, new_client, spawn_app, spawn_app_with,
    spawn_with_user,
};

const PASSWORD: &str = "Vela-Roja-Tarde-42";

async fn sign_up(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    email: &str,
) -> reqwest::Response {
    app.post_form_with(
        client,
        "/registro/",
        &[
            ("username", username),
            ("email", email),
            ("password1", PASSWORD),
            ("password2", PASSWORD),
        ],
    )
    .await
}

#[tokio::test]
async fn signing_up_creates_an_unverified_admin_who_confirms_by_mail_then_logs_in() {
    let app = spawn_app().await;
    let form = app.get("/registro/").await;
    assert_eq!(form.status().as_u16(), 200);
    let form = form.text().await.unwrap();
    for field in ["username", "email", "password1", "password2"] {
        assert!(form.contains(&format!("name=\"{field}\"")), "{field}");
    }

    let response = app
        .post_form_headers(
            &app.client,
            "/registro/",
            &[
                ("username", "Nueva"),
                ("email", "Nueva@Example.com"),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
            &[("Accept-Language", "en-GB,en;q=0.9")],
        )
        .await;
    assert_is_redirect_to(&response, "/login/");
    let user = app
        .user_by_email("nueva@example.com")
        .expect("account created");
    assert_eq!(user.role, cuentas::domain::Role::Admin);
    assert_eq!(user.manager_id, None);
    assert!(!user.email_verified);
    assert_eq!(
        user.language, "en",
        "the language of the page that signed up"
    );

    let mail = app.wait_for_mail_to("nueva@example.com", 0).await;
    assert_eq!(mail.language, "en");
    assert_eq!(mail.subject, "Confirm your email for cuentas");
    let link = mail.link.clone().unwrap();
    assert!(
        link.starts_with("http://127.0.0.1/verificar-email/"),
        "{link}"
    );
    assert!(mail.text.contains(&link) && mail.html.contains(&link));
    assert!(mail.text.contains("Hello Nueva"));

    // Not verified yet: the right password gets the "confirm your address" answer.
    let refused = app.login("nueva", PASSWORD).await;
    assert_eq!(refused.status().as_u16(), 403);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("action=\"/reenviar-verificacion/\""),
        "{page}"
    );
    assert!(page.contains("value=\"nueva@example.com\""));

    let confirmed = app.confirm_link(&link_path(&mail)).await;
    assert_is_redirect_to(&confirmed, "/login/");
    assert_eq!(
        confirmed.headers().get("referrer-policy").unwrap(),
        "no-referrer"
    );
    assert!(app.user(user.id).email_verified);
    assert!(
        app.get_page("/login/")
            .await
            .contains("Tu correo está confirmado")
    );
    assert_is_redirect_to(&app.login("nueva", PASSWORD).await, "/dashboard/");

    // The link works once.
    let again = app.get_with_client(&new_client(), &link_path(&mail)).await;
    assert_eq!(again.status().as_u16(), 410);
}

#[tokio::test]
async fn a_taken_address_gets_the_same_answer_and_its_owner_a_notice_instead() {
    let (app, owner) = spawn_with_user("Ana", "admin").await;
    let client = new_client();

    // Known and unknown addresses, through one session: the CSRF token in the page is the
    // same, so the pages after each must be byte-identical.
    let taken = sign_up(&app, &client, "otra_ana", "ANA@example.com").await;
    let taken = app.answer_and_next_page(&client, taken, "/login/").await;
    let fresh = sign_up(&app, &client, "bea", "bea@example.com").await;
    let fresh = app.answer_and_next_page(&client, fresh, "/login/").await;
    assert_eq!(taken, fresh);
    assert!(taken.1.contains("Revisa tu correo"));

    assert!(app.user_by_email("bea@example.com").is_some());
    let users: i64 = app.db(User::count).unwrap();
    assert_eq!(users, 2, "no second account for the taken address");
    let notice = app.wait_for_mail_to(&owner.email, 0).await;
    assert_eq!(notice.subject, "Alguien intentó registrarse con tu correo");
    assert!(notice.text.contains("http://127.0.0.1/recuperar-password/"));
    let welcome = app.wait_for_mail_to("bea@example.com", 0).await;
    assert!(welcome.link.unwrap().contains("/verificar-email/"));
    assert_eq!(app.mails_to(&owner.email).len(), 1);
}

#[tokio::test]
async fn invalid_sign_ups_are_field_errors_with_the_values_kept() {
    let app = spawn_app().await;
    let response = app
        .post_form(
            "/registro/",
            &[
                ("username", "a b"),
                ("email", "not-an-address"),
                ("password1", "12345"),
                ("password2", "different"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("value=\"not-an-address\""));
    assert!(page.contains("id=\"email-error\""));
    assert!(page.contains("aria-describedby=\"email-error\""));
    assert!(page.contains("id=\"password1-error\""));
    assert!(page.contains("id=\"username-error\""));
    assert!(page.contains("class=\"error-summary\""));
    assert_eq!(app.db(User::count).unwrap(), 0);
    assert!(app.outbox_rows().is_empty());

    let mismatch = app
        .post_form(
            "/registro/",
            &[
                ("username", "bea"),
                ("email", "bea@example.com"),
                ("password1", PASSWORD),
                ("password2", "Vela-Roja-Tarde-43"),
            ],
        )
        .await;
    assert_eq!(mismatch.status().as_u16(), 422);
    assert!(mismatch.text().await.unwrap().contains("no coinciden"));
}

#[tokio::test]
async fn a_taken_username_is_a_field_error() {
    let app = spawn_app().await;
    app.create_user("Ana", "admin").await;
    let response = sign_up(&app, &app.client, "ANA", "otra@example.com").await;
    assert_eq!(response.status().as_u16(), 422);
    assert!(response.text().await.unwrap().contains("ya está en uso"));
    assert!(app.user_by_email("otra@example.com").is_none());
}

/// A taken username answers the same whether or not the address has an account, so the
/// username cannot be used to probe addresses.
#[tokio::test]
async fn a_taken_username_says_nothing_about_the_address() {
    let app = spawn_app().await;
    app.create_user("Ana", "admin").await;
    app.create_user("Beto", "admin").await;
    let free = sign_up(&app, &new_client(), "ana", "nadie@example.com").await;
    let taken = sign_up(&app, &new_client(), "ana", "beto@example.com").await;
    assert_eq!(free.status().as_u16(), 422);
    assert_eq!(taken.status().as_u16(), 422);
    let strip = |page: String| {
        let token = crate::helpers::csrf_token_in(&page);
        page.replace(&token, "")
    };
    let free = strip(free.text().await.unwrap()).replace("nadie@example.com", "ADDRESS");
    let taken = strip(taken.text().await.unwrap()).replace("beto@example.com", "ADDRESS");
    assert_eq!(free, taken);
    // And Beto hears nothing about it.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(app.mails_to("beto@example.com").is_empty());
}

#[tokio::test]
async fn with_sign_up_off_there_is_no_sign_up_page() {
    let app = spawn_app_with(|s| s.signup_enabled = false).await;
    assert_eq!(app.status_of("/registro/").await, 404);
    let response = sign_up(&app, &app.client, "bea", "bea@example.com").await;
    assert_eq!(response.status().as_u16(), 404);
    let login = app.get_page("/login/").await;
    assert!(!login.contains("href=\"/registro/\""));
    assert!(login.contains("href=\"/recuperar-password/\""));
}

#[tokio::test]
async fn team_members_may_log_in_unverified_but_self_registered_admins_may_not() {
    let app = spawn_app().await;
    let (boss, _) = app.logged_in_unverified_member().await;

    let client = new_client();
    app.set_unverified(boss.id, None);
    let refused = app.login_with(&client, "jefa", &boss.password).await;
    assert_eq!(refused.status().as_u16(), 403);
    // A wrong password says nothing about verification.
    let wrong = app.login_with(&client, "jefa", "Otra-Clave-99").await;
    assert_eq!(wrong.status().as_u16(), 422);
    assert!(
        !wrong
            .text()
            .await
            .unwrap()
            .contains("reenviar-verificacion")
    );
}

#[tokio::test]
async fn sign_ups_are_throttled_per_ip() {
    let app = spawn_app().await;
    // 10 an hour from one IP; each is a full sign-up (argon2), so the same address is used
    // and all but the first take the "address taken" path.
    for i in 0..10 {
        assert_eq!(
            sign_up(&app, &app.client, &format!("bea{i}"), "bea@example.com")
                .await
                .status()
                .as_u16(),
            303
        );
    }
    let over = sign_up(&app, &app.client, "bea10", "bea@example.com").await;
    assert_eq!(over.status().as_u16(), 429);
    assert!(over.headers().get("retry-after").is_some());
    // The owner got at most 3 notices, whatever the number of attempts.
    app.wait_for_outbox_drained().await;
    let notices = app
        .outbox_rows()
        .iter()
        .filter(|r| r.kind == "signup_attempt")
        .count();
    assert_eq!(
        notices, 2,
        "3 per address in the window, the first being the sign-up"
    );
}
