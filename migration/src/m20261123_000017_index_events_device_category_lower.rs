//! Expression index for the case-insensitive device-category filter of
//! `adverseEvents` (`lower(device_category) = …`), which the plain `device_category`
//! index cannot serve. Raw SQL, valid on both back-ends (sea-query's SQLite builder
//! cannot render expression index columns).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_patient_adverse_events_device_category_lower";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {NAME} ON patient_adverse_events (lower(device_category))"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX {NAME}"))
            .await?;
        Ok(())
    }
}
