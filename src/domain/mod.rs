//! Parse, don't validate: input values become these types only through `parse`, and
//! services accept only the parsed types. Each `parse` returns a client-facing message
//! on failure so that callers can collect every field error before answering
//! `BAD_USER_INPUT`.

pub mod account;
pub mod workflow;

pub use account::{Email, Password, Phone, Username};

use crate::error::FieldErrors;

/// Runs `parse` on a value and records its message under `field` on failure.
pub fn collect<T>(errors: &mut FieldErrors, field: &str, parsed: Result<T, String>) -> Option<T> {
    match parsed {
        Ok(v) => Some(v),
        Err(message) => {
            errors.add(field, message);
            None
        }
    }
}

/// A required string: trimmed, not blank, at most `max` characters.
pub fn required_text(value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("This field is required.".to_owned());
    }
    max_len(value, max).map(str::to_owned)
}

/// An optional string: trimmed, blank becomes `None`, at most `max` characters.
pub fn optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => max_len(v, max).map(|v| Some(v.to_owned())),
    }
}

fn max_len(value: &str, max: usize) -> Result<&str, String> {
    if value.chars().count() > max {
        Err(format!(
            "Ensure this field has no more than {max} characters."
        ))
    } else {
        Ok(value)
    }
}
