//! `care_doctors`: the doctor directory (seed 001), readable by every authenticated user.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, index, timestamp_now, unique};
use crate::m20261123_000001_create_auth_users::AuthUsers;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum CareDoctors {
    Table,
    Id,
    FirstName,
    LastName,
    Email,
    Phone,
    Specialization,
    LicenseNumber,
    YearsOfExperience,
    Qualification,
    Bio,
    ConsultationFee,
    IsAvailable,
    HospitalName,
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
        use CareDoctors as D;

        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(pk_auto(D::Id))
                    .col(string_len(D::FirstName, 100))
                    .col(string_len(D::LastName, 100))
                    .col(string_len_null(D::Email, 254))
                    .col(string_len_null(D::Phone, 20))
                    .col(string_len(D::Specialization, 30))
                    .col(string_len(D::LicenseNumber, 50))
                    .col(integer(D::YearsOfExperience).default(0))
                    .col(string_len_null(D::Qualification, 200))
                    .col(text_null(D::Bio))
                    // Money: NUMERIC(10, 2) on PostgreSQL (REAL affinity on SQLite).
                    .col(decimal_len(D::ConsultationFee, 10, 2).default(0))
                    .col(boolean(D::IsAvailable).default(true))
                    .col(string_len_null(D::HospitalName, 200))
                    .col(string_len_null(D::City, 100))
                    .col(string_len_null(D::State, 100))
                    .col(string_len_null(D::Country, 100))
                    .col(integer_null(D::CreatedBy))
                    .col(timestamp_now(D::CreatedAt, backend))
                    .col(timestamp_now(D::UpdatedAt, backend))
                    .foreign_key(&mut foreign_key(
                        "fk_care_doctors_created_by",
                        (D::Table, D::CreatedBy),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .index(&mut unique(
                        "uq_care_doctors_license_number",
                        [D::LicenseNumber],
                    ))
                    .take(),
            )
            .await?;

        for (name, cols) in [
            ("ix_care_doctors_created_by", &[D::CreatedBy][..]),
            ("ix_care_doctors_specialization", &[D::Specialization][..]),
            ("ix_care_doctors_is_available", &[D::IsAvailable][..]),
            ("ix_care_doctors_city", &[D::City][..]),
            (
                "ix_care_doctors_last_name_first_name",
                &[D::LastName, D::FirstName][..],
            ),
        ] {
            manager
                .create_index(index(name, D::Table, cols.iter().copied()))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CareDoctors::Table).take())
            .await
    }
}
