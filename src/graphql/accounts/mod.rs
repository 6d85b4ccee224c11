//! Accounts: registration, login, sessions, profile and password.

pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::AccountMutation;
pub use query::AccountQuery;
