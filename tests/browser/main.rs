//! Browser tests: headless Debian Chromium driven through chromedriver by fantoccini.
//!
//! They run when `CUENTAS_BROWSER_TESTS=1` (CI sets it) and then fail if Chromium or
//! chromedriver is missing; otherwise each test returns at once, saying why.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "../app/helpers.rs"]
#[allow(
    dead_code,
    reason = "shared with the app tests; not every helper is used here"
)]
mod helpers;

mod accessibility;
mod admin;
mod deletion;
mod harness;
mod login;
mod oidc;
#[path = "../support/oidc_provider.rs"]
#[allow(
    dead_code,
    reason = "shared with the app tests; the faults are not used here"
)]
mod oidc_provider;
mod passkeys;
mod password;
mod profile;
mod reset;
mod security;
mod signup;
mod small_screens;
mod tokens;
mod two_step;
