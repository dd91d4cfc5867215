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
    fn tokens_are_long_distinct_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
    }
}
