//! Live sessions cached in process, so that checking an access token on the hot path
//! costs no database round trip — on PostgreSQL, where the database itself tells every
//! replica what changed.
//!
//! An entry holds what a request needs from `auth_sessions ⋈ auth_users` plus the
//! viewer's role permissions: the [`Viewer`], the account row (so `me` and the viewer's
//! own fields need no query either) and the session's expiry. It is keyed by session id
//! and is only used for a token naming the same user.
//!
//! # Why it stays correct across replicas
//!
//! * **The database announces every change.** Triggers on `auth_sessions`,
//!   `auth_users`, `auth_user_roles` and `auth_roles` (migration
//!   `m20261203_000019_notify_auth_changes`) call `pg_notify` on [`CHANNEL`] inside the
//!   writing transaction, so the notice is sent exactly when the change commits, whatever
//!   code path (or operator) made it. No service has to remember to invalidate. Each
//!   replica's one listener connection (`bus.rs`) hands the notices to [`SessionCache::apply`].
//! * **Fill race.** A request that missed reads the database, then stores what it read.
//!   If a change committed in between and its notice was applied before the store, the
//!   store would resurrect the old state; so every applied notice bumps a generation,
//!   and a fill is stored only when the generation is unchanged since before its read.
//! * **Lost notices.** While the listener connection is down nothing is read from or
//!   stored in the cache, and when it is back (`LISTEN` re-issued) everything is dropped,
//!   since notices sent in between were lost.
//! * **The notify-latency window.** A notice reaches the replicas a moment after the
//!   commit. On the replica that made the change, [`SessionCache::sync`] closes the
//!   window: it sends a marker notice after the commit and waits until the marker comes
//!   back; PostgreSQL delivers notices in commit order, so by then every earlier one has
//!   been applied. The account, role and user-admin mutations call it before they answer
//!   (`graphql::access::Guarded`), so "log out, then the old token fails" holds on the
//!   replica that logged out. Another replica applies the notice as soon as it arrives
//!   (well under a millisecond on one network); entries also expire after
//!   `SESSION_CACHE_TTL_SECONDS` as a backstop.
//! * **A listener that dies silently** (a network partition without a reset) would
//!   never report its loss, so a heartbeat sends a marker every [`HEARTBEAT`]; when one
//!   does not come back within [`SYNC_TIMEOUT`], the cache is dropped and stays off until
//!   a marker comes back again. That bounds how long a lost notice can go unnoticed.
//!
//! On SQLite the cache is off: one process owns the file, and reading the session from
//! an embedded database is no network round trip.

use std::{
    collections::HashMap,
    num::NonZeroUsize,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use entity::auth_users;
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::oneshot;

use super::viewer::Viewer;

/// The `LISTEN`/`NOTIFY` channel of the invalidation notices (the triggers use it too).
pub const CHANNEL: &str = "rakshaayan_auth";

/// How long [`SessionCache::sync`] waits for its marker before it gives up and drops the
/// whole cache instead (the safe fallback).
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(2);

/// How often the heartbeat checks that notices still arrive.
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// What the cache keeps of one live session.
#[derive(Debug)]
pub struct CachedSession {
    /// The resolved principal.
    pub viewer: Viewer,
    /// The account row, as read with the session (shared with the requests' loaders).
    pub user: Arc<auth_users::Model>,
    /// When the session expires.
    pub expires_at: DateTime<Utc>,
    loaded_at: Instant,
}

impl CachedSession {
    /// A session as just read from the database.
    pub fn new(viewer: Viewer, user: auth_users::Model, expires_at: DateTime<Utc>) -> Self {
        Self {
            viewer,
            user: Arc::new(user),
            expires_at,
            loaded_at: Instant::now(),
        }
    }
}

/// The session cache: cheap to clone; a no-op when disabled.
#[derive(Clone, Default)]
pub struct SessionCache(Option<Arc<Inner>>);

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => f.write_str("SessionCache(off)"),
            Some(inner) => f
                .debug_struct("SessionCache")
                .field("live", &inner.live.load(Ordering::Relaxed))
                .field("generation", &inner.generation.load(Ordering::Relaxed))
                .finish_non_exhaustive(),
        }
    }
}

struct Inner {
    /// Entries older than this are read again.
    ttl: Duration,
    /// Whether the listener is `LISTEN`ing right now; off means no reads and no fills.
    live: AtomicBool,
    /// Whether the last sync marker came back in time (see the heartbeat).
    healthy: AtomicBool,
    /// Bumped by every applied notice (see the fill race above).
    generation: AtomicU64,
    entries: Mutex<lru::LruCache<i32, Arc<CachedSession>>>,
    /// Tells this replica's sync markers from other replicas'.
    replica: u64,
    next_marker: AtomicU64,
    /// How many times [`SessionCache::sync`] ran (tests, diagnostics).
    syncs: AtomicU64,
    waiters: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    /// Sends the sync markers: a connection of its own (opened on first use), so markers
    /// neither wait behind a busy pool nor count as the application's statements.
    markers: sea_orm::sqlx::PgPool,
}

