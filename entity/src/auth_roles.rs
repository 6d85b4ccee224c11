//! `auth_roles`: a named set of permission strings, granted to users through
//! `auth_user_roles`.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "auth_roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `^[\w ]+$`, unique (`uq_auth_roles_name`).
    #[sea_orm(column_type = "String(StringLen::N(100))", unique)]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// JSON array of permission strings from the catalogue in code, e.g.
    /// `["events:review", "audit:read"]`.
    pub permissions: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::auth_user_roles::Entity")]
    UserRoles,
}

impl Related<super::auth_user_roles::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UserRoles.def()
    }
}

/// Many-to-many: the users holding this role, through `auth_user_roles`.
impl Related<super::auth_users::Entity> for Entity {
    fn to() -> RelationDef {
        super::auth_user_roles::Relation::User.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::auth_user_roles::Relation::Role.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
