//! Index for the admin user lists (`users`, `unverifiedUsers`): newest first is
//! `ORDER BY created_at DESC, id DESC` with keyset cursors on the same pair.

use sea_orm_migration::prelude::*;

use crate::common::index;
use crate::m20261123_000001_create_auth_users::AuthUsers;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_auth_users_created_at_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                NAME,
                AuthUsers::Table,
                [AuthUsers::CreatedAt, AuthUsers::Id],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(AuthUsers::Table).to_owned())
            .await
    }
}
