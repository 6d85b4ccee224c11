//! Business rules and SeaORM queries, one module per area. Services take a connection
//! or transaction (`&impl ConnectionTrait`) and parsed inputs, return [`AppResult`],
//! and know nothing of GraphQL or HTTP, so resolvers, the REST upload route and the CLI
//! share them.
//!
//! [`AppResult`]: crate::error::AppResult

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod care;
pub mod events;
pub mod help;
pub mod otp;
pub mod pagination;
pub mod patient_documents;
pub mod roles;
pub mod sessions;
pub mod settings;
pub mod system;
pub mod unverified;
pub mod uploads;
pub mod user_admin;
pub mod users;

/// Storage prefix of care patient documents.
pub const DOCUMENTS_PREFIX: &str = "documents";
