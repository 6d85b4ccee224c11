//! SeaORM entities for the Rakshaayan database: one module per table, models and
//! relations only. No GraphQL types and no business rules live here.
//!
//! The schema itself is created by the `migration` crate; keep the two in step. Tables
//! with several foreign keys to the same table (e.g. an event's `patient_id` and
//! `reviewed_by`) implement `Related` for the owning one only; reach the others through
//! their `Relation` variant (`find_also_related` needs `Related`, but joins and
//! `Relation::X.def()` work for every variant).

pub mod enums;

pub mod auth_audit_logs;
pub mod auth_otps;
pub mod auth_roles;
pub mod auth_sessions;
pub mod auth_user_roles;
pub mod auth_users;
pub mod care_doctors;
pub mod care_patient_doctors;
pub mod care_patient_documents;
pub mod care_patients;
pub mod patient_adverse_events;
pub mod patient_event_attachments;
pub mod patient_help_topics;
pub mod patient_settings;

pub use enums::*;

/// Every entity under a distinct name, plus the enums: `use entity::prelude::*;`.
pub mod prelude {
    pub use crate::auth_audit_logs::Entity as AuthAuditLogs;
    pub use crate::auth_otps::Entity as AuthOtps;
    pub use crate::auth_roles::Entity as AuthRoles;
    pub use crate::auth_sessions::Entity as AuthSessions;
    pub use crate::auth_user_roles::Entity as AuthUserRoles;
    pub use crate::auth_users::Entity as AuthUsers;
    pub use crate::care_doctors::Entity as CareDoctors;
    pub use crate::care_patient_doctors::Entity as CarePatientDoctors;
    pub use crate::care_patient_documents::Entity as CarePatientDocuments;
    pub use crate::care_patients::Entity as CarePatients;
    pub use crate::enums::*;
    pub use crate::patient_adverse_events::Entity as PatientAdverseEvents;
    pub use crate::patient_event_attachments::Entity as PatientEventAttachments;
    pub use crate::patient_help_topics::Entity as PatientHelpTopics;
    pub use crate::patient_settings::Entity as PatientSettings;
}
