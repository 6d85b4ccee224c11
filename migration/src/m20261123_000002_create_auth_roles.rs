//! `auth_roles`: named sets of permission strings granted to users through
//! `auth_user_roles`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{timestamp_now, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum AuthRoles {
    Table,
    Id,
    Name,
    Description,
    Permissions,
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
                    .table(AuthRoles::Table)
                    .col(pk_auto(AuthRoles::Id))
                    .col(string_len(AuthRoles::Name, 100))
                    .col(text_null(AuthRoles::Description))
                    // JSON array of permission strings from the catalogue in code.
                    .col(json(AuthRoles::Permissions).default("[]"))
                    .col(timestamp_now(AuthRoles::CreatedAt, backend))
                    .col(timestamp_now(AuthRoles::UpdatedAt, backend))
                    .index(&mut unique("uq_auth_roles_name", [AuthRoles::Name]))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthRoles::Table).take())
            .await
    }
}
