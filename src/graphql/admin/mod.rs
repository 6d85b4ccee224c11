//! Administration in the schema: the user list and user management (`users`, `user`,
//! `createUser`, `setUserActive`) and the audit log (`auditLogs`).

pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::AdminMutation;
pub use query::AdminQuery;
