//! `auth_otps`: one-time codes for phone/email verification and password reset.
//!
//! Only an HMAC-SHA256 digest of each code is stored. Codes may be issued for a target
//! that has no account (so the answer to `requestOtp` never reveals whether one exists),
//! hence the nullable `user_id`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, index, timestamp_now};
use crate::m20261123_000001_create_auth_users::AuthUsers;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthOtps {
    Table,
    Id,
    UserId,
    Target,
    OtpCode,
    Purpose,
    Channel,
    Attempts,
    IsUsed,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(AuthOtps::Table)
                    .col(pk_auto(AuthOtps::Id))
                    .col(integer_null(AuthOtps::UserId))
                    // Normalised phone number or lowercased email.
                    .col(string_len(AuthOtps::Target, 254))
                    // Hex HMAC-SHA256 digest of the code, never the code itself.
                    .col(string_len(AuthOtps::OtpCode, 64))
                    .col(string_len(AuthOtps::Purpose, 30))
                    .col(string_len(AuthOtps::Channel, 10))
                    .col(integer(AuthOtps::Attempts).default(0))
                    .col(boolean(AuthOtps::IsUsed).default(false))
                    .col(timestamp_now(AuthOtps::CreatedAt, backend))
                    .col(timestamp_with_time_zone(AuthOtps::ExpiresAt))
                    .foreign_key(&mut foreign_key(
                        "fk_auth_otps_user_id",
                        (AuthOtps::Table, AuthOtps::UserId),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_index(index(
                "ix_auth_otps_user_id",
                AuthOtps::Table,
                [AuthOtps::UserId],
            ))
            .await?;
        // Latest code per target, resend cool-down and hourly cap.
        manager
            .create_index(index(
                "ix_auth_otps_target_created_at",
                AuthOtps::Table,
                [AuthOtps::Target, AuthOtps::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthOtps::Table).take())
            .await
    }
}
