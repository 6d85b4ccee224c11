//! `patient_event_attachments`: a file uploaded to an adverse event.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::FileType;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "patient_event_attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    /// Sanitised original file name, for display and downloads.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub file_name: String,
    /// Class decided from the content's magic bytes.
    pub file_type: FileType,
    /// Size in bytes.
    pub file_size: i64,
    /// Server-generated storage key (never a client path), unique
    /// (`uq_patient_event_attachments_file_path`).
    #[sea_orm(column_type = "String(StringLen::N(500))", unique)]
    pub file_path: String,
    /// MIME type detected from the content.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub content_type: String,
    /// Hex SHA-256 of the stored bytes.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub sha256: String,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::patient_adverse_events::Entity",
        from = "Column::EventId",
        to = "super::patient_adverse_events::Column::Id",
        on_delete = "Cascade"
    )]
    Event,
}

impl Related<super::patient_adverse_events::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
