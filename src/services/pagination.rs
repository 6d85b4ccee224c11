//! Keyset pagination shared by every list the API offers (users, audit logs, and later
//! adverse events, doctors, …).
//!
//! A list is ordered by one non-null sort expression and then by the row id, which
//! breaks ties and makes the order total. A page boundary is a [`Position`] — the sort
//! value and id of a row — and the next page is "rows strictly beyond that position",
//! so pages stay stable while rows are inserted, and a deep page costs the same as the
//! first (no `OFFSET` scan). The GraphQL layer (`graphql::pagination`) turns positions
//! into opaque cursors and pages into Relay connections; this module knows nothing of
//! either.

use sea_orm::{
    ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, Value,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};

use crate::error::{AppResult, FieldErrors};

/// Direction of the sort expression (the id follows the same direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first (newest first for timestamps).
    Desc,
}

impl Direction {
    fn reversed(self) -> Self {
        match self {
            Direction::Asc => Direction::Desc,
            Direction::Desc => Direction::Asc,
        }
    }

    fn order(self) -> Order {
        match self {
            Direction::Asc => Order::Asc,
            Direction::Desc => Order::Desc,
        }
    }
}

/// How a list is ordered: `sort` (must never be NULL) then `id`, both in `direction`.
#[derive(Debug, Clone)]
pub struct Ordering {
    /// A short name of the ordering, carried in cursors so that a cursor taken under one
    /// ordering is refused under another (`"createdAt"`).
    pub name: &'static str,
    /// The sort expression, usually a column.
    pub sort: Expr,
    /// The id column (the tie-breaker).
    pub id: Expr,
    /// Sort direction.
    pub direction: Direction,
}

/// The place of one row in an ordered list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position<V> {
    /// The row's value of the sort expression.
    pub sort: V,
    /// The row's id.
    pub id: i32,
}

/// How many rows, from which end of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// The first `n` rows after `after` (forward pagination).
    First(u64),
    /// The last `n` rows before `before` (backward pagination).
    Last(u64),
}

/// One page to fetch.
#[derive(Debug, Clone)]
pub struct PageRequest<V> {
    /// Only rows strictly beyond this position.
    pub after: Option<Position<V>>,
    /// Only rows strictly before this position.
    pub before: Option<Position<V>>,
    /// Page size and direction.
    pub take: Take,
    /// Whether to count the whole filtered list (one more statement).
    pub count_total: bool,
}

/// One fetched page, in list order.
#[derive(Debug, Clone)]
pub struct Page<M, V> {
    /// The rows with their positions (for cursors).
    pub items: Vec<(Position<V>, M)>,
    /// Whether rows exist before the first one of this page.
    pub has_previous_page: bool,
    /// Whether rows exist after the last one of this page.
    pub has_next_page: bool,
    /// Size of the filtered list, when it was asked for.
    pub total_count: Option<u64>,
}

impl<M, V> Page<M, V> {
    /// Maps the rows, keeping positions and page facts.
    pub fn map<N>(self, mut f: impl FnMut(M) -> N) -> Page<N, V> {
        Page {
            items: self.items.into_iter().map(|(p, m)| (p, f(m))).collect(),
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            total_count: self.total_count,
        }
    }
}

/// Rows strictly beyond `position` when walking in `direction`.
fn beyond<V: Into<Value> + Clone>(
    ordering: &Ordering,
    direction: Direction,
    position: &Position<V>,
) -> Expr {
    let sort = ordering.sort.clone();
    let id = ordering.id.clone();
    let value: Value = position.sort.clone().into();
    let (sort_beyond, id_beyond) = match direction {
        Direction::Asc => (sort.clone().gt(value.clone()), id.gt(position.id)),
        Direction::Desc => (sort.clone().lt(value.clone()), id.lt(position.id)),
    };
    sort_beyond.or(sort.eq(value).and(id_beyond))
}

/// Fetches one page of `select` (already filtered, not yet ordered) in `ordering`.
///
/// Costs one statement, plus one when `count_total` is set, plus one small existence
/// check per cursor given (to answer `hasPreviousPage` after `after`, or `hasNextPage`
/// before `before`, exactly rather than guessing).
pub async fn fetch<E, V>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    ordering: &Ordering,
    request: PageRequest<V>,
    position_of: impl Fn(&E::Model) -> Position<V>,
) -> AppResult<Page<E::Model, V>>
where
    E: EntityTrait,
    E::Model: Sync,
    V: Into<Value> + Clone,
{
    fetch_rows(
        conn,
        select,
        ordering,
        request,
        position_of,
        async |window| window.all(conn).await,
    )
    .await
}

