//! Adverse events (materiovigilance reports): validation, the review workflow, reads
//! under the visibility policy, lists and statistics.

pub mod list;
pub mod policy;

use chrono::{NaiveDate, Utc};
use entity::{
    enums::{AuditAction, EventStatus, FileType, Severity},
    patient_adverse_events as events,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use self::policy::{EventRights, can_see};
use super::audit::{self, AuditEntry};
use crate::{
    auth::{
        permission::{Permission, UserType},
        request::ClientInfo,
        viewer::Viewer,
    },
    domain::{
        self,
        workflow::{self, Actor, Transition},
    },
    error::{AppError, AppResult, FieldErrors},
    state::AppState,
};

/// Longest accepted free text (description, symptoms, notes…): the seed's text columns
/// have no limit, but an unbounded field invites abuse.
pub const TEXT_MAX: usize = 20_000;
/// Most supporting-document entries per event.
pub const SUPPORTING_DOCUMENTS_MAX: usize = 20;
/// Largest declared supporting-document size (10 MiB).
pub const SUPPORTING_DOCUMENT_SIZE_MAX: i64 = 10 * 1024 * 1024;

/// One entry of `supporting_documents`, as stored (snake_case JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportingDocument {
    /// File name, at most 255 characters.
    pub file_name: String,
    /// One of the four file types.
    pub file_type: FileType,
    /// Size in bytes, at most 10 MiB.
    pub file_size: i64,
}

/// Reads the stored list; entries that do not parse are skipped (and logged).
pub fn supporting_documents(event: &events::Model) -> Vec<SupportingDocument> {
    match serde_json::from_value(event.supporting_documents.clone()) {
        Ok(list) => list,
        Err(err) => {
            tracing::warn!(event_id = event.id, error = %err, "unreadable supporting_documents");
            Vec::new()
        }
    }
}

/// Event fields as entered. On create every required field must be present; on
/// update `None` leaves a field unchanged and `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    /// Short title (≤ 200).
    pub title: Option<String>,
    /// What happened.
    pub description: Option<String>,
    /// How bad.
    pub severity: Option<Severity>,
    /// Device name (≤ 200).
    pub device_name: Option<String>,
    /// Device category (≤ 100).
    pub device_category: Option<String>,
    /// Manufacturer (≤ 200).
    pub manufacturer: Option<String>,
    /// Model number (≤ 100).
    pub model_number: Option<Option<String>>,
    /// Serial number (≤ 100).
    pub serial_number: Option<Option<String>>,
    /// When it happened (not in the future).
    pub event_date: Option<NaiveDate>,
    /// Where it happened (≤ 200).
    pub event_location: Option<String>,
    /// Symptoms observed.
    pub symptoms: Option<String>,
    /// Treatment received.
    pub treatment_received: Option<Option<String>>,
    /// Outcome.
    pub outcome: Option<Option<String>>,
    /// Witnesses.
    pub witnesses: Option<Option<String>>,
    /// Anything else.
    pub additional_notes: Option<Option<String>>,
    /// Declared supporting documents.
    pub supporting_documents: Option<Vec<SupportingDocument>>,
}

/// Validated values to write (only the fields given).
struct Valid {
    active: events::ActiveModel,
    changed: Vec<&'static str>,
}

