//! `auth_user_roles`: one role granted to one user. Unique per (user, role)
//! (`uq_auth_user_roles_user_role`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "auth_user_roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub role_id: i32,
    /// Who granted the role; NULL once that user is deleted.
    pub assigned_by: Option<i32>,
    pub assigned_at: DateTimeUtc,
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
    #[sea_orm(
        belongs_to = "super::auth_roles::Entity",
        from = "Column::RoleId",
        to = "super::auth_roles::Column::Id",
        on_delete = "Cascade"
    )]
    Role,
    #[sea_orm(
        belongs_to = "super::auth_users::Entity",
        from = "Column::AssignedBy",
        to = "super::auth_users::Column::Id",
        on_delete = "SetNull"
    )]
    AssignedBy,
}

/// The user holding the role (not the one who assigned it: see [`Relation::AssignedBy`]).
impl Related<super::auth_users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::auth_roles::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Role.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
