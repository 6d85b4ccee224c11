//! Migrations apply on start-up, and `down` fully reverses `up`, on both databases.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::common::TestApp;

async fn user_tables(app: &TestApp) -> i64 {
    let db = app.state.db();
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_name <> 'seaql_migrations'"
        }
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn start_up_applies_every_migration() {
    let app = TestApp::spawn().await;
    let status = rakshaayan::db::migration_status(app.state.db())
        .await
        .unwrap();
    assert!(status.len() >= 15);
    assert!(status.iter().all(|(_, applied)| *applied), "{status:?}");
    assert_eq!(user_tables(&app).await, 14, "the 14 tables of SPEC §3");
}

#[tokio::test]
async fn down_reverses_up_completely_and_up_works_again() {
    let app = TestApp::spawn().await;
    let db = app.state.db();
    rakshaayan::db::migrate_down(db, None).await.unwrap();
    assert_eq!(user_tables(&app).await, 0, "down leaves no table behind");
    let status = rakshaayan::db::migration_status(db).await.unwrap();
    assert!(status.iter().all(|(_, applied)| !*applied));

    rakshaayan::db::migrate_up(db, &app.state.config().database_url)
        .await
        .unwrap();
    assert_eq!(user_tables(&app).await, 14);
    // The help topics seed is part of `up`.
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM patient_help_topics",
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(row.try_get::<i64>("", "n").unwrap() >= 5);

    // Running up twice is a no-op.
    rakshaayan::db::migrate_up(db, &app.state.config().database_url)
        .await
        .unwrap();
}

#[tokio::test]
async fn concurrent_start_ups_on_one_database_do_not_race() {
    // Two servers migrating the same fresh database at once (replicas starting
    // together): the advisory lock on PostgreSQL, the busy timeout on SQLite.
    let dir = tempfile::tempdir().unwrap();
    let (url, _guard) = crate::common::fresh_database(&dir).await;
    let env = crate::common::test_env(&dir, &url, &[]);
    let build = || {
        let config = rakshaayan::config::Config::from_map(&env).unwrap();
        async move { rakshaayan::App::build(config).await }
    };
    let (a, b) = tokio::join!(build(), build());
    let (a, b) = (
        a.expect("first replica starts"),
        b.expect("second replica starts"),
    );
    let status = rakshaayan::db::migration_status(a.state().db())
        .await
        .unwrap();
    assert!(status.iter().all(|(_, applied)| *applied));
    a.state().db().close_by_ref().await.ok();
    b.state().db().close_by_ref().await.ok();
}
