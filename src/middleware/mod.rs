//! Cross-cutting request and response rules that are not about identity.

pub mod access_log;
pub mod forced_password_change;
pub mod security_headers;
