//! Builds and runs the application: the pool, the middleware stack and the whole route table.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_multipart::MultipartError;
use actix_multipart::form::MultipartFormConfig;
use actix_router::IntoPatterns;
use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::SameSite;
use actix_web::dev::Server;
use actix_web::error::UrlencodedError;
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, FromRequest, Handler, HttpServer, Resource, Responder, Route, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::auth::breached::BreachedPasswords;
use crate::auth::password::Passwords;
use crate::auth::{csrf, remember, session};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db;
use crate::error::AppError;
use crate::mail::outbox::{OutboxHandle, SessionLifetimes, Worker};
use crate::mail::{MailTransport, Mailer};
use crate::media::MediaStore;
use crate::middleware::{
    access_log, allowed_hosts, forced_password_change, request_body, required_two_step,
    security_headers,
};
use crate::oidc::Provider;
use crate::paths;
use crate::photos::PhotoPipeline;
use crate::routes::{
    account_deletion, assets, dashboard, email_requests, errors, export, health, home, invoice,
    login, media, oidc, passkeys, password, profile, reauth, reset, security, signup, team, tokens,
    tutorial, two_step, verification,
};
use crate::state::AppState;
use crate::telemetry::RequestSpan;

pub const SESSION_COOKIE: &str = "cuentas_session";
/// The cookie's name on an https site: browsers keep a `__Host-` cookie only when it is
/// Secure, for `/` and without a Domain, so no subdomain can set or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-cuentas_session";

/// The routes that take files: only these accept a large body, and only from a signed-in user.
const UPLOAD_PATHS: &[&str] = &[paths::PROFILE_UPDATE, "/api/v1/me/photo"];

pub struct Application {
    port: u16,
    server: Server,
    /// The `/metrics` listener and its port, when `CUENTAS_METRICS_BIND` is set.
    metrics: Option<(Server, u16)>,
    state: web::Data<AppState>,
    worker: Worker,
}

/// How long a stopping server waits for requests in flight, and the mail worker for the
/// mail it is sending.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

impl Application {
    /// Connects to the database (running migrations), binds the listener and prepares the
    /// server with the mail transport the settings describe; nothing is served until
    /// [`Application::run_until_stopped`].
    pub async fn build(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let mailer = Mailer::new(
            &settings.mail_transport,
            &settings.mail_from,
            &settings.data_dir,
        )?;
        match &settings.mail_transport {
            MailTransport::File => tracing::info!(
                folder = %settings.data_dir.join("outbox").display(),
                "no CUENTAS_SMTP_URL: mail is written to files and its links to this log"
            ),
            MailTransport::Smtp(url) => tracing::info!(server = ?url, "mail goes through SMTP"),
        }
        if let Some(warning) = settings.proxy_warning() {
            tracing::warn!("{warning}");
        }
        Self::build_with(settings, clock, mailer).await
    }

