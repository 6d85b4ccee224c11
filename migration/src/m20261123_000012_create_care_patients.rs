//! `care_patients`: patient records kept by hospitals and care staff (seeds 001, 004).
//! Not accounts: a record may describe someone who never uses the portal.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, index, timestamp_now};
use crate::m20261123_000001_create_auth_users::AuthUsers;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum CarePatients {
    Table,
    Id,
    FirstName,
    LastName,
    Email,
    Phone,
    DateOfBirth,
    Gender,
    BloodGroup,
    Allergies,
    MedicalHistory,
    CurrentMedications,
    EmergencyContactName,
    EmergencyContactPhone,
    Address,
    City,
    State,
    Country,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CarePatients as P;

        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(pk_auto(P::Id))
                    .col(string_len(P::FirstName, 100))
                    .col(string_len(P::LastName, 100))
                    .col(string_len_null(P::Email, 254))
                    .col(string_len_null(P::Phone, 20))
                    .col(date_null(P::DateOfBirth))
                    .col(string_len_null(P::Gender, 20))
                    // "A+" … "O-".
                    .col(string_len_null(P::BloodGroup, 3))
                    .col(text_null(P::Allergies))
                    .col(text_null(P::MedicalHistory))
                    .col(text_null(P::CurrentMedications))
                    .col(string_len_null(P::EmergencyContactName, 200))
                    .col(string_len_null(P::EmergencyContactPhone, 20))
                    .col(text_null(P::Address))
                    .col(string_len_null(P::City, 100))
                    .col(string_len_null(P::State, 100))
                    .col(string_len_null(P::Country, 100))
                    .col(integer_null(P::CreatedBy))
                    .col(timestamp_now(P::CreatedAt, backend))
                    .col(timestamp_now(P::UpdatedAt, backend))
                    .foreign_key(&mut foreign_key(
                        "fk_care_patients_created_by",
                        (P::Table, P::CreatedBy),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;

        for (name, cols) in [
            // Records are visible to their creator: "my records, newest first". Also serves
            // `created_by` lookups and the FK action.
            (
                "ix_care_patients_created_by_created_at",
                &[P::CreatedBy, P::CreatedAt][..],
            ),
            ("ix_care_patients_gender", &[P::Gender][..]),
            // Age-range filters become date-of-birth ranges.
            ("ix_care_patients_date_of_birth", &[P::DateOfBirth][..]),
            (
                "ix_care_patients_last_name_first_name",
                &[P::LastName, P::FirstName][..],
            ),
        ] {
            manager
                .create_index(index(name, P::Table, cols.iter().copied()))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CarePatients::Table).take())
            .await
    }
}
