//! `care_patient_documents`: files attached to a patient record (seed 004). `file_path`
//! is a server-generated storage key, never a client-supplied path.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, index, timestamp_now, unique};
use crate::m20261123_000001_create_auth_users::AuthUsers;
use crate::m20261123_000012_create_care_patients::CarePatients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum CarePatientDocuments {
    Table,
    Id,
    PatientId,
    DocumentType,
    FileName,
    FileType,
    ContentType,
    FileSize,
    FilePath,
    Sha256,
    UploadedBy,
    UploadedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CarePatientDocuments as D;

        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(pk_auto(D::Id))
                    .col(integer(D::PatientId))
                    .col(string_len(D::DocumentType, 30))
                    // Sanitised original file name.
                    .col(string_len(D::FileName, 255))
                    .col(string_len(D::FileType, 20))
                    .col(string_len(D::ContentType, 100))
                    // Size in bytes.
                    .col(big_integer(D::FileSize))
                    .col(string_len(D::FilePath, 500))
                    // Hex SHA-256 of the stored bytes.
                    .col(string_len(D::Sha256, 64))
                    .col(integer_null(D::UploadedBy))
                    .col(timestamp_now(D::UploadedAt, backend))
                    .foreign_key(&mut foreign_key(
                        "fk_care_patient_documents_patient_id",
                        (D::Table, D::PatientId),
                        (CarePatients::Table, CarePatients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_care_patient_documents_uploaded_by",
                        (D::Table, D::UploadedBy),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .index(&mut unique(
                        "uq_care_patient_documents_file_path",
                        [D::FilePath],
                    ))
                    .take(),
            )
            .await?;

        for (name, cols) in [
            ("ix_care_patient_documents_patient_id", &[D::PatientId][..]),
            (
                "ix_care_patient_documents_document_type",
                &[D::DocumentType][..],
            ),
            (
                "ix_care_patient_documents_uploaded_by",
                &[D::UploadedBy][..],
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
            .drop_table(Table::drop().table(CarePatientDocuments::Table).take())
            .await
    }
}
