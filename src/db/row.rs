//! Reading text columns by position from rows of our own statements.
//!
//! sqlx checks a value's type against the Rust type before every decode. For a text
//! value on PostgreSQL that check alone is ~700 instructions (it compares the column's
//! type with each of the five text types sqlx accepts), more than the decoding; a list
//! page decodes hundreds of them. These readers skip the check on PostgreSQL, where the
//! statements that use them select text columns at known positions; the bytes are still
//! checked to be UTF-8 and a NULL is still an error (or `None`). On SQLite they go
//! through SeaORM as usual.

use sea_orm::{ActiveEnum, DbErr, QueryResult, sqlx::Row};

fn decode_error(index: usize, e: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!("column {index}: {e}"))
}

/// The non-NULL text column at `index`.
pub fn text(row: &QueryResult, index: usize) -> Result<String, DbErr> {
    match row.try_as_pg_row() {
        Some(pg) => pg
            .try_get_unchecked::<&str, _>(index)
            .map(str::to_owned)
            .map_err(|e| decode_error(index, e)),
        None => row.try_get_by_index(index),
    }
}

/// The nullable text column at `index`.
pub fn optional_text(row: &QueryResult, index: usize) -> Result<Option<String>, DbErr> {
    match row.try_as_pg_row() {
        Some(pg) => pg
            .try_get_unchecked::<Option<&str>, _>(index)
            .map(|v| v.map(str::to_owned))
            .map_err(|e| decode_error(index, e)),
        None => row.try_get_by_index(index),
    }
}

/// The string-valued enum column at `index` (an `ActiveEnum` stored as text).
pub fn text_enum<E>(row: &QueryResult, index: usize) -> Result<E, DbErr>
where
    E: ActiveEnum<Value = String> + sea_orm::TryGetable,
{
    match row.try_as_pg_row() {
        Some(pg) => {
            let raw = pg
                .try_get_unchecked::<&str, _>(index)
                .map_err(|e| decode_error(index, e))?;
            E::try_from_value(&raw.to_owned())
        }
        None => row.try_get_by_index(index),
    }
}
