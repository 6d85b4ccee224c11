//! Rate limits on the public mutations (SPEC §6): per client IP and per target account.
//!
//! Both back-ends implement the same algorithm, GCRA ("a bucket of `max` attempts
//! refilled evenly over the window"), so behaviour does not change when `REDIS_URL` is
//! set:
//!
//! * in memory (default): the `governor` crate's keyed limiter — right for one process;
//! * Redis: the same GCRA as one Lua script (atomic, clock taken from Redis `TIME` so
//!   replicas agree), which makes the limits global across replicas.
//!
//! Limits are checked inside each resolver, so every execution of a limited field
//! counts: ten aliased `login` fields in one request are ten attempts.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::Duration,
};

use governor::{DefaultKeyedRateLimiter, Quota, clock::Clock};

use crate::error::{AppError, AppResult};

/// One kind of limit: at most `max` hits per `window` for each key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit {
    /// Name used in keys and logs (`ip`, `login`, …).
    pub name: &'static str,
    /// Attempts allowed per window.
    pub max: u32,
    /// Window length.
    pub window: Duration,
}

/// Where limiter state lives.
#[derive(Clone)]
pub enum RateLimiter {
    /// In this process only.
    Memory(Arc<MemoryLimiter>),
    /// Shared through Redis.
    Redis(RedisLimiter),
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RateLimiter::Memory(_) => f.write_str("RateLimiter::Memory"),
            RateLimiter::Redis(_) => f.write_str("RateLimiter::Redis"),
        }
    }
}

/// Keyed `governor` limiters, one per [`Limit`].
#[derive(Default)]
pub struct MemoryLimiter {
    limiters: Mutex<HashMap<Limit, Arc<DefaultKeyedRateLimiter<String>>>>,
}

/// GCRA over Redis. Returns 0 when allowed, else milliseconds until the next attempt
/// may succeed.
const GCRA_LUA: &str = r"
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', key) or now)
if tat < now then tat = now end
local allowed_ahead = interval * burst
local new_tat = tat + interval
if new_tat - now > allowed_ahead then
  return new_tat - now - allowed_ahead
end
redis.call('SET', key, new_tat, 'PX', new_tat - now + 1000)
return 0
";

/// GCRA state in Redis under `<prefix>:rl:<limit>:<key>`.
#[derive(Clone)]
pub struct RedisLimiter {
    connection: redis::aio::ConnectionManager,
    prefix: String,
    script: Arc<redis::Script>,
}

impl RateLimiter {
    /// An in-memory limiter.
    pub fn memory() -> Self {
        RateLimiter::Memory(Arc::new(MemoryLimiter::default()))
    }

    /// A Redis-backed limiter; keys are prefixed with `prefix` so that several
    /// deployments (or test runs) can share one Redis.
    pub async fn redis(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("REDIS_URL is not a valid Redis URL: {e}"))?;
        let connection = redis::aio::ConnectionManager::new(client)
            .await
            .map_err(|e| anyhow::anyhow!("connecting to Redis: {e}"))?;
        Ok(RateLimiter::Redis(RedisLimiter {
            connection,
            prefix: prefix.to_owned(),
            script: Arc::new(redis::Script::new(GCRA_LUA)),
        }))
    }

    /// Counts one attempt against `limit` for `key`; `RATE_LIMITED` with
    /// `retryAfterSeconds` when over.
    pub async fn hit(&self, limit: Limit, key: &str) -> AppResult<()> {
        let wait = match self {
            RateLimiter::Memory(m) => m.hit(limit, key),
            RateLimiter::Redis(r) => r.hit(limit, key).await?,
        };
        match wait {
            None => Ok(()),
            Some(wait) => {
                tracing::warn!(limit = limit.name, "rate limit exceeded");
                Err(AppError::RateLimited {
                    message: "Too many attempts. Try again later.".to_owned(),
                    retry_after_seconds: wait.as_secs_f64().ceil().max(1.0) as u64,
                })
            }
        }
    }

    /// Forgets expired in-memory state (called periodically; Redis keys expire).
    pub fn prune(&self) {
        if let RateLimiter::Memory(m) = self
            && let Ok(limiters) = m.limiters.lock()
        {
            for limiter in limiters.values() {
                limiter.retain_recent();
            }
        }
    }
}

impl MemoryLimiter {
    fn hit(&self, limit: Limit, key: &str) -> Option<Duration> {
        let limiter = {
            let Ok(mut limiters) = self.limiters.lock() else {
                // A poisoned lock means a panic elsewhere; fail closed.
                return Some(limit.window);
            };
            limiters
                .entry(limit)
                .or_insert_with(|| Arc::new(DefaultKeyedRateLimiter::keyed(quota(limit))))
                .clone()
        };
        match limiter.check_key(&key.to_owned()) {
            Ok(()) => None,
            Err(not_until) => {
                Some(not_until.wait_time_from(governor::clock::DefaultClock::default().now()))
            }
        }
    }
}

fn quota(limit: Limit) -> Quota {
    let max = NonZeroU32::new(limit.max.max(1)).unwrap_or(NonZeroU32::MIN);
    let period = limit.window / max.get();
    Quota::with_period(period.max(Duration::from_millis(1)))
        .unwrap_or_else(|| Quota::per_second(max))
        .allow_burst(max)
}

impl RedisLimiter {
    async fn hit(&self, limit: Limit, key: &str) -> AppResult<Option<Duration>> {
        let interval_ms = (limit.window.as_millis() / u128::from(limit.max.max(1))).max(1) as u64;
        let redis_key = format!("{}:rl:{}:{}", self.prefix, limit.name, key);
        let mut connection = self.connection.clone();
        let wait_ms: i64 = self
            .script
            .key(redis_key)
            .arg(interval_ms)
            .arg(limit.max.max(1))
            .invoke_async(&mut connection)
            .await
            .map_err(|e| AppError::internal("rate limiter (Redis)", e))?;
        Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms as u64)))
    }
}

/// Counts one attempt at public mutation `operation`: against the client IP (shared by
/// every public mutation) and, when given, against the targeted account or address.
pub async fn limit_public(
    limiter: &RateLimiter,
    config: &crate::config::Config,
    client: &crate::auth::request::ClientInfo,
    operation: &'static str,
    target: Option<&str>,
) -> AppResult<()> {
    let ip = client.ip_string().unwrap_or_else(|| "unknown".to_owned());
    limiter
        .hit(
            Limit {
                name: "ip",
                max: config.auth_rate_limit_per_minute,
                window: Duration::from_secs(60),
            },
            &ip,
        )
        .await?;
    if let Some(target) = target
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
    {
        limiter
            .hit(
                Limit {
                    name: operation,
                    max: config.auth_target_rate_limit_per_minute,
                    window: Duration::from_secs(60),
                },
                &target,
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit {
        name: "test",
        max: 3,
        window: Duration::from_secs(60),
    };

    #[tokio::test]
    async fn memory_allows_the_burst_then_refuses_with_a_wait() {
        let limiter = RateLimiter::memory();
        for _ in 0..3 {
            limiter.hit(LIMIT, "k").await.expect("within the limit");
        }
        match limiter.hit(LIMIT, "k").await {
            Err(AppError::RateLimited {
                retry_after_seconds,
                ..
            }) => assert!(
                (1..=20).contains(&retry_after_seconds),
                "{retry_after_seconds}"
            ),
            other => panic!("expected RATE_LIMITED, got {other:?}"),
        }
        limiter
            .hit(LIMIT, "other")
            .await
            .expect("keys are independent");
    }
}
