//! Shared statistics types (SPEC §4: `total: Int!` and lists of `CountBy`).

use async_graphql::SimpleObject;

/// One group of a statistic.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct CountBy {
    /// The group (an enum value such as `PATIENT`, a name, or a month `YYYY-MM`).
    pub key: String,
    /// How many fall in it.
    pub count: i32,
}

impl CountBy {
    /// A group from a stored lowercase enum string, keyed by its GraphQL spelling.
    pub fn from_enum(stored: &str, count: i64) -> Self {
        Self {
            key: stored.to_uppercase(),
            count: i32::try_from(count).unwrap_or(i32::MAX),
        }
    }
}
