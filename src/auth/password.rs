//! Password hashing with Argon2id (OWASP parameters: m = 19 MiB, t = 2, p = 1).
//!
//! Hashing is deliberately slow, so it runs on tokio's blocking pool behind a semaphore:
//! a burst of logins queues here instead of starving the async workers or exhausting
//! memory (each hash holds 19 MiB while it runs).

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// Hashes and verifies passwords off the async threads, a bounded number at a time.
#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the account does not exist so
    /// that unknown users and wrong passwords take the same time.
    dummy_hash: Arc<String>,
}

impl std::fmt::Debug for PasswordHasherPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasherPool")
            .field("available", &self.permits.available_permits())
            .finish()
    }
}

fn argon2() -> Argon2<'static> {
    // 19 MiB, 2 iterations, 1 lane: OWASP's minimum recommendation for Argon2id.
    let params = Params::new(19 * 1024, 2, 1, None).expect("static Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> AppResult<String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal("hashing password", anyhow::anyhow!("{e}")))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    match argon2::password_hash::phc::PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

impl PasswordHasherPool {
    /// A pool allowing `max_in_flight` concurrent hashes.
    pub fn new(max_in_flight: usize) -> AppResult<Self> {
        let dummy = hex::encode(rand::random::<[u8; 16]>());
        Ok(Self {
            permits: Arc::new(Semaphore::new(max_in_flight.max(1))),
            dummy_hash: Arc::new(hash_blocking(&dummy)?),
        })
    }

    /// Hashes `password` into a PHC string.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::internal("password pool closed", e))?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(|e| AppError::internal("password hashing task", e))?
    }

    /// Checks `password` against `hash`; with `None` (no such account) it verifies
    /// against a dummy hash and returns false, taking the same time.
    pub async fn verify(&self, password: String, hash: Option<String>) -> AppResult<bool> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::internal("password pool closed", e))?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_str().to_owned());
        let ok = tokio::task::spawn_blocking(move || verify_blocking(&password, &hash))
            .await
            .map_err(|e| AppError::internal("password verification task", e))?;
        Ok(known && ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_owasp_parameters() {
        let pool = PasswordHasherPool::new(2).expect("pool");
        let hash = pool.hash("Str0ng!Passw0rd".into()).await.expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            pool.verify("Str0ng!Passw0rd".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!pool.verify("wrong".into(), Some(hash)).await.unwrap());
        assert!(!pool.verify("Str0ng!Passw0rd".into(), None).await.unwrap());
    }
}
