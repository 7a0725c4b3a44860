//! Black-box tests: each starts the real server on port 0 with its own database.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod api_cookie;
mod api_me;
mod api_scopes;
mod api_support;
mod api_team;
mod api_tokens;
mod assets;
mod cli;
mod csrf;
mod deletion;
mod email_change;
mod errors_and_headers;
mod export;
mod forced_change;
mod formats;
mod health;
mod helpers;
mod html;
mod i18n;
mod invoice;
mod login;
mod login_guard;
mod oidc;
#[path = "../support/oidc_provider.rs"]
mod oidc_provider;
mod onboarding;
mod operations;
mod outbox;
mod passkeys;
mod password_change;
mod password_rules;
mod pending_photo;
mod photos;
#[cfg(feature = "postgres")]
mod postgres;
mod profile;
mod profile_read_ahead;
mod proxies;
mod request_bodies;
mod reset;
mod s3;
mod security_centre;
mod security_log;
mod sessions;
mod signup;
mod smtp;
mod team;
mod tutorial;
mod two_step;
mod usernames;
mod verification;
