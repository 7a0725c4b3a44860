//! An OpenID provider for the tests, in-process on loopback: discovery, keys (an RSA key made
//! at test time), an authorize page (its "Continuar" link goes back with a code), a token
//! endpoint (client_secret_basic, PKCE S256, single-use codes) and pictures. `Faults` make it
//! misbehave the ways a real one could.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::json;
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "cuentas-test";
pub const CLIENT_SECRET: &str = "test-secret";

/// Who signs in at the provider.
#[derive(Clone, Debug)]
pub struct Person {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// A path on this provider (`/picture.png`) or a full URL.
    pub picture: Option<String>,
}

impl Person {
    pub fn new(subject: &str, email: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            email: Some(email.to_owned()),
            email_verified: true,
            given_name: Some("Dora".to_owned()),
            family_name: Some("Explora".to_owned()),
            picture: None,
        }
    }
}

/// Ways the ID token can be wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    WrongAudience,
    WrongIssuer,
    Expired,
    /// Signed with a key the provider does not publish.
    BadSignature,
    /// `alg: none`.
    Unsigned,
    WrongNonce,
    /// The token endpoint answers 500.
    TokenEndpointDown,
    /// Discovery answers 503 (the issuer is down).
    IssuerDown,
    /// The token endpoint answers 302 to another host (`/token-elsewhere` on `localhost`,
    /// which would answer with a good ID token).
    TokenRedirectsElsewhere,
}

struct Grant {
    nonce: String,
    challenge: String,
    redirect_uri: String,
    used: bool,
}

#[derive(Default)]
struct Inner {
    person: Option<Person>,
    fault: Option<Fault>,
    grants: HashMap<String, Grant>,
    token_requests: usize,
    /// `/flaky.png` fails its first request only.
    flaky_served: bool,
    /// Requests that reached `/token-elsewhere`.
    elsewhere_requests: usize,
}

#[derive(Clone)]
pub struct TestProvider {
    pub issuer: String,
    pub port: u16,
    inner: Arc<Mutex<Inner>>,
}

/// The provider's RSA key, made once per test process (2048 bits).
fn key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key"))
}

/// Another key, for forged signatures.
fn other_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key"))
}

/// A small PNG.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

