//! Accounts in the schema: the `User` type and the account queries.

pub mod query;
pub mod types;

pub use query::UserQuery;
pub use types::User;
