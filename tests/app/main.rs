//! Black-box tests: each starts the real server on port 0 with its own database.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod cli;
mod csrf;
mod errors_and_headers;
mod forced_change;
mod health;
mod helpers;
mod html;
mod i18n;
mod invoice;
mod login;
mod password_change;
mod photos;
mod profile;
mod sessions;
mod team;
mod tutorial;
