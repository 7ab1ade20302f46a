//! Secrets: passwords are stored as argon2id hashes; API tokens are 256 random bits shown once and
//! stored only as a SHA-256 hash (they carry full entropy, so a fast hash suffices to make a stolen
//! table useless).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use sha2::{Digest, Sha256};

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

/// The stored form of a new user: the password, if any, replaced by its hash.
pub fn user_record(user: domain::access::input::NewUser) -> Result<store::NewUserRecord, String> {
    let password_hash = user.password.as_deref().map(hash_password).transpose()?;
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
    use argon2::password_hash::{PasswordHash, PasswordVerifier};

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