impl TestProvider {
    /// Starts the provider on a free loopback port.
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let issuer = format!("http://127.0.0.1:{port}");
        let provider = Self {
            issuer,
            port,
            inner,
        };
        let shared = provider.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(shared.clone()))
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(discovery),
                )
                .route("/jwks", web::get().to(jwks))
                .route("/authorize", web::get().to(authorize))
                .route("/token", web::post().to(token))
                .route("/token-elsewhere", web::route().to(token_elsewhere))
                .route("/picture.png", web::get().to(picture))
                .route("/big.png", web::get().to(big_picture))
                .route("/not-an-image", web::get().to(not_an_image))
                .route("/flaky.png", web::get().to(flaky_picture))
                .route("/same-host-redirect", web::get().to(same_host_redirect))
                .route("/other-host-redirect", web::get().to(other_host_redirect))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        tokio::spawn(server);
        provider
    }

    /// The settings that point the app at this provider (`http` allowed, pictures from
    /// 127.0.0.1).
    pub fn settings(&self) -> cuentas::config::OidcSettings {
        cuentas::config::OidcSettings {
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            issuer: self.issuer.clone(),
            name: "Google".to_owned(),
            picture_hosts: vec!["127.0.0.1".to_owned()],
            allow_http: true,
            discovery_retry: std::time::Duration::from_secs(60),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// Who signs in next.
    pub fn sign_in_as(&self, person: Person) {
        self.inner.lock().unwrap().person = Some(person);
    }

    pub fn set_fault(&self, fault: Option<Fault>) {
        self.inner.lock().unwrap().fault = fault;
    }

    pub fn token_requests(&self) -> usize {
        self.inner.lock().unwrap().token_requests
    }

    /// Requests that followed the token endpoint's redirect to another host.
    pub fn elsewhere_requests(&self) -> usize {
        self.inner.lock().unwrap().elsewhere_requests
    }

    fn id_token(&self, nonce: &str) -> String {
        let inner = self.inner.lock().unwrap();
        let person = inner.person.clone().expect("a person to sign in");
        let fault = inner.fault;
        drop(inner);
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "iss": if fault == Some(Fault::WrongIssuer) { "http://127.0.0.1:1".to_owned() } else { self.issuer.clone() },
            "aud": if fault == Some(Fault::WrongAudience) { "someone-else" } else { CLIENT_ID },
            "sub": person.subject,
            "iat": now - 10,
            "exp": if fault == Some(Fault::Expired) { now - 3600 } else { now + 600 },
            "nonce": if fault == Some(Fault::WrongNonce) { "not-the-nonce" } else { nonce },
            "email_verified": person.email_verified,
        });
        let map = claims.as_object_mut().expect("object");
        if let Some(email) = person.email {
            map.insert("email".into(), json!(email));
        }
        if let Some(name) = person.given_name {
            map.insert("given_name".into(), json!(name));
        }
        if let Some(name) = person.family_name {
            map.insert("family_name".into(), json!(name));
        }
        if let Some(picture) = person.picture {
            let url = if picture.starts_with('/') {
                self.url(&picture)
            } else {
                picture
            };
            map.insert("picture".into(), json!(url));
        }
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        if fault == Some(Fault::Unsigned) {
            let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
            return format!("{header}.{payload}.");
        }
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#);
        let signing_input = format!("{header}.{payload}");
        let signer = if fault == Some(Fault::BadSignature) {
            other_key()
        } else {
            key()
        };
        let signature = SigningKey::<Sha256>::new(signer.clone())
            .sign(signing_input.as_bytes())
            .to_bytes();
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

async fn discovery(provider: web::Data<TestProvider>) -> HttpResponse {
    if provider.inner.lock().unwrap().fault == Some(Fault::IssuerDown) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    HttpResponse::Ok().json(json!({
        "issuer": provider.issuer,
        "authorization_endpoint": provider.url("/authorize"),
        "token_endpoint": provider.url("/token"),
        "jwks_uri": provider.url("/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "scopes_supported": ["openid", "email", "profile"],
    }))
}

async fn jwks() -> HttpResponse {
    let public = RsaPublicKey::from(key());
    HttpResponse::Ok().json(json!({"keys": [{
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": "k1",
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
    }]}))
}

/// The provider's page: a "Continuar" link back to the app with a fresh code.
async fn authorize(
    provider: web::Data<TestProvider>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let get = |k: &str| query.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID
        || get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || get("code_challenge").is_empty()
        || get("nonce").is_empty()
        || !get("scope").split(' ').any(|s| s == "openid")
    {
        return HttpResponse::BadRequest().body("bad authorization request");
    }
    let code = format!("code-{}", rand::random::<u64>());
    let redirect_uri = get("redirect_uri");
    provider.inner.lock().unwrap().grants.insert(
        code.clone(),
        Grant {
            nonce: get("nonce"),
            challenge: get("code_challenge"),
            redirect_uri: redirect_uri.clone(),
            used: false,
        },
    );
    let mut back = url::Url::parse(&redirect_uri).expect("redirect_uri");
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &get("state"));
    let body = format!(
        "<!DOCTYPE html><html lang=\"es\"><head><title>Proveedor de prueba</title></head>\
         <body><main><h1>Proveedor de prueba</h1>\
         <a id=\"approve\" href=\"{}\">Continuar</a></main></body></html>",
        back.as_str().replace('&', "&amp;")
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

async fn token(
    provider: web::Data<TestProvider>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let invalid = |what: &str| HttpResponse::BadRequest().json(json!({"error": what}));
    {
        let mut inner = provider.inner.lock().unwrap();
        inner.token_requests += 1;
        if inner.fault == Some(Fault::TokenEndpointDown) {
            return HttpResponse::InternalServerError().finish();
        }
        if inner.fault == Some(Fault::TokenRedirectsElsewhere) {
            let code = form.get("code").cloned().unwrap_or_default();
            let mut elsewhere = url::Url::parse(&format!(
                "http://localhost:{}/token-elsewhere",
                provider.port
            ))
            .expect("url");
            elsewhere.query_pairs_mut().append_pair("code", &code);
            return HttpResponse::Found()
                .insert_header(("location", elsewhere.as_str()))
                .finish();
        }
    }
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if auth != Some(expected.as_str()) {
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_client"}));
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    if get("grant_type") != "authorization_code" {
        return invalid("unsupported_grant_type");
    }
    let nonce = {
        let mut inner = provider.inner.lock().unwrap();
        let Some(grant) = inner.grants.get_mut(&get("code")) else {
            return invalid("invalid_grant");
        };
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
        if grant.used || grant.challenge != challenge || grant.redirect_uri != get("redirect_uri") {
            return invalid("invalid_grant");
        }
        grant.used = true;
        grant.nonce.clone()
    };
    token_answer(&provider, &nonce)
}

/// A good token answer: an ID token for `nonce`.
fn token_answer(provider: &TestProvider, nonce: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "access_token": "access",
        "token_type": "Bearer",
        "expires_in": 3600,
        "id_token": provider.id_token(nonce),
    }))
}

/// Where [`Fault::TokenRedirectsElsewhere`] points: a good answer for the code in the query,
/// whatever the method, so that a client following the redirect would sign in.
async fn token_elsewhere(
    provider: web::Data<TestProvider>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let nonce = {
        let mut inner = provider.inner.lock().unwrap();
        inner.elsewhere_requests += 1;
        let code = query.get("code").cloned().unwrap_or_default();
        match inner.grants.get(&code) {
            Some(grant) => grant.nonce.clone(),
            None => return HttpResponse::BadRequest().json(json!({"error": "invalid_grant"})),
        }
    };
    token_answer(&provider, &nonce)
}

async fn picture() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/png")
        .body(png(64, 48))
}

/// 503 the first time, the picture after.
async fn flaky_picture(provider: web::Data<TestProvider>) -> HttpResponse {
    let served = std::mem::replace(&mut provider.inner.lock().unwrap().flaky_served, true);
    if served {
        picture().await
    } else {
        HttpResponse::ServiceUnavailable().finish()
    }
}

/// Larger than a 1 MiB upload limit.
async fn big_picture() -> HttpResponse {
    let mut bytes = png(64, 48);
    bytes.resize(1024 * 1024 + 10, 0);
    HttpResponse::Ok().content_type("image/png").body(bytes)
}

async fn not_an_image() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/png")
        .body("<html>not an image</html>")
}

async fn same_host_redirect() -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("location", "/picture.png"))
        .finish()
}

/// To `localhost`: the same server under another host name.
async fn other_host_redirect(provider: web::Data<TestProvider>) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((
            "location",
            format!("http://localhost:{}/picture.png", provider.port),
        ))
        .finish()
}
