//! User accounts: creation and lookup. Registration, login and profile changes build on
//! these in the accounts module.

use chrono::Utc;
use entity::{auth_users, enums::AuditAction};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
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

/// Optional profile fields of an account, as entered.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// Given name (≤ 150).
    pub first_name: Option<String>,
    /// Family name (≤ 150).
    pub last_name: Option<String>,
    /// Organisation (≤ 200).
    pub organization_name: Option<String>,
    /// Job title (≤ 100).
    pub designation: Option<String>,
    /// Postal address (≤ 1000).
    pub address: Option<String>,
}

/// Profile fields after validation: trimmed, blanks as `None`.
#[derive(Debug, Clone, Default)]
pub struct ValidProfile {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Organisation.
    pub organization_name: Option<String>,
    /// Job title.
    pub designation: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

/// Maximum lengths of the profile fields (seed `000` §4; address is a text column,
/// bounded here so a client cannot store megabytes in it).
pub const FIRST_NAME_MAX: usize = 150;
/// See [`FIRST_NAME_MAX`].
pub const LAST_NAME_MAX: usize = 150;
/// See [`FIRST_NAME_MAX`].
pub const ORGANIZATION_NAME_MAX: usize = 200;
/// See [`FIRST_NAME_MAX`].
pub const DESIGNATION_MAX: usize = 100;
/// See [`FIRST_NAME_MAX`].
pub const ADDRESS_MAX: usize = 1000;

/// Validates profile fields into `errors` (camelCase keys). `organizationName` is
/// required for manufacturers and hospitals: event visibility is matched on it.
pub fn validate_profile(
    errors: &mut FieldErrors,
    input: &ProfileInput,
    user_type: UserType,
) -> ValidProfile {
    let mut text = |field: &str, value: &Option<String>, max: usize| {
        domain::collect(errors, field, domain::optional_text(value.as_deref(), max)).flatten()
    };
    let profile = ValidProfile {
        first_name: text("firstName", &input.first_name, FIRST_NAME_MAX),
        last_name: text("lastName", &input.last_name, LAST_NAME_MAX),
        organization_name: text(
            "organizationName",
            &input.organization_name,
            ORGANIZATION_NAME_MAX,
        ),
        designation: text("designation", &input.designation, DESIGNATION_MAX),
        address: text("address", &input.address, ADDRESS_MAX),
    };
    if matches!(user_type, UserType::Manufacturer | UserType::Hospital)
        && profile.organization_name.is_none()
        && errors.get("organizationName").is_none()
    {
        errors.add(
            "organizationName",
            "This field is required for manufacturer and hospital accounts.",
        );
    }
    profile
}

/// Inserts a validated account with an already computed password hash.
pub async fn insert(
    conn: &impl ConnectionTrait,
    user: &ValidNewUser,
    password_hash: String,
) -> AppResult<auth_users::Model> {
    insert_with_profile(conn, user, &ValidProfile::default(), password_hash).await
}

/// Inserts a validated account with its profile fields.
pub async fn insert_with_profile(
    conn: &impl ConnectionTrait,
    user: &ValidNewUser,
    profile: &ValidProfile,
    password_hash: String,
) -> AppResult<auth_users::Model> {
    let now = Utc::now();
    let model = auth_users::ActiveModel {
        first_name: Set(profile.first_name.clone()),
        last_name: Set(profile.last_name.clone()),
        organization_name: Set(profile.organization_name.clone()),
        designation: Set(profile.designation.clone()),
        address: Set(profile.address.clone()),
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
    let txn = crate::db::begin_write(db).await?;
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
