//! Parse-don't-validate newtypes: a value of one of these types has passed every rule, so
//! code past the form layer never re-checks it.

pub mod email;
pub mod invoice;
pub mod password;
pub mod problem;
pub mod profile;
pub mod region;
mod role;
mod text_enum;
pub mod username;

pub use email::EmailAddress;
pub use password::{NewPassword, PasswordHash, PasswordPolicy, PasswordProblem};
pub use problem::{Problem, Problems};
pub use role::Role;
pub use username::Username;
