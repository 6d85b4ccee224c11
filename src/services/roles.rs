//! Roles (named sets of catalogue permissions) and their assignment to users.
//!
//! Every change is one transaction together with its audit row. Uniqueness (role names,
//! one assignment per user and role) is left to the database constraints, whose
//! violations `db::constraint` maps to `CONFLICT`.

use std::{collections::BTreeSet, sync::LazyLock};

use chrono::Utc;
use entity::{auth_roles, auth_user_roles, auth_users, enums::AuditAction};
use regex::Regex;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use super::audit::{self, AuditEntry};
use crate::{
    auth::{permission::Permission, request::ClientInfo},
    domain,
    error::{AppError, AppResult, FieldErrors},
};

static ROLE_NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w ]+$").expect("static regex"));

/// Longest role name (seed `000` §4).
pub const ROLE_NAME_MAX: usize = 100;
/// Longest role description (a text column, bounded so it stays a description).
pub const ROLE_DESCRIPTION_MAX: usize = 2000;

/// Parses a role name: trimmed, required, `^[\w ]+$`, at most 100 characters.
pub fn parse_name(raw: &str) -> Result<String, String> {
    let name = domain::required_text(raw, ROLE_NAME_MAX)?;
    if !ROLE_NAME_RE.is_match(&name) {
        return Err(
            "Enter a valid role name: letters, digits, underscores and spaces only.".into(),
        );
    }
    Ok(name)
}

/// Parses permission strings against the catalogue, recording unknown ones under
/// `permissions.<index>`. The result is deduplicated, in catalogue order.
pub fn parse_permissions(errors: &mut FieldErrors, raw: &[String]) -> Vec<Permission> {
    let mut set = BTreeSet::new();
    for (index, item) in raw.iter().enumerate() {
        match Permission::parse(item.trim()) {
            Some(p) => {
                set.insert(p);
            }
            None => errors.add(
                format!("permissions.{index}"),
                format!(
                    "Unknown permission \"{item}\". Known permissions: {}.",
                    Permission::ALL.map(Permission::as_str).join(", ")
                ),
            ),
        }
    }
    set.into_iter().collect()
}

fn permissions_json(permissions: &[Permission]) -> Value {
    json!(permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>())
}

