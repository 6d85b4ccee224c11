//! Administrator tools from seed 002: pending (phone-unverified) accounts and system
//! statistics.

pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::SystemMutation;
pub use query::SystemQuery;