    /// As [`Application::build`], with the given mailer (tests pass one that keeps mail in
    /// memory).
    pub async fn build_with(
        settings: Settings,
        clock: Clock,
        mailer: Mailer,
    ) -> anyhow::Result<Self> {
        crate::files::private_dir(&settings.data_dir).with_context(|| {
            format!(
                "CUENTAS_DATA_DIR: cannot create {}",
                settings.data_dir.display()
            )
        })?;
        let url = settings.database_url.clone();
        let pool = web::block(move || db::connect(&url)).await??;
        let passwords = web::block(Passwords::new).await??;
        let media = MediaStore::open(&settings.media_location())?;
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("CUENTAS_BIND: cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let oidc = start_oidc(&settings).await?;
        let outbox = OutboxHandle::default();
        let worker = Worker::new(
            pool.clone(),
            mailer,
            clock.clone(),
            outbox.clone(),
            SessionLifetimes::of(&settings),
        )
        .keeping_security_events(settings.security_events_retention)
        .purging_deleted_accounts(media.clone());
        let state = web::Data::new(AppState {
            pool,
            photos: PhotoPipeline::new(),
            media,
            breached: BreachedPasswords::new(settings.pwned_passwords_url.clone())
                .context("CUENTAS_PWNED_PASSWORDS_URL: cannot build the HTTP client")?,
            settings: Arc::new(settings),
            passwords,
            clock,
            outbox,
            oidc,
        });
        let metrics = match state.settings.metrics_bind {
            Some(bind) => {
                let listener = TcpListener::bind(bind)
                    .with_context(|| format!("CUENTAS_METRICS_BIND: cannot listen on {bind}"))?;
                let port = listener.local_addr()?.port();
                Some((serve_metrics(listener, state.clone())?, port))
            }
            None => None,
        };
        let server = serve(listener, state.clone())?;
        Ok(Self {
            port,
            server,
            metrics,
            state,
            worker,
        })
    }

    /// Wakes this instance's mail worker (tests use it after moving the clock).
    pub fn outbox(&self) -> OutboxHandle {
        self.state.outbox.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the `/metrics` listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, port)| *port)
    }

    /// True when at least one account exists (the first start tells how to make one).
    pub async fn has_accounts(&self) -> Result<bool, db::StorageError> {
        let count = db::run(&self.state.pool, |conn| {
            Ok::<_, db::StorageError>(crate::db::users::User::count(conn)?)
        })
        .await?;
        Ok(count > 0)
    }

    /// Serves until stopped, with the mail worker running beside the server. On SIGTERM
    /// (or SIGINT) the listener closes, requests in flight get up to 30 seconds to finish,
    /// then the mail worker finishes the mail it is sending, records it and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let mut worker = tokio::spawn(self.worker.stopping_on(stopping).run());
        let metrics = self.metrics.map(|(server, _)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let result = self.server.await;
        tracing::info!("requests finished; the mail worker finishes the mail it is sending");
        let _ = stop.send(true);
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut worker)
            .await
            .is_err()
        {
            tracing::warn!(
                "the mail worker did not stop in time; its claimed mail will be retried"
            );
            worker.abort();
        }
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        result
    }
}

/// The OpenID Connect provider when configured: discovered now (an unreachable issuer is one
/// log line and the button stays hidden), then kept discovered in the background.
async fn start_oidc(settings: &Settings) -> anyhow::Result<Option<Arc<Provider>>> {
    let Some(oidc) = settings.oidc.clone() else {
        return Ok(None);
    };
    let callback = settings
        .base_url
        .join(paths::OIDC_CALLBACK.trim_start_matches('/'))
        .context("CUENTAS_BASE_URL: cannot build the OpenID Connect callback URL")?;
    let provider = Arc::new(
        Provider::new(oidc, &callback, settings.max_upload_bytes)
            .context("CUENTAS_OIDC_*: cannot build the HTTP client")?,
    );
    let discovered = provider.discover().await;
    tokio::spawn(Arc::clone(&provider).keep_discovered(discovered));
    Ok(Some(provider))
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let https = state.settings.is_https();
    let key = state.settings.secret_key.cookie_key().clone();
    let upload_limit = state.settings.max_upload_bytes + csrf::FORM_BODY_LIMIT;
    let session_cookie = if https {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    };
    let server = HttpServer::new(move || {
        let clock = state.clock.clone();
        // The last `wrap` is the outermost: logging, headers, "recordarme" cookies, session,
        // error pages, the Host
        // check, identity, the forced password change, the body bounds (they depend on the
        // identity), then CSRF right before the handlers.
        App::new()
            .app_data(state.clone())
            .app_data(
                web::FormConfig::default()
                    .limit(csrf::FORM_BODY_LIMIT)
                    .error_handler(|error, _| match error {
                        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge.into(),
                        UrlencodedError::Payload(e) => AppError::from_payload(&e).into(),
                        _ => AppError::BadRequest.into(),
                    }),
            )
            .app_data(web::QueryConfig::default().error_handler(|_, _| AppError::BadRequest.into()))
            .app_data(
                MultipartFormConfig::default()
                    .total_limit(upload_limit)
                    .memory_limit(upload_limit)
                    .error_handler(|error, _| match error {
                        MultipartError::Payload(e) => AppError::from_payload(&e).into(),
                        _ => AppError::BadRequest.into(),
                    }),
            )
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .wrap(from_fn(csrf::verify))
            .wrap(from_fn(|req, next| {
                request_body::bound(req, next, UPLOAD_PATHS)
            }))
            .wrap(from_fn(required_two_step::enforce))
            .wrap(from_fn(forced_password_change::enforce))
            .wrap(from_fn(session::load_identity))
            .wrap(from_fn(allowed_hosts::check))
            .wrap(
                ErrorHandlers::new()
                    .handler(StatusCode::PAYLOAD_TOO_LARGE, |res| {
                        // A photo over the limit is refused before the handler runs: the
                        // profile form shows the error beside its field.
                        if res.request().path() == paths::PROFILE_UPDATE {
                            errors::render_own(res, profile::too_large_page)
                        } else {
                            errors::render(res)
                        }
                    })
                    .default_handler(errors::render),
            )
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                    .cookie_name(session_cookie.to_owned())
                    .cookie_secure(https)
                    .cookie_http_only(true)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_content_security(CookieContentSecurity::Private)
                    .session_lifecycle(BrowserSession::default())
                    .build(),
            )
            .wrap(from_fn(move |req, next| {
                remember::keep_remembered(req, next, session_cookie, clock.clone())
            }))
            .wrap(from_fn(move |req, next| {
                security_headers::add(req, next, https)
            }))
            .wrap(from_fn(access_log::log))
            .wrap(TracingLogger::<RequestSpan>::new())
            .configure(routes)
    })
    .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
    .listen(listener)?
    .run();
    Ok(server)
}

