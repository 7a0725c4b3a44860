//! Handlers, one file per page or action group. Each is thin: parse, one call into `db/` or
//! `auth/`, render or redirect. The route table is in `startup.rs`.

pub mod account_deletion;
pub mod assets;
pub mod dashboard;
pub mod email_requests;
pub mod errors;
pub mod export;
pub mod health;
pub mod home;
pub mod invoice;
pub mod login;
pub mod media;
pub mod oidc;
pub mod passkeys;
pub mod password;
pub mod profile;
pub mod reauth;
pub mod reset;
pub mod security;
pub mod signup;
pub mod team;
pub mod tokens;
pub mod tutorial;
pub mod two_step;
pub mod verification;
