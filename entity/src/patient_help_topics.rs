//! `patient_help_topics`: public help/FAQ entries, seeded by a migration.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "patient_help_topics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(300))")]
    pub question: String,
    #[sea_orm(column_type = "Text")]
    pub answer: String,
    /// Free-text grouping, e.g. `Reporting`, `Account`, `Privacy`, `Attachments`.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub category: String,
    /// Position within its category, ascending.
    pub sort_order: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
