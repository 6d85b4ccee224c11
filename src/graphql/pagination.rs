//! Relay connections for every list of the schema (`users`, `auditLogs`, and later
//! `adverseEvents`, `doctors`, …), on top of the keyset pagination of
//! `services::pagination`.
//!
//! A resolver takes `first`/`after`/`last`/`before`, turns them into a
//! [`PageRequest`] with [`PageArgs::request`] (validating sizes and cursors, and asking
//! for `totalCount` only when the client selected it), lets its service fetch the page,
//! and returns [`connection`]`(page, …)`. The types come out as `<Node>Connection`,
//! `<Node>Edge` and `PageInfo` with `totalCount: Int!`.
//!
//! Cursors are opaque: URL-safe base64 of a small JSON object holding the ordering's
//! name, the sort value and the id of the row. Clients must not build them; a cursor
//! that does not decode, or belongs to another ordering, is `BAD_USER_INPUT` on the
//! argument it was passed in.

use std::convert::Infallible;

use async_graphql::{
    Context, OutputType, SimpleObject,
    connection::{
        Connection, CursorType, DefaultConnectionName, DefaultEdgeName, DisableNodesField, Edge,
        EmptyFields,
    },
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::{
    error::{AppResult, FieldErrors},
    services::pagination::{Ordering, Page, PageRequest, Position, Take},
};

/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest `first` / `last` accepted (SPEC §4).
pub const MAX_PAGE_SIZE: i32 = 100;

/// What a list can be ordered by: a value a cursor can hold (and encode later).
pub trait SortValue: Serialize + Send + Sync + 'static {}

impl<V: Serialize + Send + Sync + 'static> SortValue for V {}

/// A cursor, as sent to clients. Encoded only when a client selects it (`cursor`,
/// `pageInfo.startCursor`/`endCursor`): most list reads never do, and encoding is a
/// JSON document and a base64 string per edge.
pub struct Cursor(Box<dyn Fn() -> String + Send + Sync>);

impl Cursor {
    fn of<V: SortValue>(name: &'static str, position: Position<V>) -> Self {
        Self(Box::new(move || encode(name, &position)))
    }
}

impl CursorType for Cursor {
    type Error = Infallible;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let s = s.to_owned();
        Ok(Cursor(Box::new(move || s.clone())))
    }

    fn encode_cursor(&self) -> String {
        (self.0)()
    }
}

/// What a cursor holds. Short keys: cursors travel in every list request.
#[derive(Serialize, Deserialize)]
struct CursorData<V> {
    /// The ordering's name.
    o: String,
    /// The sort value.
    s: V,
    /// The row id.
    i: i32,
}

fn encode<V: Serialize>(ordering: &str, position: &Position<V>) -> String {
    let data = CursorData {
        o: ordering.to_owned(),
        s: &position.sort,
        i: position.id,
    };
    // Serialising plain data (numbers, strings, timestamps) cannot fail.
    let json = serde_json::to_vec(&data).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode<V: DeserializeOwned>(ordering: &Ordering, raw: &str) -> Option<Position<V>> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).ok()?;
    let data: CursorData<V> = serde_json::from_slice(&bytes).ok()?;
    (data.o == ordering.name).then_some(Position {
        sort: data.s,
        id: data.i,
    })
}

/// Fields every connection has besides `edges` and `pageInfo`.
#[derive(SimpleObject)]
pub struct ConnectionFields {
    /// How many items match the filter, across all pages.
    pub total_count: i32,
}

/// A Relay connection of `N`: `edges { cursor node }`, `pageInfo`, `totalCount`.
pub type RelayConnection<N> = Connection<
    Cursor,
    N,
    ConnectionFields,
    EmptyFields,
    DefaultConnectionName,
    DefaultEdgeName,
    DisableNodesField,
>;