/// [`fetch`] with the rows of the page read by `rows` (given the ordered, limited
/// statement): for lists that read fewer columns than the entity has, into their own
/// row type `M`.
pub async fn fetch_rows<E, V, M>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    ordering: &Ordering,
    request: PageRequest<V>,
    position_of: impl Fn(&M) -> Position<V>,
    rows: impl AsyncFnOnce(Select<E>) -> Result<Vec<M>, sea_orm::DbErr>,
) -> AppResult<Page<M, V>>
where
    E: EntityTrait,
    E::Model: Sync,
    V: Into<Value> + Clone,
{
    let total_count = if request.count_total {
        Some(select.clone().count(conn).await?)
    } else {
        None
    };

    let forward = ordering.direction;
    let mut window = select.clone();
    if let Some(after) = &request.after {
        window = window.filter(beyond(ordering, forward, after));
    }
    if let Some(before) = &request.before {
        window = window.filter(beyond(ordering, forward.reversed(), before));
    }
    let (walk, limit) = match request.take {
        Take::First(n) => (forward, n),
        Take::Last(n) => (forward.reversed(), n),
    };
    let mut rows = rows(
        window
            .order_by(ordering.sort.clone(), walk.order())
            .order_by(ordering.id.clone(), walk.order())
            .limit(limit + 1),
    )
    .await?;
    let more_in_window = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if matches!(request.take, Take::Last(_)) {
        rows.reverse();
    }

    // Rows outside the window on the side the client came from: only cursors can leave
    // any there.
    let exists_outside = |cursor: &Option<Position<V>>, side: Direction| {
        let select = select.clone();
        let condition = cursor
            .as_ref()
            .map(|position| beyond(ordering, side, position).not());
        async move {
            match condition {
                None => Ok::<bool, sea_orm::DbErr>(false),
                Some(condition) => Ok(select.filter(condition).limit(1).one(conn).await?.is_some()),
            }
        }
    };
    let (has_previous_page, has_next_page) = match request.take {
        Take::First(_) => (
            exists_outside(&request.after, forward).await?,
            more_in_window,
        ),
        Take::Last(_) => (
            more_in_window,
            exists_outside(&request.before, forward.reversed()).await?,
        ),
    };

    Ok(Page {
        items: rows.into_iter().map(|m| (position_of(&m), m)).collect(),
        has_previous_page,
        has_next_page,
        total_count,
    })
}

/// A `LIKE` pattern matching `text` anywhere, with `%`, `_` and the escape character
/// itself escaped by [`LIKE_ESCAPE`], so user input is matched literally.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            pattern.push(LIKE_ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The escape character of [`contains_pattern`]. Not a backslash: PostgreSQL and SQLite
/// disagree on backslashes in string literals, `!` means the same on both.
pub const LIKE_ESCAPE: char = '!';

/// `lower(expr) LIKE lower(pattern) ESCAPE '!'`: case-insensitive on both back-ends.
/// Both sides go through the database's `lower`, so they fold the same way even where
/// `lower` folds only ASCII (SQLite).
pub fn ilike(expr: impl Into<Expr>, pattern: String) -> Expr {
    use sea_orm::sea_query::{BinOper, Func};
    let lowered_pattern: Expr = Func::lower(Expr::val(pattern)).into();
    Expr::from(Func::lower(expr.into())).binary(
        BinOper::Like,
        Expr::Binary(
            Box::new(lowered_pattern),
            BinOper::Escape,
            Box::new(Expr::Constant(LIKE_ESCAPE.into())),
        ),
    )
}

/// Checks that a `…From`/`…To` range is not reversed (`createdTo` before `createdFrom`).
pub fn check_range<T: PartialOrd>(
    errors: &mut FieldErrors,
    to_field: &str,
    from: Option<T>,
    to: Option<T>,
) {
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        errors.add(to_field, "Must not be earlier than the start of the range.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_input_are_escaped() {
        assert_eq!(contains_pattern("50%_a!b"), "%50!%!_a!!b%");
        assert_eq!(contains_pattern(""), "%%");
    }

    #[test]
    fn ilike_renders_the_same_on_both_backends() {
        use sea_orm::sea_query::{Alias, PostgresQueryBuilder, Query, SqliteQueryBuilder};
        let query = Query::select()
            .column(Alias::new("a"))
            .from(Alias::new("t"))
            .and_where(ilike(Expr::col(Alias::new("a")), contains_pattern("Jo_")))
            .to_owned();
        for sql in [
            query.to_string(PostgresQueryBuilder),
            query.to_string(SqliteQueryBuilder),
        ] {
            assert!(
                sql.ends_with(r#"WHERE LOWER("a") LIKE LOWER('%Jo!_%') ESCAPE '!'"#),
                "{sql}"
            );
        }
    }
}
