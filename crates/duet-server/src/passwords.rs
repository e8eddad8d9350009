//! Account passwords: a strength rule checked before anything is stored, and argon2id hashes
//! (OWASP's recommended parameters, the argon2 crate's defaults) stored as PHC strings.
//!
//! Hashing costs ~19 MiB and tens of milliseconds by design, so callers run it on the blocking
//! pool behind [`PasswordWork`], which bounds how many run at once: a flood of registrations or
//! logins queues there instead of taking every core and all memory.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// The fewest characters a password may have (NIST SP 800-63B's floor for chosen passwords).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The most characters hashed; longer inputs are refused rather than hashed at length.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The most-used passwords of public breach lists: refused whatever their length.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password123",
    "12345678",
    "123456789",
    "1234567890",
    "qwerty123",
    "qwertyuiop",
    "11111111",
    "00000000",
    "iloveyou",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "abc12345",
    "letmein1",
    "passw0rd",
    "admin123",
    "1q2w3e4r",
    "zaq12wsx",
    "qwerty12",
    "1qaz2wsx",
    "88888888",
    "asdfghjkl",
    "trustno1",
    "dragon12",
];

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password may have at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("this password is one of the most common ones; choose another")]
    Common,
    #[error("a password must not contain the account name")]
    ContainsAccount,
    #[error("a password must not be one character repeated")]
    Repeated,
}

/// Checks `password` for the account named `account` before it is hashed.
pub fn check_strength(password: &str, account: &str) -> Result<(), WeakPassword> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(WeakPassword::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(WeakPassword::TooLong);
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err(WeakPassword::Common);
    }
    if account.chars().count() >= 3 && lower.contains(&account.to_lowercase()) {
        return Err(WeakPassword::ContainsAccount);
    }
    let mut distinct = password.chars();
    let first = distinct.next();
    if distinct.all(|c| Some(c) == first) {
        return Err(WeakPassword::Repeated);
    }
    Ok(())
}

/// Hashing or verifying failed inside the hash library (never a wrong password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl HashError {
    /// The blocking task that hashed panicked or was cancelled.
    pub(crate) fn from_join(error: &tokio::task::JoinError) -> Self {
        Self(error.to_string())
    }
}

/// The argon2id PHC string of `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches `phc` (a stored hash). A malformed stored hash matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(error) => {
            tracing::error!(%error, "a stored password hash does not parse");
            false
        }
    }
}

/// A hash to verify against when the account has none, so that "no such account" takes as long
/// as "wrong password" and the two cannot be told apart by timing.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        // A fixed input and a fresh salt: hashing it only fails if the OS has no randomness,
        // and then the empty string (which matches nothing) is still a safe decoy.
        hash("duet decoy password").unwrap_or_default()
    })
}

/// Runs password hashing on the blocking pool, a bounded number at a time.
#[derive(Debug, Clone)]
pub struct PasswordWork {
    permits: Arc<Semaphore>,
}

impl PasswordWork {
    /// At most `parallel` hashes at once.
    pub fn new(parallel: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(parallel.max(1))),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| HashError("the server is stopping".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashError::from_join(&e))
    }

    /// [`hash`] on the blocking pool.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        self.run(move || hash(&password)).await?
    }

    /// [`verify`] on the blocking pool; with no stored hash, verifies against a decoy and fails.
    pub async fn verify(&self, password: &str, phc: Option<String>) -> Result<bool, HashError> {
        let password = password.to_owned();
        self.run(move || match phc {
            Some(phc) => verify(&password, &phc),
            None => {
                verify(&password, decoy_hash());
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let cases = [
            ("", Err(WeakPassword::TooShort)),
            ("short1!", Err(WeakPassword::TooShort)),
            ("Password123", Err(WeakPassword::Common)),
            ("alice-is-great", Err(WeakPassword::ContainsAccount)),
            ("zzzzzzzzzz", Err(WeakPassword::Repeated)),
            (
                &"x".repeat(MAX_PASSWORD_CHARS) as &str,
                Err(WeakPassword::Repeated),
            ),
            ("correct horse battery", Ok(())),
            ("八个汉字的密码很好", Ok(())),
        ];
        for (password, expected) in cases {
            assert_eq!(check_strength(password, "alice"), expected, "{password:?}");
        }
        let long = "ab".repeat(MAX_PASSWORD_CHARS);
        assert_eq!(check_strength(&long, "alice"), Err(WeakPassword::TooLong));
    }

    #[test]
    fn a_hash_verifies_its_password_only_and_hides_it() {
        let phc = hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterY", &phc));
        assert!(!verify("correct horse battery", "not a hash"));
        assert_ne!(hash("correct horse battery").unwrap(), phc, "salted");
    }
}
