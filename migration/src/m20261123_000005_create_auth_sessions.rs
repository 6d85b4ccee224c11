//! `auth_sessions`: one row per refresh-token family. Only a SHA-256 digest of the current
//! refresh token is stored; rotating it replaces the digest, and a reused (already
//! rotated) token revokes the row.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, index, timestamp_now, unique};
use crate::m20261123_000001_create_auth_users::AuthUsers;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthSessions {
    Table,
    Id,
    UserId,
    RefreshTokenHash,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    IpAddress,
    UserAgent,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(AuthSessions::Table)
                    .col(pk_auto(AuthSessions::Id))
                    .col(integer(AuthSessions::UserId))
                    .col(string_len(AuthSessions::RefreshTokenHash, 64))
                    .col(timestamp_now(AuthSessions::CreatedAt, backend))
                    .col(timestamp_now(AuthSessions::LastUsedAt, backend))
                    .col(timestamp_with_time_zone(AuthSessions::ExpiresAt))
                    // Long enough for any textual IPv6 address.
                    .col(string_len_null(AuthSessions::IpAddress, 45))
                    .col(text_null(AuthSessions::UserAgent))
                    .col(timestamp_with_time_zone_null(AuthSessions::RevokedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_auth_sessions_user_id",
                        (AuthSessions::Table, AuthSessions::UserId),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .index(&mut unique(
                        "uq_auth_sessions_refresh_token_hash",
                        [AuthSessions::RefreshTokenHash],
                    ))
                    .take(),
            )
            .await?;

        // "Active sessions of user X" (revoked_at IS NULL); its leading column also serves
        // plain `user_id` lookups and the FK cascade, so `user_id` gets no index of its own.
        manager
            .create_index(index(
                "ix_auth_sessions_user_id_revoked_at",
                AuthSessions::Table,
                [AuthSessions::UserId, AuthSessions::RevokedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthSessions::Table).take())
            .await
    }
}
