//! Signed, expiring file addresses: `/v1/files/{id}?expires={unix seconds}&signature={hex}`,
//! the signature an HMAC-SHA256 of the id and the expiry with a key derived from the bridge's
//! secret key. Every bridge sharing that key (PostgreSQL scale-out) accepts the others'
//! addresses; changing the key revokes them all.

use std::fmt;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::SecretKey;

/// What the signing key is derived for, so it is no other use's key.
const PURPOSE: &str = "baton file addresses v1";

/// Why a file address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature is not the bridge's for this file and expiry.
    #[error("the file address is not signed by this bridge")]
    Forged,
    /// The address was good until its expiry, which has passed.
    #[error("the file address has expired")]
    Expired,
}

/// Signs and checks file addresses. `Debug` never shows the key.
#[derive(Clone)]
pub struct UrlSigner {
    /// The derived key, padded to SHA-256's block as HMAC pads any shorter key.
    key: [u8; 64],
}

impl fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UrlSigner([redacted])")
    }
}

impl UrlSigner {
    /// The signer of the bridge whose secret key is `key`.
    pub fn new(key: &SecretKey) -> Self {
        let mut block = [0; 64];
        block[..32].copy_from_slice(&key.derive(PURPOSE));
        Self { key: block }
    }

    fn mac(&self, id: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&self.key.into());
        mac.update(format!("{id}\n{expires}").as_bytes());
        mac
    }

    /// The path and query serving file `id` until `expires` (Unix seconds).
    pub fn path(&self, id: &str, expires: i64) -> String {
        let signature = hex::encode(self.mac(id, expires).finalize().into_bytes());
        format!("/v1/files/{id}?expires={expires}&signature={signature}")
    }

    /// Whether `signature` is this bridge's for `id` until `expires`, and `now` (Unix seconds)
    /// is not past it. The signature is compared in constant time.
    pub fn verify(&self, id: &str, expires: i64, signature: &str, now: i64) -> Result<(), SignatureError> {
        let bytes = hex::decode(signature).map_err(|_| SignatureError::Forged)?;
        self.mac(id, expires).verify_slice(&bytes).map_err(|_| SignatureError::Forged)?;
        if now > expires {
            return Err(SignatureError::Expired);
        }
        Ok(())
    }

    /// `url`, one of this bridge's file addresses, signed anew until `expires`: the inbox
    /// gets an address fresh when it is handed one, whenever the message was sent. `None` when
    /// `url` is no file address.
    pub fn renew(&self, url: &str, expires: i64) -> Option<String> {
        let (base, _) = url.split_once('?').unwrap_or((url, ""));
        let (origin, id) = base.split_once("/v1/files/")?;
        if id.is_empty() || id.contains('/') {
            return None;
        }
        Some(format!("{origin}{}", self.path(id, expires)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> UrlSigner {
        UrlSigner::new(&"11".repeat(32).parse().expect("a key"))
    }

    fn signature_of(path: &str) -> &str {
        path.rsplit_once("signature=").map(|(_, s)| s).expect("signed")
    }

    #[test]
    fn an_address_opens_its_file_until_it_expires() {
        let path = signer().path("f1", 1_000);
        assert!(path.starts_with("/v1/files/f1?expires=1000&signature="), "{path}");
        let signature = signature_of(&path);
        assert_eq!(signer().verify("f1", 1_000, signature, 1_000), Ok(()));
        assert_eq!(signer().verify("f1", 1_000, signature, 1_001), Err(SignatureError::Expired));
    }

    #[test]
    fn another_file_a_later_expiry_or_another_key_is_refused() {
        let path = signer().path("f1", 1_000);
        let signature = signature_of(&path);
        assert_eq!(signer().verify("f2", 1_000, signature, 0), Err(SignatureError::Forged));
        assert_eq!(signer().verify("f1", 9_999, signature, 0), Err(SignatureError::Forged));
        assert_eq!(signer().verify("f1", 1_000, "zz", 0), Err(SignatureError::Forged));
        let other = UrlSigner::new(&"22".repeat(32).parse().expect("a key"));
        assert_eq!(other.verify("f1", 1_000, signature, 0), Err(SignatureError::Forged));
    }

    #[test]
    fn a_stored_address_is_renewed_on_its_own_origin() {
        let old = format!("https://chat.example{}", signer().path("f1", 10));
        let renewed = signer().renew(&old, 5_000).expect("a file address");
        assert_eq!(renewed, format!("https://chat.example{}", signer().path("f1", 5_000)));
        assert_eq!(signer().renew("https://x.example/a.png", 5_000), None);
    }
}
