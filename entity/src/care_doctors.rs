//! `care_doctors`: an entry of the doctor directory.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::Specialization;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "care_doctors")]
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
    pub specialization: Specialization,
    /// Medical licence number, unique (`uq_care_doctors_license_number`).
    #[sea_orm(column_type = "String(StringLen::N(50))", unique)]
    pub license_number: String,
    pub years_of_experience: i32,
    #[sea_orm(column_type = "String(StringLen::N(200))", nullable)]
    pub qualification: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub bio: Option<String>,
    /// `NUMERIC(10, 2)` on PostgreSQL. SQLite keeps it as a REAL and SeaORM reads it back
    /// through `f64`, so the scale is not preserved there (`12.50` reads as `12.5`);
    /// normalise with `round_dp(2)` before presenting it.
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub consultation_fee: Decimal,
    pub is_available: bool,
    #[sea_orm(column_type = "String(StringLen::N(200))", nullable)]
    pub hospital_name: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub city: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub state: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub country: Option<String>,
    /// The user who created the entry (it may update or delete it); NULL once deleted.
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
    /// Patient assignments of this doctor.
    #[sea_orm(has_many = "super::care_patient_doctors::Entity")]
    PatientDoctors,
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

/// Many-to-many: the patients this doctor is assigned to, through `care_patient_doctors`.
impl Related<super::care_patients::Entity> for Entity {
    fn to() -> RelationDef {
        super::care_patient_doctors::Relation::Patient.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::care_patient_doctors::Relation::Doctor.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
