//! `auth_users`: every account (patients, hospitals, manufacturers, government,
//! coordinators, admins).

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{index, timestamp_now, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum AuthUsers {
    Table,
    Id,
    Username,
    Email,
    PhoneNumber,
    UserType,
    IsPhoneVerified,
    IsEmailVerified,
    IsActive,
    Password,
    FirstName,
    LastName,
    OrganizationName,
    Designation,
    Address,
    FailedLoginCount,
    LockedUntil,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(AuthUsers::Table)
                    .col(pk_auto(AuthUsers::Id))
                    .col(string_len(AuthUsers::Username, 150))
                    // Stored lowercased by the application.
                    .col(string_len(AuthUsers::Email, 254))
                    // Normalised `+` and up to 15 digits.
                    .col(string_len(AuthUsers::PhoneNumber, 16))
                    .col(string_len(AuthUsers::UserType, 20))
                    .col(boolean(AuthUsers::IsPhoneVerified).default(false))
                    .col(boolean(AuthUsers::IsEmailVerified).default(false))
                    .col(boolean(AuthUsers::IsActive).default(true))
                    // Argon2id PHC string.
                    .col(string_len(AuthUsers::Password, 128))
                    .col(string_len_null(AuthUsers::FirstName, 150))
                    .col(string_len_null(AuthUsers::LastName, 150))
                    .col(string_len_null(AuthUsers::OrganizationName, 200))
                    .col(string_len_null(AuthUsers::Designation, 100))
                    .col(text_null(AuthUsers::Address))
                    .col(integer(AuthUsers::FailedLoginCount).default(0))
                    .col(timestamp_with_time_zone_null(AuthUsers::LockedUntil))
                    .col(timestamp_with_time_zone_null(AuthUsers::LastLoginAt))
                    .col(timestamp_now(AuthUsers::CreatedAt, backend))
                    .col(timestamp_now(AuthUsers::UpdatedAt, backend))
                    .index(&mut unique("uq_auth_users_username", [AuthUsers::Username]))
                    .index(&mut unique("uq_auth_users_email", [AuthUsers::Email]))
                    .index(&mut unique(
                        "uq_auth_users_phone_number",
                        [AuthUsers::PhoneNumber],
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_index(index(
                "ix_auth_users_user_type",
                AuthUsers::Table,
                [AuthUsers::UserType],
            ))
            .await?;
        // The unverified-accounts admin list and the purge task filter on both.
        manager
            .create_index(index(
                "ix_auth_users_is_phone_verified_created_at",
                AuthUsers::Table,
                [AuthUsers::IsPhoneVerified, AuthUsers::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dropping the table drops its indexes and constraints on both back-ends.
        manager
            .drop_table(Table::drop().table(AuthUsers::Table).take())
            .await
    }
}
