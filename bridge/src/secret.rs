//! Secrets in memory and at rest. [`Secret`] holds a token or password from the settings and
//! never prints it in `Debug` output (logs, panics). [`SecretKey`] seals what the database keeps
//! of Intercom (the OAuth access token) with XChaCha20-Poly1305, so a copy of the database
//! file alone grants nothing. The key comes from `--secret-key`/`BATON_SECRET_KEY` (64 hex
//! digits), or from a key file beside the database that the bridge creates, readable by its
//! owner only, on first start.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// What a sealed value starts with; anything else in a sealed column is a value stored in clear
/// by an older bridge.
const SEALED_PREFIX: &str = "sealed:v1:";
/// XChaCha20's nonce: long enough to be drawn at random for every value.
const NONCE_LEN: usize = 24;

/// A token, password or key from the settings. `Debug` shows `[redacted]`; serde reads and
/// writes the value itself, since the agents file is where the operator keeps it.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The value, for the one place that sends or checks it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self(value.to_owned()))
    }
}

/// Why a key could not be had or a sealed value not opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The key is not 64 hex digits.
    #[error("the secret key must be 64 hex digits (32 bytes), such as `openssl rand -hex 32` prints")]
    BadKey,
    /// The key file could not be read or created.
    #[error("the key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A sealed value does not open with this key: another key sealed it, or it was altered.
    #[error(
        "a secret in the database was sealed with another key (or altered): start the bridge with the \
         key it was stored with (BATON_SECRET_KEY, or the key file beside the database)"
    )]
    WrongKey,
}

/// The 256-bit key that seals secrets in the database.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

impl FromStr for SecretKey {
    type Err = SecretError;

    /// Reads 64 hex digits.
    fn from_str(text: &str) -> Result<Self, SecretError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SecretError::BadKey)?;
        bytes.try_into().map(Self).map_err(|_| SecretError::BadKey)
    }
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = [0_u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self(key)
    }

    /// Where the key of the database at `db` is kept when none is given: `baton.db.key`.
    pub fn file_beside(db: &Path) -> PathBuf {
        let mut name = db.as_os_str().to_owned();
        name.push(".key");
        PathBuf::from(name)
    }

    /// The key in the file at `path`, or a new one written there (readable by the owner only)
    /// when the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretError> {
        let failed = |source| SecretError::KeyFile { path: path.to_owned(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => return text.parse(),
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(failed(error)),
            Err(_) => {}
        }
        let key = Self::generate();
        let mut file = private_file(path).map_err(failed)?;
        file.write_all(format!("{}\n", hex::encode(key.0)).as_bytes()).map_err(failed)?;
        file.sync_all().map_err(failed)?;
        Ok(key)
    }

    /// `plaintext` sealed for the place named by `context` (a sealed value moved to another
    /// place does not open there).
    pub fn seal(&self, plaintext: &str, context: &str) -> String {
        let mut nonce = [0_u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let cipher = XChaCha20Poly1305::new(Key::from_slice(&self.0));
        let payload = Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() };
        // Encryption fails only for messages of hundreds of gigabytes.
        let sealed = cipher.encrypt(XNonce::from_slice(&nonce), payload).unwrap_or_default();
        format!("{SEALED_PREFIX}{}{}", hex::encode(nonce), hex::encode(sealed))
    }

    /// The plaintext of a value [`SecretKey::seal`] made for `context`.
    pub fn open(&self, stored: &str, context: &str) -> Result<String, SecretError> {
        let hex_text = stored.strip_prefix(SEALED_PREFIX).ok_or(SecretError::WrongKey)?;
        let bytes = hex::decode(hex_text).map_err(|_| SecretError::WrongKey)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretError::WrongKey);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new(Key::from_slice(&self.0));
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: context.as_bytes() })
            .map_err(|_| SecretError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| SecretError::WrongKey)
    }

    /// A key for one `purpose` alone, derived from this one (HMAC-SHA256 of the purpose): what
    /// signs file addresses can neither open sealed values nor be computed without this key.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        // HMAC takes a key of any length: 32 bytes cannot be refused.
        let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0) else { return [0; 32] };
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Whether a stored value is sealed, rather than left in clear by an older bridge.
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED_PREFIX)
    }
}

/// Creates `path`, failing if it exists, readable and writable by its owner only.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_and_context_only() {
        let key = SecretKey::generate();
        let sealed = key.seal("tok_live_123", "intercom");
        assert!(SecretKey::is_sealed(&sealed) && !sealed.contains("tok_live_123"));
        assert_ne!(sealed, key.seal("tok_live_123", "intercom"), "a fresh nonce each time");
        assert_eq!(key.open(&sealed, "intercom").expect("opens"), "tok_live_123");
        assert!(matches!(key.open(&sealed, "elsewhere"), Err(SecretError::WrongKey)));
        assert!(matches!(SecretKey::generate().open(&sealed, "intercom"), Err(SecretError::WrongKey)));
        let mut altered = sealed.clone();
        altered.replace_range(sealed.len() - 2.., "00");
        assert!(key.open(&altered, "intercom").is_err());
        assert!(!SecretKey::is_sealed("tok_live_123"));
    }

    #[test]
    fn keys_are_64_hex_digits_and_never_printed() {
        let text = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let key: SecretKey = text.parse().expect("a key");
        assert!(!format!("{key:?}").contains("0011"));
        assert!(matches!("abc".parse::<SecretKey>(), Err(SecretError::BadKey)));
        assert!(matches!(format!("{text}00").parse::<SecretKey>(), Err(SecretError::BadKey)));
        assert_eq!(format!("{:?}", Secret::from("hunter2")), "[redacted]");
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_made_once_and_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = SecretKey::file_beside(&dir.path().join("baton.db"));
        assert!(path.ends_with("baton.db.key"));
        let first = SecretKey::load_or_create(&path).expect("created");
        let mode = std::fs::metadata(&path).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(SecretKey::load_or_create(&path).expect("read back"), first);
    }
}
