//! `auth_otps`: one-time codes for phone/email verification and password reset. Only an
//! HMAC digest of each code is stored.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{OtpChannel, OtpPurpose};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "auth_otps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The account the code is for; NULL when the target has no account (codes are
    /// issued anyway so answers never reveal whether an account exists).
    pub user_id: Option<i32>,
    /// Normalised phone number or lowercased email the code was sent to.
    #[sea_orm(column_type = "String(StringLen::N(254))")]
    pub target: String,
    /// Hex HMAC-SHA256 digest of the code, never the code. Skipped by serde.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    #[serde(skip)]
    pub otp_code: String,
    pub purpose: OtpPurpose,
    pub channel: OtpChannel,
    /// Wrong guesses so far; the code is burned at the configured maximum.
    pub attempts: i32,
    /// Set once the code has been consumed, burned or superseded.
    pub is_used: bool,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
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
