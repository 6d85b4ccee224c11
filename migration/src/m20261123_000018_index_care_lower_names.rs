//! Expression indexes for the care lists: the case-insensitive name orderings of
//! `patientRecords` and `doctors` (`lower(last_name)`, then `id`, the keyset order) and
//! the case-insensitive city filter of `doctors` (`lower(city) = lower(…)`), which the
//! plain column indexes cannot serve.
//!
//! The name sort folds ASCII only on both back-ends, so cursors computed in Rust match:
//! SQLite's `lower()` does that natively, PostgreSQL's does under the `"C"` collation
//! (which also compares bytes, as SQLite and Rust do). The server's sort expressions are
//! exactly these (`services::care::name_sort_expr`). Raw SQL, because sea-query's SQLite
//! builder cannot render expression index columns.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(name, table, PostgreSQL columns, SQLite columns)`.
const INDEXES: &[(&str, &str, &str, &str)] = &[
    (
        "ix_care_patients_last_name_lower",
        "care_patients",
        r#"lower(last_name COLLATE "C"), id"#,
        "lower(last_name), id",
    ),
    (
        "ix_care_doctors_last_name_lower",
        "care_doctors",
        r#"lower(last_name COLLATE "C"), id"#,
        "lower(last_name), id",
    ),
    (
        "ix_care_doctors_city_lower",
        "care_doctors",
        "lower(city)",
        "lower(city)",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for (name, table, pg_columns, sqlite_columns) in INDEXES {
            let columns = if postgres { pg_columns } else { sqlite_columns };
            manager
                .get_connection()
                .execute_unprepared(&format!("CREATE INDEX {name} ON {table} ({columns})"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, ..) in INDEXES.iter().rev() {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP INDEX {name}"))
                .await?;
        }
        Ok(())
    }
}
