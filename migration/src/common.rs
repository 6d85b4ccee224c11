//! Column and constraint helpers shared by the migrations.
//!
//! Like the migrations themselves, these are frozen once a migration that uses them has
//! been applied anywhere: changing one would silently change what an old migration means.
//! Add a new helper instead of editing an existing one.

use sea_orm_migration::{prelude::*, schema::timestamp_with_time_zone, sea_orm::DbBackend};

/// The server-side "now" used as the default of every `created_at`-like column.
///
/// PostgreSQL gets `CURRENT_TIMESTAMP` (a real `timestamptz`). SQLite stores timestamps as
/// text, and its `CURRENT_TIMESTAMP` is `YYYY-MM-DD HH:MM:SS`, while sqlx writes a
/// `DateTime<Utc>` as RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff]+00:00`). Mixing the two breaks
/// `created_at < ?` comparisons, which SQLite does on the text (`' '` sorts before `'T'`), so
/// on SQLite the default produces the same RFC 3339 shape that sqlx writes.
pub(crate) fn now(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Sqlite => Expr::cust("strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')"),
        _ => Expr::current_timestamp(),
    }
}

/// A `NOT NULL` UTC timestamp column defaulting to [`now`].
pub(crate) fn timestamp_now<T: IntoIden>(col: T, backend: DbBackend) -> ColumnDef {
    timestamp_with_time_zone(col).default(now(backend)).take()
}

/// A named foreign key `from_table.from_col → to_table.to_col` with the given `ON DELETE`.
pub(crate) fn foreign_key<FT, FC, TT, TC>(
    name: &str,
    from: (FT, FC),
    to: (TT, TC),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    FT: IntoIden,
    FC: IntoIden,
    TT: IntoIden,
    TC: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .take()
}

/// A named, non-unique index on `table (cols…)`.
pub(crate) fn index<T, C, I>(name: &str, table: T, cols: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIndexColumn,
    I: IntoIterator<Item = C>,
{
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    index.take()
}

/// A named unique constraint on `(cols…)`, for use inside `Table::create().index(…)`.
///
/// On PostgreSQL this renders as `CONSTRAINT "name" UNIQUE (…)`, so a violation reports the
/// name; SQLite reports the columns instead (see [`crate::UNIQUE_CONSTRAINTS`]).
pub(crate) fn unique<C, I>(name: &str, cols: I) -> IndexCreateStatement
where
    C: IntoIndexColumn,
    I: IntoIterator<Item = C>,
{
    let mut index = Index::create();
    index.name(name).unique();
    for col in cols {
        index.col(col);
    }
    index.take()
}
