//! A user's own preferences (`patient_settings`, one row per user): how they want to be
//! notified and the language of the interface.
//!
//! The row is created on first use with the defaults ([`DEFAULT_NOTIFICATION_PREFERENCE`],
//! [`DEFAULT_LANGUAGE`]). Creation is `INSERT … ON CONFLICT (user_id) DO NOTHING` followed
//! by a read, so two requests racing to create it both succeed and leave one row
//! (`uq_patient_settings_user` decides). Creating the defaults is not a change the user
//! made and is not audited; every real change is, in the same transaction.

use chrono::Utc;
use entity::{
    enums::{AuditAction, NotificationPreference},
    patient_settings,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, Set, sea_query::OnConflict,
};
use serde_json::{Value, json};

use super::audit::{self, AuditEntry};
use crate::{
    auth::request::ClientInfo,
    error::{AppError, AppResult, FieldErrors},
};

/// The BCP 47 language tags the interface is offered in, in their canonical casing.
/// Keep the description of `UpdateMySettingsInput.language` in step (a test checks it).
pub const SUPPORTED_LANGUAGES: &[&str] = &[
    "en", "en-IN", "hi", "hi-IN", "bn", "ta", "te", "mr", "gu", "kn", "ml", "pa", "ur", "or",
];

/// The language of a new settings row.
pub const DEFAULT_LANGUAGE: &str = "en";

/// The notification preference of a new settings row.
pub const DEFAULT_NOTIFICATION_PREFERENCE: NotificationPreference = NotificationPreference::Email;

const NOT_NULL: &str = "This field may not be null.";

/// Parses a language tag against [`SUPPORTED_LANGUAGES`]: trimmed, matched
/// case-insensitively (BCP 47 tags are case-insensitive), returned in canonical casing.
pub fn parse_language(raw: &str) -> Result<&'static str, String> {
    let tag = raw.trim();
    if tag.is_empty() {
        return Err("This field is required.".to_owned());
    }
    SUPPORTED_LANGUAGES
        .iter()
        .copied()
        .find(|supported| supported.eq_ignore_ascii_case(tag))
        .ok_or_else(|| {
            format!(
                "\"{}\" is not a supported language. Supported languages: {}.",
                tag.chars().take(40).collect::<String>(),
                SUPPORTED_LANGUAGES.join(", ")
            )
        })
}

/// Changes to a user's settings. `None` leaves a field as it is; `Some(None)` (an
/// explicit `null`) is refused, since neither field can be empty.
#[derive(Debug, Clone, Default)]
pub struct SettingsChanges {
    /// New notification channel.
    pub notification_preference: Option<Option<NotificationPreference>>,
    /// New language tag (any casing of a supported tag).
    pub language: Option<Option<String>>,
}

async fn find(
    conn: &impl ConnectionTrait,
    user_id: i32,
) -> AppResult<Option<patient_settings::Model>> {
    Ok(patient_settings::Entity::find()
        .filter(patient_settings::Column::UserId.eq(user_id))
        .one(conn)
        .await?)
}

/// Inserts the default row for `user_id` unless one exists; never fails on the race.
async fn insert_defaults(conn: &impl ConnectionTrait, user_id: i32) -> AppResult<()> {
    let now = Utc::now();
    patient_settings::Entity::insert(patient_settings::ActiveModel {
        user_id: Set(user_id),
        notification_preference: Set(DEFAULT_NOTIFICATION_PREFERENCE),
        language: Set(DEFAULT_LANGUAGE.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(patient_settings::Column::UserId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

fn missing_row() -> AppError {
    AppError::internal(
        "settings",
        anyhow::anyhow!("settings row missing right after insert-or-ignore"),
    )
}

/// The settings of `user_id`, created with the defaults on first use.
pub async fn get_or_create(
    conn: &impl ConnectionTrait,
    user_id: i32,
) -> AppResult<patient_settings::Model> {
    if let Some(settings) = find(conn, user_id).await? {
        return Ok(settings);
    }
    insert_defaults(conn, user_id).await?;
    find(conn, user_id).await?.ok_or_else(missing_row)
}

/// Applies a partial update to the settings of `user_id` (creating the row first when
/// needed). Only fields that change are written and audited (`details` holds
/// `{ field: { from, to } }`); an update that changes nothing writes no audit row.
pub async fn update(
    db: &DatabaseConnection,
    user_id: i32,
    changes: SettingsChanges,
    client: &ClientInfo,
) -> AppResult<patient_settings::Model> {
    let mut errors = FieldErrors::new();
    let notification_preference = match changes.notification_preference {
        None => None,
        Some(None) => {
            errors.add("notificationPreference", NOT_NULL);
            None
        }
        Some(Some(p)) => Some(p),
    };
    let language = match changes.language.as_ref() {
        None => None,
        Some(None) => {
            errors.add("language", NOT_NULL);
            None
        }
        Some(Some(raw)) => crate::domain::collect(&mut errors, "language", parse_language(raw)),
    };
    errors.into_result()?;

    let txn = crate::db::begin_write(db).await?;
    insert_defaults(&txn, user_id).await?;
    // Row lock on PostgreSQL so concurrent changes serialise and what the audit row
    // records is exact (SQLite's IMMEDIATE transaction already serialises writers).
    let current = patient_settings::Entity::find()
        .filter(patient_settings::Column::UserId.eq(user_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(missing_row)?;
    let mut details = serde_json::Map::new();
    let mut active = current.clone().into_active_model();
    if let Some(preference) =
        notification_preference.filter(|p| *p != current.notification_preference)
    {
        details.insert(
            "notificationPreference".into(),
            json!({ "from": current.notification_preference, "to": preference }),
        );
        active.notification_preference = Set(preference);
    }
    if let Some(language) = language.filter(|l| *l != current.language) {
        details.insert(
            "language".into(),
            json!({ "from": current.language, "to": language }),
        );
        active.language = Set(language.to_owned());
    }
    if details.is_empty() {
        // Keeps a row created by this call; nothing else was written.
        txn.commit().await?;
        return Ok(current);
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(user_id),
            action: AuditAction::Update,
            resource_type: "settings",
            resource_id: Some(updated.id.to_string()),
            details: Value::Object(details),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_match_case_insensitively_and_come_back_canonical() {
        assert_eq!(parse_language("en").unwrap(), "en");
        assert_eq!(parse_language(" HI-in ").unwrap(), "hi-IN");
        assert_eq!(parse_language("EN-in").unwrap(), "en-IN");
        assert_eq!(parse_language("OR").unwrap(), "or");
        assert!(parse_language("fr").is_err());
        assert!(parse_language("en_IN").is_err());
        assert!(parse_language("  ").is_err());
        assert!(parse_language("hi-IN-x-private").is_err());
    }

    #[test]
    fn the_default_language_is_supported() {
        assert_eq!(parse_language(DEFAULT_LANGUAGE).unwrap(), DEFAULT_LANGUAGE);
    }
}
