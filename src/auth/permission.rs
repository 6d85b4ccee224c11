//! The permission catalogue and the coarse account classes (SPEC §5).
//!
//! Permissions are granted through roles (`auth_roles.permissions`, a JSON list of the
//! string forms below). The catalogue is fixed in code: a string that is not here is
//! rejected when a role is written and ignored (with a warning) when read, so a typo can
//! never grant anything.

use std::fmt;

use async_graphql::Enum;

/// Every permission the server knows. `ADMIN` accounts hold all of them implicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Permission {
    /// See other users' accounts and private fields.
    UsersRead,
    /// Create, activate and deactivate users.
    UsersManage,
    /// Create, update and delete roles.
    RolesManage,
    /// Assign and revoke roles.
    RolesAssign,
    /// Read the audit log.
    AuditRead,
    /// See every non-draft adverse event (without patient identity).
    EventsReadAll,
    /// Review adverse events (coordinator rights).
    EventsReview,
    /// Read adverse-event statistics.
    EventsStats,
    /// Manage care records, doctors and assignments.
    CareManage,
    /// Edit help topics.
    HelpManage,
}

impl Permission {
    /// Every permission, in catalogue order.
    pub const ALL: [Permission; 10] = [
        Permission::UsersRead,
        Permission::UsersManage,
        Permission::RolesManage,
        Permission::RolesAssign,
        Permission::AuditRead,
        Permission::EventsReadAll,
        Permission::EventsReview,
        Permission::EventsStats,
        Permission::CareManage,
        Permission::HelpManage,
    ];

    /// The string form stored in roles and shown to clients.
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::UsersRead => "users:read",
            Permission::UsersManage => "users:manage",
            Permission::RolesManage => "roles:manage",
            Permission::RolesAssign => "roles:assign",
            Permission::AuditRead => "audit:read",
            Permission::EventsReadAll => "events:read_all",
            Permission::EventsReview => "events:review",
            Permission::EventsStats => "events:stats",
            Permission::CareManage => "care:manage",
            Permission::HelpManage => "help:manage",
        }
    }

    /// Parses a string form; `None` for anything outside the catalogue.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    const fn bit(self) -> u16 {
        1 << (self as u8)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of permissions, as a bit set: checking one is a mask, not a hash lookup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PermissionSet(u16);

impl PermissionSet {
    /// The empty set.
    pub const EMPTY: Self = Self(0);

    /// Every permission in the catalogue.
    pub fn all() -> Self {
        Permission::ALL.into_iter().collect()
    }

    /// Whether `p` is in the set.
    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    /// Adds `p`.
    pub fn insert(&mut self, p: Permission) {
        self.0 |= p.bit();
    }

    /// The permissions in catalogue order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// Adds every known permission string of a role's JSON list; unknown strings are
    /// logged and ignored.
    pub fn extend_from_json(&mut self, value: &serde_json::Value) {
        let Some(items) = value.as_array() else {
            tracing::warn!("role permissions are not a JSON list; ignored");
            return;
        };
        for item in items {
            match item.as_str().and_then(Permission::parse) {
                Some(p) => self.insert(p),
                None => tracing::warn!(permission = %item, "unknown permission in a role; ignored"),
            }
        }
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = Self::EMPTY;
        for p in iter {
            set.insert(p);
        }
        set
    }
}

/// The coarse class of an account (`auth_users.user_type`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::UserType")]
pub enum UserType {
    /// A patient reporting adverse events.
    Patient,
    /// A hospital: care records, approved events.
    Hospital,
    /// A device manufacturer: events about its own devices.
    Manufacturer,
    /// A regulator: every non-draft event, without patient identity.
    Government,
    /// A coordinator reviewing events.
    Coordinator,
    /// An administrator: everything.
    Admin,
}

impl UserType {
    /// Types a person may choose at self-registration (not ADMIN, COORDINATOR, GOVERNMENT).
    pub fn self_registrable(self) -> bool {
        matches!(
            self,
            UserType::Patient | UserType::Hospital | UserType::Manufacturer
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_forms_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        assert_eq!(Permission::parse("users:*"), None);
        assert_eq!(Permission::parse("USERS:READ"), None);
    }

    #[test]
    fn sets_hold_exactly_what_was_granted() {
        let mut set = PermissionSet::EMPTY;
        set.extend_from_json(&serde_json::json!(["events:review", "nonsense", 7]));
        assert!(set.contains(Permission::EventsReview));
        assert!(!set.contains(Permission::EventsReadAll));
        assert_eq!(set.iter().count(), 1);
        assert_eq!(PermissionSet::all().iter().count(), Permission::ALL.len());
    }
}
