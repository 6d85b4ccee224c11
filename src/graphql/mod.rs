//! The GraphQL schema: per-domain roots merged in `schema`, the guard layer in `access`,
//! document limits in `limits`, DataLoaders in `loaders`.

pub mod access;
pub mod accounts;
pub mod admin;
pub mod care;
pub mod context;
pub mod events;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod otp;
pub mod pagination;
pub mod roles;
pub mod scalars;
pub mod schema;
pub mod selfservice;
pub mod stats;
pub mod system;
pub mod users;
