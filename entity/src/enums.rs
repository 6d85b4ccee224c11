//! The enum-like columns. Each is stored as a plain `varchar` holding the lowercase
//! string of the seed (never a native database enum), so adding a value needs no schema
//! change on PostgreSQL.
//!
//! Every enum converts to and from its stored string ([`sea_orm::ActiveEnum`]), has an
//! `as_str()` giving that string, implements `Display` with it, and uses it as its serde
//! representation.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a string-backed active enum whose stored string is written once per variant.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident : $db_type:literal {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize,
            Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = $db_type)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[sea_orm(string_value = $value)]
                #[serde(rename = $value)]
                $variant,
            )+
        }

        impl $name {
            /// The string stored in the database for this value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// The coarse class of an account (`auth_users.user_type`).
    pub enum UserType: "String(StringLen::N(20))" {
        /// Reports adverse events about devices they use.
        Patient = "patient",
        /// Sees approved events; manages care records.
        Hospital = "hospital",
        /// Sees events about its own devices (matched on `organization_name`).
        Manufacturer = "manufacturer",
        /// Regulator: sees all non-draft events without patient identity.
        Government = "government",
        /// Reviews submitted events.
        Coordinator = "coordinator",
        /// Holds every permission.
        Admin = "admin",
    }
}

string_enum! {
    /// What a one-time code is for (`auth_otps.purpose`).
    pub enum OtpPurpose: "String(StringLen::N(30))" {
        PhoneVerification = "phone_verification",
        EmailVerification = "email_verification",
        PasswordReset = "password_reset",
    }
}

string_enum! {
    /// How a one-time code was delivered (`auth_otps.channel`).
    pub enum OtpChannel: "String(StringLen::N(10))" {
        Sms = "sms",
        Email = "email",
    }
}

string_enum! {
    /// Kind of audited action (`auth_audit_logs.action`).
    pub enum AuditAction: "String(StringLen::N(20))" {
        Login = "login",
        Logout = "logout",
        Create = "create",
        Update = "update",
        Delete = "delete",
        View = "view",
    }
}

string_enum! {
    /// Severity of an adverse event (`patient_adverse_events.severity`), mildest first.
    pub enum Severity: "String(StringLen::N(20))" {
        Mild = "mild",
        Moderate = "moderate",
        Severe = "severe",
        Critical = "critical",
    }
}

string_enum! {
    /// Review state of an adverse event (`patient_adverse_events.status`).
    pub enum EventStatus: "String(StringLen::N(20))" {
        /// Being written by the patient; visible to them only.
        Draft = "draft",
        /// Sent for review, not yet picked up.
        Submitted = "submitted",
        /// A reviewer has started reviewing it.
        UnderReview = "under_review",
        Approved = "approved",
        Rejected = "rejected",
    }
}

string_enum! {
    /// Broad class of an uploaded file, decided from its content
    /// (`patient_event_attachments.file_type`, `care_patient_documents.file_type`).
    pub enum FileType: "String(StringLen::N(20))" {
        Image = "image",
        /// PDF, office documents and plain text.
        Document = "document",
        Video = "video",
        Audio = "audio",
    }
}

string_enum! {
    /// How a patient wants to be notified (`patient_settings.notification_preference`).
    pub enum NotificationPreference: "String(StringLen::N(10))" {
        Email = "email",
        Sms = "sms",
        None = "none",
    }
}

string_enum! {
    /// Gender of a patient record (`care_patients.gender`).
    pub enum Gender: "String(StringLen::N(20))" {
        Male = "male",
        Female = "female",
        Other = "other",
        /// Prefers not to say.
        Undisclosed = "undisclosed",
    }
}

string_enum! {
    /// ABO/Rh blood group of a patient record (`care_patients.blood_group`).
    pub enum BloodGroup: "String(StringLen::N(3))" {
        APositive = "A+",
        ANegative = "A-",
        BPositive = "B+",
        BNegative = "B-",
        AbPositive = "AB+",
        AbNegative = "AB-",
        OPositive = "O+",
        ONegative = "O-",
    }
}

string_enum! {
    /// Medical specialization of a doctor (`care_doctors.specialization`), seed 001's 22
    /// choices.
    pub enum Specialization: "String(StringLen::N(30))" {
        General = "general",
        Cardiology = "cardiology",
        Dermatology = "dermatology",
        Endocrinology = "endocrinology",
        Gastroenterology = "gastroenterology",
        Hematology = "hematology",
        InfectiousDisease = "infectious_disease",
        InternalMedicine = "internal_medicine",
        Nephrology = "nephrology",
        Neurology = "neurology",
        ObstetricsGynecology = "obstetrics_gynecology",
        Oncology = "oncology",
        Ophthalmology = "ophthalmology",
        Orthopedics = "orthopedics",
        Pediatrics = "pediatrics",
        Psychiatry = "psychiatry",
        Pulmonology = "pulmonology",
        Radiology = "radiology",
        Rheumatology = "rheumatology",
        Surgery = "surgery",
        Urology = "urology",
        Other = "other",
    }
}

string_enum! {
    /// Kind of a patient document (`care_patient_documents.document_type`).
    pub enum DocumentType: "String(StringLen::N(30))" {
        MedicalReport = "medical_report",
        LabResult = "lab_result",
        Prescription = "prescription",
        Imaging = "imaging",
        DischargeSummary = "discharge_summary",
        Insurance = "insurance",
        ConsentForm = "consent_form",
        Other = "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    /// `as_str`, the database value and the serde form must be the same string.
    fn check<E>()
    where
        E: ActiveEnum<Value = String> + Serialize + std::fmt::Display + Copy,
    {
        for v in E::iter() {
            let db = v.to_value();
            assert_eq!(v.to_string(), db);
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                serde_json::Value::String(db)
            );
        }
    }

    #[test]
    fn stored_display_and_serde_strings_agree() {
        check::<UserType>();
        check::<OtpPurpose>();
        check::<OtpChannel>();
        check::<AuditAction>();
        check::<Severity>();
        check::<EventStatus>();
        check::<FileType>();
        check::<NotificationPreference>();
        check::<Gender>();
        check::<BloodGroup>();
        check::<Specialization>();
        check::<DocumentType>();
    }

    #[test]
    fn specialization_has_the_22_seed_choices() {
        assert_eq!(Specialization::iter().count(), 22);
    }
}
