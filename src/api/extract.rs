//! What an API handler takes from a request: the caller ([`ApiUser`]) and a JSON body
//! ([`ApiJson`]) held to its schema.
//!
//! A body is read only as `application/json` (else 415), must be one JSON object (else 400),
//! and may hold only the fields of its type's schema, each of its schema's type: an unknown
//! field, a field the caller may never set (`id`, `role`, `email_verified`…) and a value of the
//! wrong type are each a 422 naming the field. The schema is the one the OpenAPI document
//! publishes (`utoipa`), so the check and the document cannot disagree.

use std::future::{Ready, ready};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::problem::ApiError;
use crate::auth::CurrentUser;
use crate::auth::bearer::{BearerRefused, BearerScopes};
use crate::domain::Problem;

/// Fields no request may set, refused by name (never silently dropped).
const FORBIDDEN_FIELDS: &[&str] = &[
    "id",
    "role",
    "email_verified",
    "is_active",
    "manager_id",
    "password_hash",
    "session_epoch",
    "must_change_password",
    "tutorial_seen",
    "created_at",
    "updated_at",
    "last_login_at",
    "photo_path",
    "photo_url",
    "pending_email",
    "profile_complete",
    "status",
    "deletion_requested_at",
    "purge_after",
];

/// The largest JSON body read (the body middleware refuses larger ones before this).
const MAX_BODY: usize = crate::auth::csrf::FORM_BODY_LIMIT;

/// A JSON body checked against `T`'s published schema, then deserialised.
pub struct ApiJson<T>(pub T);

impl<T> FromRequest for ApiJson<T>
where
    T: DeserializeOwned + utoipa::PartialSchema + 'static,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedType);
            }
            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| match e {
                    actix_web::error::PayloadError::Overflow => ApiError::TooLarge,
                    _ => ApiError::BadRequest,
                })?;
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(ApiError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            let value: Value = serde_json::from_slice(&body).map_err(|_| ApiError::BadRequest)?;
            let Value::Object(object) = &value else {
                return Err(ApiError::BadRequest);
            };
            check_fields::<T>(object)?;
            serde_json::from_value(value)
                .map(ApiJson)
                .map_err(|_| ApiError::BadRequest)
        })
    }
}

/// Refuses unknown and forbidden fields and values of the wrong type, all at once.
fn check_fields<T: utoipa::PartialSchema>(
    object: &serde_json::Map<String, Value>,
) -> Result<(), ApiError> {
    let schema = serde_json::to_value(T::schema()).unwrap_or(Value::Null);
    let properties = schema.get("properties").and_then(Value::as_object);
    let mut problems = Vec::new();
    for (name, value) in object {
        let Some(property) = properties.and_then(|p| p.get(name)) else {
            let key = if FORBIDDEN_FIELDS.contains(&name.as_str()) {
                "api-error-forbidden-field"
            } else {
                "api-error-unknown-field"
            };
            problems.push((name.clone(), Problem::new(key)));
            continue;
        };
        if !type_fits(property, value) {
            problems.push((name.clone(), Problem::new("api-error-wrong-type")));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// True when `value` is of (one of) the types the property's schema names; a property that
/// names no type takes anything.
fn type_fits(property: &Value, value: &Value) -> bool {
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return true,
    };
    types.iter().any(|t| match *t {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value
            .as_array()
            .is_some_and(|items| match property.get("items") {
                Some(item) => items.iter().all(|v| type_fits(item, v)),
                None => true,
            }),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => false,
    })
}

/// The caller of an API request: signed in through the session cookie (with the CSRF token
/// on unsafe methods) or through a bearer token. Anyone else gets 401.
#[derive(Clone, Debug)]
pub struct ApiUser {
    pub current: CurrentUser,
    /// The scopes of a bearer token; `None` for the cookie and for a token from a sign-in.
    scopes: Option<Vec<String>>,
    bearer: bool,
}

impl ApiUser {
    /// Passes when the caller's token holds `scope` (a session or a signed-in token holds
    /// every scope); else 403 naming it.
    pub fn require(&self, scope: &'static str) -> Result<(), ApiError> {
        match &self.scopes {
            Some(scopes) if !scopes.iter().any(|s| s == scope) => {
                Err(ApiError::ScopeMissing(scope))
            }
            _ => Ok(()),
        }
    }

    pub fn user(&self) -> &crate::db::users::User {
        &self.current.user
    }

    /// True when the caller came with a bearer token (not the session cookie).
    pub fn bearer(&self) -> bool {
        self.bearer
    }
}

impl FromRequest for ApiUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let extensions = req.extensions();
        if extensions.get::<BearerRefused>().is_some() {
            return ready(Err(ApiError::Unauthorized));
        }
        let bearer = extensions.get::<BearerScopes>();
        let scopes = bearer.and_then(|scopes| scopes.0.clone());
        let bearer = bearer.is_some();
        ready(
            extensions
                .get::<CurrentUser>()
                .cloned()
                .map(|current| Self {
                    current,
                    scopes,
                    bearer,
                })
                .ok_or(ApiError::Unauthorized),
        )
    }
}
