//! The event bus behind `adverseEventStatusChanged`: in-process on SQLite, `LISTEN/NOTIFY`
//! across replicas on PostgreSQL. Every wait is bounded so a lost message fails the test
//! instead of hanging the suite.

use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use rakshaayan::{
    App,
    bus::{CHANNEL, LOCAL_CAPACITY, StatusChange},
    config::Config,
    state::AppState,
};
use sea_orm::ConnectionTrait as _;
use tokio::sync::oneshot;

use crate::common::{TestApp, fresh_database, on_postgres, test_env};

/// Longest wait for a message that should arrive.
const ARRIVES: Duration = Duration::from_secs(5);
/// How long a stream must stay silent to count as "no (duplicate) message".
const QUIET: Duration = Duration::from_millis(500);

fn change(event_id: i32) -> StatusChange {
    StatusChange {
        event_id,
        old_status: "submitted".to_owned(),
        new_status: "under_review".to_owned(),
        changed_by: Some(7),
        at: chrono::Utc::now(),
    }
}

/// The next message, failing the test after [`ARRIVES`].
async fn next(stream: &mut (impl Stream<Item = StatusChange> + Unpin)) -> StatusChange {
    tokio::time::timeout(ARRIVES, stream.next())
        .await
        .expect("a status change arrives within 5 s")
        .expect("the bus stream stays open")
}

/// Fails when anything arrives within [`QUIET`].
async fn assert_quiet(stream: &mut (impl Stream<Item = StatusChange> + Unpin)) {
    if let Ok(extra) = tokio::time::timeout(QUIET, stream.next()).await {
        panic!("expected no further status change, got {extra:?}");
    }
}

