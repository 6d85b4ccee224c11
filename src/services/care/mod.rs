//! Care records (SPEC §8): patient records, the doctor directory, doctor assignments
//! and the read side of patient documents.
//!
//! Who sees and changes what:
//!
//! | object | sees | changes |
//! |---|---|---|
//! | patient record | its creator, `ADMIN` | its creator, `ADMIN` |
//! | doctor | every signed-in user | its creator, `ADMIN` (anyone with the care rule creates) |
//! | assignment, document | whoever sees its patient record | the same |
//!
//! The operation-level rule (`HOSPITAL`, `ADMIN` or `care:manage`) is the guard layer's;
//! the object-level "creator or `ADMIN`" rule is decided here, by
//! [`ensure_creator_or_admin`] for single objects and [`visible_patients`] /
//! [`visible_patient_ids`] inside list queries, so lists never load or count a record
//! the viewer may not see.

pub mod assignments;
pub mod doctors;
pub mod documents;
pub mod patients;

use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, DbBackend, EntityTrait, ModelTrait,
    sea_query::{Expr, Query},
};

use crate::{
    auth::viewer::Viewer,
    error::{AppError, AppResult},
};

/// Longest accepted free text (allergies, medical history, medications, bio): the
/// columns are unbounded `text`, but an unbounded field invites abuse.
pub const TEXT_MAX: usize = 10_000;
/// Longest postal address.
pub const ADDRESS_MAX: usize = 500;
/// Longest assignment note.
pub const NOTES_MAX: usize = 2_000;
/// Longest accepted search text.
pub const SEARCH_MAX: usize = 200;

/// Whether `viewer` created the object (`created_by`) or is an `ADMIN`.
pub fn is_creator_or_admin(viewer: &Viewer, created_by: Option<i32>) -> bool {
    viewer.is_admin() || created_by == Some(viewer.user_id)
}

/// The "creator or `ADMIN`" rule of care objects: `FORBIDDEN`, with a reason naming
/// the object and the action, for anyone else. Callers have already answered
/// `NOT_FOUND` for objects that do not exist.
pub fn ensure_creator_or_admin(
    viewer: &Viewer,
    created_by: Option<i32>,
    what: &str,
    action: &str,
) -> AppResult<()> {
    if is_creator_or_admin(viewer, created_by) {
        return Ok(());
    }
    Err(AppError::forbidden(format!(
        "only the user who created this {what} or an ADMIN may {action} it"
    )))
}

/// The patient records `viewer` may see, as a condition on `care_patients`.
pub fn visible_patients(viewer: &Viewer) -> Condition {
    if viewer.is_admin() {
        Condition::all()
    } else {
        Condition::all().add(entity::care_patients::Column::CreatedBy.eq(viewer.user_id))
    }
}

/// Rows whose `patient_column` names a patient record `viewer` may see (assignments,
/// documents): `patient_id IN (SELECT id FROM care_patients WHERE created_by = …)`.
pub fn visible_patient_ids(viewer: &Viewer, patient_column: impl ColumnTrait) -> Condition {
    use entity::care_patients as patients;
    if viewer.is_admin() {
        return Condition::all();
    }
    Condition::all().add(
        patient_column.in_subquery(
            Query::select()
                .column(patients::Column::Id)
                .from(patients::Entity)
                .and_where(patients::Column::CreatedBy.eq(viewer.user_id))
                .take(),
        ),
    )
}

/// Checks a phone number of a care record (patient, emergency contact, doctor) and
/// returns it trimmed.
///
/// Deliberately more lenient than account phone numbers (`^\+?\d{10,15}$`): care records
/// hold whatever number staff were given, local numbers included (seed 001 uses
/// `555-1234`). Accepted: 7 to 20 characters of digits, spaces, `-`, parentheses and a
/// leading `+`, with at least 7 digits. Stored as entered (trimmed), not normalised: the
/// formatting is part of what staff read back.
pub fn parse_contact_phone(raw: &str) -> Result<String, String> {
    const INVALID: &str = "Enter a valid phone number: 7 to 20 characters of digits, spaces, \
                           '-', parentheses and an optional leading '+', with at least 7 digits.";
    let value = raw.trim();
    let len = value.chars().count();
    let allowed = value.char_indices().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !(7..=20).contains(&len) || !allowed || digits < 7 {
        return Err(INVALID.to_owned());
    }
    Ok(value.to_owned())
}

