//! Signed download tokens for `GET /files/{token}` (SPEC §2, §7): bound to one
//! attachment or document, expiring, HMAC-SHA256-signed with the download key
//! (`DerivedKeys::download`). Opaque to clients.
//!
//! Layout (45 bytes, base64url without padding, 60 characters):
//! `version (1) | kind (1) | id (4, big-endian) | expires_at (8, unix seconds,
//! big-endian) | HMAC-SHA256 (32)`, the MAC taken over a domain label followed by the
//! first 14 bytes.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};

use crate::auth::keys::{constant_time_eq, hmac_bytes};

/// Token format version.
const VERSION: u8 = 1;
/// Domain separation for the MAC.
const LABEL: &[u8] = b"rakshaayan/file-token/v1\0";
/// Signed fields: version, kind, id, expiry.
const BODY_LEN: usize = 1 + 1 + 4 + 8;
/// Body plus MAC.
const TOKEN_BYTES: usize = BODY_LEN + 32;
/// Encoded length (base64 without padding).
const TOKEN_CHARS: usize = (TOKEN_BYTES * 4).div_ceil(3);

/// What a token grants access to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// An adverse-event attachment (`patient_event_attachments`).
    Attachment,
    /// A care patient document.
    Document,
}

impl FileKind {
    fn to_byte(self) -> u8 {
        match self {
            FileKind::Attachment => 1,
            FileKind::Document => 2,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(FileKind::Attachment),
            2 => Some(FileKind::Document),
            _ => None,
        }
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of this format at all.
    #[error("malformed download token")]
    Malformed,
    /// Well-formed but not signed by this server (or altered).
    #[error("invalid download token signature")]
    BadSignature,
    /// Genuine but past its expiry.
    #[error("download token expired")]
    Expired,
}

fn body(kind: FileKind, id: i32, expires: i64) -> [u8; BODY_LEN] {
    let mut body = [0u8; BODY_LEN];
    body[0] = VERSION;
    body[1] = kind.to_byte();
    body[2..6].copy_from_slice(&id.to_be_bytes());
    body[6..14].copy_from_slice(&expires.to_be_bytes());
    body
}

fn mac(key: &[u8], body: &[u8]) -> [u8; 32] {
    let mut data = Vec::with_capacity(LABEL.len() + body.len());
    data.extend_from_slice(LABEL);
    data.extend_from_slice(body);
    hmac_bytes(key, &data)
}

/// A token granting access to file `id` of `kind` until `expires_at` (to the second).
pub fn sign(key: &[u8], kind: FileKind, id: i32, expires_at: DateTime<Utc>) -> String {
    let body = body(kind, id, expires_at.timestamp());
    let mut token = [0u8; TOKEN_BYTES];
    token[..BODY_LEN].copy_from_slice(&body);
    token[BODY_LEN..].copy_from_slice(&mac(key, &body));
    URL_SAFE_NO_PAD.encode(token)
}

/// Checks a token: its signature first (in constant time), then its expiry. A token
/// is valid while `now` is before its expiry.
pub fn verify(key: &[u8], token: &str, now: DateTime<Utc>) -> Result<(FileKind, i32), TokenError> {
    if token.len() != TOKEN_CHARS {
        return Err(TokenError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| TokenError::Malformed)?;
    if bytes.len() != TOKEN_BYTES {
        return Err(TokenError::Malformed);
    }
    let (body, signature) = bytes.split_at(BODY_LEN);
    if !constant_time_eq(&mac(key, body), signature) {
        return Err(TokenError::BadSignature);
    }
    // Signed by us, so these only fail for a future format this build does not know.
    if body[0] != VERSION {
        return Err(TokenError::Malformed);
    }
    let kind = FileKind::from_byte(body[1]).ok_or(TokenError::Malformed)?;
    let id = i32::from_be_bytes(body[2..6].try_into().map_err(|_| TokenError::Malformed)?);
    let expires = i64::from_be_bytes(body[6..14].try_into().map_err(|_| TokenError::Malformed)?);
    if now.timestamp() >= expires {
        return Err(TokenError::Expired);
    }
    Ok((kind, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"download-key-0123456789abcdef012";

    #[test]
    fn round_trip_and_shape() {
        let now = Utc::now();
        let token = sign(
            KEY,
            FileKind::Document,
            42,
            now + chrono::Duration::minutes(5),
        );
        assert_eq!(token.len(), TOKEN_CHARS);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(verify(KEY, &token, now), Ok((FileKind::Document, 42)));
    }

    #[test]
    fn expiry_is_exclusive() {
        let exp = DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let token = sign(KEY, FileKind::Attachment, 1, exp);
        let just_before = exp - chrono::Duration::seconds(1);
        assert_eq!(
            verify(KEY, &token, just_before),
            Ok((FileKind::Attachment, 1))
        );
        assert_eq!(verify(KEY, &token, exp), Err(TokenError::Expired));
    }

    #[test]
    fn other_key_is_a_bad_signature() {
        let now = Utc::now();
        let token = sign(
            KEY,
            FileKind::Attachment,
            7,
            now + chrono::Duration::minutes(5),
        );
        assert_eq!(
            verify(b"another key", &token, now),
            Err(TokenError::BadSignature)
        );
    }
}
