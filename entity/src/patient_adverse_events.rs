//! `patient_adverse_events`: a medical-device adverse event reported by a patient, and
//! its review (`draft → submitted → under_review → approved | rejected`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{EventStatus, Severity};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "patient_adverse_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The reporting user (a `patient` account).
    pub patient_id: i32,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub severity: Severity,
    pub status: EventStatus,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub device_name: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub device_category: String,
    /// Free text as entered; matched case-insensitively (`lower(manufacturer)` is indexed).
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub manufacturer: String,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub model_number: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub serial_number: Option<String>,
    /// Day the event happened (never in the future).
    pub event_date: Date,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub event_location: String,
    #[sea_orm(column_type = "Text")]
    pub symptoms: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub treatment_received: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub witnesses: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub additional_notes: Option<String>,
    /// JSON array of `{ "file_name", "file_type", "file_size" }` objects describing
    /// documents the patient holds (distinct from uploaded attachments).
    pub supporting_documents: Json,
    /// Reviewer's approval note or rejection reason.
    #[sea_orm(column_type = "Text", nullable)]
    pub review_note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The reviewer who started (and then decided) the review; NULL once deleted.
    pub reviewed_by: Option<i32>,
    /// When the event was approved or rejected.
    pub reviewed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::auth_users::Entity",
        from = "Column::PatientId",
        to = "super::auth_users::Column::Id",
        on_delete = "Cascade"
    )]
    Patient,
    #[sea_orm(
        belongs_to = "super::auth_users::Entity",
        from = "Column::ReviewedBy",
        to = "super::auth_users::Column::Id",
        on_delete = "SetNull"
    )]
    ReviewedBy,
    #[sea_orm(has_many = "super::patient_event_attachments::Entity")]
    Attachments,
}

/// The reporting patient (not the reviewer: see [`Relation::ReviewedBy`]).
impl Related<super::auth_users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Patient.def()
    }
}

impl Related<super::patient_event_attachments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Attachments.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
