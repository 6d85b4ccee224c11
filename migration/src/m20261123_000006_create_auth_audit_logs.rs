//! `auth_audit_logs`: the append-only audit trail. Rows outlive the users they mention
//! (`user_id` becomes NULL when the user is deleted).

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, index, timestamp_now};
use crate::m20261123_000001_create_auth_users::AuthUsers;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AuthAuditLogs {
    Table,
    Id,
    UserId,
    Action,
    ResourceType,
    ResourceId,
    Details,
    IpAddress,
    UserAgent,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(AuthAuditLogs::Table)
                    .col(pk_auto(AuthAuditLogs::Id))
                    .col(integer_null(AuthAuditLogs::UserId))
                    .col(string_len(AuthAuditLogs::Action, 20))
                    .col(string_len(AuthAuditLogs::ResourceType, 100))
                    .col(string_len_null(AuthAuditLogs::ResourceId, 100))
                    // JSON object describing what changed.
                    .col(json(AuthAuditLogs::Details).default("{}"))
                    // NULL for system and CLI actions, which have no client.
                    .col(string_len_null(AuthAuditLogs::IpAddress, 45))
                    .col(text_null(AuthAuditLogs::UserAgent))
                    .col(timestamp_now(AuthAuditLogs::CreatedAt, backend))
                    .foreign_key(&mut foreign_key(
                        "fk_auth_audit_logs_user_id",
                        (AuthAuditLogs::Table, AuthAuditLogs::UserId),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;

        for (name, cols) in [
            ("ix_auth_audit_logs_user_id", &[AuthAuditLogs::UserId][..]),
            ("ix_auth_audit_logs_action", &[AuthAuditLogs::Action][..]),
            (
                "ix_auth_audit_logs_resource_type_resource_id",
                &[AuthAuditLogs::ResourceType, AuthAuditLogs::ResourceId][..],
            ),
            (
                "ix_auth_audit_logs_created_at",
                &[AuthAuditLogs::CreatedAt][..],
            ),
        ] {
            manager
                .create_index(index(name, AuthAuditLogs::Table, cols.iter().copied()))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthAuditLogs::Table).take())
            .await
    }
}
