//! `auth_audit_logs`: the append-only audit trail. Rows are only ever inserted.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::AuditAction;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "auth_audit_logs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The acting user; NULL for anonymous or system actions, or once the user is deleted.
    pub user_id: Option<i32>,
    pub action: AuditAction,
    /// Kind of object acted on, e.g. `user`, `adverse_event`.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub resource_type: String,
    /// Id of the object acted on, as text.
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub resource_id: Option<String>,
    /// JSON object describing what happened or changed.
    pub details: Json,
    /// Client IP; NULL for system and CLI actions.
    #[sea_orm(column_type = "String(StringLen::N(45))", nullable)]
    pub ip_address: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub user_agent: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::auth_users::Entity",
        from = "Column::UserId",
        to = "super::auth_users::Column::Id",
        on_delete = "SetNull"
    )]
    User,
}

impl Related<super::auth_users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
