//! The event bus behind live updates (`adverseEventStatusChanged`): every status change
//! of an adverse event is published here after its transaction committed, and every
//! subscription of every replica receives it.
//!
//! # Transport
//!
//! * **SQLite** — one process per database file, so the bus is an in-process
//!   [`tokio::sync::broadcast`] channel: [`Bus::publish`] sends into it directly.
//! * **PostgreSQL** — replicas share nothing but the database (SPEC §2), so
//!   [`Bus::publish`] runs `SELECT pg_notify('rakshaayan_event_status', <json>)` on the
//!   pool, and each process runs one listener task holding a dedicated
//!   [`PgListener`] connection that `LISTEN`s on [`CHANNEL`] and forwards every
//!   notification into the local broadcast channel. A replica receives its *own* changes
//!   through the same path, exactly once: `publish` never sends locally on PostgreSQL.
//!   [`Bus::start`] returns only once the `LISTEN` is in place, so nothing published after
//!   start-up can be missed for want of a listener. The same connection also `LISTEN`s on
//!   the session cache's channel ([`crate::auth::session_cache::CHANNEL`]) and hands those
//!   notices, and its own losses and reconnections, to the [`SessionCache`]: one listener
//!   connection per process.
//!
//! # Delivery guarantees
//!
//! At most once, best effort — this is a live feed, not a log; the database stays the
//! source of truth and a client that needs certainty re-reads the event.
//!
//! * **Listener connection drops.** When `PgListener::try_recv` (sqlx 0.9) notices a
//!   dead socket (EOF, reset, timeout, broken pipe), the listener task builds a new
//!   connection at once and re-issues the `LISTEN`s (explicitly rather than through
//!   sqlx's implicit reconnect, so the session cache knows when it is listening again);
//!   after any other error it does the same with exponential backoff from
//!   [`RECONNECT_BACKOFF_MIN`] to [`RECONNECT_BACKOFF_MAX`]. PostgreSQL queues notifications only for sessions that
//!   are listening, so **notifications sent while this replica was disconnected are
//!   lost** — its subscribers never see those changes. Each reconnection is logged.
//! * **Slow subscribers.** The local channel holds [`LOCAL_CAPACITY`] changes. A
//!   subscriber that falls further behind skips the oldest ones (logged with the count)
//!   and carries on; the publisher and the other subscribers are never slowed down.
//! * **Publishing** never fails the caller: its transaction has already committed, so
//!   errors (pool exhausted, database gone, oversized payload) are logged with
//!   `tracing::error!` and swallowed. The `pg_notify` runs on its own task, so a request
//!   cancelled mid-publish (client went away) still delivers the change.
//! * **Ordering.** Changes published one after another by one caller arrive in that
//!   order. Two requests changing the same event concurrently publish after their own
//!   commits, so their changes may arrive in either order; each message carries its
//!   `oldStatus`, `newStatus` and `at` so a client can tell.
//! * **Malformed payloads** on the channel (a foreign `NOTIFY`, an incompatible
//!   replica) are logged and skipped. Unknown fields are ignored, so a newer replica
//!   that adds a field does not break older ones during a rolling deploy.

use std::{sync::Arc, time::Duration};

use futures_util::{Stream, StreamExt as _};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement, sqlx::postgres::PgListener,
};
use serde::{Deserialize, Serialize};
use tokio::{sync::broadcast, task::AbortHandle};

use crate::auth::session_cache::{self, SessionCache};
use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};

/// The PostgreSQL `LISTEN`/`NOTIFY` channel carrying [`StatusChange`]s as JSON.
pub const CHANNEL: &str = "rakshaayan_event_status";

/// How many changes the in-process channel buffers per process. A subscriber more than
/// this many changes behind skips the oldest (see the module documentation). Status
/// changes are human-paced, so this is seconds of a burst, not a memory concern
/// (~150 bytes a change).
pub const LOCAL_CAPACITY: usize = 1024;

/// The largest payload `publish` sends. PostgreSQL refuses `NOTIFY` payloads of 8000
/// bytes or more (default build); a status change is ~150 bytes, so this only guards
/// against a bug producing absurd status strings.
pub const MAX_PAYLOAD_BYTES: usize = 7999;

