//! Database connection, pool settings and migrations, for SQLite and PostgreSQL.

pub mod constraint;
pub mod reads;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::config::Config;

/// Counts SQL statements executed through the pool. Cheap (one relaxed atomic add per
/// statement); read by the statement-count tests and the benchmark.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements executed so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts one statement run outside SeaORM ([`reads::Reader`]).
    pub fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Opens the pool with the settings SPEC §10 asks for: on SQLite WAL journal, foreign
/// keys on and a busy timeout (concurrent writers queue instead of failing with
/// "database is locked").
pub async fn connect(config: &Config) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    let mut opts = ConnectOptions::new(config.database_url.clone());
    opts.max_connections(config.database_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
        });
    let mut db = Database::connect(opts)
        .await
        .map_err(|e| anyhow::anyhow!("connecting to the database: {e}"))?;
    let counter = StatementCounter::default();
    let inner = counter.0.clone();
    db.set_metric_callback(move |_| {
        inner.fetch_add(1, Ordering::Relaxed);
    });
    Ok((db, counter))
}

/// Options for a transaction that reads, then writes a change and its audit row
/// (see [`begin_write`]).
///
/// On SQLite a plain `BEGIN` is deferred: the transaction starts as a reader and must
/// upgrade to a writer at its first write, which fails at once with "database is
/// locked" when another connection committed in between; the busy timeout cannot help.
/// `BEGIN IMMEDIATE` takes the write lock up front, so concurrent writers queue on the
/// busy timeout instead. PostgreSQL ignores the setting.
pub const WRITE_TRANSACTION: TransactionOptions = TransactionOptions {
    isolation_level: None,
    access_mode: None,
    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
};

/// Begins a transaction that will write (see [`WRITE_TRANSACTION`]). Every service
/// transaction uses this rather than `begin()`.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    db.begin_with_options(WRITE_TRANSACTION).await
}

/// An arbitrary, fixed key for the PostgreSQL advisory lock that serialises migrations
/// between replicas (and test threads) starting at the same time.
const MIGRATION_LOCK_KEY: i64 = 7_272_701;

/// Applies pending migrations. sea-orm-migration has no lock of its own, and two
/// processes migrating a fresh database at once collide, so the run is serialised: on
/// PostgreSQL by a transaction-scoped advisory lock, on SQLite by an exclusive lock on
/// a file next to the database.
pub async fn migrate_up(db: &DatabaseConnection, database_url: &str) -> anyhow::Result<()> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let _lock = match sqlite_lock_path(database_url) {
                Some(path) => Some(
                    tokio::task::spawn_blocking(move || lock_file(&path))
                        .await
                        .map_err(|e| anyhow::anyhow!("migration lock task: {e}"))??,
                ),
                None => None,
            };
            Migrator::up(db, None).await?;
        }
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
            ))
            .await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await?;
        }
        _ => Migrator::up(db, None).await?,
    }
    Ok(())
}

/// `<database file>.migrate-lock` for a file-backed SQLite URL; `None` for in-memory.
fn sqlite_lock_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(format!("{path}.migrate-lock")))
}

/// Blocks until this process holds an exclusive lock on `path` (released on drop).
fn lock_file(path: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| anyhow::anyhow!("opening {}: {e}", path.display()))?;
    file.lock()
        .map_err(|e| anyhow::anyhow!("locking {}: {e}", path.display()))?;
    Ok(file)
}

/// Reverts `steps` migrations (all when `None`).
pub async fn migrate_down(db: &DatabaseConnection, steps: Option<u32>) -> anyhow::Result<()> {
    Migrator::down(db, steps).await?;
    Ok(())
}

/// Drops everything and migrates from scratch.
pub async fn migrate_fresh(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::fresh(db).await?;
    Ok(())
}

/// Applied and pending migrations, one `(name, applied)` per line.
pub async fn migration_status(db: &DatabaseConnection) -> anyhow::Result<Vec<(String, bool)>> {
    let applied: std::collections::HashSet<String> = Migrator::get_applied_migrations(db)
        .await?
        .into_iter()
        .map(|m| m.name().to_owned())
        .collect();
    Ok(Migrator::migrations()
        .into_iter()
        .map(|m| {
            let name = m.name().to_owned();
            let is_applied = applied.contains(&name);
            (name, is_applied)
        })
        .collect())
}

/// Whether the database answers (readiness probe).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}
