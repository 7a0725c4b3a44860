use crate::harness::{browser, start_signed_in};

/// Two browsers signed in to one account: from the first, the security centre lists both and
/// ends the second, which is signed out at its next page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_browser_ends_the_session_of_another() {
    let Some((first, app, user)) = start_signed_in("Ana", "admin", "/dashboard/").await else {
        return;
    };
    let second = browser().await.expect("a second browser");
    second
        .log_in_to(&app, "/dashboard/", "ana", &user.password)
        .await;

    first
        .open_and_check(&app, "/seguridad/", "security centre")
        .await;
    assert!(first.text_of("#sessions").await.contains("Esta sesión"));
    first
        .click_and_wait_for_next_page("#sessions form[action$='/cerrar/'] button")
        .await;
    first.assert_flash("Se cerró esa sesión").await;
    assert!(!first.is_shown("#sessions form[action$='/cerrar/']").await);

    second.open(&app, "/perfil/").await;
    second.wait_for_path("/login/").await;

    // "No fui yo", confirmed through its disclosure, signs the first browser out too.
    first.click("#not-me summary").await;
    first
        .click_and_wait_for_next_page("#not-me form button")
        .await;
    first.wait_for_path("/login/").await;
    first.assert_flash("Cerramos todas tus sesiones").await;
    first.assert_accessible("login after no fui yo").await;
    second.close().await;
    first.close().await;
}
