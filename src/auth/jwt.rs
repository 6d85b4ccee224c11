//! Access tokens: short-lived HS256 JWTs bound to a session row.
//!
//! The token carries the user id and the session id; every request checks the session
//! is still live, so logging out kills the token at once rather than at expiry.

use std::{
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, TimeZone, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id, as a string per RFC 7519.
    pub sub: String,
    /// Session id (`auth_sessions.id`).
    pub sid: i32,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Token type; always `access`.
    pub typ: String,
}

impl Claims {
    /// The user id the token was issued to.
    pub fn user_id(&self) -> Option<i32> {
        self.sub.parse().ok()
    }
}

/// Signs and verifies access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Tokens whose signature was already checked, with their claims: a client sends the
    /// same token with every request for its 15 minutes, and checking the signature
    /// again (base64, JSON, HMAC) is most of what authenticating a cached session costs.
    /// Keyed by the whole token, so a hit is exactly a token verified before; expiry is
    /// still checked on every use.
    verified: Arc<Mutex<lru::LruCache<Box<str>, Claims>>>,
}

/// How many verified tokens are remembered (a few hundred bytes each).
const VERIFIED_CAPACITY: usize = 4096;

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(..)")
    }
}

const TOKEN_TYPE: &str = "access";

impl JwtKeys {
    /// Keys for `secret`.
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            verified: Arc::new(Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(VERIFIED_CAPACITY).unwrap_or(NonZeroUsize::MIN),
            ))),
        }
    }

    /// Signs an access token valid from `now` for `ttl`; returns it with its expiry.
    pub fn sign(
        &self,
        user_id: i32,
        session_id: i32,
        now: DateTime<Utc>,
        ttl: std::time::Duration,
    ) -> AppResult<(String, DateTime<Utc>)> {
        let exp = now
            + chrono::Duration::from_std(ttl).map_err(|e| AppError::internal("token ttl", e))?;
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id,
            iat: now.timestamp(),
            exp: exp.timestamp(),
            typ: TOKEN_TYPE.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal("signing access token", e))?;
        let exp = Utc.timestamp_opt(claims.exp, 0).single().unwrap_or(exp);
        Ok((token, exp))
    }

    /// Verifies signature, algorithm, expiry and type.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        let cached = self
            .verified
            .lock()
            .ok()
            .and_then(|mut v| v.get(token).cloned());
        if let Some(claims) = cached {
            // The same test as jsonwebtoken's (leeway 0): expired once `exp` is past.
            if claims.exp < Utc::now().timestamp() {
                return Err(AppError::Unauthenticated("Access token expired".to_owned()));
            }
            return Ok(claims);
        }
        let claims = self.verify_signature(token)?;
        if let Ok(mut verified) = self.verified.lock() {
            verified.put(token.into(), claims.clone());
        }
        Ok(claims)
    }

    fn verify_signature(&self, token: &str) -> AppResult<Claims> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    AppError::Unauthenticated("Access token expired".to_owned())
                }
                _ => AppError::Unauthenticated("Invalid access token".to_owned()),
            })?;
        if data.claims.typ != TOKEN_TYPE || data.claims.user_id().is_none() {
            return Err(AppError::Unauthenticated("Invalid access token".to_owned()));
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

    #[test]
    fn a_signed_token_verifies() {
        let keys = JwtKeys::new(SECRET);
        let (token, _) = keys
            .sign(7, 3, Utc::now(), std::time::Duration::from_secs(60))
            .expect("signs");
        let claims = keys.verify(&token).expect("verifies");
        assert_eq!((claims.user_id(), claims.sid), (Some(7), 3));
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let keys = JwtKeys::new(SECRET);
        let (token, _) = keys
            .sign(7, 3, Utc::now(), std::time::Duration::from_secs(60))
            .expect("signs");
        let claims = keys.verify(&token).expect("verifies");
        assert_eq!(keys.verify(&token).expect("remembered").sid, 3);
        // The remembered claims expire like the token: past `exp`, refused.
        let expired = Claims {
            exp: Utc::now().timestamp() - 1,
            ..claims
        };
        keys.verified
            .lock()
            .unwrap()
            .put(token.as_str().into(), expired);
        assert!(
            matches!(keys.verify(&token), Err(AppError::Unauthenticated(m)) if m.contains("expired"))
        );
        // A token never verified is not in the cache: a tampered one is refused.
        let tampered = format!("{token}x");
        assert!(keys.verify(&tampered).is_err());
    }

    #[test]
    fn expired_and_foreign_tokens_are_refused() {
        let keys = JwtKeys::new(SECRET);
        let past = Utc::now() - chrono::Duration::hours(1);
        let (token, _) = keys
            .sign(7, 3, past, std::time::Duration::from_secs(60))
            .expect("signs");
        assert!(
            matches!(keys.verify(&token), Err(AppError::Unauthenticated(m)) if m.contains("expired"))
        );
        let other = JwtKeys::new(b"another-secret-another-secret-another");
        let (token, _) = other
            .sign(7, 3, Utc::now(), std::time::Duration::from_secs(60))
            .expect("signs");
        assert!(keys.verify(&token).is_err());
        assert!(keys.verify("not.a.token").is_err());
    }
}
