//! Which second factors an account has, read inside a connection: what two-step sign-in
//! (`accounts::two_step`), passkeys and the session check (`accounts::sessions::resolve`) all
//! ask. It sits below them so that none has to import another for it.

use super::Error;
use crate::db::DbConnection;
use crate::db::passkeys::PasskeyRow;
use crate::db::two_step::{RecoveryCodes, TeamSettings, TotpSecret};
use crate::db::users::User;
use crate::domain::Role;

/// Where an account stands.
#[derive(Clone, Copy, Debug, Default)]
pub struct Status {
    /// The authenticator app is on.
    pub app: bool,
    /// Unused recovery codes.
    pub codes_left: i64,
    /// Passkeys (`accounts::passkeys`).
    pub passkeys: i64,
}

impl Status {
    /// Any second factor: a sign-in with the password alone is not enough.
    pub fn enabled(&self) -> bool {
        self.app || self.passkeys > 0
    }
}

/// The account's two-step status, inside a connection.
pub fn status_in(conn: &mut DbConnection, user_id: i32) -> diesel::QueryResult<Status> {
    Ok(Status {
        app: TotpSecret::find(conn, user_id)?.is_some(),
        codes_left: RecoveryCodes::remaining(conn, user_id)?,
        passkeys: PasskeyRow::count(conn, user_id)?,
    })
}

/// True when `user` has no factor and must set one up before doing anything else: an admin
/// under `CUENTAS_REQUIRE_TWO_STEP_ADMINS` (`require_admins`), or a vendedor whose admin
/// requires it. Answered inside the trip that resolves the session (`sessions::resolve`), so
/// that a vendedor's every request makes no second trip for it.
pub fn set_up_required_in(
    conn: &mut DbConnection,
    user: &User,
    require_admins: bool,
) -> Result<bool, Error> {
    let by_settings = require_admins && user.role == Role::Admin;
    let admin = user.manager_id.filter(|_| user.role == Role::Vendedor);
    if !by_settings && admin.is_none() {
        return Ok(false);
    }
    // Any factor will do (the recovery codes are not counted: they come with one).
    if TotpSecret::find(conn, user.id)?.is_some() || PasskeyRow::count(conn, user.id)? > 0 {
        return Ok(false);
    }
    Ok(match admin {
        _ if by_settings => true,
        Some(admin) => TeamSettings::requires_two_step(conn, admin)?,
        None => false,
    })
}