/// How long `publish` waits for the `pg_notify` (pool acquisition included) before it
/// gives up and logs, so that a saturated pool cannot hold a committed request hostage.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);

/// First wait before rebuilding a failed listener connection; doubles per failure.
pub const RECONNECT_BACKOFF_MIN: Duration = Duration::from_millis(250);

/// Longest wait between attempts to rebuild the listener connection.
pub const RECONNECT_BACKOFF_MAX: Duration = Duration::from_secs(30);

/// One status change of an adverse event, as published and as received.
///
/// JSON (the `NOTIFY` payload) is camelCase:
/// `{"eventId":7,"oldStatus":"submitted","newStatus":"under_review","changedBy":3,"at":"2025-…Z"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    /// The adverse event's id.
    pub event_id: i32,
    /// The status before the change, as stored (lowercase, e.g. `"submitted"`).
    pub old_status: String,
    /// The status after the change, as stored (e.g. `"under_review"`).
    pub new_status: String,
    /// The user who made the change; `None` for system changes.
    pub changed_by: Option<i32>,
    /// When the change was committed.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The bus: cheap to clone (an `Arc`), shared through `AppState::bus`.
#[derive(Clone)]
pub struct Bus(Arc<Inner>);

struct Inner {
    /// The local fan-out every subscriber reads from.
    local: broadcast::Sender<StatusChange>,
    transport: Transport,
}

enum Transport {
    /// SQLite: publish sends into `local` directly.
    InProcess,
    /// PostgreSQL: publish notifies through the pool; the listener task feeds `local`.
    Postgres {
        db: DatabaseConnection,
        listener: AbortHandle,
        /// Told when the listener stops for good (no more notices: cache off).
        sessions: SessionCache,
    },
}

impl Drop for Inner {
    fn drop(&mut self) {
        // An `App` that is built but never served (or a state dropped without a
        // shutdown) must not leave its listener reconnecting forever.
        if let Transport::Postgres {
            listener, sessions, ..
        } = &self.transport
        {
            listener.abort();
            sessions.lost();
        }
    }
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match self.0.transport {
            Transport::InProcess => "in-process",
            Transport::Postgres { .. } => "postgres",
        };
        f.debug_struct("Bus")
            .field("transport", &transport)
            .field("subscribers", &self.0.local.receiver_count())
            .finish()
    }
}

impl Bus {
    /// The bus for `db`'s back-end: in-process on SQLite; on PostgreSQL, connects the
    /// listener to `database_url`, issues the `LISTEN` and spawns the listener task —
    /// returning only once the `LISTEN` is in place. Must be called inside a tokio
    /// runtime.
    ///
    /// `sessions` receives the session-cache notices (and is told when the listener is
    /// live); pass [`SessionCache::disabled`] when there is none.
    pub async fn start(
        db: &DatabaseConnection,
        database_url: &str,
        sessions: SessionCache,
    ) -> anyhow::Result<Self> {
        match db.get_database_backend() {
            DbBackend::Postgres => Self::postgres(db.clone(), database_url, sessions).await,
            _ => Ok(Self::in_process()),
        }
    }