/// A permission to store what a request is about to read (see [`SessionCache::ticket`]).
#[derive(Debug, Clone, Copy)]
pub struct FillTicket(u64);

impl SessionCache {
    /// A cache for `db`: on PostgreSQL with `ttl > 0`, holding up to `capacity` sessions;
    /// off otherwise. It starts not live: the listener turns it on once its `LISTEN` is
    /// in place ([`connected`](Self::connected)).
    pub fn new(
        db: &DatabaseConnection,
        database_url: &str,
        ttl: Duration,
        capacity: usize,
    ) -> Self {
        if db.get_database_backend() != DbBackend::Postgres || ttl.is_zero() {
            return Self(None);
        }
        let markers = match sea_orm::sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .connect_lazy(database_url)
        {
            Ok(pool) => pool,
            Err(e) => {
                tracing::warn!(error = %e, "session cache: no marker connection; cache off");
                return Self(None);
            }
        };
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self(Some(Arc::new(Inner {
            ttl,
            live: AtomicBool::new(false),
            healthy: AtomicBool::new(true),
            generation: AtomicU64::new(0),
            entries: Mutex::new(lru::LruCache::new(capacity)),
            replica: rand::random(),
            next_marker: AtomicU64::new(0),
            syncs: AtomicU64::new(0),
            waiters: Mutex::new(HashMap::new()),
            markers,
        })))
    }

    /// A cache that is always off.
    pub fn disabled() -> Self {
        Self(None)
    }

    /// Whether the cache is on (PostgreSQL, a TTL set) — live or not.
    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    /// The cache when its listener is up.
    fn listening(&self) -> Option<&Inner> {
        self.0
            .as_deref()
            .filter(|inner| inner.live.load(Ordering::Acquire))
    }

    /// The cache when it may be used: listener up and markers coming back.
    fn live(&self) -> Option<&Inner> {
        self.listening()
            .filter(|inner| inner.healthy.load(Ordering::Acquire))
    }

    /// The live session `session_id` of `user_id`, if cached, unexpired at `now` and
    /// younger than the TTL.
    pub fn get(
        &self,
        session_id: i32,
        user_id: i32,
        now: DateTime<Utc>,
    ) -> Option<Arc<CachedSession>> {
        let inner = self.live()?;
        let mut entries = inner.entries.lock().ok()?;
        let entry = entries.get(&session_id)?;
        if entry.viewer.user_id != user_id {
            return None;
        }
        if entry.expires_at <= now || entry.loaded_at.elapsed() >= inner.ttl {
            entries.pop(&session_id);
            return None;
        }
        Some(entry.clone())
    }

    /// Taken before reading a session from the database; `None` when the cache is off or
    /// not live (then the read is not stored).
    pub fn ticket(&self) -> Option<FillTicket> {
        self.live()
            .map(|inner| FillTicket(inner.generation.load(Ordering::Acquire)))
    }

    /// Stores a session read after `ticket` was taken, unless a notice was applied in
    /// between (it may concern what was read) or the listener went down.
    pub fn store(&self, ticket: FillTicket, session: Arc<CachedSession>) {
        let Some(inner) = self.live() else {
            return;
        };
        let Ok(mut entries) = inner.entries.lock() else {
            return;
        };
        // Compared under the lock that `apply` bumps under, so a notice cannot slip
        // between the comparison and the insert.
        if inner.generation.load(Ordering::Acquire) == ticket.0 {
            entries.put(session.viewer.session_id, session);
        }
    }

    /// Applies one notice from [`CHANNEL`]: `s:<session>`, `u:<user>`, `*`, or a sync
    /// marker `sync:<replica>:<n>`. Anything else drops everything (fail safe).
    pub fn apply(&self, payload: &str) {
        let Some(inner) = self.0.as_deref() else {
            return;
        };
        if let Some(marker) = payload.strip_prefix("sync:") {
            inner.marker_arrived(marker);
            return;
        }
        let Ok(mut entries) = inner.entries.lock() else {
            return;
        };
        inner.generation.fetch_add(1, Ordering::AcqRel);
        let parsed = |s: &str| s.parse::<i32>().ok();
        match payload.split_once(':') {
            Some(("s", id)) if parsed(id).is_some() => {
                entries.pop(&parsed(id).unwrap_or_default());
            }
            Some(("u", id)) if parsed(id).is_some() => {
                let user_id = parsed(id).unwrap_or_default();
                let stale: Vec<i32> = entries
                    .iter()
                    .filter(|(_, e)| e.viewer.user_id == user_id)
                    .map(|(sid, _)| *sid)
                    .collect();
                for sid in stale {
                    entries.pop(&sid);
                }
            }
            _ => {
                if payload != "*" {
                    let shown: String = payload.chars().take(100).collect();
                    tracing::warn!(payload = %shown, "session cache: unknown notice; dropping every entry");
                }
                entries.clear();
            }
        }
    }

