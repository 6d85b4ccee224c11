//! `care_patient_doctors`: a doctor assigned to a patient record. Unique per pair
//! (`uq_care_patient_doctors_pair`), and at most one primary per patient
//! (`uq_care_patient_doctors_one_primary`, a partial unique index).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "care_patient_doctors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub patient_id: i32,
    pub doctor_id: i32,
    /// The patient's primary doctor. Making another assignment primary must demote this
    /// one in the same transaction, or the partial unique index refuses it.
    pub is_primary: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    /// Who made the assignment; NULL once that user is deleted.
    pub assigned_by: Option<i32>,
    pub assigned_at: DateTimeUtc,
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
        belongs_to = "super::care_doctors::Entity",
        from = "Column::DoctorId",
        to = "super::care_doctors::Column::Id",
        on_delete = "Cascade"
    )]
    Doctor,
    #[sea_orm(
        belongs_to = "super::auth_users::Entity",
        from = "Column::AssignedBy",
        to = "super::auth_users::Column::Id",
        on_delete = "SetNull"
    )]
    AssignedBy,
}

impl Related<super::care_patients::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Patient.def()
    }
}

impl Related<super::care_doctors::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Doctor.def()
    }
}

impl Related<super::auth_users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AssignedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
