//! `patient_help_topics`: the public help/FAQ entries (seeded by the next migration,
//! editable by holders of `help:manage`).

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{index, timestamp_now};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum PatientHelpTopics {
    Table,
    Id,
    Question,
    Answer,
    Category,
    SortOrder,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PatientHelpTopics as H;

        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(pk_auto(H::Id))
                    .col(string_len(H::Question, 300))
                    .col(text(H::Answer))
                    .col(string_len(H::Category, 100))
                    // Position within its category, ascending.
                    .col(integer(H::SortOrder).default(0))
                    .col(timestamp_now(H::CreatedAt, backend))
                    .col(timestamp_now(H::UpdatedAt, backend))
                    .take(),
            )
            .await?;

        manager
            .create_index(index(
                "ix_patient_help_topics_category",
                H::Table,
                [H::Category],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PatientHelpTopics::Table).take())
            .await
    }
}
