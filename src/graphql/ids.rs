//! GraphQL `ID`s are the tables' integer keys as strings. A malformed one is the
//! client's mistake (`BAD_USER_INPUT` on the argument), never a 500.

use async_graphql::ID;

use crate::error::{AppError, AppResult, FieldErrors};

const INVALID_ID: &str = "Enter a valid id.";

fn parse(id: &ID) -> Option<i32> {
    id.as_str().trim().parse::<i32>().ok().filter(|n| *n > 0)
}

/// Parses `id`, the value of argument or input field `field`.
pub fn parse_id(field: &str, id: &ID) -> AppResult<i32> {
    parse(id).ok_or_else(|| AppError::invalid_field(field, INVALID_ID))
}

/// Parses `id` and records a message under `field` when it is malformed, so that several
/// ids (and other fields) are reported at once.
pub fn collect_id(errors: &mut FieldErrors, field: &str, id: &ID) -> Option<i32> {
    let parsed = parse(id);
    if parsed.is_none() {
        errors.add(field, INVALID_ID);
    }
    parsed
}

/// The `ID` of a key.
pub fn to_id(id: i32) -> ID {
    ID(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_integers_are_ids() {
        assert_eq!(parse_id("id", &ID::from("12")).ok(), Some(12));
        for bad in ["", "abc", "-1", "0", "1.5", "99999999999"] {
            assert!(parse_id("id", &ID::from(bad)).is_err(), "{bad}");
        }
    }
}