/// One server process sharing a database with others.
struct Replica {
    state: AppState,
    shutdown: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Replica {
    async fn start(env: &std::collections::HashMap<String, String>) -> Self {
        let config = Config::from_map(env).expect("valid test config");
        rakshaayan::telemetry::init(&config);
        let app = App::build(config).await.expect("replica builds");
        let state = app.state().clone();
        let (shutdown, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.serve(async move {
            let _ = rx.await;
        }));
        Self {
            state,
            shutdown,
            server,
        }
    }

    async fn stop(self) {
        let _ = self.shutdown.send(());
        self.server.await.expect("server task").expect("server ran");
    }
}

#[tokio::test]
async fn a_change_reaches_a_subscriber_of_the_same_server_exactly_once() {
    let app = TestApp::spawn().await;
    let bus = app.state.bus();
    let mut sub = Box::pin(bus.subscribe());
    let sent = change(1);
    bus.publish(&sent).await;
    assert_eq!(next(&mut sub).await, sent);
    // On PostgreSQL the change comes back through LISTEN only, not also locally.
    assert_quiet(&mut sub).await;
    app.stop().await;
}

#[tokio::test]
async fn every_subscriber_receives_every_change_in_order() {
    let app = TestApp::spawn().await;
    let bus = app.state.bus();
    let mut subs: Vec<_> = (0..3).map(|_| Box::pin(bus.subscribe())).collect();
    let mut only_two = Box::pin(bus.subscribe_event(2));
    let sent = [change(1), change(2), change(3)];
    for c in &sent {
        bus.publish(c).await;
    }
    for sub in &mut subs {
        for c in &sent {
            assert_eq!(&next(sub).await, c);
        }
    }
    assert_eq!(next(&mut only_two).await, sent[1]);
    for sub in &mut subs {
        assert_quiet(sub).await;
    }
    assert_quiet(&mut only_two).await;
    app.stop().await;
}

#[tokio::test]
async fn a_lagging_subscriber_skips_ahead_without_holding_up_the_others() {
    let app = TestApp::spawn().await;
    let bus = app.state.bus().clone();
    // Never polled until the end: it falls more than the channel's capacity behind.
    let mut slow = Box::pin(bus.subscribe());
    let total = i32::try_from(LOCAL_CAPACITY).unwrap() + 50;

    let (progress_tx, mut progress) = tokio::sync::watch::channel(0_i32);
    let mut fast = Box::pin(bus.subscribe());
    let reader = tokio::spawn(async move {
        for expected in 0..total {
            let got = next(&mut fast).await;
            assert_eq!(got.event_id, expected, "the fast subscriber misses nothing");
            progress_tx.send_replace(expected + 1);
        }
    });
    // In batches the fast reader drains before the next, so only the slow one lags.
    for batch in (0..total).collect::<Vec<_>>().chunks(100) {
        for &id in batch {
            bus.publish(&change(id)).await;
        }
        let upto = *batch.last().unwrap() + 1;
        tokio::time::timeout(ARRIVES, progress.wait_for(|&n| n >= upto))
            .await
            .expect("the fast subscriber keeps up")
            .expect("the fast reader is running");
    }
    tokio::time::timeout(ARRIVES, reader)
        .await
        .expect("the fast reader finishes")
        .expect("the fast reader saw every change in order");

    // The slow one skips the oldest changes and resumes with what the channel kept.
    let kept = total - i32::try_from(LOCAL_CAPACITY).unwrap();
    for expected in kept..total {
        assert_eq!(next(&mut slow).await.event_id, expected);
    }
    assert_quiet(&mut slow).await;

    // And it is still subscribed afterwards.
    bus.publish(&change(total)).await;
    assert_eq!(next(&mut slow).await.event_id, total);
    app.stop().await;
}

#[tokio::test]
async fn publishing_after_shutdown_neither_fails_nor_hangs() {
    let app = TestApp::spawn().await;
    let state = app.state.clone();
    app.stop().await;
    // The pool is closed on PostgreSQL: the error is logged, the caller is unaffected.
    tokio::time::timeout(ARRIVES, state.bus().publish(&change(1)))
        .await
        .expect("publish returns promptly");
}

#[tokio::test]
async fn a_change_on_one_replica_reaches_the_subscribers_of_every_replica_once() {
    if !on_postgres() {
        // Replicas share only PostgreSQL; on SQLite there is one process per file.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (url, _guard) = fresh_database(&dir).await;
    let env = test_env(&dir, &url, &[]);
    let (a, b) = tokio::join!(Replica::start(&env), Replica::start(&env));

    // Subscribing right after start-up: the LISTENs are already in place.
    let mut on_a = Box::pin(a.state.bus().subscribe());
    let mut on_b = Box::pin(b.state.bus().subscribe());
    let mut on_b_too = Box::pin(b.state.bus().subscribe_event(11));

    let from_a = change(11);
    a.state.bus().publish(&from_a).await;
    assert_eq!(next(&mut on_b).await, from_a);
    assert_eq!(next(&mut on_b_too).await, from_a);
    assert_eq!(next(&mut on_a).await, from_a);

    let from_b = change(12);
    b.state.bus().publish(&from_b).await;
    assert_eq!(next(&mut on_a).await, from_b);
    assert_eq!(next(&mut on_b).await, from_b);

    assert_quiet(&mut on_a).await;
    assert_quiet(&mut on_b).await;
    assert_quiet(&mut on_b_too).await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_slow_subscriber_on_one_replica_does_not_stop_delivery_on_another() {
    if !on_postgres() {
        // Cross-replica delivery exists on PostgreSQL only.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (url, _guard) = fresh_database(&dir).await;
    let env = test_env(&dir, &url, &[]);
    let (a, b) = tokio::join!(Replica::start(&env), Replica::start(&env));

    let mut slow_on_a = Box::pin(a.state.bus().subscribe());
    let mut slow_on_b = Box::pin(b.state.bus().subscribe());
    let mut fast_on_a = Box::pin(a.state.bus().subscribe());
    let mut fast_on_b = Box::pin(b.state.bus().subscribe());
    let total = i32::try_from(LOCAL_CAPACITY).unwrap() + 20;
    for id in 0..total {
        a.state.bus().publish(&change(id)).await;
        // The fast ones are drained as we go; the slow ones are never read.
        assert_eq!(next(&mut fast_on_b).await.event_id, id);
        assert_eq!(next(&mut fast_on_a).await.event_id, id);
    }
    // Both slow subscribers lagged; each skips ahead and then sees the rest.
    let kept = total - i32::try_from(LOCAL_CAPACITY).unwrap();
    for slow in [&mut slow_on_a, &mut slow_on_b] {
        assert_eq!(next(slow).await.event_id, kept);
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn malformed_notifications_are_skipped() {
    if !on_postgres() {
        // Only PostgreSQL carries payloads others could write.
        return;
    }
    let app = TestApp::spawn().await;
    let mut sub = Box::pin(app.state.bus().subscribe());
    for junk in ["not json", r#"{"eventId":"x"}"#, ""] {
        app.state
            .db()
            .execute_unprepared(&format!(
                "SELECT pg_notify('{CHANNEL}', '{}')",
                junk.replace('\'', "''")
            ))
            .await
            .unwrap();
    }
    let good = change(5);
    app.state.bus().publish(&good).await;
    assert_eq!(next(&mut sub).await, good);
    assert_quiet(&mut sub).await;
    app.stop().await;
}

/// The name of the app's database.
async fn database_name(state: &AppState) -> String {
    state
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT current_database() AS name",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "name")
        .unwrap()
}

/// The pids of the sessions of database `name` whose last statement was a `LISTEN`,
/// asked over `conn` (any database of the cluster).
async fn listener_pids(conn: &impl sea_orm::ConnectionTrait, name: &str) -> Vec<i32> {
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = $1 AND query LIKE 'LISTEN%' ORDER BY pid",
            [name.into()],
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<i32>("", "pid").unwrap())
        .collect()
}

#[tokio::test]
async fn the_listener_reconnects_after_its_connection_is_killed() {
    if !on_postgres() {
        // There is no listener connection on SQLite.
        return;
    }
    let app = TestApp::spawn().await;
    let bus = app.state.bus();
    let mut sub = Box::pin(bus.subscribe());
    let name = database_name(&app.state).await;
    let before = listener_pids(app.state.db(), &name).await;
    assert_eq!(before.len(), 1, "one listener connection per process");
    app.state
        .db()
        .execute_unprepared(&format!("SELECT pg_terminate_backend({})", before[0]))
        .await
        .unwrap();

    // Changes published while the listener is down are lost (documented); keep
    // publishing until one gets through the new connection.
    let recovered = tokio::time::timeout(ARRIVES, async {
        let mut id = 0;
        loop {
            bus.publish(&change(id)).await;
            let wait = tokio::time::timeout(Duration::from_millis(100), sub.next());
            if let Ok(Some(got)) = wait.await {
                return got;
            }
            id += 1;
        }
    })
    .await
    .expect("the listener reconnects within 5 s");
    assert!(recovered.event_id >= 0);

    // Drain stragglers, then delivery is exactly-once again.
    while tokio::time::timeout(QUIET, sub.next()).await.is_ok() {}
    let after = listener_pids(app.state.db(), &name).await;
    assert_eq!(after.len(), 1, "one listener again: {after:?}");
    assert_ne!(after, before, "a new listener connection");
    let marker = change(-1);
    bus.publish(&marker).await;
    assert_eq!(next(&mut sub).await, marker);
    assert_quiet(&mut sub).await;
    app.stop().await;
}

#[tokio::test]
async fn the_listener_retries_until_the_database_accepts_connections_again() {
    if !on_postgres() {
        // There is no listener connection on SQLite.
        return;
    }
    let app = TestApp::spawn().await;
    let bus = app.state.bus();
    let mut sub = Box::pin(bus.subscribe());
    let name = database_name(&app.state).await;
    let before = listener_pids(app.state.db(), &name).await;
    assert_eq!(before.len(), 1);
    // New connections are refused (superusers included) while existing ones live on:
    // the listener's own reconnection fails and the bus falls back to its backoff loop.
    // A database cannot refuse connections to itself, and the app's pool may need a new
    // connection meanwhile, so all of this runs on the admin database.
    let admin = sea_orm::Database::connect(std::env::var("TEST_DATABASE_URL").unwrap())
        .await
        .unwrap();
    let allow = |yes: bool| format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {yes}");
    admin.execute_unprepared(&allow(false)).await.unwrap();
    admin
        .execute_unprepared(&format!("SELECT pg_terminate_backend({})", before[0]))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let down = listener_pids(&admin, &name).await;
    admin.execute_unprepared(&allow(true)).await.unwrap();
    admin.close().await.ok();
    assert!(down.is_empty(), "no listener while refused: {down:?}");

    let recovered = tokio::time::timeout(ARRIVES, async {
        let mut id = 0;
        loop {
            bus.publish(&change(id)).await;
            let wait = tokio::time::timeout(Duration::from_millis(100), sub.next());
            if let Ok(Some(got)) = wait.await {
                return got;
            }
            id += 1;
        }
    })
    .await
    .expect("the listener is back within 5 s of the database accepting connections");
    assert!(recovered.event_id >= 0);
    app.stop().await;
}
