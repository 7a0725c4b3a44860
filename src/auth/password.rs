//! Password hashing with argon2id (the crate's defaults, the OWASP baseline), always on the
//! blocking pool and never more at once than there are cores less one, so a burst of logins
//! cannot starve the executor or the pages everyone else is loading.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params};
use tokio::sync::Semaphore;

use crate::domain::PasswordHash as StoredHash;

/// The outcome of checking a password.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    /// Correct; `rehash` holds a new hash when the stored one used weaker parameters.
    Valid {
        rehash: Option<String>,
    },
    Invalid,
}

/// Hashes and verifies passwords with bounded concurrency.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Verified for unknown accounts, so they cost the same time as known ones.
    dummy_hash: Arc<str>,
}

impl Passwords {
    pub fn new() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        // One core stays free for everything that is not a password hash.
        let permits = cores.saturating_sub(1).max(1);
        let dummy = hash_password("dummy password for unknown accounts")?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(permits)),
            dummy_hash: dummy.into(),
        })
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        self.blocking(move || hash_password(&password)).await
    }

    /// Checks `password` against `stored`; with no stored hash (unknown account) a dummy hash
    /// is verified so the answer takes the same time.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<StoredHash>,
    ) -> anyhow::Result<Verification> {
        let dummy = Arc::clone(&self.dummy_hash);
        self.blocking(move || {
            let Some(stored) = stored else {
                let _ = verify_blocking(&password, &dummy);
                return Ok(Verification::Invalid);
            };
            let stored = stored.expose();
            if stored == UNUSABLE {
                let _ = verify_blocking(&password, &dummy);
                return Ok(Verification::Invalid);
            }
            match verify_blocking(&password, stored) {
                Ok(true) if needs_rehash(stored) => Ok(Verification::Valid {
                    rehash: Some(hash_password(&password)?),
                }),
                Ok(true) => Ok(Verification::Valid { rehash: None }),
                Ok(false) => Ok(Verification::Invalid),
                Err(e) => {
                    tracing::warn!(error = %e, "a stored password hash could not be parsed");
                    let _ = verify_blocking(&password, &dummy);
                    Ok(Verification::Invalid)
                }
            }
        })
        .await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let waiting = crate::metrics::argon2_queued();
        let _permit = Arc::clone(&self.permits).acquire_owned().await?;
        drop(waiting);
        tokio::task::spawn_blocking(work).await?
    }
}

/// Letters and digits that cannot be mistaken for one another when read aloud or copied by
/// hand (no 0/O, 1/l/I).
const TEMP_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A temporary password for a new or reset vendedor: 20 characters drawn uniformly from a
/// 56-symbol alphabet by the OS generator (about 116 bits), in groups of five for reading.
pub fn temporary_password() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut out = String::with_capacity(23);
    for i in 0..20usize {
        if i > 0 && i.is_multiple_of(5) {
            out.push('-');
        }
        let index = rng.random_range(0..TEMP_ALPHABET.len());
        out.push(char::from(TEMP_ALPHABET[index]));
    }
    out
}

/// Hashes synchronously; for the CLI and tests. The server goes through [`Passwords::hash`].
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// What a locked-down account ("no fui yo") stores instead of a hash: no password verifies
/// against it, and it is not a PHC string (no parser mistakes it for one).
pub const UNUSABLE: &str = "!unusable";

fn verify_blocking(password: &str, stored: &str) -> Result<bool, argon2::password_hash::Error> {
    let parsed = PasswordHash::new(stored)?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(e),
    }
}

/// True when the hash was made with another algorithm or weaker costs than today's defaults.
fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    if parsed.algorithm.as_str() != Algorithm::Argon2id.as_ref() {
        return true;
    }
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    let current = Params::default();
    params.m_cost() < current.m_cost()
        || params.t_cost() < current.t_cost()
        || params.p_cost() < current.p_cost()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_use_argon2id_with_the_owasp_parameters() {
        let hash = hash_password("Tortuga-Verde-42").expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking("Tortuga-Verde-42", &hash).expect("parse"));
        assert!(!verify_blocking("tortuga-verde-42", &hash).expect("parse"));
        assert!(!needs_rehash(&hash));
    }

    #[test]
    fn weaker_hashes_are_flagged_for_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            argon2::Version::V0x13,
            Params::new(4096, 1, 1, None).expect("params"),
        )
        .hash_password(b"x")
        .expect("hash")
        .to_string();
        assert!(needs_rehash(&weak));
        assert!(needs_rehash("not a hash"));
    }

    #[test]
    fn temporary_passwords_are_long_readable_and_different() {
        let first = temporary_password();
        assert_eq!(first.len(), 23, "{first}");
        let symbols: Vec<char> = first.chars().filter(|c| *c != '-').collect();
        assert_eq!(symbols.len(), 20);
        assert!(symbols.iter().all(|c| TEMP_ALPHABET.contains(&(*c as u8))));
        assert_eq!(first.matches('-').count(), 3);
        let many: std::collections::HashSet<String> =
            (0..200).map(|_| temporary_password()).collect();
        assert_eq!(many.len(), 200);
    }
}