/// The metrics listener: `GET /metrics` and nothing else, without the public stack (no
/// sessions, no Host check); bind it where only the scraper reaches.
fn serve_metrics(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .service(only(web::get(), "/metrics", health::metrics))
    })
    .workers(1)
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Every URL and what answers it (the paths are a contract: see DESIGN.md).
fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::home))
        .service(form(paths::LOGIN, login::login_form, login::submit_login))
        .service(only(web::post(), "/logout/", login::submit_logout))
        .service(form(
            paths::SECOND_STEP,
            login::second_step_form,
            login::submit_second_step,
        ))
        .service(form(
            "/login/confirmar/{token}/",
            login::sign_in_link_page,
            login::submit_sign_in_link,
        ))
        .service(only(web::get(), paths::OIDC_START, oidc::start_sign_in))
        .service(only(web::get(), paths::OIDC_CALLBACK, oidc::callback))
        .service(only(web::post(), paths::OIDC_LINK, oidc::start_link))
        .service(only(
            web::post(),
            "/seguridad/identidades/{id}/desvincular/",
            oidc::unlink,
        ))
        .service(only(
            web::get(),
            paths::DASHBOARD,
            dashboard::show_dashboard,
        ))
        .service(form(
            paths::CHANGE_PASSWORD,
            password::change_password_form,
            password::submit_password_change,
        ))
        .service(form(
            paths::SIGNUP,
            signup::signup_form,
            signup::submit_signup,
        ))
        .service(form(
            "/verificar-email/{token}/",
            verification::show_verification_link,
            verification::confirm_verification_link,
        ))
        .service(form(
            [paths::RESEND_VERIFICATION, paths::RECOVER_PASSWORD],
            email_requests::show_email_request,
            email_requests::submit_email_request,
        ))
        // The link's token moves into the session and the browser goes on to the token-less
        // address, so the token never reaches a Referer or the history.
        .service(form(
            paths::RESET_PASSWORD,
            reset::reset_form,
            reset::submit_reset_from_session,
        ))
        .service(form(
            "/restablecer-password/{token}/",
            reset::take_reset_token,
            reset::submit_reset_from_link,
        ))
        .service(form(
            paths::PROFILE,
            profile::show_profile,
            profile::submit_invoice_settings,
        ))
        .service(only(
            web::get(),
            "/factura/vista-previa/",
            invoice::show_invoice_preview,
        ))
        .service(form(
            paths::TEAM,
            team::show_team,
            team::submit_new_vendedor,
        ))
        .service(only(
            web::post(),
            "/equipo/dos-pasos/",
            team::submit_team_two_step,
        ))
        .service(only(
            web::post(),
            "/equipo/{id}/{action}/",
            team::submit_team_action,
        ))
        .service(only(
            web::post(),
            "/perfil/email/verificar/",
            profile::send_email_verification,
        ))
        .service(only(
            web::post(),
            "/perfil/email/cancelar/",
            profile::cancel_email_change,
        ))
        .service(only(
            web::post(),
            paths::PROFILE_UPDATE,
            profile::submit_profile,
        ))
        .service(only(
            web::post(),
            "/perfil/foto/eliminar/",
            profile::remove_profile_photo,
        ))
        .service(only(
            web::get(),
            paths::PENDING_PHOTO,
            profile::show_pending_photo,
        ))
        .service(only(
            web::post(),
            "/perfil/foto/pendiente/descartar/",
            profile::discard_pending_photo,
        ))
        .service(only(
            web::get(),
            "/media/fotos_perfil/{name}",
            media::profile_photo,
        ))
        .service(only(
            web::post(),
            paths::TUTORIAL_SEEN,
            tutorial::mark_tutorial_seen,
        ))
        .service(form(
            paths::DELETE_ACCOUNT,
            account_deletion::deletion_form,
            account_deletion::submit_deletion,
        ))
        .service(form(
            paths::RESTORE_ACCOUNT,
            account_deletion::restore_page,
            account_deletion::submit_restore,
        ))
        .service(form(
            "/cuenta/restaurar/{token}/",
            account_deletion::restore_link_page,
            account_deletion::submit_restore_link,
        ))
        .service(only(web::get(), paths::SECURITY, security::show_security))
        .service(only(
            web::post(),
            paths::END_OTHER_SESSIONS,
            security::end_other_sessions,
        ))
        .service(only(
            web::post(),
            "/seguridad/sesiones/{id}/cerrar/",
            security::end_session,
        ))
        .service(only(web::post(), paths::NOT_ME, security::not_me))
        .service(form(
            paths::TWO_STEP,
            two_step::two_step_page,
            two_step::confirm_app,
        ))
        .service(only(
            web::post(),
            "/seguridad/dos-pasos/desactivar/",
            two_step::disable,
        ))
        .service(only(
            web::post(),
            "/seguridad/dos-pasos/codigos/",
            two_step::new_codes,
        ))
        .service(
            only(web::get(), paths::PASSKEYS, passkeys::show_passkeys)
                .route(web::post().to(passkeys::add_passkey)),
        )
        .service(only(
            web::post(),
            "/seguridad/llaves/opciones/",
            passkeys::registration_options,
        ))
        .service(only(
            web::post(),
            "/seguridad/llaves/{id}/nombre/",
            passkeys::rename_passkey,
        ))
        .service(only(
            web::post(),
            "/seguridad/llaves/{id}/eliminar/",
            passkeys::remove_passkey,
        ))
        .service(only(
            web::post(),
            "/login/llave/opciones/",
            passkeys::sign_in_options,
        ))
        .service(only(
            web::post(),
            "/login/llave/",
            passkeys::sign_in_with_passkey,
        ))
        .service(form(
            paths::PERSONAL_TOKENS,
            tokens::tokens_page,
            tokens::create_token,
        ))
        .service(only(
            web::post(),
            "/seguridad/tokens/{id}/revocar/",
            tokens::revoke_token,
        ))
        .service(form(
            paths::REAUTHENTICATE,
            reauth::reauth_form,
            reauth::submit_reauth,
        ))
        .service(form(
            paths::EXPORT,
            export::export_page,
            export::download_export,
        ))
        .service(only(web::get(), paths::HEALTHZ, health::healthz))
        .service(only(web::get(), paths::READYZ, health::readyz))
        .configure(crate::api::routes)
        .service(
            web::resource("/static/{path:.*}")
                .route(web::get().to(assets::static_asset))
                .route(web::head().to(assets::static_asset)),
        );
}

/// A page with a form: GET shows it, POST submits it.
fn form<S, SArgs, P, PArgs>(path: impl IntoPatterns, show: S, submit: P) -> Resource
where
    S: Handler<SArgs>,
    SArgs: FromRequest + 'static,
    S::Output: Responder + 'static,
    P: Handler<PArgs>,
    PArgs: FromRequest + 'static,
    P::Output: Responder + 'static,
{
    only(web::get(), path, show).route(web::post().to(submit))
}

/// One method on one path: `web::get()` for a page, `web::post()` for an action.
fn only<H, Args>(route: Route, path: impl IntoPatterns, handler: H) -> Resource
where
    H: Handler<Args>,
    Args: FromRequest + 'static,
    H::Output: Responder + 'static,
{
    web::resource(path).route(route.to(handler))
}
