//! Calling the JSON API in tests: every answer is checked against the OpenAPI document the
//! app publishes. The status must be documented for the operation, its media type must be
//! the documented one, and the body must validate against the documented schema
//! (JSON Schema 2020-12, as OpenAPI 3.1 uses it).

use reqwest::{Client, Method};
use serde_json::{Value, json};

use super::helpers::{TestApp, TestUser};

/// An answer of the API, already checked against the document.
#[derive(Debug)]
pub struct ApiAnswer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl ApiAnswer {
    /// The problem's `type` (for an error).
    pub fn problem_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }

    /// The `(field, code)` pairs of a 422's `errors`.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or_default().to_owned(),
                            e["code"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How a request proves who is asking.
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// This client's cookie (with its CSRF token on unsafe methods when `csrf`).
    Cookie {
        client: &'a Client,
        csrf: bool,
    },
}

/// A request body.
pub enum Body {
    None,
    Json(Value),
    /// Raw bytes with a content type (for the malformed-input tests).
    Raw(&'static str, Vec<u8>),
    Multipart(reqwest::multipart::Form),
}

/// The OpenAPI document, as the app builds it.
pub fn document() -> Value {
    serde_json::to_value(<cuentas::api::ApiDoc as utoipa::OpenApi>::openapi())
        .expect("the document serialises")
}

/// Sends a request and checks the answer against the document.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Body,
) -> ApiAnswer {
    call_with(app, method, path, auth, body, &[]).await
}

/// As [`call`], with extra headers.
pub async fn call_with(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Body,
    headers: &[(&str, &str)],
) -> ApiAnswer {
    let fresh = super::helpers::new_client();
    let client = match &auth {
        Auth::Cookie { client, .. } => *client,
        _ => &fresh,
    };
    let mut request = client.request(method.clone(), app.url(path));
    match &auth {
        Auth::Bearer(token) => request = request.bearer_auth(token),
        Auth::Cookie { client, csrf: true } => {
            request = request.header("x-csrf-token", app.csrf_token_with(client).await);
        }
        _ => {}
    }
    request = match body {
        Body::None => request,
        Body::Json(value) => request.json(&value),
        Body::Raw(content_type, bytes) => request.header("content-type", content_type).body(bytes),
        Body::Multipart(form) => request.multipart(form),
    };
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{method} {path}: {status} is not JSON ({e})"))
    };
    let answer = ApiAnswer {
        status,
        headers,
        body,
    };
    check_against_document(&method, path, &answer);
    answer
}

/// The path template of the document that `path` fills in.
fn template_of<'d>(document: &'d Value, path: &str) -> Option<&'d str> {
    let path = path.split('?').next().unwrap_or(path);
    let wanted: Vec<&str> = path.split('/').collect();
    document["paths"].as_object()?.keys().find_map(|template| {
        let parts: Vec<&str> = template.split('/').collect();
        let fits = parts.len() == wanted.len()
            && parts
                .iter()
                .zip(&wanted)
                .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}')));
        fits.then_some(template.as_str())
    })
}

/// Panics unless the answer is one the document describes for this operation.
pub fn check_against_document(method: &Method, path: &str, answer: &ApiAnswer) {
    let document = document();
    let Some(template) = template_of(&document, path) else {
        // An unknown path: the answer must still be a problem.
        assert_problem(path, answer);
        return;
    };
    let operation = &document["paths"][template][method.as_str().to_lowercase()];
    if operation.is_null() {
        assert_eq!(answer.status, 405, "{method} {path}: undocumented method");
        assert_problem(path, answer);
        return;
    }
    let documented = &operation["responses"][answer.status.to_string()];
    assert!(
        !documented.is_null(),
        "{method} {path}: status {} is not documented (body {})",
        answer.status,
        answer.body
    );
    let content_type = answer
        .header("content-type")
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let Some(content) = documented["content"].as_object() else {
        assert!(
            answer.body.is_null(),
            "{method} {path}: an undocumented body"
        );
        return;
    };
    let media = content.get(&content_type).unwrap_or_else(|| {
        panic!(
            "{method} {path}: {} answered {content_type}, documented {:?}",
            answer.status,
            content.keys().collect::<Vec<_>>()
        )
    });
    let mut schema = media["schema"].clone();
    if let Value::Object(map) = &mut schema {
        map.insert("components".to_owned(), document["components"].clone());
    }
    let validator = jsonschema::draft202012::new(&schema)
        .unwrap_or_else(|e| panic!("{method} {path}: the documented schema is broken: {e}"));
    if let Err(error) = validator.validate(&answer.body) {
        panic!(
            "{method} {path}: {} breaks the document: {error}\nbody: {}",
            answer.status, answer.body
        );
    }
}

fn assert_problem(path: &str, answer: &ApiAnswer) {
    assert!(
        answer
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("application/problem+json")),
        "{path}: {} is not a problem",
        answer.status
    );
    assert_eq!(answer.body["status"], json!(answer.status));
}

/// Signs `user` in through the API: (access token, refresh token).
pub async fn tokens_for(app: &TestApp, user: &TestUser) -> (String, String) {
    let answer = call(
        app,
        Method::POST,
        "/api/v1/auth/token",
        Auth::None,
        Body::Json(json!({"login": user.username, "password": user.password})),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    (
        answer.body["access_token"]
            .as_str()
            .expect("access")
            .to_owned(),
        answer.body["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned(),
    )
}

/// `GET /api/v1/me` with a bearer token: its status.
pub async fn me_status(app: &TestApp, token: &str) -> u16 {
    call(
        app,
        Method::GET,
        "/api/v1/me",
        Auth::Bearer(token),
        Body::None,
    )
    .await
    .status
}
