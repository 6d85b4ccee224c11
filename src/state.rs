//! The one shared state of the server, cheap to clone (an `Arc`), handed to axum
//! handlers and to the GraphQL schema. One object rather than many so that a new
//! dependency is added in one place and every entry point (HTTP, WebSocket, CLI, tests)
//! sees the same set.

use std::sync::Arc;

use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::{
    auth::{
        jwt::JwtKeys,
        keys::DerivedKeys,
        password::PasswordHasherPool,
        request::Auth,
        session_cache::{CachedSession, SessionCache},
    },
    bus::Bus,
    config::Config,
    db::StatementCounter,
    error::AppResult,
    graphql::schema::AppSchema,
    http::graphql::{PARSED_DOCUMENTS, ParsedDocuments, PersistedQueries},
    notify::Notifier,
    ratelimit::RateLimiter,
    services,
    storage::Storage,
};

/// Shared application state.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    /// Validated configuration.
    config: Config,
    /// The connection pool.
    db: DatabaseConnection,
    /// SQL statements executed so far (tests, benchmark).
    statements: StatementCounter,
    /// List nodes resolved directly from their rows (`graphql::events::direct`; tests).
    direct_nodes: Arc<std::sync::atomic::AtomicU64>,
    /// Access-token signing keys.
    jwt: JwtKeys,
    /// Per-purpose keys derived from the secret.
    keys: DerivedKeys,
    /// Argon2id on the blocking pool, bounded.
    passwords: PasswordHasherPool,
    /// APQ documents by hash.
    persisted_queries: PersistedQueries,
    /// Parsed documents by query text.
    parsed_documents: ParsedDocuments,
    /// Rate limits on the public mutations.
    rate_limiter: RateLimiter,
    /// OTP delivery.
    notifier: Notifier,
    /// Live-update fan-out (status changes), across replicas on PostgreSQL.
    bus: Bus,
    /// Live sessions (PostgreSQL), kept current by the bus's listener.
    sessions: SessionCache,
    /// Attachment and document storage.
    storage: Storage,
    /// Bounds uploads streamed to storage.
    upload_permits: Arc<tokio::sync::Semaphore>,
    /// Bounds GraphQL multipart requests in flight (their files are parsed into memory,
    /// at most `MAX_UPLOAD_BYTES` each, before the resolver runs).
    multipart_permits: Arc<tokio::sync::Semaphore>,
    /// The executable schema. It does not hold the state (requests carry it as data),
    /// so there is no reference cycle and dropping the state closes the pool.
    schema: AppSchema,
    /// The same schema without async-graphql's per-request validation rules, for
    /// documents that already passed them (see `http::graphql::ParsedDocument`).
    fast_schema: AppSchema,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// Builds the state and its schema.
    pub fn new(
        config: Config,
        db: DatabaseConnection,
        statements: StatementCounter,
        rate_limiter: RateLimiter,
        bus: Bus,
        sessions: SessionCache,
        storage: Storage,
    ) -> AppResult<Self> {
        let keys = DerivedKeys::derive(config.jwt_secret_bytes());
        let jwt = JwtKeys::new(&keys.jwt);
        // One hashing thread per core the process may run on (the affinity mask counts):
        // enough to use every core for a login burst, each thread with its one 19 MiB.
        let hashers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let schema = crate::graphql::schema::build_schema(&config);
        let fast_schema = crate::graphql::schema::build_prevalidated_schema(&config);
        let config_uploads = config.max_concurrent_uploads;
        let upload_permits = Arc::new(tokio::sync::Semaphore::new(config_uploads));
        let notifier = Notifier::try_from_config(&config)
            .map_err(|e| crate::error::AppError::internal("OTP delivery settings", e))?;
        Ok(AppState(Arc::new(Inner {
            passwords: PasswordHasherPool::new(hashers)?,
            config,
            db,
            statements,
            direct_nodes: Arc::default(),
            jwt,
            keys,
            persisted_queries: PersistedQueries::new(1000),
            parsed_documents: ParsedDocuments::new(PARSED_DOCUMENTS),
            rate_limiter,
            notifier,
            bus,
            sessions,
            upload_permits,
            multipart_permits: Arc::new(tokio::sync::Semaphore::new(config_uploads)),
            storage,
            schema,
            fast_schema,
        })))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The connection pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }

    /// The pool, for the list statements that go straight through sqlx on PostgreSQL
    /// ([`crate::db::reads`]).
    pub fn reader(&self) -> crate::db::reads::Reader<'_> {
        crate::db::reads::Reader::direct(&self.0.db, &self.0.statements)
    }

    /// Statements executed through the pool so far.
    pub fn statements(&self) -> &StatementCounter {
        &self.0.statements
    }

    /// List nodes resolved directly from their rows so far (`graphql::events::direct`).
    pub fn direct_nodes(&self) -> u64 {
        self.0
            .direct_nodes
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The counter behind [`Self::direct_nodes`], for the pages that count into it.
    pub(crate) fn direct_nodes_counter(&self) -> Arc<std::sync::atomic::AtomicU64> {
        self.0.direct_nodes.clone()
    }

    /// Access-token keys.
    pub fn jwt(&self) -> &JwtKeys {
        &self.0.jwt
    }

    /// Derived per-purpose keys.
    pub fn keys(&self) -> &DerivedKeys {
        &self.0.keys
    }

    /// The password hasher.
    pub fn passwords(&self) -> &PasswordHasherPool {
        &self.0.passwords
    }

    /// APQ cache.
    pub fn persisted_queries(&self) -> &PersistedQueries {
        &self.0.persisted_queries
    }

    /// Parsed documents by query text.
    pub fn parsed_documents(&self) -> &ParsedDocuments {
        &self.0.parsed_documents
    }

    /// Rate limits on the public mutations.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.0.rate_limiter
    }

    /// OTP delivery.
    pub fn notifier(&self) -> &Notifier {
        &self.0.notifier
    }

    /// The event bus (status-change live updates).
    pub fn bus(&self) -> &Bus {
        &self.0.bus
    }

    /// The session cache (off on SQLite).
    pub fn sessions(&self) -> &SessionCache {
        &self.0.sessions
    }

    /// Permits for GraphQL multipart requests in flight.
    pub fn multipart_permits(&self) -> &tokio::sync::Semaphore {
        &self.0.multipart_permits
    }

    /// Permits for uploads in flight.
    pub fn upload_permits(&self) -> &tokio::sync::Semaphore {
        &self.0.upload_permits
    }

    /// Attachment and document storage.
    pub fn storage(&self) -> &Storage {
        &self.0.storage
    }

    /// The executable schema.
    pub fn schema(&self) -> &AppSchema {
        &self.0.schema
    }

    /// The schema for documents that already passed validation.
    pub fn fast_schema(&self) -> &AppSchema {
        &self.0.fast_schema
    }

    /// Turns an access token into the request's authentication outcome.
    pub async fn authenticate_token(&self, token: &str) -> AppResult<Auth> {
        Ok(self.authenticate_session(token).await?.0)
    }

    /// [`authenticate_token`](Self::authenticate_token), also returning the live session
    /// (with the account row) when there is one. A cached session costs no statement;
    /// otherwise two are run and the result is cached (PostgreSQL).
    pub async fn authenticate_session(
        &self,
        token: &str,
    ) -> AppResult<(Auth, Option<Arc<CachedSession>>)> {
        let claims = match self.jwt().verify(token) {
            Ok(claims) => claims,
            Err(crate::error::AppError::Unauthenticated(message)) => {
                return Ok((Auth::Invalid(message), None));
            }
            Err(other) => return Err(other),
        };
        let now = Utc::now();
        let cache = self.sessions();
        if let Some(user_id) = claims.user_id()
            && let Some(hit) = cache.get(claims.sid, user_id, now)
        {
            return Ok((Auth::Viewer(hit.viewer.clone()), Some(hit)));
        }
        let ticket = cache.ticket();
        Ok(
            match services::sessions::resolve_viewer(self.db(), &claims, now).await? {
                Some(session) => {
                    let session = Arc::new(session);
                    if let Some(ticket) = ticket {
                        cache.store(ticket, session.clone());
                    }
                    (Auth::Viewer(session.viewer.clone()), Some(session))
                }
                None => (Auth::Invalid("Session expired or revoked".to_owned()), None),
            },
        )
    }
}