    /// An in-process bus (SQLite, or anything with a single process).
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(LOCAL_CAPACITY);
        Self(Arc::new(Inner {
            local,
            transport: Transport::InProcess,
        }))
    }

    /// A PostgreSQL bus: publishes through `db`, listens on its own connection to
    /// `database_url` (established and `LISTEN`ing when this returns).
    pub async fn postgres(
        db: DatabaseConnection,
        database_url: &str,
        sessions: SessionCache,
    ) -> anyhow::Result<Self> {
        let listener = connect_listener(database_url)
            .await
            .map_err(|e| anyhow::anyhow!("listening on PostgreSQL channel {CHANNEL}: {e}"))?;
        tracing::debug!(channel = CHANNEL, "event bus listening");
        sessions.connected();
        let (local, _) = broadcast::channel(LOCAL_CAPACITY);
        let task = tokio::spawn(listen_forever(
            listener,
            database_url.to_owned(),
            local.clone(),
            sessions.clone(),
        ));
        Ok(Self(Arc::new(Inner {
            local,
            transport: Transport::Postgres {
                db,
                listener: task.abort_handle(),
                sessions,
            },
        })))
    }

    /// Publishes a committed status change to every subscriber of every replica. Never
    /// fails: errors are logged (see the module documentation). Call it after the
    /// transaction committed, never inside it.
    pub async fn publish(&self, change: &StatusChange) {
        let Transport::Postgres { db, .. } = &self.0.transport else {
            // No subscriber is not an error.
            let _ = self.0.local.send(change.clone());
            return;
        };
        let payload = match serde_json::to_string(change) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!(error = %e, event_id = change.event_id, "event bus: serialising a status change failed; not published");
                return;
            }
        };
        if payload.len() > MAX_PAYLOAD_BYTES {
            tracing::error!(
                bytes = payload.len(),
                event_id = change.event_id,
                "event bus: status change payload too large for NOTIFY; not published"
            );
            return;
        }
        let db = db.clone();
        let event_id = change.event_id;
        // On its own task: a caller cancelled after its commit still publishes.
        let task = tokio::spawn(async move {
            let notify = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.into()],
            );
            match tokio::time::timeout(PUBLISH_TIMEOUT, db.execute_raw(notify)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::error!(error = %e, event_id, "event bus: pg_notify failed; status change not published");
                }
                Err(_) => {
                    tracing::error!(
                        timeout_ms = PUBLISH_TIMEOUT.as_millis() as u64,
                        event_id,
                        "event bus: pg_notify timed out; status change not published"
                    );
                }
            }
        });
        if let Err(e) = task.await {
            tracing::error!(error = %e, event_id, "event bus: publish task failed");
        }
    }

    /// Every status change published from now on (the subscription is registered when
    /// this is called, not when the stream is first polled — so subscribe *before*
    /// reading the current state, or a change in between is missed). A subscriber that
    /// falls more than [`LOCAL_CAPACITY`] changes behind skips the oldest and logs how
    /// many. The stream ends only when the bus is dropped.
    pub fn subscribe(&self) -> impl Stream<Item = StatusChange> + Send + 'static + use<> {
        BroadcastStream::new(self.0.local.subscribe()).filter_map(|item| {
            std::future::ready(match item {
                Ok(change) => Some(change),
                Err(BroadcastStreamRecvError::Lagged(skipped)) => {
                    tracing::warn!(
                        skipped,
                        "event bus: a slow subscriber fell behind; skipped the oldest status changes"
                    );
                    None
                }
            })
        })
    }

    /// [`subscribe`](Self::subscribe), restricted to one event.
    pub fn subscribe_event(
        &self,
        event_id: i32,
    ) -> impl Stream<Item = StatusChange> + Send + 'static + use<> {
        self.subscribe()
            .filter(move |change| std::future::ready(change.event_id == event_id))
    }

    /// How many subscriptions this process holds right now.
    pub fn subscriber_count(&self) -> usize {
        self.0.local.receiver_count()
    }

    /// Stops the PostgreSQL listener task (at shutdown; idempotent). Subscribers then
    /// receive nothing more; publishing still works. A no-op on SQLite.
    pub fn stop(&self) {
        if let Transport::Postgres {
            listener, sessions, ..
        } = &self.0.transport
        {
            listener.abort();
            // Nothing will invalidate the session cache any more.
            sessions.lost();
        }
    }
}

/// A listener connection with both `LISTEN`s issued.
async fn connect_listener(database_url: &str) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener
        .listen_all([CHANNEL, session_cache::CHANNEL])
        .await?;
    Ok(listener)
}

