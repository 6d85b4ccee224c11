//! Account payloads and inputs.

use async_graphql::SimpleObject;

use crate::auth::permission::UserType;

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
