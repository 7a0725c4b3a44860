//! Who is asking: password hashing, the session identity checked on every request, and CSRF.

pub mod bearer;
pub mod breached;
pub mod browser;
pub mod csrf;
pub mod oidc_flow;
pub mod password;
pub mod recent;
pub mod remember;
pub mod session;

pub use recent::RecentUser;
pub use session::{AdminUser, CurrentUser};
