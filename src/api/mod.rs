//! The JSON front, `/api/v1/`: the same operations as the pages (`accounts`), JSON in and
//! out, RFC 9457 problems for errors ([`problem`]), the caller by session cookie (plus
//! `X-CSRF-Token` on unsafe methods) or `Authorization: Bearer` ([`extract`]), and the
//! OpenAPI 3.1 document generated from the handlers' types at `GET /api/v1/openapi.json`.

pub mod auth;
pub mod cors;
pub mod extract;
pub mod me;
pub mod problem;
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
        me::show_me,
        me::update_me,
        me::delete_me,
        me::change_password,
        me::list_sessions,
        me::end_session,
        me::list_events,
        users::show_user,
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
            .service(web::resource("/users/{id}").route(web::get().to(users::show_user))),
    );
}
