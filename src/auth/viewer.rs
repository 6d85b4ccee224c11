//! The authenticated principal of a request.

use super::permission::{Permission, PermissionSet, UserType};

/// Who is calling: resolved once per request from the access token and the database,
/// then read by guards and services. It never comes from client-supplied fields.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// `auth_users.id`.
    pub user_id: i32,
    /// `auth_sessions.id` of the session the token belongs to.
    pub session_id: i32,
    /// The account class.
    pub user_type: UserType,
    /// Effective permissions: every permission for `ADMIN`, else the union of the roles'.
    pub permissions: PermissionSet,
    /// The account's organisation (manufacturers see events about their devices).
    pub organization_name: Option<String>,
}

impl Viewer {
    /// Builds a viewer, giving `ADMIN` every permission.
    pub fn new(
        user_id: i32,
        session_id: i32,
        user_type: UserType,
        granted: PermissionSet,
        organization_name: Option<String>,
    ) -> Self {
        let permissions = if user_type == UserType::Admin {
            PermissionSet::all()
        } else {
            granted
        };
        Self {
            user_id,
            session_id,
            user_type,
            permissions,
            organization_name,
        }
    }

    /// Whether the viewer holds `p` (admins hold all).
    pub fn has(&self, p: Permission) -> bool {
        self.permissions.contains(p)
    }

    /// Whether the account is of class `t`.
    pub fn is(&self, t: UserType) -> bool {
        self.user_type == t
    }

    /// Whether the viewer is an administrator.
    pub fn is_admin(&self) -> bool {
        self.is(UserType::Admin)
    }
}
