//! `patient_adverse_events`: medical-device adverse events reported by patients, with
//! their review workflow (`draft → submitted → under_review → approved/rejected`).

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, index, timestamp_now};
use crate::m20261123_000001_create_auth_users::AuthUsers;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum PatientAdverseEvents {
    Table,
    Id,
    PatientId,
    Title,
    Description,
    Severity,
    Status,
    DeviceName,
    DeviceCategory,
    Manufacturer,
    ModelNumber,
    SerialNumber,
    EventDate,
    EventLocation,
    Symptoms,
    TreatmentReceived,
    Outcome,
    Witnesses,
    AdditionalNotes,
    SupportingDocuments,
    ReviewNote,
    CreatedAt,
    UpdatedAt,
    ReviewedBy,
    ReviewedAt,
}

/// Expression index backing the case-insensitive manufacturer match (manufacturer
/// visibility, manufacturer filter and stats). Queries must use exactly
/// `lower(manufacturer)` for the planner to pick it up. sea-query's SQLite builder cannot
/// render expression index columns, so this one is raw SQL (valid on both back-ends).
const MANUFACTURER_LOWER_INDEX: &str = "ix_patient_adverse_events_manufacturer_lower";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PatientAdverseEvents as E;

        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(pk_auto(E::Id))
                    .col(integer(E::PatientId))
                    .col(string_len(E::Title, 200))
                    .col(text(E::Description))
                    .col(string_len(E::Severity, 20))
                    .col(string_len(E::Status, 20).default("draft"))
                    .col(string_len(E::DeviceName, 200))
                    .col(string_len(E::DeviceCategory, 100))
                    .col(string_len(E::Manufacturer, 200))
                    .col(string_len_null(E::ModelNumber, 100))
                    .col(string_len_null(E::SerialNumber, 100))
                    .col(date(E::EventDate))
                    .col(string_len(E::EventLocation, 200))
                    .col(text(E::Symptoms))
                    .col(text_null(E::TreatmentReceived))
                    .col(text_null(E::Outcome))
                    .col(text_null(E::Witnesses))
                    .col(text_null(E::AdditionalNotes))
                    // JSON array of `{ file_name, file_type, file_size }` objects.
                    .col(json(E::SupportingDocuments).default("[]"))
                    .col(text_null(E::ReviewNote))
                    .col(timestamp_now(E::CreatedAt, backend))
                    .col(timestamp_now(E::UpdatedAt, backend))
                    .col(integer_null(E::ReviewedBy))
                    .col(timestamp_with_time_zone_null(E::ReviewedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_patient_adverse_events_patient_id",
                        (E::Table, E::PatientId),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_patient_adverse_events_reviewed_by",
                        (E::Table, E::ReviewedBy),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;

        for (name, cols) in [
            // "My events" newest first; also serves `patient_id` lookups and the cascade.
            (
                "ix_patient_adverse_events_patient_id_created_at",
                &[E::PatientId, E::CreatedAt][..],
            ),
            (
                "ix_patient_adverse_events_reviewed_by",
                &[E::ReviewedBy][..],
            ),
            (
                "ix_patient_adverse_events_status_created_at",
                &[E::Status, E::CreatedAt][..],
            ),
            ("ix_patient_adverse_events_severity", &[E::Severity][..]),
            (
                "ix_patient_adverse_events_device_category",
                &[E::DeviceCategory][..],
            ),
            ("ix_patient_adverse_events_event_date", &[E::EventDate][..]),
        ] {
            manager
                .create_index(index(name, E::Table, cols.iter().copied()))
                .await?;
        }

        manager
            .get_connection()
            .execute_unprepared(&format!(
                r#"CREATE INDEX "{MANUFACTURER_LOWER_INDEX}" ON "patient_adverse_events" (lower("manufacturer"))"#
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(MANUFACTURER_LOWER_INDEX)
                    .table(PatientAdverseEvents::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PatientAdverseEvents::Table).take())
            .await
    }
}
