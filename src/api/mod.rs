//! The JSON front, `/api/v1/`: the same operations as the pages (`accounts`), JSON in and
//! out, RFC 9457 problems for errors ([`problem`]), the caller by session cookie (plus
//! `X-CSRF-Token` on unsafe methods) or `Authorization: Bearer` ([`extract`]), and the
//! OpenAPI 3.1 document generated from the handlers' types at `GET /api/v1/openapi.json`.

pub mod auth;
pub mod cors;
pub mod extract;
pub mod invoice;
pub mod me;
pub mod photo;
pub mod problem;
pub mod signup;
pub mod team;
pub mod users;

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's description, from the handlers' `#[utoipa::path]` and their types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "cuentas API",
        version = "1",
        description = "Accounts and profiles. Errors are RFC 9457 problem details."
    ),
    paths(
        auth::issue_token,
        auth::refresh_token,
        auth::logout,
        signup::register,
        signup::resend_verification,
        signup::password_reset,
        me::show_me,
        me::update_me,
        me::delete_me,
        me::change_password,
        me::list_sessions,
        me::end_session,
        me::list_events,
        photo::put_photo,
        photo::delete_photo,
        users::show_user,
        team::list_team,
        team::create_member,
        team::show_member,
        team::act_on_member,
        invoice::show_invoice_settings,
        invoice::save_invoice_settings,
    ),
    components(schemas(problem::ProblemDetails, problem::FieldError)),
    modifiers(&Security)
)]
pub struct ApiDoc;

/// The two ways in, as the document names them.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "cuentas_session",
                "The browser's session; unsafe methods also need the X-CSRF-Token header",
            ))),
        );
    }
}

/// `GET /api/v1/openapi.json`.
async fn openapi_document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

/// The API's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(cors::allow))
            .service(web::resource("/openapi.json").route(web::get().to(openapi_document)))
            .service(web::resource("/auth/token").route(web::post().to(auth::issue_token)))
            .service(web::resource("/auth/refresh").route(web::post().to(auth::refresh_token)))
            .service(web::resource("/auth/logout").route(web::post().to(auth::logout)))
            .service(
                web::resource("/me")
                    .route(web::get().to(me::show_me))
                    .route(web::patch().to(me::update_me))
                    .route(web::delete().to(me::delete_me)),
            )
            .service(web::resource("/me/password").route(web::post().to(me::change_password)))
            .service(web::resource("/me/sessions").route(web::get().to(me::list_sessions)))
            .service(web::resource("/me/sessions/{id}").route(web::delete().to(me::end_session)))
            .service(web::resource("/me/events").route(web::get().to(me::list_events)))
            .service(web::resource("/auth/register").route(web::post().to(signup::register)))
            .service(
                web::resource("/auth/resend-verification")
                    .route(web::post().to(signup::resend_verification)),
            )
            .service(
                web::resource("/auth/password-reset").route(web::post().to(signup::password_reset)),
            )
            .service(
                web::resource("/me/photo")
                    .route(web::put().to(photo::put_photo))
                    .route(web::delete().to(photo::delete_photo)),
            )
            .service(web::resource("/users/{id}").route(web::get().to(users::show_user)))
            .service(
                web::resource("/team")
                    .route(web::get().to(team::list_team))
                    .route(web::post().to(team::create_member)),
            )
            .service(web::resource("/team/{id}").route(web::get().to(team::show_member)))
            .service(
                web::resource("/team/{id}/{action}").route(web::post().to(team::act_on_member)),
            )
            .service(
                web::resource("/invoice-settings")
                    .route(web::get().to(invoice::show_invoice_settings))
                    .route(web::put().to(invoice::save_invoice_settings)),
            ),
    );
}
