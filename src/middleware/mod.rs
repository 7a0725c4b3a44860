//! Cross-cutting request and response rules that are not about identity.

pub mod security_headers;
