//! `auth_users`: every account, whatever its [`UserType`].

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::UserType;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "auth_users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Login name, `^[\w.@+-]+$`, unique (`uq_auth_users_username`).
    #[sea_orm(column_type = "String(StringLen::N(150))", unique)]
    pub username: String,
    /// Stored lowercased, unique (`uq_auth_users_email`).
    #[sea_orm(column_type = "String(StringLen::N(254))", unique)]
    pub email: String,
    /// Normalised `+` and 10–15 digits, unique (`uq_auth_users_phone_number`).
    #[sea_orm(column_type = "String(StringLen::N(16))", unique)]
    pub phone_number: String,
    pub user_type: UserType,
    pub is_phone_verified: bool,
    pub is_email_verified: bool,
    /// Deactivated accounts cannot log in and their sessions are revoked.
    pub is_active: bool,
    /// Argon2id PHC string (`$argon2id$v=19$…`), never the password. Skipped by serde so
    /// that serialising a user (e.g. into an audit `details` object) cannot leak it.
    #[sea_orm(column_type = "String(StringLen::N(128))")]
    #[serde(skip)]
    pub password: String,
    #[sea_orm(column_type = "String(StringLen::N(150))", nullable)]
    pub first_name: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(150))", nullable)]
    pub last_name: Option<String>,
    /// For manufacturers, the name matched (trimmed, case-folded) against
    /// `patient_adverse_events.manufacturer`.
    #[sea_orm(column_type = "String(StringLen::N(200))", nullable)]
    pub organization_name: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub designation: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    /// Consecutive failed logins since the last success.
    pub failed_login_count: i32,
    /// Logins are refused until this instant (set after too many failures).
    pub locked_until: Option<DateTimeUtc>,
    pub last_login_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Roles held by this user.
    #[sea_orm(has_many = "super::auth_user_roles::Entity")]
    UserRoles,
    #[sea_orm(has_many = "super::auth_otps::Entity")]
    Otps,
    #[sea_orm(has_many = "super::auth_sessions::Entity")]
    Sessions,
    /// Audit entries about actions of this user.
    #[sea_orm(has_many = "super::auth_audit_logs::Entity")]
    AuditLogs,
    /// Adverse events reported by this user (as the patient).
    #[sea_orm(has_many = "super::patient_adverse_events::Entity")]
    AdverseEvents,
    /// Adverse events this user reviewed.
    #[sea_orm(
        has_many = "super::patient_adverse_events::Entity",
        via_rel = "Relation::ReviewedBy"
    )]
    ReviewedAdverseEvents,
    #[sea_orm(has_one = "super::patient_settings::Entity")]
    Settings,
    /// Patient records created by this user.
    #[sea_orm(has_many = "super::care_patients::Entity")]
    CarePatients,
    /// Directory entries created by this user.
    #[sea_orm(has_many = "super::care_doctors::Entity")]
    CareDoctors,
}

impl Related<super::auth_user_roles::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UserRoles.def()
    }
}

/// Many-to-many: the roles a user holds, through `auth_user_roles`.
impl Related<super::auth_roles::Entity> for Entity {
    fn to() -> RelationDef {
        super::auth_user_roles::Relation::Role.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::auth_user_roles::Relation::User.def().rev())
    }
}

impl Related<super::auth_otps::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Otps.def()
    }
}

impl Related<super::auth_sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl Related<super::auth_audit_logs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuditLogs.def()
    }
}

/// The events this user reported (not the ones they reviewed: use
/// [`Relation::ReviewedAdverseEvents`] for those).
impl Related<super::patient_adverse_events::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AdverseEvents.def()
    }
}

impl Related<super::patient_settings::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Settings.def()
    }
}

impl Related<super::care_patients::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CarePatients.def()
    }
}

impl Related<super::care_doctors::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CareDoctors.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
