//! Maps database errors to client errors. Uniqueness is never checked before writing
//! (that races); the constraint decides, and its violation is turned into `CONFLICT` on
//! the right input field here, by constraint name on PostgreSQL and by `table.column`
//! on SQLite (which reports columns, not index names).

use sea_orm::{DbErr, SqlErr};

use crate::error::AppError;

/// `(PostgreSQL constraint name, SQLite "table.column" list, input field, message)`.
const UNIQUE_RULES: &[(&str, &str, &str, &str)] = &[
    (
        "uq_auth_users_username",
        "auth_users.username",
        "username",
        "A user with that username already exists.",
    ),
    (
        "uq_auth_users_email",
        "auth_users.email",
        "email",
        "A user with that email already exists.",
    ),
    (
        "uq_auth_users_phone_number",
        "auth_users.phone_number",
        "phoneNumber",
        "A user with that phone number already exists.",
    ),
    (
        "uq_auth_roles_name",
        "auth_roles.name",
        "name",
        "A role with that name already exists.",
    ),
    (
        "uq_auth_user_roles_user_role",
        "auth_user_roles.user_id, auth_user_roles.role_id",
        "roleId",
        "The user already has this role.",
    ),
    (
        "uq_patient_settings_user",
        "patient_settings.user_id",
        "userId",
        "Settings already exist for this user.",
    ),
    (
        "uq_care_doctors_license_number",
        "care_doctors.license_number",
        "licenseNumber",
        "A doctor with that license number already exists.",
    ),
    (
        "uq_care_patient_doctors_pair",
        "care_patient_doctors.patient_id, care_patient_doctors.doctor_id",
        "doctorId",
        "This doctor is already assigned to the patient.",
    ),
    (
        "uq_care_patient_doctors_one_primary",
        "care_patient_doctors.patient_id",
        "isPrimary",
        "The patient already has a primary doctor.",
    ),
];

/// Turns a database error into the matching client error, or an internal one.
pub fn map_db_error(err: DbErr) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => {
            for (pg_name, sqlite_cols, field, text) in UNIQUE_RULES {
                if message.contains(&format!("\"{pg_name}\""))
                    || message.ends_with(sqlite_cols)
                    || message.contains(&format!("{sqlite_cols} "))
                    || message.contains(pg_name)
                {
                    return AppError::conflict(field, *text);
                }
            }
            AppError::Conflict {
                message: "This would duplicate an existing record.".to_owned(),
                field_errors: Default::default(),
            }
        }
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::invalid_field(
            "id",
            "A referenced record does not exist (or is still referenced).",
        ),
        _ => AppError::internal("database error", err),
    }
}
