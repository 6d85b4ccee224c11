//! Doctor assignments: which doctors look after a patient record, and which one is its
//! primary doctor.
//!
//! At most one primary per patient is the database's rule too (the partial unique index
//! `uq_care_patient_doctors_one_primary`). Making an assignment primary demotes the
//! current primary first and then inserts the new one, in one transaction, never as a
//! single `UPDATE` flipping both (which the index could see half-done). Two requests
//! making different doctors primary for one patient at once serialise on the patient's
//! row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` serialises all
//! writers): the second demotes the first's new primary and both succeed. Should they
//! ever meet in the index anyway, the violation maps to `CONFLICT`, never to a 500.

use chrono::{DateTime, Utc};
use entity::{
    care_doctors as doctors, care_patient_doctors as assignments, care_patients as patients,
    enums::AuditAction,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoSimpleExpr, QueryFilter, QueryOrder, QuerySelect, Select, Set, sea_query::Expr,
};
use serde_json::json;

use super::{NOTES_MAX, ensure_creator_or_admin, visible_patient_ids};
use crate::{
    auth::{request::ClientInfo, viewer::Viewer},
    domain,
    error::{AppError, AppResult},
    services::{
        audit::{self, AuditEntry},
        pagination::{self, Direction, Ordering, Page, PageRequest, Position},
    },
};

/// The audit `resource_type` of assignments.
pub const RESOURCE: &str = "doctor_assignment";

/// A doctor to assign to a patient record.
#[derive(Debug, Clone)]
pub struct NewAssignment {
    /// The patient record.
    pub patient_id: i32,
    /// The doctor.
    pub doctor_id: i32,
    /// Make this the patient's primary doctor (demoting the current one).
    pub is_primary: bool,
    /// Free text (≤ 2000).
    pub notes: Option<String>,
}

/// Loads a patient record inside `txn` with its row locked, for a change to its
/// assignments by `viewer`: `NOT_FOUND`, or `FORBIDDEN` unless `viewer` may see it.
async fn lock_patient(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    patient_id: i32,
    action: &str,
) -> AppResult<patients::Model> {
    let patient = patients::Entity::find_by_id(patient_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("Patient record"))?;
    ensure_creator_or_admin(viewer, patient.created_by, "patient record", action)?;
    Ok(patient)
}

