//! Black-box tests: each starts the real server on port 0 with its own database.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

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
mod onboarding;
mod outbox;
mod password_change;
mod password_rules;
mod pending_photo;
mod photos;
mod profile;
mod proxies;
mod request_bodies;
mod reset;
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
