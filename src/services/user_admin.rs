//! Account administration: listing and searching users, creating accounts of any type,
//! deactivating and reactivating them.
//!
//! Two rules beyond the operation guards live here, because they depend on the target
//! account: only an `ADMIN` may create, deactivate or reactivate an `ADMIN` account (a
//! `users:manage` holder must not be able to mint or lock out administrators), and no
//! one may deactivate their own account (so the last administrator cannot lock
//! everybody out by accident).

use chrono::{DateTime, Utc};
use entity::{auth_sessions, auth_users, enums::AuditAction};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, IntoSimpleExpr, QueryFilter, QuerySelect, Set,
};
use serde_json::json;

use super::{
    accounts,
    audit::{self, AuditEntry},
    pagination::{self, Direction, Ordering, Page, PageRequest, Position},
    users::{self, NewUserInput, ProfileInput},
};
use crate::{
    auth::{
        password::PasswordHasherPool, permission::UserType, request::ClientInfo, viewer::Viewer,
    },
    error::{AppError, AppResult, FieldErrors},
};

/// Longest accepted `search` text.
pub const SEARCH_MAX: usize = 200;

/// Refuses a non-admin acting on an `ADMIN` account (creating, deactivating or
/// reactivating one): `FORBIDDEN` with the reason. No permission allows it.
pub fn ensure_may_manage_account(actor: &Viewer, target: UserType) -> AppResult<()> {
    if target == UserType::Admin && !actor.is_admin() {
        return Err(AppError::forbidden(
            "only an ADMIN may create, deactivate or reactivate ADMIN accounts",
        ));
    }
    Ok(())
}

/// A new account created by an administrator.
#[derive(Debug, Clone)]
pub struct CreateUserInput {
    /// Account fields (any user type).
    pub account: NewUserInput,
    /// Optional profile fields.
    pub profile: ProfileInput,
}

/// Creates an account of any type, validated exactly like registration (every field
/// error at once). The phone is unverified and no code is sent; the user verifies it
/// later through `requestOtp`.
pub async fn create_user(
    db: &DatabaseConnection,
    passwords: &PasswordHasherPool,
    actor: &Viewer,
    input: CreateUserInput,
    client: &ClientInfo,
) -> AppResult<auth_users::Model> {
    ensure_may_manage_account(actor, input.account.user_type)?;
    let mut errors = FieldErrors::new();
    let valid = match users::validate_new_user(&input.account) {
        Ok(valid) => Some(valid),
        Err(AppError::BadUserInput { field_errors, .. }) => {
            for (field, messages) in field_errors.iter() {
                for message in messages {
                    errors.add(field.clone(), message.clone());
                }
            }
            None
        }
        Err(other) => return Err(other),
    };
    let profile = users::validate_profile(&mut errors, &input.profile, input.account.user_type);
    let Some(valid) = valid.filter(|_| errors.is_empty()) else {
        return Err(AppError::invalid_input(errors));
    };

    let hash = passwords.hash(valid.password.expose().to_owned()).await?;
    let txn = crate::db::begin_write(db).await?;
    let user = users::insert_with_profile(&txn, &valid, &profile, hash).await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor.user_id),
            action: AuditAction::Create,
            resource_type: "user",
            resource_id: Some(user.id.to_string()),
            details: json!({
                "via": "createUser",
                "username": user.username,
                "email": user.email,
                "userType": user.user_type.as_str(),
            }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Activates or deactivates an account. Deactivation revokes every live session of the
/// user in the same transaction, so their tokens stop working at once. Setting the
/// state the account is already in changes (and audits) nothing.
pub async fn set_active(
    db: &DatabaseConnection,
    actor: &Viewer,
    user_id: i32,
    active: bool,
    client: &ClientInfo,
) -> AppResult<auth_users::Model> {
    if user_id == actor.user_id && !active {
        return Err(AppError::invalid_field(
            "active",
            "You cannot deactivate your own account.",
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let user = auth_users::Entity::find_by_id(user_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("User"))?;
    ensure_may_manage_account(actor, user.user_type.into())?;
    if user.is_active == active {
        return Ok(user);
    }
    let mut model = user.into_active_model();
    model.is_active = Set(active);
    model.updated_at = Set(Utc::now());
    let user = model.update(&txn).await?;
    let sessions_revoked = if active {
        0
    } else {
        accounts::revoke_where(
            &txn,
            Condition::all().add(auth_sessions::Column::UserId.eq(user_id)),
        )
        .await?
    };
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor.user_id),
            action: AuditAction::Update,
            resource_type: "user",
            resource_id: Some(user_id.to_string()),
            details: json!({
                "isActive": { "from": !active, "to": active },
                "sessionsRevoked": sessions_revoked,
            }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Which users to list. `None` (or an empty list) leaves a criterion out.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Free text: every word must occur (case-insensitively) in the username, email,
    /// first or last name.
    pub search: Option<String>,
    /// Users of one of these types.
    pub user_types: Option<Vec<UserType>>,
    /// Active or deactivated accounts.
    pub is_active: Option<bool>,
    /// Verified or unverified phones.
    pub is_phone_verified: Option<bool>,
    /// Created at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Created at or before this instant.
    pub created_to: Option<DateTime<Utc>>,
}

/// Newest first: `created_at` descending, then `id` descending.
pub fn newest_first() -> Ordering {
    Ordering {
        name: "users.createdAt",
        sort: auth_users::Column::CreatedAt.into_simple_expr(),
        id: auth_users::Column::Id.into_simple_expr(),
        direction: Direction::Desc,
    }
}

/// One page of users matching `filter`, newest first.
pub async fn page(
    conn: &impl ConnectionTrait,
    filter: &UserFilter,
    request: PageRequest<DateTime<Utc>>,
) -> AppResult<Page<auth_users::Model, DateTime<Utc>>> {
    let mut errors = FieldErrors::new();
    let search = filter.search.as_deref().map(str::trim).unwrap_or_default();
    if search.chars().count() > SEARCH_MAX {
        errors.add(
            "search",
            format!("Ensure this field has no more than {SEARCH_MAX} characters."),
        );
    }
    pagination::check_range(
        &mut errors,
        "createdTo",
        filter.created_from,
        filter.created_to,
    );
    errors.into_result()?;

    let mut select = auth_users::Entity::find();
    for word in search.split_whitespace() {
        let pattern = pagination::contains_pattern(word);
        let mut any = Condition::any();
        for column in [
            auth_users::Column::Username,
            auth_users::Column::Email,
            auth_users::Column::FirstName,
            auth_users::Column::LastName,
        ] {
            any = any.add(pagination::ilike(
                column.into_simple_expr(),
                pattern.clone(),
            ));
        }
        select = select.filter(any);
    }
    if let Some(types) = filter.user_types.as_ref().filter(|t| !t.is_empty()) {
        select = select.filter(
            auth_users::Column::UserType
                .is_in(types.iter().map(|t| entity::enums::UserType::from(*t))),
        );
    }
    if let Some(active) = filter.is_active {
        select = select.filter(auth_users::Column::IsActive.eq(active));
    }
    if let Some(verified) = filter.is_phone_verified {
        select = select.filter(auth_users::Column::IsPhoneVerified.eq(verified));
    }
    if let Some(from) = filter.created_from {
        select = select.filter(auth_users::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        select = select.filter(auth_users::Column::CreatedAt.lte(to));
    }
    pagination::fetch(conn, select, &newest_first(), request, |user| Position {
        sort: user.created_at,
        id: user.id,
    })
    .await
}
