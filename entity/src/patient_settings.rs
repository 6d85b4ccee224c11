//! `patient_settings`: a user's preferences, at most one row per user
//! (`uq_patient_settings_user`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::NotificationPreference;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "patient_settings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub user_id: i32,
    pub notification_preference: NotificationPreference,
    /// BCP 47 language tag, e.g. `en`, `hi-IN`.
    #[sea_orm(column_type = "String(StringLen::N(35))")]
    pub language: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::auth_users::Entity",
        from = "Column::UserId",
        to = "super::auth_users::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::auth_users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