/// The pagination arguments of a list field, as received.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    /// Forward page size.
    pub first: Option<i32>,
    /// Cursor to continue forward from.
    pub after: Option<String>,
    /// Backward page size.
    pub last: Option<i32>,
    /// Cursor to continue backward from.
    pub before: Option<String>,
}

fn page_size(errors: &mut FieldErrors, field: &str, value: Option<i32>) -> Option<u64> {
    let value = value?;
    if (0..=MAX_PAGE_SIZE).contains(&value) {
        u64::try_from(value).ok()
    } else {
        errors.add(
            field,
            format!("Must be between 0 and {MAX_PAGE_SIZE} (inclusive)."),
        );
        None
    }
}

impl PageArgs {
    /// Validates the arguments into a page request for `ordering`: sizes 0..=100
    /// (default [`DEFAULT_PAGE_SIZE`] forward), `first` and `last` not both, cursors that
    /// decode and belong to `ordering`. Every problem is reported at once as
    /// `BAD_USER_INPUT` keyed by argument name. `totalCount` is counted only when the
    /// client selected it.
    pub fn request<V: DeserializeOwned>(
        self,
        ctx: &Context<'_>,
        ordering: &Ordering,
    ) -> AppResult<PageRequest<V>> {
        let mut errors = FieldErrors::new();
        let first = page_size(&mut errors, "first", self.first);
        let last = page_size(&mut errors, "last", self.last);
        if self.first.is_some() && self.last.is_some() {
            errors.add("last", "Use either first or last, not both.");
        }
        let mut cursor = |field: &str, raw: Option<String>| {
            raw.and_then(|raw| {
                let position = decode(ordering, &raw);
                if position.is_none() {
                    errors.add(field, "Invalid cursor.");
                }
                position
            })
        };
        let after = cursor("after", self.after);
        let before = cursor("before", self.before);
        errors.into_result()?;
        let take = match (first, last) {
            (_, Some(n)) => Take::Last(n),
            (Some(n), None) => Take::First(n),
            (None, None) => Take::First(DEFAULT_PAGE_SIZE),
        };
        Ok(PageRequest {
            after,
            before,
            take,
            count_total: ctx.look_ahead().field("totalCount").exists(),
        })
    }
}

/// Builds the connection of a fetched page, turning rows into nodes with `node`.
pub fn connection<M, V, N>(
    page: Page<M, V>,
    ordering: &Ordering,
    mut node: impl FnMut(M) -> N,
) -> RelayConnection<N>
where
    V: SortValue,
    N: OutputType,
{
    let total_count = page
        .total_count
        .map_or(0, |n| i32::try_from(n).unwrap_or(i32::MAX));
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        ConnectionFields { total_count },
    );
    connection.edges = page
        .items
        .into_iter()
        .map(|(position, model)| Edge::new(Cursor::of(ordering.name, position), node(model)))
        .collect();
    connection
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::pagination::Direction;
    use chrono::{DateTime, Utc};
    use sea_orm::sea_query::{Alias, Expr};

    fn ordering(name: &'static str) -> Ordering {
        Ordering {
            name,
            sort: Expr::col(Alias::new("created_at")),
            id: Expr::col(Alias::new("id")),
            direction: Direction::Desc,
        }
    }

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_ordering() {
        let at: DateTime<Utc> = "2026-01-02T03:04:05.123456789Z".parse().unwrap();
        let position = Position { sort: at, id: 42 };
        let cursor = encode("createdAt", &position);
        assert!(!cursor.contains('{'), "opaque: {cursor}");
        let back: Option<Position<DateTime<Utc>>> = decode(&ordering("createdAt"), &cursor);
        assert_eq!(back, Some(position));
        let other: Option<Position<DateTime<Utc>>> = decode(&ordering("eventDate"), &cursor);
        assert_eq!(other, None);
        let junk: Option<Position<DateTime<Utc>>> = decode(&ordering("createdAt"), "%%%");
        assert_eq!(junk, None);
    }
}
