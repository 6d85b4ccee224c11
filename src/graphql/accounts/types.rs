//! Account payloads and inputs.

use async_graphql::{ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::auth_sessions;

use crate::{auth::permission::UserType, graphql::users::User};

/// What the viewer may do, so front-ends need not duplicate the rules.
#[derive(SimpleObject)]
pub struct MyPermissions {
    /// The viewer's account class.
    pub user_type: UserType,
    /// Effective permissions (every permission for `ADMIN`), as catalogue strings.
    pub permissions: Vec<String>,
}

/// The answer of actions that return only an outcome.
#[derive(SimpleObject)]
pub struct MessagePayload {
    /// Whether the action succeeded.
    pub success: bool,
    /// A human-readable message.
    pub message: String,
}

impl MessagePayload {
    /// A successful outcome with `message`.
    pub fn ok(message: impl Into<String>) -> Self {
        Self {
            success: true,
            message: message.into(),
        }
    }
}

/// A new account.
#[derive(InputObject)]
pub struct RegisterInput {
    /// Unique username: letters, digits and `@ . + - _`, at most 150 characters.
    pub username: String,
    /// Email address (stored lowercased).
    pub email: String,
    /// Phone number, 10–15 digits with an optional leading `+`; a verification code is
    /// sent to it.
    pub phone_number: String,
    /// At least 8 characters with upper and lower case, a digit and a special character.
    pub password: String,
    /// `PATIENT`, `HOSPITAL` or `MANUFACTURER` (other types are created by an admin).
    pub user_type: UserType,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Organisation; required for hospitals and manufacturers.
    pub organization_name: Option<String>,
    /// Job title.
    pub designation: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

/// The answer of `register`.
#[derive(SimpleObject)]
pub struct RegisterPayload {
    /// The new account.
    pub user: User,
    /// What happens next (the phone verification code).
    pub message: String,
}

/// Credentials.
#[derive(InputObject)]
pub struct LoginInput {
    /// A username, an email address or a phone number.
    pub login: String,
    /// The password.
    pub password: String,
}

/// Tokens of a signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque token for `refreshToken`; rotates on every use.
    pub refresh_token: String,
    /// When the access token expires.
    pub access_token_expires_at: DateTime<Utc>,
    /// When the refresh token expires.
    pub refresh_token_expires_at: DateTime<Utc>,
    /// The signed-in account.
    pub user: User,
}

/// A partial profile update: omitted fields stay as they are; `null` clears an optional
/// field.
#[derive(InputObject, Default)]
pub struct UpdateProfileInput {
    /// New email address (its verified flag is reset when it changes).
    pub email: MaybeUndefined<String>,
    /// New phone number (its verified flag is reset when it changes).
    pub phone_number: MaybeUndefined<String>,
    /// Given name.
    pub first_name: MaybeUndefined<String>,
    /// Family name.
    pub last_name: MaybeUndefined<String>,
    /// Organisation.
    pub organization_name: MaybeUndefined<String>,
    /// Job title.
    pub designation: MaybeUndefined<String>,
    /// Postal address.
    pub address: MaybeUndefined<String>,
}

/// A password change.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The current password.
    pub old_password: String,
    /// The new password (same policy as registration).
    pub new_password: String,
}

/// A signed-in session (one per device or browser).
pub struct Session {
    /// The row.
    pub model: auth_sessions::Model,
    /// Whether the request was made with this session.
    pub current: bool,
}

/// A signed-in session (one per device or browser).
#[Object]
impl Session {
    /// Session id (for `revokeSession`).
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// IP address it was last used from.
    async fn ip_address(&self) -> Option<&str> {
        self.model.ip_address.as_deref()
    }

    /// User agent it was last used with.
    async fn user_agent(&self) -> Option<&str> {
        self.model.user_agent.as_deref()
    }

    /// When it was opened (login).
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// When its refresh token was last used.
    async fn last_used_at(&self) -> DateTime<Utc> {
        self.model.last_used_at
    }

    /// When it expires unless refreshed.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.model.expires_at
    }

    /// Whether this is the session of the current request.
    async fn current(&self) -> bool {
        self.current
    }
}