fn validate(input: EventInput, creating: bool, today: NaiveDate) -> AppResult<Valid> {
    let mut errors = FieldErrors::new();
    let mut active = <events::ActiveModel as Default>::default();
    let mut changed = Vec::new();

    macro_rules! required {
        ($field:ident, $name:literal, $max:expr) => {
            match input.$field.as_deref() {
                Some(v) => {
                    if let Some(v) =
                        domain::collect(&mut errors, $name, domain::required_text(v, $max))
                    {
                        active.$field = Set(v);
                        changed.push($name);
                    }
                }
                None if creating => errors.add($name, "This field is required."),
                None => {}
            }
        };
    }
    macro_rules! optional {
        ($field:ident, $name:literal, $max:expr) => {
            if let Some(v) = &input.$field {
                if let Some(v) = domain::collect(
                    &mut errors,
                    $name,
                    domain::optional_text(v.as_deref(), $max),
                ) {
                    active.$field = Set(v);
                    changed.push($name);
                }
            }
        };
    }
    required!(title, "title", 200);
    required!(description, "description", TEXT_MAX);
    required!(device_name, "deviceName", 200);
    required!(device_category, "deviceCategory", 100);
    required!(manufacturer, "manufacturer", 200);
    required!(event_location, "eventLocation", 200);
    required!(symptoms, "symptoms", TEXT_MAX);
    optional!(model_number, "modelNumber", 100);
    optional!(serial_number, "serialNumber", 100);
    optional!(treatment_received, "treatmentReceived", TEXT_MAX);
    optional!(outcome, "outcome", TEXT_MAX);
    optional!(witnesses, "witnesses", TEXT_MAX);
    optional!(additional_notes, "additionalNotes", TEXT_MAX);
    match input.severity {
        Some(s) => {
            active.severity = Set(s);
            changed.push("severity");
        }
        None if creating => errors.add("severity", "This field is required."),
        None => {}
    }
    match input.event_date {
        Some(d) if d > today => errors.add("eventDate", "The event date cannot be in the future."),
        Some(d) => {
            active.event_date = Set(d);
            changed.push("eventDate");
        }
        None if creating => errors.add("eventDate", "This field is required."),
        None => {}
    }
    if let Some(docs) = &input.supporting_documents {
        if docs.len() > SUPPORTING_DOCUMENTS_MAX {
            errors.add(
                "supportingDocuments",
                format!("At most {SUPPORTING_DOCUMENTS_MAX} documents."),
            );
        }
        let mut clean = Vec::with_capacity(docs.len());
        for (i, doc) in docs.iter().enumerate() {
            let name = domain::collect(
                &mut errors,
                &format!("supportingDocuments.{i}.fileName"),
                domain::required_text(&doc.file_name, 255),
            );
            if doc.file_size < 0 || doc.file_size > SUPPORTING_DOCUMENT_SIZE_MAX {
                errors.add(
                    format!("supportingDocuments.{i}.fileSize"),
                    "The size must be between 0 and 10485760 bytes (10 MiB).",
                );
            }
            if let Some(name) = name {
                clean.push(SupportingDocument {
                    file_name: name,
                    ..doc.clone()
                });
            }
        }
        active.supporting_documents = Set(json!(clean));
        changed.push("supportingDocuments");
    } else if creating {
        active.supporting_documents = Set(json!([]));
    }
    errors.into_result()?;
    Ok(Valid { active, changed })
}

/// Creates a draft report for `viewer` (a patient).
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: EventInput,
    client: &ClientInfo,
) -> AppResult<events::Model> {
    let now = Utc::now();
    let Valid { mut active, .. } = validate(input, true, now.date_naive())?;
    active.patient_id = Set(viewer.user_id);
    active.status = Set(EventStatus::Draft);
    active.created_at = Set(now);
    active.updated_at = Set(now);
    // The audit details come from the validated input (the same values are stored).
    let details = match (&active.title, &active.severity) {
        (sea_orm::ActiveValue::Set(title), sea_orm::ActiveValue::Set(severity)) => {
            json!({ "title": title, "severity": severity.as_str() })
        }
        _ => json!({}),
    };
    audit::insert_audited(
        state.db(),
        active,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Create,
            resource_type: "adverse_event",
            resource_id: None,
            details,
            client,
        },
    )
    .await
}

/// Loads an event the viewer may see: `NOT_FOUND` when it does not exist, `FORBIDDEN`
/// when it exists but is not theirs to see.
pub async fn find_visible(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i32,
) -> AppResult<events::Model> {
    let event = events::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("Adverse event"))?;
    if !can_see(&EventRights::of(viewer), &event) {
        return Err(AppError::forbidden("you may not see this adverse event"));
    }
    Ok(event)
}

/// Reads one event for `viewer`, writing a `view` audit row when it is not theirs.
pub async fn view(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    client: &ClientInfo,
) -> AppResult<events::Model> {
    let event = find_visible(state.db(), viewer, id).await?;
    if event.patient_id != viewer.user_id {
        audit_view(state, viewer, &[event.id], client).await?;
    }
    Ok(event)
}

