//! cuentas: the accounts and profile module of a small-business inventory app.

pub mod accounts;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod files;
pub mod i18n;
pub mod locale;
pub mod mail;
pub mod middleware;
pub mod net;
pub mod paths;
pub mod photos;
pub mod render;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod token;
