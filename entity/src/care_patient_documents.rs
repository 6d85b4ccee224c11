//! `care_patient_documents`: a file attached to a patient record.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{DocumentType, FileType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "care_patient_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub patient_id: i32,
    pub document_type: DocumentType,
    /// Sanitised original file name, for display and downloads.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub file_name: String,
    /// Class decided from the content's magic bytes.
    pub file_type: FileType,
    /// MIME type detected from the content.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub content_type: String,
    /// Size in bytes.
    pub file_size: i64,
    /// Server-generated storage key (never a client path), unique
    /// (`uq_care_patient_documents_file_path`).
    #[sea_orm(column_type = "String(StringLen::N(500))", unique)]
    pub file_path: String,
    /// Hex SHA-256 of the stored bytes.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub sha256: String,
    /// Who uploaded it; NULL once that user is deleted.
    pub uploaded_by: Option<i32>,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::care_patients::Entity",
        from = "Column::PatientId",
        to = "super::care_patients::Column::Id",
        on_delete = "Cascade"
    )]
    Patient,
    #[sea_orm(
        belongs_to = "super::auth_users::Entity",
        from = "Column::UploadedBy",
        to = "super::auth_users::Column::Id",
        on_delete = "SetNull"
    )]
    UploadedBy,
}

impl Related<super::care_patients::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Patient.def()
    }
}

impl Related<super::auth_users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UploadedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