/// One `view` audit row for events of other patients a viewer was shown.
pub async fn audit_view(
    state: &AppState,
    viewer: &Viewer,
    ids: &[i32],
    client: &ClientInfo,
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    audit::record(
        state.db(),
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::View,
            resource_type: "adverse_event",
            resource_id: (ids.len() == 1).then(|| ids[0].to_string()),
            details: json!({ "eventIds": ids }),
            client,
        },
    )
    .await
}

/// An owner-only action on `event`: `FORBIDDEN` for anyone else (after visibility).
fn ensure_owner(viewer: &Viewer, event: &events::Model, action: &str) -> AppResult<()> {
    if event.patient_id != viewer.user_id {
        return Err(AppError::forbidden(format!(
            "only the reporting patient may {action} this adverse event"
        )));
    }
    Ok(())
}

fn ensure_status(event: &events::Model, allowed: &[EventStatus], action: &str) -> AppResult<()> {
    if !allowed.contains(&event.status) {
        return Err(AppError::invalid_state(
            format!(
                "Cannot {action} an adverse event that is {}",
                workflow::status_name(event.status)
            ),
            workflow::status_name(event.status),
        ));
    }
    Ok(())
}

/// Checks an update's fields without touching the database (to report every field
/// error at once together with errors found before the service was called).
pub fn check_update(input: &EventInput) -> AppResult<()> {
    validate(input.clone(), false, Utc::now().date_naive()).map(|_| ())
}

/// Partially updates the viewer's own report while it is `DRAFT` or `SUBMITTED`.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    input: EventInput,
    client: &ClientInfo,
) -> AppResult<events::Model> {
    let event = find_visible(state.db(), viewer, id).await?;
    ensure_owner(viewer, &event, "update")?;
    ensure_status(&event, workflow::EDITABLE, "update")?;
    let now = Utc::now();
    let Valid { active, changed } = validate(input, false, now.date_naive())?;
    if changed.is_empty() {
        return Ok(event);
    }
    // Conditional on the status still being editable: a review that started in the
    // meantime wins and the edit is refused.
    let mut update = events::Entity::update_many()
        .col_expr(events::Column::UpdatedAt, Expr::value(now))
        .filter(events::Column::Id.eq(event.id))
        .filter(events::Column::Status.is_in(workflow::EDITABLE.iter().copied()));
    for (column, value) in active_values(&active) {
        update = update.col_expr(column, Expr::value(value));
    }
    let txn = crate::db::begin_write(state.db()).await?;
    let result = update.exec(&txn).await?;
    if result.rows_affected == 0 {
        let current = current_status(&txn, event.id).await?;
        return Err(AppError::invalid_state(
            format!(
                "Cannot update an adverse event that is {}",
                workflow::status_name(current)
            ),
            workflow::status_name(current),
        ));
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Update,
            resource_type: "adverse_event",
            resource_id: Some(event.id.to_string()),
            details: json!({ "changed": changed }),
            client,
        },
    )
    .await?;
    let updated = events::Entity::find_by_id(event.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Adverse event"))?;
    txn.commit().await?;
    Ok(updated)
}

/// The set columns of an active model, for a conditional `UPDATE`.
fn active_values(active: &events::ActiveModel) -> Vec<(events::Column, sea_orm::Value)> {
    use sea_orm::{ActiveValue, Iterable};
    events::Column::iter()
        .filter_map(|c| match active.get(c) {
            ActiveValue::Set(v) => Some((c, v)),
            _ => None,
        })
        .collect()
}

async fn current_status(conn: &impl ConnectionTrait, id: i32) -> AppResult<EventStatus> {
    Ok(events::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("Adverse event"))?
        .status)
}