    /// The listener's `LISTEN` is in place (at start-up or after a reconnection): start
    /// from empty, since notices sent while it was down are lost, and go live.
    pub fn connected(&self) {
        let Some(inner) = self.0.as_deref() else {
            return;
        };
        inner.clear();
        inner.healthy.store(true, Ordering::Release);
        inner.live.store(true, Ordering::Release);
    }

    /// The listener connection is gone: stop reading and storing until
    /// [`connected`](Self::connected), and release every `sync` waiting for a marker.
    pub fn lost(&self) {
        let Some(inner) = self.0.as_deref() else {
            return;
        };
        inner.live.store(false, Ordering::Release);
        inner.clear();
        if let Ok(mut waiters) = inner.waiters.lock() {
            waiters.clear();
        }
    }

    /// Returns once every change committed before this call has been applied to this
    /// replica's cache (see the module documentation). Call it after a commit that may
    /// have changed sessions, accounts or roles, before answering. Never fails: on any
    /// error or after [`SYNC_TIMEOUT`] it drops the whole cache instead.
    pub async fn sync(&self) {
        let Some(inner) = self.live() else {
            return;
        };
        inner.syncs.fetch_add(1, Ordering::Relaxed);
        if !inner.round_trip().await && inner.healthy.swap(false, Ordering::AcqRel) {
            tracing::warn!(
                "session cache: sync marker did not come back; cache off until one does"
            );
            inner.clear();
        }
    }

    /// Checks every [`HEARTBEAT`] that notices still arrive (see the module
    /// documentation); runs until the task is aborted. A no-op loop when disabled.
    pub async fn heartbeat_forever(self) {
        let Some(inner) = self.0.clone() else {
            return;
        };
        let mut tick = tokio::time::interval(HEARTBEAT);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !inner.live.load(Ordering::Acquire) {
                continue;
            }
            let ok = inner.round_trip().await;
            let was_healthy = inner.healthy.swap(ok, Ordering::AcqRel);
            if ok != was_healthy {
                // Either way the entries are of doubtful age: start from empty.
                inner.clear();
                if ok {
                    tracing::info!("session cache: notices arrive again; cache back on");
                } else {
                    tracing::warn!(
                        "session cache: heartbeat marker did not come back; cache off until one does"
                    );
                }
            }
        }
    }

    /// How many sessions are cached (tests, diagnostics).
    pub fn len(&self) -> usize {
        self.0
            .as_deref()
            .and_then(|inner| inner.entries.lock().ok().map(|e| e.len()))
            .unwrap_or(0)
    }

    /// How many syncs ran so far (tests, diagnostics); 0 when disabled.
    pub fn syncs(&self) -> u64 {
        self.0
            .as_deref()
            .map_or(0, |inner| inner.syncs.load(Ordering::Relaxed))
    }

    /// Whether no session is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Inner {
    fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            entries.clear();
        }
    }

    /// Sends a marker notice and waits (at most [`SYNC_TIMEOUT`]) until it comes back
    /// through the listener: then every notice committed before it has been applied.
    async fn round_trip(&self) -> bool {
        let n = self.next_marker.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        if let Ok(mut waiters) = self.waiters.lock() {
            waiters.insert(n, tx);
        }
        let marker = format!("sync:{:x}:{n}", self.replica);
        let arrived = async {
            sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(marker)
                .execute(&self.markers)
                .await
                .ok()?;
            rx.await.ok()
        };
        let ok = tokio::time::timeout(SYNC_TIMEOUT, arrived)
            .await
            .ok()
            .flatten()
            .is_some();
        if !ok && let Ok(mut waiters) = self.waiters.lock() {
            waiters.remove(&n);
        }
        ok
    }

    fn marker_arrived(&self, marker: &str) {
        let Some((replica, n)) = marker.split_once(':') else {
            return;
        };
        if u64::from_str_radix(replica, 16).ok() != Some(self.replica) {
            return;
        }
        let Ok(n) = n.parse::<u64>() else {
            return;
        };
        let waiter = self.waiters.lock().ok().and_then(|mut w| w.remove(&n));
        if let Some(tx) = waiter {
            let _ = tx.send(());
        }
    }
}
