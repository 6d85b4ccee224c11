//! `patient_settings`: per-user preferences, at most one row per user.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, timestamp_now, unique};
use crate::m20261123_000001_create_auth_users::AuthUsers;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PatientSettings {
    Table,
    Id,
    UserId,
    NotificationPreference,
    Language,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PatientSettings as S;

        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(pk_auto(S::Id))
                    .col(integer(S::UserId))
                    .col(string_len(S::NotificationPreference, 10).default("email"))
                    // BCP 47 language tag (35 is the longest registered tag length).
                    .col(string_len(S::Language, 35).default("en"))
                    .col(timestamp_now(S::CreatedAt, backend))
                    .col(timestamp_now(S::UpdatedAt, backend))
                    .foreign_key(&mut foreign_key(
                        "fk_patient_settings_user_id",
                        (S::Table, S::UserId),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    // Also the index for lookups by user and for the cascade.
                    .index(&mut unique("uq_patient_settings_user", [S::UserId]))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PatientSettings::Table).take())
            .await
    }
}
