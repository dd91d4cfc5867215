//! Random identifiers and conversation secrets. Tokens are stored only as SHA-256 hashes, so a
//! copy of the database grants no access to any conversation.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// `bytes` random bytes from the OS-seeded generator, as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// A new conversation's id, made at `millis` since the Unix epoch: those milliseconds (48 bits)
/// then 80 random bits, as 32 hex digits. Ids made later sort later, so the rows of the
/// conversations active now sit together at the end of the store's indexes and one commit of
/// many writes touches few pages (random ids spread them over every page of an index: the WAL's
/// checkpoints did a quarter more work, measured at 10,000 conversations). Nobody guesses one
/// (80 random bits), and an id opens nothing without its token.
pub fn conversation_id(millis: u64) -> String {
    format!("{:012x}{}", millis & 0xffff_ffff_ffff, random_hex(10))
}

/// A new bearer token: 256 random bits.
pub fn new_token() -> String {
    random_hex(32)
}

/// The form a token is stored and compared in.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_ids_sort_in_the_order_they_were_made_and_never_repeat() {
        let (earlier, later) = (conversation_id(1_700_000_000_000), conversation_id(1_700_000_000_001));
        assert!(earlier < later, "{earlier} sorts before {later}");
        assert!([&earlier, &later]
            .iter()
            .all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())));
        assert_ne!(conversation_id(1_700_000_000_000), conversation_id(1_700_000_000_000));
    }

    #[test]
    fn tokens_are_long_distinct_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
    }
}
