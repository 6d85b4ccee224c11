//! The GraphQL schema: per-domain roots merged in `schema`, the guard layer in `access`,
//! document limits in `limits`, DataLoaders in `loaders`.

pub mod access;
pub mod accounts;
pub mod context;
pub mod limits;
pub mod loaders;
pub mod scalars;
pub mod schema;
pub mod users;
