//! Keys and the primitives that use them: AES-256-GCM for sensitive fields
//! at rest, HMAC-SHA-256 for uniqueness and exact lookup without
//! decrypting, argon2id for passwords, random tokens stored as SHA-256.
//!
//! The key lives outside the database: in `DANGJIAN_KEY` (128 hex
//! characters) or in a key file created with mode 0600 on first start.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::RngExt;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

#[derive(Clone)]
pub struct Crypto {
    inner: Arc<Keys>,
}

struct Keys {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
    /// Keys the audit chain and its checkpoints; derived (HKDF-SHA-256 with
    /// its own label) so that it is neither the encryption nor the lookup key.
    audit_key: [u8; 32],
}

/// HKDF label of the audit sub-key.
const AUDIT_KEY_INFO: &[u8] = b"dangjian audit chain key v1";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("密钥应为128个十六进制字符（64字节）")]
    BadFormat,
    #[error("无法读写密钥文件 {0}: {1}")]
    Io(String, std::io::Error),
}

impl Crypto {
    /// Keys from 64 bytes: the first 32 encrypt, the last 32 authenticate.
    pub fn from_bytes(bytes: &[u8; 64]) -> Self {
        let mut enc = [0u8; 32];
        let mut mac_key = [0u8; 32];
        enc.copy_from_slice(&bytes[..32]);
        mac_key.copy_from_slice(&bytes[32..]);
        let cipher = Aes256Gcm::new_from_slice(&enc).expect("32-byte key");
        let mut audit_key = [0u8; 32];
        hkdf::Hkdf::<Sha256>::new(Some(b"dangjian"), bytes)
            .expand(AUDIT_KEY_INFO, &mut audit_key)
            .expect("32 bytes is a valid HKDF-SHA-256 output length");
        Self {
            inner: Arc::new(Keys {
                cipher,
                mac_key,
                audit_key,
            }),
        }
    }

    pub fn from_hex(hex_key: &str) -> Result<Self, KeyError> {
        let raw = hex::decode(hex_key.trim()).map_err(|_| KeyError::BadFormat)?;
        let bytes: [u8; 64] = raw.try_into().map_err(|_| KeyError::BadFormat)?;
        Ok(Self::from_bytes(&bytes))
    }

    /// A fresh random key, for tests.
    pub fn random() -> Self {
        let mut bytes = [0u8; 64];
        rand::rng().fill(&mut bytes[..]);
        Self::from_bytes(&bytes)
    }

    /// Reads the key file, creating it (mode 0600) with a random key when it
    /// does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let io = |e| KeyError::Io(path.display().to_string(), e);
        if path.exists() {
            let text = std::fs::read_to_string(path).map_err(io)?;
            return Self::from_hex(&text);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut bytes = [0u8; 64];
        rand::rng().fill(&mut bytes[..]);
        write_private(path, &hex::encode(bytes)).map_err(io)?;
        Ok(Self::from_bytes(&bytes))
    }

    /// base64(nonce || ciphertext)
    pub fn encrypt(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill(&mut nonce[..]);
        let ct = self
            .inner
            .cipher
            .encrypt(&Nonce::from(nonce), plain.as_bytes())
            .expect("AES-GCM encryption does not fail for small inputs");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        B64.encode(out)
    }

    /// `None` when the text was not produced with this key or was altered.
    pub fn decrypt(&self, stored: &str) -> Option<String> {
        let raw = B64.decode(stored).ok()?;
        if raw.len() < 12 {
            return None;
        }
        let (nonce, ct) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let plain = self.inner.cipher.decrypt(&Nonce::from(nonce), ct).ok()?;
        String::from_utf8(plain).ok()
    }

    /// Keyed hash for uniqueness and exact lookup, domain-separated by `kind`.
    pub fn mac(&self, kind: &str, value: &str) -> String {
        let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.inner.mac_key)
            .expect("any key length");
        m.update(kind.as_bytes());
        m.update(b":");
        m.update(value.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }
}

impl Crypto {
    /// The audit chain's key (see [`Keys::audit_key`]).
    pub fn audit_key(&self) -> &[u8; 32] {
        &self.inner.audit_key
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// argon2id with the crate's default (OWASP-recommended) parameters.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing with a random salt does not fail")
        .to_string()
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// 32 random bytes as URL-safe text.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_round_trips_and_detects_tampering() {
        let c = Crypto::random();
        let e = c.encrypt("360102198003151234");
        assert_ne!(e, c.encrypt("360102198003151234"), "fresh nonce each time");
        assert_eq!(c.decrypt(&e).as_deref(), Some("360102198003151234"));
        let mut raw = B64.decode(&e).unwrap();
        raw[14] ^= 1;
        assert_eq!(c.decrypt(&B64.encode(raw)), None);
        assert_eq!(
            Crypto::random().decrypt(&e),
            None,
            "another key cannot read it"
        );
    }

    #[test]
    fn mac_is_keyed_and_separated() {
        let c = Crypto::random();
        assert_eq!(c.mac("id", "x"), c.mac("id", "x"));
        assert_ne!(c.mac("id", "x"), c.mac("phone", "x"));
        assert_ne!(c.mac("id", "x"), Crypto::random().mac("id", "x"));
    }

    #[test]
    fn the_audit_key_is_derived_not_reused() {
        let mut bytes = [0u8; 64];
        bytes[0] = 1;
        let c = Crypto::from_bytes(&bytes);
        assert_ne!(&c.audit_key()[..], &bytes[..32]);
        assert_ne!(&c.audit_key()[..], &bytes[32..]);
        assert_eq!(c.audit_key(), Crypto::from_bytes(&bytes).audit_key());
        assert_ne!(c.audit_key(), Crypto::random().audit_key());
    }

    #[test]
    fn key_file_is_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k/key");
        let a = Crypto::load_or_create(&p).unwrap();
        let b = Crypto::load_or_create(&p).unwrap();
        assert_eq!(a.mac("t", "v"), b.mac("t", "v"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn passwords_verify() {
        let h = hash_password("正确的密码1");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("正确的密码1", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
