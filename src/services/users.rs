//! User accounts: creation and lookup. Registration, login and profile changes build on
//! these in the accounts module.

use chrono::Utc;
use entity::{auth_users, enums::AuditAction};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set, TransactionTrait,
};
use serde_json::json;

use super::audit::{self, AuditEntry};
use crate::{
    auth::{password::PasswordHasherPool, permission::UserType, request::ClientInfo},
    domain::{self, Email, Password, Phone, Username},
    error::{AppResult, FieldErrors},
};

/// Raw input for a new account, before validation.
#[derive(Debug, Clone)]
pub struct NewUserInput {
    /// Desired username.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Phone number.
    pub phone_number: String,
    /// Password in clear (hashed before storage, never logged).
    pub password: String,
    /// Account class.
    pub user_type: UserType,
}

/// A validated account, ready to insert.
#[derive(Debug, Clone)]
pub struct ValidNewUser {
    /// Parsed username.
    pub username: Username,
    /// Parsed, lowercased email.
    pub email: Email,
    /// Parsed, normalised phone.
    pub phone: Phone,
    /// Password that passed the policy.
    pub password: Password,
    /// Account class.
    pub user_type: UserType,
}

/// Validates every field at once (field names are the GraphQL input's camelCase names).
pub fn validate_new_user(input: &NewUserInput) -> AppResult<ValidNewUser> {
    let mut errors = FieldErrors::new();
    let username = domain::collect(&mut errors, "username", Username::parse(&input.username));
    let email = domain::collect(&mut errors, "email", Email::parse(&input.email));
    let phone = domain::collect(
        &mut errors,
        "phoneNumber",
        Phone::parse(&input.phone_number),
    );
    let password = domain::collect(
        &mut errors,
        "password",
        Password::parse(
            &input.password,
            Some(input.username.trim()),
            Some(input.email.trim()),
        ),
    );
    match (username, email, phone, password) {
        (Some(username), Some(email), Some(phone), Some(password)) if errors.is_empty() => {
            Ok(ValidNewUser {
                username,
                email,
                phone,
                password,
                user_type: input.user_type,
            })
        }
        _ => Err(crate::error::AppError::invalid_input(errors)),
    }
}

/// Inserts a validated account with an already computed password hash.
pub async fn insert(
    conn: &impl ConnectionTrait,
    user: &ValidNewUser,
    password_hash: String,
) -> AppResult<auth_users::Model> {
    let now = Utc::now();
    let model = auth_users::ActiveModel {
        username: Set(user.username.as_str().to_owned()),
        email: Set(user.email.as_str().to_owned()),
        phone_number: Set(user.phone.as_str().to_owned()),
        user_type: Set(user.user_type.into()),
        is_phone_verified: Set(false),
        is_email_verified: Set(false),
        is_active: Set(true),
        password: Set(password_hash),
        failed_login_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(model)
}

/// Creates an administrator account (the `create-admin` command): validated like any
/// account, hashed on the blocking pool, inserted with its audit row in one transaction.
pub async fn create_admin(
    db: &DatabaseConnection,
    passwords: &PasswordHasherPool,
    input: NewUserInput,
) -> AppResult<auth_users::Model> {
    let valid = validate_new_user(&NewUserInput {
        user_type: UserType::Admin,
        ..input
    })?;
    let hash = passwords.hash(valid.password.expose().to_owned()).await?;
    let txn = db.begin().await?;
    let user = insert(&txn, &valid, hash).await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: None,
            action: AuditAction::Create,
            resource_type: "user",
            resource_id: Some(user.id.to_string()),
            details: json!({ "username": user.username, "userType": "admin", "via": "create-admin" }),
            client: &ClientInfo::default(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Loads one account by id.
pub async fn find(conn: &impl ConnectionTrait, id: i32) -> AppResult<Option<auth_users::Model>> {
    Ok(auth_users::Entity::find_by_id(id).one(conn).await?)
}