/// An optional phone field: blank is `None`, anything else must pass
/// [`parse_contact_phone`].
pub fn optional_contact_phone(raw: Option<&str>) -> Result<Option<String>, String> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_contact_phone(v).map(Some),
    }
}

/// An optional email field: blank is `None`, anything else must be a valid address
/// (stored lowercased, like account emails).
pub fn optional_email(raw: Option<&str>) -> Result<Option<String>, String> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => crate::domain::Email::parse(v).map(|e| Some(e.as_str().to_owned())),
    }
}

/// The case-insensitive sort expression of a name column, identical on both back-ends.
///
/// Keyset cursors carry the sort value computed in Rust ([`name_sort_key`]), so the
/// database must fold case exactly as Rust does. SQLite's `lower()` folds ASCII only;
/// PostgreSQL's `lower()` under the `"C"` collation does the same, and both then compare
/// bytes, which is how Rust orders strings. The expression indexes of migration
/// `m20261123_000018` are on exactly these expressions.
pub fn name_sort_expr(backend: DbBackend, column: &str) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust(format!("lower({column} COLLATE \"C\")")),
        _ => Expr::cust(format!("lower({column})")),
    }
}

/// The value of [`name_sort_expr`] for `name`.
pub fn name_sort_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The search words of a free-text filter (at most [`SEARCH_MAX`] characters).
pub fn search_words(errors: &mut crate::error::FieldErrors, search: Option<&str>) -> Vec<String> {
    let search = search.map(str::trim).unwrap_or_default();
    if search.chars().count() > SEARCH_MAX {
        errors.add(
            "search",
            format!("Ensure this field has no more than {SEARCH_MAX} characters."),
        );
        return Vec::new();
    }
    search.split_whitespace().map(str::to_owned).collect()
}

/// The columns (with their input names) whose validated new value differs from the
/// stored one: what an update really changes.
pub(crate) fn changed_columns<A>(
    active: &A,
    fields: &[(&'static str, <A::Entity as EntityTrait>::Column)],
    current: &<A::Entity as EntityTrait>::Model,
) -> Vec<(&'static str, <A::Entity as EntityTrait>::Column)>
where
    A: ActiveModelTrait,
{
    fields
        .iter()
        .filter(|(_, column)| match active.get(*column) {
            ActiveValue::Set(value) | ActiveValue::Unchanged(value) => {
                value != current.get(*column)
            }
            ActiveValue::NotSet => false,
        })
        .copied()
        .collect()
}

/// Copies the `columns` of `from` onto the stored model, for an update of exactly those.
pub(crate) fn apply_columns<A>(
    mut target: A,
    from: &A,
    columns: &[(&'static str, <A::Entity as EntityTrait>::Column)],
) -> A
where
    A: ActiveModelTrait,
{
    for (_, column) in columns {
        if let ActiveValue::Set(value) = from.get(*column) {
            target.set(*column, value);
        }
    }
    target
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_phones_are_lenient_but_bounded() {
        for ok in [
            "555-1234",
            "+91 98765 43210",
            "(020) 7946-0958",
            "9876543210",
            "+1 (555) 123-4567",
        ] {
            assert_eq!(parse_contact_phone(ok).as_deref(), Ok(ok), "{ok}");
        }
        assert_eq!(parse_contact_phone("  555-1234 ").unwrap(), "555-1234");
        for bad in [
            "",
            "12345",
            "555-12",
            "555.1234",
            "phone 5551234",
            "55+51234",
            "+1 (555) 123-4567 ext. 1",
            "123456789012345678901",
        ] {
            assert!(parse_contact_phone(bad).is_err(), "{bad}");
        }
        assert_eq!(optional_contact_phone(Some("  ")), Ok(None));
        assert_eq!(optional_contact_phone(None), Ok(None));
    }

    #[test]
    fn name_sort_keys_fold_ascii_only_like_the_databases() {
        assert_eq!(name_sort_key("McDonald"), "mcdonald");
        assert_eq!(name_sort_key("Ébert"), "Ébert");
        assert!(name_sort_key("van Dijk") > name_sort_key("Adams"));
    }
}
