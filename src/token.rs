//! Random tokens and the one form in which they are stored. Depends on nothing else in the
//! crate, so storage, mail, photos and sessions can all use it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 bits from the OS generator, URL-safe base64 without padding: 43 characters.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The hex SHA-256 of a value: how tokens are stored and looked up, and how throttle keys
/// keep arbitrary input (any length, NUL bytes) out of an index.
pub fn sha256_hex(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// True for a value shaped like [`random_token`]'s output; anything else is never looked up.
pub fn is_token_shaped(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_token_shaped_values_are_looked_up() {
        let token = random_token();
        assert!(is_token_shaped(&token), "{token}");
        assert!(!is_token_shaped(""));
        assert!(!is_token_shaped(&format!("{}=", &token[..42])));
        assert!(!is_token_shaped(&"a".repeat(44)));
        assert_ne!(token, random_token());
    }

    #[test]
    fn the_stored_form_is_a_sha256() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
