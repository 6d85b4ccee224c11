//! Keys derived from the one configured secret, so that operators manage a single
//! secret while each use (access tokens, OTP digests, download tokens, refresh-token
//! digests) gets its own independent key.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of `data` under `key`, hex-encoded.
pub fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    hex::encode(hmac_bytes(key, data))
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_bytes(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// SHA-256 of `data`, hex-encoded.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Compares two byte strings in constant time (for codes and token digests).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The per-purpose keys of one server.
#[derive(Clone)]
pub struct DerivedKeys {
    /// Signs access tokens (HS256).
    pub jwt: Vec<u8>,
    /// Keys OTP code digests.
    pub otp: [u8; 32],
    /// Signs download tokens.
    pub download: [u8; 32],
}

impl DerivedKeys {
    /// Derives every key from `secret` with a distinct label.
    pub fn derive(secret: &[u8]) -> Self {
        Self {
            jwt: secret.to_vec(),
            otp: hmac_bytes(secret, b"rakshaayan/otp/v1"),
            download: hmac_bytes(secret, b"rakshaayan/download/v1"),
        }
    }
}

impl std::fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DerivedKeys(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_per_purpose() {
        let keys = DerivedKeys::derive(b"0123456789abcdef0123456789abcdef");
        assert_ne!(keys.otp, keys.download);
        assert_ne!(&keys.otp[..], &keys.jwt[..]);
    }

    #[test]
    fn constant_time_eq_compares_exactly() {
        assert!(constant_time_eq(b"123456", b"123456"));
        assert!(!constant_time_eq(b"123456", b"123457"));
        assert!(!constant_time_eq(b"12345", b"123456"));
    }
}
