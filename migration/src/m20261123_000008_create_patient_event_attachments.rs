//! `patient_event_attachments`: files uploaded to an adverse event. `file_path` is a
//! server-generated storage key, never a client-supplied path.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, index, timestamp_now, unique};
use crate::m20261123_000007_create_patient_adverse_events::PatientAdverseEvents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PatientEventAttachments {
    Table,
    Id,
    EventId,
    FileName,
    FileType,
    FileSize,
    FilePath,
    ContentType,
    Sha256,
    UploadedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PatientEventAttachments as A;

        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(pk_auto(A::Id))
                    .col(integer(A::EventId))
                    // Sanitised original file name, for display and downloads.
                    .col(string_len(A::FileName, 255))
                    .col(string_len(A::FileType, 20))
                    // Size in bytes.
                    .col(big_integer(A::FileSize))
                    .col(string_len(A::FilePath, 500))
                    .col(string_len(A::ContentType, 100))
                    // Hex SHA-256 of the stored bytes.
                    .col(string_len(A::Sha256, 64))
                    .col(timestamp_now(A::UploadedAt, backend))
                    .foreign_key(&mut foreign_key(
                        "fk_patient_event_attachments_event_id",
                        (A::Table, A::EventId),
                        (PatientAdverseEvents::Table, PatientAdverseEvents::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .index(&mut unique(
                        "uq_patient_event_attachments_file_path",
                        [A::FilePath],
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_index(index(
                "ix_patient_event_attachments_event_id",
                A::Table,
                [A::EventId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PatientEventAttachments::Table).take())
            .await
    }
}
