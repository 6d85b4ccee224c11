//! PostgreSQL triggers that announce every change to what authentication resolves to,
//! for the in-process session cache (`src/auth/session_cache.rs`).
//!
//! An `UPDATE` or `DELETE` of a session, an account or a role, and any change of a role
//! assignment, calls `pg_notify('rakshaayan_auth', …)` inside the writing transaction,
//! so every replica hears of it exactly when it commits, whichever code path (or
//! operator with `psql`) made it. Payloads: `s:<session id>`, `u:<user id>`, and `*`
//! (a role changed: its holders are not named, so caches drop everything). A new
//! session or role needs no notice: nothing can have cached it yet.
//!
//! SQLite needs none of this (the cache is off there: one process per file), so the
//! migration does nothing on SQLite.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The channel; `src/auth/session_cache.rs` listens on the same name.
const CHANNEL: &str = "rakshaayan_auth";

/// `(trigger, table, events)`.
const TRIGGERS: &[(&str, &str, &str)] = &[
    (
        "tr_auth_sessions_notify",
        "auth_sessions",
        "UPDATE OR DELETE",
    ),
    ("tr_auth_users_notify", "auth_users", "UPDATE OR DELETE"),
    (
        "tr_auth_user_roles_notify",
        "auth_user_roles",
        "INSERT OR UPDATE OR DELETE",
    ),
    ("tr_auth_roles_notify", "auth_roles", "UPDATE OR DELETE"),
];

fn function_sql() -> String {
    // NEW is NULL in a DELETE trigger and OLD in an INSERT one; an UPDATE that moves an
    // assignment to another user names both users. pg_notify folds duplicate payloads of
    // one transaction into one notification.
    format!(
        r#"CREATE OR REPLACE FUNCTION rakshaayan_notify_auth_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'auth_sessions' THEN
        PERFORM pg_notify('{CHANNEL}', 's:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'auth_users' THEN
        PERFORM pg_notify('{CHANNEL}', 'u:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'auth_user_roles' THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('{CHANNEL}', 'u:' || OLD.user_id);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('{CHANNEL}', 'u:' || NEW.user_id);
        END IF;
    ELSE
        PERFORM pg_notify('{CHANNEL}', '*');
    END IF;
    RETURN NULL;
END
$$"#
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let conn = manager.get_connection();
        conn.execute_unprepared(&function_sql()).await?;
        for (name, table, events) in TRIGGERS {
            conn.execute_unprepared(&format!(
                "CREATE TRIGGER {name} AFTER {events} ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION rakshaayan_notify_auth_change()"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let conn = manager.get_connection();
        for (name, table, _) in TRIGGERS {
            conn.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name} ON {table}"))
                .await?;
        }
        conn.execute_unprepared("DROP FUNCTION IF EXISTS rakshaayan_notify_auth_change()")
            .await?;
        Ok(())
    }
}
