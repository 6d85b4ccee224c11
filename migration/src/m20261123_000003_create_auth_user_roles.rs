//! `auth_user_roles`: which roles a user holds, and who granted them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{foreign_key, index, timestamp_now, unique};
use crate::m20261123_000001_create_auth_users::AuthUsers;
use crate::m20261123_000002_create_auth_roles::AuthRoles;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthUserRoles {
    Table,
    Id,
    UserId,
    RoleId,
    AssignedBy,
    AssignedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(AuthUserRoles::Table)
                    .col(pk_auto(AuthUserRoles::Id))
                    .col(integer(AuthUserRoles::UserId))
                    .col(integer(AuthUserRoles::RoleId))
                    .col(integer_null(AuthUserRoles::AssignedBy))
                    .col(timestamp_now(AuthUserRoles::AssignedAt, backend))
                    .foreign_key(&mut foreign_key(
                        "fk_auth_user_roles_user_id",
                        (AuthUserRoles::Table, AuthUserRoles::UserId),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_auth_user_roles_role_id",
                        (AuthUserRoles::Table, AuthUserRoles::RoleId),
                        (AuthRoles::Table, AuthRoles::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_auth_user_roles_assigned_by",
                        (AuthUserRoles::Table, AuthUserRoles::AssignedBy),
                        (AuthUsers::Table, AuthUsers::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    // Its leading `user_id` column also serves "roles of user X" lookups,
                    // so `user_id` gets no index of its own.
                    .index(&mut unique(
                        "uq_auth_user_roles_user_role",
                        [AuthUserRoles::UserId, AuthUserRoles::RoleId],
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_index(index(
                "ix_auth_user_roles_role_id",
                AuthUserRoles::Table,
                [AuthUserRoles::RoleId],
            ))
            .await?;
        // Lets `ON DELETE SET NULL` find the rows when a granting user is deleted.
        manager
            .create_index(index(
                "ix_auth_user_roles_assigned_by",
                AuthUserRoles::Table,
                [AuthUserRoles::AssignedBy],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthUserRoles::Table).take())
            .await
    }
}