/// Deletes the viewer's own report while it is a `DRAFT` (its attachments go with it).
pub async fn delete(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    client: &ClientInfo,
) -> AppResult<()> {
    let event = find_visible(state.db(), viewer, id).await?;
    ensure_owner(viewer, &event, "delete")?;
    ensure_status(&event, workflow::DELETABLE, "delete")?;
    let txn = crate::db::begin_write(state.db()).await?;
    let keys = super::attachments::keys_of_event(&txn, event.id).await?;
    let result = events::Entity::delete_many()
        .filter(events::Column::Id.eq(event.id))
        .filter(events::Column::Status.is_in(workflow::DELETABLE.iter().copied()))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        let current = current_status(&txn, event.id).await?;
        return Err(AppError::invalid_state(
            format!(
                "Cannot delete an adverse event that is {}",
                workflow::status_name(current)
            ),
            workflow::status_name(current),
        ));
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Delete,
            resource_type: "adverse_event",
            resource_id: Some(event.id.to_string()),
            details: json!({ "title": event.title, "attachmentsRemoved": keys.len() }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    // Objects go after the rows; a failure here leaves orphans for the sweep.
    for key in &keys {
        super::attachments::remove_object(state, key).await;
    }
    Ok(())
}

/// Whether `viewer` has reviewer rights.
pub fn is_reviewer(viewer: &Viewer) -> bool {
    viewer.is(UserType::Coordinator) || viewer.has(Permission::EventsReview)
}

/// Applies a workflow transition, as a conditional update, with its audit row; then
/// announces the change to live subscribers.
pub async fn transition(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    transition: Transition,
    note: Option<String>,
    client: &ClientInfo,
) -> AppResult<events::Model> {
    let event = find_visible(state.db(), viewer, id).await?;
    match transition.actor() {
        Actor::Owner => {
            ensure_owner(viewer, &event, transition.name())?;
            if transition == Transition::Submit {
                let verified = super::users::find(state.db(), viewer.user_id)
                    .await?
                    .is_some_and(|u| u.is_phone_verified);
                if !verified {
                    return Err(AppError::forbidden(
                        "verify your phone number before submitting a report",
                    ));
                }
            }
        }
        Actor::Reviewer => {
            if !is_reviewer(viewer) {
                return Err(AppError::missing_permission(
                    "reviewing requires user type COORDINATOR or permission events:review",
                    Permission::EventsReview,
                ));
            }
            if event.patient_id == viewer.user_id {
                return Err(AppError::forbidden("nobody may review their own report"));
            }
        }
    }
    let note = match (transition, note) {
        (Transition::Reject, note) => Some(
            domain::required_text(note.as_deref().unwrap_or_default(), TEXT_MAX)
                .map_err(|m| AppError::invalid_field("reason", m))?,
        ),
        (Transition::Approve, note) => domain::optional_text(note.as_deref(), TEXT_MAX)
            .map_err(|m| AppError::invalid_field("note", m))?,
        _ => None,
    };

    let now = Utc::now();
    let to = transition.to_state();
    let mut update = events::Entity::update_many()
        .col_expr(events::Column::Status, Expr::value(to))
        .col_expr(events::Column::UpdatedAt, Expr::value(now))
        .filter(events::Column::Id.eq(event.id))
        .filter(events::Column::Status.is_in(transition.from_states().iter().copied()));
    if transition.records_reviewer() {
        update = update.col_expr(
            events::Column::ReviewedBy,
            Expr::value(Some(viewer.user_id)),
        );
    }
    if transition.closes_review() {
        update = update
            .col_expr(events::Column::ReviewedAt, Expr::value(Some(now)))
            .col_expr(events::Column::ReviewNote, Expr::value(note.clone()));
    }
    let txn = crate::db::begin_write(state.db()).await?;
    let result = update.exec(&txn).await?;
    if result.rows_affected == 0 {
        let current = current_status(&txn, event.id).await?;
        return Err(AppError::invalid_state(
            format!(
                "Cannot {} an adverse event that is {}",
                transition.name(),
                workflow::status_name(current)
            ),
            workflow::status_name(current),
        ));
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Update,
            resource_type: "adverse_event",
            resource_id: Some(event.id.to_string()),
            details: json!({
                "transition": transition.name(),
                "from": event.status.as_str(),
                "to": to.as_str(),
                "note": note,
            }),
            client,
        },
    )
    .await?;
    let updated = events::Entity::find_by_id(event.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Adverse event"))?;
    txn.commit().await?;
    state
        .bus()
        .publish(&crate::bus::StatusChange {
            event_id: updated.id,
            old_status: event.status.as_str().to_owned(),
            new_status: to.as_str().to_owned(),
            changed_by: Some(viewer.user_id),
            at: now,
        })
        .await;
    Ok(updated)
}
