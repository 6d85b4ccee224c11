//! Roles and permissions in the schema: the `Role` and `UserRole` types, role CRUD,
//! role assignment, and the roles of a user.

pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::RoleMutation;
pub use query::RoleQuery;
pub use types::{Role, UserRole};
