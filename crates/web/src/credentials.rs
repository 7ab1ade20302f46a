//! Secrets: passwords are stored as argon2id hashes; API tokens are 256 random bits shown once and
//! stored only as a SHA-256 hash (they carry full entropy, so a fast hash suffices to make a stolen
//! table useless).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// Prefix that makes tokens recognisable in logs and secret scanners.
pub const TOKEN_PREFIX: &str = "drg_";

pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes).map_err(|e| format!("no randomness available: {e}"))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| format!("cannot encode salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

pub fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Argon2 computations running at once. Each takes ~20 ms of a core and 19 MiB: run on the
/// request threads they would stall every other request (issue 12), so they run on blocking
/// threads, a few at a time, and the rest wait their turn.
static ARGON2_SLOTS: Semaphore = Semaphore::const_new(2);

/// Runs `work` (an argon2 hash or check) off the async workers, bounded by [`ARGON2_SLOTS`].
async fn off_the_request_threads<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let _slot = ARGON2_SLOTS.acquire().await.map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(work).await.map_err(|e| e.to_string())
}

/// [`password_matches`] for a request handler.
pub async fn check_password(hash: String, password: String) -> bool {
    off_the_request_threads(move || password_matches(&hash, &password))
        .await
        .unwrap_or(false)
}

/// [`hash_password`] for a request handler.
pub async fn hash_new_password(password: String) -> Result<String, String> {
    off_the_request_threads(move || hash_password(&password)).await?
}

/// The stored form of a new user: the password, if any, replaced by its hash.
pub async fn user_record(user: domain::access::input::NewUser) -> Result<store::NewUserRecord, String> {
    let password_hash = match user.password {
        Some(password) => Some(hash_new_password(password).await?),
        None => None,
    };
    Ok(store::NewUserRecord {
        email: user.email,
        display_name: user.display_name,
        role: user.role,
        partner_id: user.partner_id,
        password_hash,
    })
}

/// A new API token: the secret to show once, and the hash to store.
pub fn new_token() -> Result<(String, String), String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness available: {e}"))?;
    let secret = format!("{TOKEN_PREFIX}{}", hex(&bytes));
    let hash = token_hash(&secret);
    Ok((secret, hash))
}

pub fn token_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_stored_as_salted_argon2id() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery!", &parsed)
                .is_err()
        );
    }

    /// Eight checks at once on a runtime with one thread: the thread keeps ticking meanwhile, so
    /// other requests are still answered.
    #[tokio::test(flavor = "current_thread")]
    async fn password_checks_leave_the_request_threads_free() {
        let hash = hash_password("correct horse battery").unwrap();
        let checks: Vec<_> = (0..8)
            .map(|_| tokio::spawn(check_password(hash.clone(), "wrong guess".to_owned())))
            .collect();
        let ticker = tokio::spawn(async {
            let mut ticks = 0u32;
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                ticks += 1;
                if ticks == 10 {
                    return ticks;
                }
            }
        });
        let mut done = 0;
        let mut ticked_before_all_checks = false;
        for check in checks {
            assert!(!check.await.unwrap());
            done += 1;
            if done < 8 && ticker.is_finished() {
                ticked_before_all_checks = true;
            }
        }
        assert!(ticked_before_all_checks, "the request thread was stalled by argon2");
        assert_eq!(ticker.await.unwrap(), 10);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, hash_a) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(token_hash(&a), hash_a);
        assert_ne!(hash_a, a);
    }
}
