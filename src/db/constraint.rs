//! Maps database errors to client errors. Uniqueness is never checked before writing
//! (that races); the constraint decides, and its violation becomes `CONFLICT` on the
//! right input field here. Which constraint failed is recognised by
//! `migration::unique_constraint_in_message` (PostgreSQL names it, SQLite lists its
//! columns); this module only says what each one means to a client.

use sea_orm::{DbErr, SqlErr};

use crate::error::AppError;

/// `(constraint name, input field, message)`.
const MEANINGS: &[(&str, &str, &str)] = &[
    (
        "uq_auth_users_username",
        "username",
        "A user with that username already exists.",
    ),
    (
        "uq_auth_users_email",
        "email",
        "A user with that email already exists.",
    ),
    (
        "uq_auth_users_phone_number",
        "phoneNumber",
        "A user with that phone number already exists.",
    ),
    (
        "uq_auth_roles_name",
        "name",
        "A role with that name already exists.",
    ),
    (
        "uq_auth_user_roles_user_role",
        "roleId",
        "The user already has this role.",
    ),
    (
        "uq_patient_settings_user",
        "userId",
        "Settings already exist for this user.",
    ),
    (
        "uq_care_doctors_license_number",
        "licenseNumber",
        "A doctor with that license number already exists.",
    ),
    (
        "uq_care_patient_doctors_pair",
        "doctorId",
        "This doctor is already assigned to the patient.",
    ),
    (
        "uq_care_patient_doctors_one_primary",
        "isPrimary",
        "The patient already has a primary doctor.",
    ),
];

/// Turns a database error into the matching client error, or an internal one.
pub fn map_db_error(err: DbErr) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => {
            let meaning = migration::unique_constraint_in_message(&message)
                .and_then(|c| MEANINGS.iter().find(|(name, _, _)| *name == c.name));
            match meaning {
                Some((_, field, text)) => AppError::conflict(field, *text),
                // Storage keys and token digests are server-generated: a clash there is
                // a bug or a one-in-2^256 event, not something the client can fix.
                None => AppError::internal("unique constraint", err),
            }
        }
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::invalid_field(
            "id",
            "A referenced record does not exist (or is still referenced).",
        ),
        _ => AppError::internal("database error", err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_meaning_names_a_real_constraint() {
        for (name, _, _) in MEANINGS {
            assert!(
                migration::UNIQUE_CONSTRAINTS
                    .iter()
                    .any(|c| c.name == *name),
                "{name} is not created by any migration"
            );
        }
    }
}
