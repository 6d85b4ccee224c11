//! `auth_sessions`: one row per refresh-token family (login). Revoking the row ends the
//! session at once, access tokens included.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "auth_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// Hex SHA-256 of the current refresh token, unique
    /// (`uq_auth_sessions_refresh_token_hash`). Replaced on every rotation. Skipped by serde.
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    #[serde(skip)]
    pub refresh_token_hash: String,
    pub created_at: DateTimeUtc,
    /// Last refresh (rotation) of this session.
    pub last_used_at: DateTimeUtc,
    /// When the current refresh token stops being accepted.
    pub expires_at: DateTimeUtc,
    /// Client IP at login, textual IPv4 or IPv6.
    #[sea_orm(column_type = "String(StringLen::N(45))", nullable)]
    pub ip_address: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub user_agent: Option<String>,
    /// Set by logout, password change/reset, deactivation or refresh-token reuse.
    pub revoked_at: Option<DateTimeUtc>,
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
