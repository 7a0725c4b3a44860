//! The public paths that more than one place names: the route table, redirects, and the links
//! in mail. The route paths are a contract (see DESIGN.md); here is their one spelling.

pub const LOGIN: &str = "/login/";
pub const DASHBOARD: &str = "/dashboard/";
pub const SIGNUP: &str = "/registro/";
pub const PROFILE: &str = "/perfil/";
pub const PROFILE_UPDATE: &str = "/actualizar-perfil/";
pub const CHANGE_PASSWORD: &str = "/cambiar-password/";
pub const TEAM: &str = "/equipo/";
pub const RESEND_VERIFICATION: &str = "/reenviar-verificacion/";
pub const RECOVER_PASSWORD: &str = "/recuperar-password/";
/// The token-less address of the reset form (the link's token waits in the session).
pub const RESET_PASSWORD: &str = "/restablecer-password/";
pub const TUTORIAL_SEEN: &str = "/marcar-tutorial-visto/";
pub const EXPORT: &str = "/cuenta/exportar/";

/// The link that confirms an address (the account's own, or a new one).
pub fn verify_email(token: &str) -> String {
    format!("/verificar-email/{token}/")
}

/// The link that opens the password-reset form.
pub fn reset_password(token: &str) -> String {
    format!("{RESET_PASSWORD}{token}/")
}

/// The mailed link that lets a sign-in proceed from an unknown browser.
pub fn confirm_sign_in(token: &str) -> String {
    format!("/login/confirmar/{token}/")
}
