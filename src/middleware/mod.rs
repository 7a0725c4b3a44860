//! Cross-cutting request and response rules that are not about identity.

pub mod access_log;
pub mod allowed_hosts;
pub mod forced_password_change;
pub mod request_body;
pub mod required_two_step;
pub mod security_headers;