/// The listener task: forwards notifications into `local` and `sessions` until aborted,
/// rebuilding the connection (with backoff after errors) when it fails.
async fn listen_forever(
    listener: PgListener,
    database_url: String,
    local: broadcast::Sender<StatusChange>,
    sessions: SessionCache,
) {
    let mut listener = Some(listener);
    let mut backoff = RECONNECT_BACKOFF_MIN;
    loop {
        let mut active = match listener.take() {
            Some(active) => active,
            None => match connect_listener(&database_url).await {
                Ok(active) => {
                    sessions.connected();
                    tracing::warn!(
                        channel = CHANNEL,
                        "event bus: listener re-established; status changes published while it was down were lost"
                    );
                    backoff = RECONNECT_BACKOFF_MIN;
                    active
                }
                Err(e) => {
                    tracing::error!(error = %e, retry_in_ms = backoff.as_millis() as u64, "event bus: reconnecting the listener failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(RECONNECT_BACKOFF_MAX);
                    continue;
                }
            },
        };
        let error = loop {
            match active.try_recv().await {
                Ok(Some(notification)) => match notification.channel() {
                    CHANNEL => forward(&local, notification.payload()),
                    session_cache::CHANNEL => sessions.apply(notification.payload()),
                    _ => {}
                },
                // The socket died; rebuild it ourselves (see the module documentation).
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        sessions.lost();
        drop(active);
        match error {
            None => tracing::warn!(
                channel = CHANNEL,
                "event bus: listener connection lost; re-establishing it"
            ),
            Some(error) => {
                tracing::error!(error = %error, retry_in_ms = backoff.as_millis() as u64, "event bus: listener connection failed; reconnecting");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(RECONNECT_BACKOFF_MAX);
            }
        }
    }
}

/// Decodes one payload and hands it to the local subscribers; logs and skips garbage.
fn forward(local: &broadcast::Sender<StatusChange>, payload: &str) {
    match serde_json::from_str::<StatusChange>(payload) {
        // An error only means nobody is subscribed right now.
        Ok(change) => {
            let _ = local.send(change);
        }
        Err(e) => {
            let shown: String = payload.chars().take(200).collect();
            tracing::warn!(error = %e, payload = %shown, "event bus: malformed notification skipped");
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn change() -> StatusChange {
        StatusChange {
            event_id: 42,
            old_status: "submitted".into(),
            new_status: "under_review".into(),
            changed_by: Some(7),
            at: chrono::Utc
                .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
                .unwrap()
                .checked_add_signed(chrono::Duration::nanoseconds(123_456_789))
                .unwrap(),
        }
    }

    #[test]
    fn the_payload_is_camel_case_json_and_round_trips() {
        let json = serde_json::to_value(change()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "eventId": 42,
                "oldStatus": "submitted",
                "newStatus": "under_review",
                "changedBy": 7,
                "at": "2025-01-02T03:04:05.123456789Z",
            })
        );
        let text = serde_json::to_string(&change()).unwrap();
        assert!(text.len() < 200, "{} bytes", text.len());
        assert_eq!(
            serde_json::from_str::<StatusChange>(&text).unwrap(),
            change()
        );
    }

    #[test]
    fn unknown_fields_are_ignored_and_garbage_is_skipped() {
        let newer = r#"{"eventId":1,"oldStatus":"a","newStatus":"b","changedBy":null,"at":"2025-01-02T03:04:05Z","reason":"x"}"#;
        assert_eq!(
            serde_json::from_str::<StatusChange>(newer)
                .unwrap()
                .event_id,
            1
        );
        let (tx, mut rx) = broadcast::channel(4);
        forward(&tx, "not json");
        forward(&tx, r#"{"eventId":"x"}"#);
        forward(&tx, newer);
        assert_eq!(rx.try_recv().unwrap().event_id, 1);
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn in_process_publish_reaches_each_subscriber_once() {
        let bus = Bus::in_process();
        let a = bus.subscribe();
        let b = bus.subscribe_event(42);
        let other = bus.subscribe_event(43);
        assert_eq!(bus.subscriber_count(), 3);
        bus.publish(&change()).await;
        drop(bus);
        // Dropping the bus ends the streams, so `collect` terminates.
        assert_eq!(a.collect::<Vec<_>>().await, vec![change()]);
        assert_eq!(b.collect::<Vec<_>>().await, vec![change()]);
        assert!(other.collect::<Vec<_>>().await.is_empty());
    }
}
