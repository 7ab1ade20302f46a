//! The audit trail is append-only and hash-chained (PLT-2): each entry's hash covers the previous
//! entry's hash, so changing or deleting any entry breaks every hash after it.

use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 of a text, hex-encoded: fingerprints of request content (a resent PO must match).
pub fn content_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The fields of an entry that its hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFields<'a> {
    pub id: i64,
    pub at_us: i64,
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: i64,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// SHA-256 over the previous hash and each field, every field length-prefixed so that no two
/// different entries encode to the same bytes.
pub fn chain_hash(prev_hash: &str, entry: &AuditFields<'_>) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(prev_hash.as_bytes());
    field(&entry.id.to_be_bytes());
    field(&entry.at_us.to_be_bytes());
    field(
        entry
            .actor_user_id
            .map(|a| a.to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    field(entry.action.as_bytes());
    field(entry.entity_type.as_bytes());
    field(&entry.entity_id.to_be_bytes());
    field(entry.before.unwrap_or("\u{0}").as_bytes());
    field(entry.after.unwrap_or("\u{0}").as_bytes());
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditFields<'_> {
        AuditFields {
            id: 1,
            at_us: 1_795_000_000_000_000,
            actor_user_id: Some(7),
            action,
            entity_type: "registration",
            entity_id: 42,
            before: None,
            after: Some(r#"{"status":"submitted"}"#),
        }
    }

    #[test]
    fn the_hash_depends_on_every_field_and_the_previous_hash() {
        let h = chain_hash(GENESIS, &entry("submit"));
        assert_eq!(h.len(), 64);
        assert_eq!(h, chain_hash(GENESIS, &entry("submit")));
        assert_ne!(h, chain_hash(GENESIS, &entry("approve")));
        assert_ne!(h, chain_hash(&h, &entry("submit")));
        let mut moved = entry("submit");
        moved.before = Some("");
        assert_ne!(h, chain_hash(GENESIS, &moved));
    }
}
