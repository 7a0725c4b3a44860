//! Builds and runs the application: the pool, the middleware stack and the whole route table.

use std::net::TcpListener;
use std::sync::Arc;

use actix_multipart::MultipartError;
use actix_multipart::form::MultipartFormConfig;
use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::SameSite;
use actix_web::dev::Server;
use actix_web::error::UrlencodedError;
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::auth::breached::BreachedPasswords;
use crate::auth::password::Passwords;
use crate::auth::{csrf, session};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db;
use crate::error::AppError;
use crate::mail::outbox::{OutboxHandle, Worker};
use crate::mail::{MailTransport, Mailer};
use crate::middleware::{forced_password_change, security_headers};
use crate::paths;
use crate::photos::{MediaStore, PhotoPipeline};
use crate::routes::{
    dashboard, email_requests, errors, health, home, invoice, login, media, password, profile,
    reset, signup, team, tutorial, verification,
};
use crate::state::AppState;
use crate::telemetry::RequestSpan;

pub const SESSION_COOKIE: &str = "cuentas_session";

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    worker: Worker,
}

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
        Self::build_with(settings, clock, mailer).await
    }

    /// As [`Application::build`], with the given mailer (tests pass one that keeps mail in
    /// memory).
    pub async fn build_with(
        settings: Settings,
        clock: Clock,
        mailer: Mailer,
    ) -> anyhow::Result<Self> {
        let url = settings.database_url.clone();
        let pool = web::block(move || db::connect(&url)).await??;
        let passwords = web::block(Passwords::new).await??;
        std::fs::create_dir_all(settings.media_root.join("fotos_perfil")).with_context(|| {
            format!(
                "CUENTAS_MEDIA_ROOT: cannot create {}",
                settings.media_root.display()
            )
        })?;
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("CUENTAS_BIND: cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let outbox = OutboxHandle::default();
        let worker = Worker::new(pool.clone(), mailer, clock.clone(), outbox.clone());
        let state = web::Data::new(AppState {
            pool,
            photos: PhotoPipeline::new(),
            media: MediaStore::new(&settings.media_root),
            breached: BreachedPasswords::new(settings.pwned_passwords_url.clone())
                .context("CUENTAS_PWNED_PASSWORDS_URL: cannot build the HTTP client")?,
            settings: Arc::new(settings),
            passwords,
            clock,
            outbox,
        });
        let server = serve(listener, state.clone())?;
        Ok(Self {
            port,
            server,
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

    /// True when at least one account exists (the first start tells how to make one).
    pub async fn has_accounts(&self) -> Result<bool, db::StorageError> {
        let count = db::run(&self.state.pool, |conn| {
            Ok::<_, db::StorageError>(crate::db::users::User::count(conn)?)
        })
        .await?;
        Ok(count > 0)
    }

    /// Serves until stopped, with the mail worker running beside the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let worker = tokio::spawn(self.worker.run());
        let result = self.server.await;
        worker.abort();
        result
    }
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let https = state.settings.is_https();
    let key = state.settings.secret_key.cookie_key().clone();
    let upload_limit = state.settings.max_upload_bytes + csrf::FORM_BODY_LIMIT;
    let server = HttpServer::new(move || {
        // The last `wrap` is the outermost: logging, headers, session, error pages, identity,
        // the forced password change, then CSRF right before the handlers.
        App::new()
            .app_data(state.clone())
            .app_data(
                web::FormConfig::default()
                    .limit(csrf::FORM_BODY_LIMIT)
                    .error_handler(|error, _| match error {
                        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge.into(),
                        _ => AppError::BadRequest.into(),
                    }),
            )
            .app_data(web::QueryConfig::default().error_handler(|_, _| AppError::BadRequest.into()))
            .app_data(
                MultipartFormConfig::default()
                    .total_limit(upload_limit)
                    .memory_limit(upload_limit)
                    .error_handler(|error, _| match error {
                        MultipartError::Payload(_) => AppError::PayloadTooLarge.into(),
                        _ => AppError::BadRequest.into(),
                    }),
            )
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .wrap(from_fn(csrf::verify))
            .wrap(from_fn(forced_password_change::enforce))
            .wrap(from_fn(session::load_identity))
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
                    .cookie_name(SESSION_COOKIE.to_owned())
                    .cookie_secure(https)
                    .cookie_http_only(true)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_content_security(CookieContentSecurity::Private)
                    .session_lifecycle(BrowserSession::default())
                    .build(),
            )
            .wrap(from_fn(move |req, next| {
                security_headers::add(req, next, https)
            }))
            .wrap(TracingLogger::<RequestSpan>::new())
            .route("/", web::get().to(home::home))
            .service(
                web::resource(paths::LOGIN)
                    .route(web::get().to(login::login_form))
                    .route(web::post().to(login::submit_login)),
            )
            .service(web::resource("/logout/").route(web::post().to(login::submit_logout)))
            .service(
                web::resource(paths::DASHBOARD).route(web::get().to(dashboard::show_dashboard)),
            )
            .service(
                web::resource(paths::CHANGE_PASSWORD)
                    .route(web::get().to(password::change_password_form))
                    .route(web::post().to(password::submit_password_change)),
            )
            .service(
                web::resource(paths::SIGNUP)
                    .route(web::get().to(signup::signup_form))
                    .route(web::post().to(signup::submit_signup)),
            )
            .service(
                web::resource("/verificar-email/{token}/")
                    .route(web::get().to(verification::open_verification_link)),
            )
            .service(
                web::resource([paths::RESEND_VERIFICATION, paths::RECOVER_PASSWORD])
                    .route(web::get().to(email_requests::show_email_request))
                    .route(web::post().to(email_requests::submit_email_request)),
            )
            // The link's token moves into the session and the browser goes on to the
            // token-less address, so the token never reaches a Referer or the history.
            .service(
                web::resource(paths::RESET_PASSWORD)
                    .route(web::get().to(reset::reset_form))
                    .route(web::post().to(reset::submit_reset_from_session)),
            )
            .service(
                web::resource("/restablecer-password/{token}/")
                    .route(web::get().to(reset::take_reset_token))
                    .route(web::post().to(reset::submit_reset_from_link)),
            )
            .service(
                web::resource(paths::PROFILE)
                    .route(web::get().to(profile::show_profile))
                    .route(web::post().to(profile::submit_invoice_settings)),
            )
            .service(
                web::resource("/factura/vista-previa/")
                    .route(web::get().to(invoice::show_invoice_preview)),
            )
            .service(
                web::resource(paths::TEAM)
                    .route(web::get().to(team::show_team))
                    .route(web::post().to(team::submit_new_vendedor)),
            )
            .service(
                web::resource("/equipo/{id}/{action}/")
                    .route(web::post().to(team::submit_team_action)),
            )
            .service(
                web::resource("/perfil/email/verificar/")
                    .route(web::post().to(profile::send_email_verification)),
            )
            .service(
                web::resource("/perfil/email/cancelar/")
                    .route(web::post().to(profile::cancel_email_change)),
            )
            .service(
                web::resource(paths::PROFILE_UPDATE).route(web::post().to(profile::submit_profile)),
            )
            .service(
                web::resource("/perfil/foto/eliminar/")
                    .route(web::post().to(profile::remove_profile_photo)),
            )
            .service(
                web::resource("/media/fotos_perfil/{name}")
                    .route(web::get().to(media::profile_photo)),
            )
            .service(
                web::resource(paths::TUTORIAL_SEEN)
                    .route(web::post().to(tutorial::mark_tutorial_seen)),
            )
            .service(web::resource("/healthz").route(web::get().to(health::healthz)))
            .service(
                actix_files::Files::new("/static", "static")
                    .use_etag(true)
                    .use_last_modified(true),
            )
    })
    .listen(listener)?
    .run();
    Ok(server)
}
