//! Our own read statements, run straight through sqlx on PostgreSQL and decoded by
//! position.
//!
//! SeaORM's `query_all_raw` boxes a large future per statement (three copies of about
//! 15 KB each, ~5 % of a 50-event list page) and converts every row into its own row
//! type; sqlx also checks each value's type against the Rust type before decoding it
//! (for a text value on PostgreSQL ~700 instructions, more than the decoding). The hot
//! list statements (events of a page, attachments of a page) go through a [`Reader`]
//! instead: on PostgreSQL it runs the statement SeaORM's query builder built with
//! sqlx on SeaORM's own pool, counts it like every other statement, and decodes
//! without the per-value type check; the statements that use it select our columns at
//! known positions, and the bytes are still checked (UTF-8, lengths, NULL is an error
//! or `None`). Everywhere else, and on SQLite, it is SeaORM as usual.

use sea_orm::{
    ActiveEnum, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, RuntimeErr,
    Statement, TryGetable,
    sqlx::{self, Row, postgres::PgRow},
};
use sea_query_sqlx::SqlxValues;

use super::StatementCounter;

/// Runs read statements: straight through sqlx on PostgreSQL when it can count them,
/// through SeaORM otherwise.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    db: &'a DatabaseConnection,
    /// `None`: always through SeaORM (which counts the statement itself).
    statements: Option<&'a StatementCounter>,
}

impl<'a> Reader<'a> {
    /// A reader that runs statements straight through sqlx on PostgreSQL, counting each
    /// in `statements` (the counter SeaORM's statements go to).
    pub fn direct(db: &'a DatabaseConnection, statements: &'a StatementCounter) -> Self {
        Self {
            db,
            statements: Some(statements),
        }
    }

    /// A reader that always goes through SeaORM.
    pub fn orm(db: &'a DatabaseConnection) -> Self {
        Self {
            db,
            statements: None,
        }
    }

    /// The connection, for the statements that go through SeaORM anyway.
    pub fn connection(&self) -> &'a DatabaseConnection {
        self.db
    }

    /// The rows of `statement`.
    pub async fn all(&self, statement: Statement) -> Result<Rows, DbErr> {
        if let Some(statements) = self.statements
            && self.db.get_database_backend() == DbBackend::Postgres
        {
            let values = statement.values.unwrap_or(sea_orm::Values(Vec::new()));
            let query = sqlx::query_with(sqlx::AssertSqlSafe(statement.sql), SqlxValues(values));
            statements.add_one();
            let pool = self.db.get_postgres_connection_pool().clone();
            // sqlx wraps its row streams in the span that is current when they are
            // made (`in_current_span`) and enters it again for every row: in a request
            // task, the request span, entered and left about three times per row (~4 %
            // of a 50-event page). A task of its own has no current span, so its
            // streams carry a disabled one.
            let rows = tokio::spawn(async move { query.fetch_all(&pool).await })
                .await
                .map_err(|e| DbErr::Custom(format!("statement task: {e}")))?
                .map_err(|e| DbErr::Query(RuntimeErr::SqlxError(e.into())))?;
            return Ok(Rows::Postgres(rows));
        }
        Ok(Rows::Orm(self.db.query_all_raw(statement).await?))
    }
}

/// The rows of one statement.
pub enum Rows {
    /// Read straight through sqlx.
    Postgres(Vec<PgRow>),
    /// Read through SeaORM.
    Orm(Vec<QueryResult>),
}

impl Rows {
    /// Each row decoded by `decode`, in order; the first error stops.
    pub fn decode<T>(
        &self,
        mut decode: impl FnMut(RowRef<'_>) -> Result<T, DbErr>,
    ) -> Result<Vec<T>, DbErr> {
        // Sized up front: collecting `Result`s would grow the vector from four
        // elements, copying rows (a listed event is ~500 bytes) at every doubling.
        let mut decoded = Vec::with_capacity(self.len());
        match self {
            Self::Postgres(rows) => {
                for row in rows {
                    decoded.push(decode(RowRef::Postgres(row))?);
                }
            }
            Self::Orm(rows) => {
                for row in rows {
                    decoded.push(decode(RowRef::Orm(row))?);
                }
            }
        }
        Ok(decoded)
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        match self {
            Self::Postgres(rows) => rows.len(),
            Self::Orm(rows) => rows.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One row, read by column position.
#[derive(Clone, Copy)]
pub enum RowRef<'a> {
    /// A row read straight through sqlx (PostgreSQL).
    Postgres(&'a PgRow),
    /// A row read through SeaORM.
    Orm(&'a QueryResult),
}

fn decode_error(index: usize, e: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!("column {index}: {e}"))
}

impl RowRef<'_> {
    /// The value at `index` (an `Option` for a nullable column).
    pub fn get<T>(self, index: usize) -> Result<T, DbErr>
    where
        T: TryGetable + for<'r> sqlx::Decode<'r, sqlx::Postgres>,
    {
        match self {
            Self::Postgres(row) => row
                .try_get_unchecked::<T, _>(index)
                .map_err(|e| decode_error(index, e)),
            Self::Orm(row) => row.try_get_by_index(index),
        }
    }

    /// The non-NULL text column at `index`.
    pub fn text(self, index: usize) -> Result<String, DbErr> {
        match self {
            Self::Postgres(row) => row
                .try_get_unchecked::<&str, _>(index)
                .map(str::to_owned)
                .map_err(|e| decode_error(index, e)),
            Self::Orm(row) => row.try_get_by_index(index),
        }
    }

    /// The nullable text column at `index`.
    pub fn optional_text(self, index: usize) -> Result<Option<String>, DbErr> {
        match self {
            Self::Postgres(row) => row
                .try_get_unchecked::<Option<&str>, _>(index)
                .map(|v| v.map(str::to_owned))
                .map_err(|e| decode_error(index, e)),
            Self::Orm(row) => row.try_get_by_index(index),
        }
    }

    /// The string-valued enum column at `index` (an `ActiveEnum` stored as text).
    pub fn text_enum<E>(self, index: usize) -> Result<E, DbErr>
    where
        E: ActiveEnum<Value = String> + TryGetable,
    {
        match self {
            Self::Postgres(row) => {
                let raw = row
                    .try_get_unchecked::<&str, _>(index)
                    .map_err(|e| decode_error(index, e))?;
                E::try_from_value(&raw.to_owned())
            }
            Self::Orm(row) => row.try_get_by_index(index),
        }
    }
}
