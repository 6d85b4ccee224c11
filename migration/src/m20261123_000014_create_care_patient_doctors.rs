//! `care_patient_doctors`: which doctors look after which patient record, with at most
//! one primary doctor per patient.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, index, timestamp_now, unique};
use crate::m20261123_000001_create_auth_users::AuthUsers;
use crate::m20261123_000012_create_care_patients::CarePatients;
use crate::m20261123_000013_create_care_doctors::CareDoctors;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CarePatientDoctors {
    Table,
    Id,
    PatientId,
    DoctorId,
    IsPrimary,
    Notes,
    AssignedBy,
    AssignedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CarePatientDoctors as A;

        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(pk_auto(A::Id))
                    .col(integer(A::PatientId))
                    .col(integer(A::DoctorId))
                    .col(boolean(A::IsPrimary).default(false))
                    .col(text_null(A::Notes))
                    .col(integer_null(A::AssignedBy))
                    .col(timestamp_now(A::AssignedAt, backend))
                    .foreign_key(&mut foreign_key(
                        "fk_care_patient_doctors_patient_id",
                        (A::Table, A::PatientId),
                        (CarePatients::Table, CarePatients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_care_patient_doctors_doctor_id",
                        (A::Table, A::DoctorId),
                        (CareDoctors::Table, CareDoctors::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_care_patient_doctors_assigned_by",
                        (A::Table, A::AssignedBy),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    // Leading `patient_id` also serves "doctors of patient X" and the cascade.
                    .index(&mut unique(
                        "uq_care_patient_doctors_pair",
                        [A::PatientId, A::DoctorId],
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_index(index(
                "ix_care_patient_doctors_doctor_id",
                A::Table,
                [A::DoctorId],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_care_patient_doctors_assigned_by",
                A::Table,
                [A::AssignedBy],
            ))
            .await?;
        // At most one primary doctor per patient: a partial unique index. Renders as
        // `WHERE "is_primary" = TRUE` on both back-ends (SQLite stores booleans as 0/1 and
        // TRUE is 1 there).
        manager
            .create_index(
                Index::create()
                    .name("uq_care_patient_doctors_one_primary")
                    .table(A::Table)
                    .col(A::PatientId)
                    .unique()
                    .and_where(Expr::col(A::IsPrimary).eq(true))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CarePatientDoctors::Table).take())
            .await
    }
}
