//! `care_patients`: a patient record kept by care staff. Not an account: the person may
//! never use the portal.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{BloodGroup, Gender};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "care_patients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub first_name: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub last_name: String,
    #[sea_orm(column_type = "String(StringLen::N(254))", nullable)]
    pub email: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(20))", nullable)]
    pub phone: Option<String>,
    pub date_of_birth: Option<Date>,
    pub gender: Option<Gender>,
    pub blood_group: Option<BloodGroup>,
    #[sea_orm(column_type = "Text", nullable)]
    pub allergies: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub medical_history: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub current_medications: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(200))", nullable)]
    pub emergency_contact_name: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(20))", nullable)]
    pub emergency_contact_phone: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub city: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub state: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub country: Option<String>,
    /// The user who created the record (it is visible to them); NULL once deleted.
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::auth_users::Entity",
        from = "Column::CreatedBy",
        to = "super::auth_users::Column::Id",
        on_delete = "SetNull"
    )]
    CreatedBy,
    /// Doctor assignments of this patient.
    #[sea_orm(has_many = "super::care_patient_doctors::Entity")]
    PatientDoctors,
    #[sea_orm(has_many = "super::care_patient_documents::Entity")]
    Documents,
}

impl Related<super::auth_users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreatedBy.def()
    }
}

impl Related<super::care_patient_doctors::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PatientDoctors.def()
    }
}

/// Many-to-many: the doctors assigned to this patient, through `care_patient_doctors`.
impl Related<super::care_doctors::Entity> for Entity {
    fn to() -> RelationDef {
        super::care_patient_doctors::Relation::Doctor.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::care_patient_doctors::Relation::Patient.def().rev())
    }
}

impl Related<super::care_patient_documents::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Documents.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