/// Assigns a doctor to a patient record `viewer` may see. A pair that is already
/// assigned is `CONFLICT` (from `uq_care_patient_doctors_pair`).
pub async fn assign(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewAssignment,
    client: &ClientInfo,
) -> AppResult<assignments::Model> {
    let notes = domain::optional_text(input.notes.as_deref(), NOTES_MAX)
        .map_err(|m| AppError::invalid_field("notes", m))?;
    let txn = crate::db::begin_write(db).await?;
    let patient = lock_patient(&txn, viewer, input.patient_id, "assign doctors to").await?;
    // Shared lock: the doctor cannot be deleted before the assignment commits.
    let doctor = doctors::Entity::find_by_id(input.doctor_id)
        .lock_shared()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Doctor"))?;
    let mut demoted = None;
    if input.is_primary {
        demoted = assignments::Entity::find()
            .filter(assignments::Column::PatientId.eq(patient.id))
            .filter(assignments::Column::IsPrimary.eq(true))
            .one(&txn)
            .await?
            .map(|a| a.id);
        if demoted.is_some() {
            assignments::Entity::update_many()
                .col_expr(assignments::Column::IsPrimary, Expr::value(false))
                .filter(assignments::Column::PatientId.eq(patient.id))
                .filter(assignments::Column::IsPrimary.eq(true))
                .exec(&txn)
                .await?;
        }
    }
    let assignment = assignments::ActiveModel {
        patient_id: Set(patient.id),
        doctor_id: Set(doctor.id),
        is_primary: Set(input.is_primary),
        notes: Set(notes),
        assigned_by: Set(Some(viewer.user_id)),
        assigned_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Create,
            resource_type: RESOURCE,
            resource_id: Some(assignment.id.to_string()),
            details: json!({
                "patientId": patient.id,
                "doctorId": doctor.id,
                "isPrimary": assignment.is_primary,
                "demotedAssignmentId": demoted,
            }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(assignment)
}

/// Removes an assignment from a patient record `viewer` may see. Returns its id.
pub async fn unassign(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    client: &ClientInfo,
) -> AppResult<i32> {
    let not_found = || AppError::not_found("Doctor assignment");
    let txn = crate::db::begin_write(db).await?;
    let assignment = assignments::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    lock_patient(&txn, viewer, assignment.patient_id, "unassign doctors from").await?;
    let deleted = assignments::Entity::delete_by_id(assignment.id)
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(not_found());
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Delete,
            resource_type: RESOURCE,
            resource_id: Some(assignment.id.to_string()),
            details: json!({
                "patientId": assignment.patient_id,
                "doctorId": assignment.doctor_id,
                "isPrimary": assignment.is_primary,
                "assignedBy": assignment.assigned_by,
                "assignedAt": assignment.assigned_at,
            }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(assignment.id)
}

/// Which assignments to list. `None` leaves a criterion out.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    /// Of this patient record.
    pub patient_id: Option<i32>,
    /// Of this doctor.
    pub doctor_id: Option<i32>,
    /// Primary (or not).
    pub is_primary: Option<bool>,
}

/// The filtered query over assignments of patient records `viewer` may see.
pub fn select(viewer: &Viewer, filter: &AssignmentFilter) -> Select<assignments::Entity> {
    let mut select = assignments::Entity::find()
        .filter(visible_patient_ids(viewer, assignments::Column::PatientId));
    if let Some(patient_id) = filter.patient_id {
        select = select.filter(assignments::Column::PatientId.eq(patient_id));
    }
    if let Some(doctor_id) = filter.doctor_id {
        select = select.filter(assignments::Column::DoctorId.eq(doctor_id));
    }
    if let Some(is_primary) = filter.is_primary {
        select = select.filter(assignments::Column::IsPrimary.eq(is_primary));
    }
    select
}

/// Newest first: `assigned_at` descending, then `id` descending.
pub fn newest_first() -> Ordering {
    Ordering {
        name: "assignments.assignedAt.desc",
        sort: assignments::Column::AssignedAt.into_simple_expr(),
        id: assignments::Column::Id.into_simple_expr(),
        direction: Direction::Desc,
    }
}

/// One page of `select`, newest first.
pub async fn page(
    conn: &impl ConnectionTrait,
    select: Select<assignments::Entity>,
    request: PageRequest<DateTime<Utc>>,
) -> AppResult<Page<assignments::Model, DateTime<Utc>>> {
    pagination::fetch(conn, select, &newest_first(), request, |m| Position {
        sort: m.assigned_at,
        id: m.id,
    })
    .await
}

/// The assignments of each of `patient_ids`, primary first, then oldest first: one
/// statement for a whole page of records (DataLoader).
pub async fn of_patients(
    conn: &impl ConnectionTrait,
    patient_ids: &[i32],
) -> AppResult<Vec<assignments::Model>> {
    Ok(assignments::Entity::find()
        .filter(assignments::Column::PatientId.is_in(patient_ids.iter().copied()))
        .order_by_desc(assignments::Column::IsPrimary)
        .order_by_asc(assignments::Column::AssignedAt)
        .order_by_asc(assignments::Column::Id)
        .all(conn)
        .await?)
}

/// The patient ids of `rows` (for the `view` audit of records reached through them).
pub fn patient_ids<'a>(rows: impl IntoIterator<Item = &'a assignments::Model>) -> Vec<i32> {
    let mut ids: Vec<i32> = rows.into_iter().map(|a| a.patient_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
