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
/// Deleting one's own account, and restoring it right after a sign-in refused for it.
pub const DELETE_ACCOUNT: &str = "/cuenta/eliminar/";
pub const RESTORE_ACCOUNT: &str = "/cuenta/restaurar/";
pub const SECURITY: &str = "/seguridad/";
pub const SECOND_STEP: &str = "/login/dos-pasos/";
pub const TWO_STEP: &str = "/seguridad/dos-pasos/";
pub const PASSKEYS: &str = "/seguridad/llaves/";
pub const REAUTHENTICATE: &str = "/reautenticar/";
pub const END_OTHER_SESSIONS: &str = "/seguridad/sesiones/cerrar-otras/";
pub const NOT_ME: &str = "/seguridad/no-fui-yo/";
/// The probes of load balancers and orchestrators: plain text, never the error page.
pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const EXPORT: &str = "/cuenta/exportar/";
pub const PERSONAL_TOKENS: &str = "/seguridad/tokens/";
/// Sign-in with the OpenID Connect provider: the start and the provider's way back.
pub const OIDC_START: &str = "/login/oidc/";
pub const OIDC_CALLBACK: &str = "/login/oidc/callback/";
/// Linking the provider to a signed-in account starts here (POST).
pub const OIDC_LINK: &str = "/seguridad/identidades/vincular/";

/// The button that unlinks one of the user's linked identities.
pub fn unlink_identity(id: i32) -> String {
    format!("/seguridad/identidades/{id}/desvincular/")
}
/// The photo a profile form with another error kept for this session.
pub const PENDING_PHOTO: &str = "/perfil/foto/pendiente/";

/// The button that ends one of the user's sessions, by its public id.
pub fn end_session(public_id: &str) -> String {
    format!("/seguridad/sesiones/{public_id}/cerrar/")
}

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

/// The mailed link that restores an account pending deletion.
pub fn restore_account(token: &str) -> String {
    format!("{RESTORE_ACCOUNT}{token}/")
}

/// `next` is followed only to a local path: one leading slash, no scheme, no backslash, no
/// control character, so `//evil.example`, `/\evil.example` and `javascript:` all fail.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/dashboard/"), Some("/dashboard/"));
        assert_eq!(safe_next("/perfil/?tab=1"), Some("/perfil/?tab=1"));
        for bad in [
            "",
            "//evil.example",
            "/\\evil.example",
            "http://evil.example",
            "https:evil.example",
            "javascript:alert(1)",
            "dashboard",
            "/\tevil",
            "/ok\r\nSet-Cookie: x=y",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