/// The permission strings of a stored role (non-strings, which the server never writes,
/// are skipped).
pub fn permission_strings(role: &auth_roles::Model) -> Vec<String> {
    role.permissions
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A new role, as entered.
#[derive(Debug, Clone, Default)]
pub struct NewRole {
    /// Name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Permission strings.
    pub permissions: Vec<String>,
}

/// A partial update of a role, as entered: `None` leaves a field unchanged;
/// `description: Some(None)` clears the description.
#[derive(Debug, Clone, Default)]
pub struct RoleChanges {
    /// New name.
    pub name: Option<String>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// New permission list (replaces the old one).
    pub permissions: Option<Vec<String>>,
}

/// Every role, by name.
pub async fn list(conn: &impl ConnectionTrait) -> AppResult<Vec<auth_roles::Model>> {
    Ok(auth_roles::Entity::find()
        .order_by_asc(auth_roles::Column::Name)
        .order_by_asc(auth_roles::Column::Id)
        .all(conn)
        .await?)
}

/// One role.
pub async fn find(conn: &impl ConnectionTrait, id: i32) -> AppResult<Option<auth_roles::Model>> {
    Ok(auth_roles::Entity::find_by_id(id).one(conn).await?)
}

/// The roles with these ids (DataLoader).
pub async fn find_many(
    conn: &impl ConnectionTrait,
    ids: &[i32],
) -> AppResult<Vec<auth_roles::Model>> {
    Ok(auth_roles::Entity::find()
        .filter(auth_roles::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

/// The roles held by each of `user_ids`, as `(user id, role)` pairs ordered by role
/// name: one statement for any number of users (DataLoader).
pub async fn roles_of_users(
    conn: &impl ConnectionTrait,
    user_ids: &[i32],
) -> AppResult<Vec<(i32, auth_roles::Model)>> {
    let rows = auth_user_roles::Entity::find()
        .filter(auth_user_roles::Column::UserId.is_in(user_ids.iter().copied()))
        .find_also_related(auth_roles::Entity)
        .order_by_asc(auth_roles::Column::Name)
        .order_by_asc(auth_roles::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(assignment, role)| role.map(|r| (assignment.user_id, r)))
        .collect())
}

/// The role assignments of a user, oldest first.
pub async fn assignments_of_user(
    conn: &impl ConnectionTrait,
    user_id: i32,
) -> AppResult<Vec<auth_user_roles::Model>> {
    Ok(auth_user_roles::Entity::find()
        .filter(auth_user_roles::Column::UserId.eq(user_id))
        .order_by_asc(auth_user_roles::Column::AssignedAt)
        .order_by_asc(auth_user_roles::Column::Id)
        .all(conn)
        .await?)
}

fn role_details(role: &auth_roles::Model) -> Value {
    json!({
        "name": role.name,
        "description": role.description,
        "permissions": role.permissions,
    })
}

/// Creates a role (every field error at once), with its audit row.
pub async fn create(
    db: &DatabaseConnection,
    actor_id: i32,
    input: NewRole,
    client: &ClientInfo,
) -> AppResult<auth_roles::Model> {
    let mut errors = FieldErrors::new();
    let name = domain::collect(&mut errors, "name", parse_name(&input.name));
    let description = domain::collect(
        &mut errors,
        "description",
        domain::optional_text(input.description.as_deref(), ROLE_DESCRIPTION_MAX),
    );
    let permissions = parse_permissions(&mut errors, &input.permissions);
    errors.into_result()?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(AppError::internal(
            "role validation",
            anyhow::anyhow!("no field errors but a field missing"),
        ));
    };

    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let role = auth_roles::ActiveModel {
        name: Set(name),
        description: Set(description),
        permissions: Set(permissions_json(&permissions)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor_id),
            action: AuditAction::Create,
            resource_type: "role",
            resource_id: Some(role.id.to_string()),
            details: role_details(&role),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(role)
}

/// Applies a partial update; only the fields that change are written and audited
/// (`details` holds `{ field: { from, to } }`). An update that changes nothing writes
/// nothing.
pub async fn update(
    db: &DatabaseConnection,
    actor_id: i32,
    id: i32,
    changes: RoleChanges,
    client: &ClientInfo,
) -> AppResult<auth_roles::Model> {
    let mut errors = FieldErrors::new();
    let name = changes
        .name
        .as_deref()
        .and_then(|n| domain::collect(&mut errors, "name", parse_name(n)));
    let description = match &changes.description {
        None => None,
        Some(d) => domain::collect(
            &mut errors,
            "description",
            domain::optional_text(d.as_deref(), ROLE_DESCRIPTION_MAX),
        ),
    };
    let permissions = changes
        .permissions
        .as_deref()
        .map(|p| parse_permissions(&mut errors, p));
    errors.into_result()?;

    let txn = crate::db::begin_write(db).await?;
    // Row lock on PostgreSQL so concurrent changes serialise and what the audit row
    // records is exact (SQLite's IMMEDIATE transaction already serialises writers).
    let role = auth_roles::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Role"))?;
    let mut details = serde_json::Map::new();
    let mut active = role.clone().into_active_model();
    if let Some(name) = name.filter(|n| *n != role.name) {
        details.insert("name".into(), json!({ "from": role.name, "to": name }));
        active.name = Set(name);
    }
    if let Some(description) = description.filter(|d| *d != role.description) {
        details.insert(
            "description".into(),
            json!({ "from": role.description, "to": description }),
        );
        active.description = Set(description);
    }
    if let Some(permissions) = permissions.map(|p| permissions_json(&p))
        && permissions != role.permissions
    {
        details.insert(
            "permissions".into(),
            json!({ "from": role.permissions, "to": permissions }),
        );
        active.permissions = Set(permissions);
    }
    if details.is_empty() {
        return Ok(role);
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor_id),
            action: AuditAction::Update,
            resource_type: "role",
            resource_id: Some(id.to_string()),
            details: Value::Object(details),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a role; its assignments go with it (foreign key cascade). Returns the id.
pub async fn delete(
    db: &DatabaseConnection,
    actor_id: i32,
    id: i32,
    client: &ClientInfo,
) -> AppResult<i32> {
    let txn = crate::db::begin_write(db).await?;
    // Row lock on PostgreSQL so concurrent changes serialise and what the audit row
    // records is exact (SQLite's IMMEDIATE transaction already serialises writers).
    let role = auth_roles::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Role"))?;
    let assignments = auth_user_roles::Entity::find()
        .filter(auth_user_roles::Column::RoleId.eq(id))
        .count(&txn)
        .await?;
    let deleted = auth_roles::Entity::delete_by_id(id).exec(&txn).await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found("Role"));
    }
    let mut details = role_details(&role);
    details["assignmentsRemoved"] = json!(assignments);
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor_id),
            action: AuditAction::Delete,
            resource_type: "role",
            resource_id: Some(id.to_string()),
            details,
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Grants `role_id` to `user_id`, recording `actor_id` as the grantor. Unknown user or
/// role: `NOT_FOUND`; already granted: `CONFLICT` (from the unique constraint).
pub async fn assign(
    db: &DatabaseConnection,
    actor_id: i32,
    user_id: i32,
    role_id: i32,
    client: &ClientInfo,
) -> AppResult<auth_user_roles::Model> {
    let txn = crate::db::begin_write(db).await?;
    // Shared locks: neither may be deleted before the assignment commits.
    let user = auth_users::Entity::find_by_id(user_id)
        .lock_shared()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("User"))?;
    let role = auth_roles::Entity::find_by_id(role_id)
        .lock_shared()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Role"))?;
    let assignment = auth_user_roles::ActiveModel {
        user_id: Set(user.id),
        role_id: Set(role.id),
        assigned_by: Set(Some(actor_id)),
        assigned_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor_id),
            action: AuditAction::Create,
            resource_type: "user_role",
            resource_id: Some(assignment.id.to_string()),
            details: json!({
                "userId": user.id,
                "username": user.username,
                "roleId": role.id,
                "roleName": role.name,
            }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(assignment)
}

/// Removes the assignment of `role_id` to `user_id` and returns its id; `NOT_FOUND`
/// when the user does not hold the role.
pub async fn revoke(
    db: &DatabaseConnection,
    actor_id: i32,
    user_id: i32,
    role_id: i32,
    client: &ClientInfo,
) -> AppResult<i32> {
    let not_found = || AppError::not_found("Role assignment");
    let txn = crate::db::begin_write(db).await?;
    let (assignment, role) = auth_user_roles::Entity::find()
        .filter(auth_user_roles::Column::UserId.eq(user_id))
        .filter(auth_user_roles::Column::RoleId.eq(role_id))
        .find_also_related(auth_roles::Entity)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let deleted = auth_user_roles::Entity::delete_by_id(assignment.id)
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(not_found());
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor_id),
            action: AuditAction::Delete,
            resource_type: "user_role",
            resource_id: Some(assignment.id.to_string()),
            details: json!({
                "userId": user_id,
                "roleId": role_id,
                "roleName": role.map(|r| r.name),
                "assignedBy": assignment.assigned_by,
                "assignedAt": assignment.assigned_at,
            }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(assignment.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_follow_the_seed_regex() {
        assert_eq!(parse_name("  Event reviewers ").unwrap(), "Event reviewers");
        assert!(parse_name("reviewers_2").is_ok());
        assert!(parse_name("   ").is_err());
        assert!(parse_name("a-b").is_err());
        assert!(parse_name(&"a".repeat(101)).is_err());
        assert!(parse_name(&"a".repeat(100)).is_ok());
    }

    #[test]
    fn unknown_permissions_are_reported_by_index() {
        let mut errors = FieldErrors::new();
        let parsed = parse_permissions(
            &mut errors,
            &[
                "audit:read".into(),
                "users:*".into(),
                "users:read".into(),
                "audit:read".into(),
                "nope".into(),
            ],
        );
        assert_eq!(parsed, vec![Permission::UsersRead, Permission::AuditRead]);
        assert!(errors.get("permissions.1").is_some());
        assert!(errors.get("permissions.4").is_some());
        assert!(errors.get("permissions.0").is_none());
    }
}
