//! Assembles the schema from the domain roots. Nothing else lives here.

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema};

use super::{
    access::{Access, Guarded, RootAccess},
    users::UserQuery,
};
use crate::config::Config;

/// Read operations.
#[derive(MergedObject, Default)]
pub struct Query(UserQuery);

impl RootAccess for Query {
    fn access(field: &str) -> Option<Access> {
        UserQuery::access(field)
    }
}

/// The executable schema type.
pub type AppSchema = Schema<Guarded<Query>, EmptyMutation, EmptySubscription>;

/// Builds the schema. Limits are enforced by `graphql::limits` in the HTTP layer (with
/// GraphQL Armor's counting), not by async-graphql's own checks.
pub fn build_schema(config: &Config) -> AppSchema {
    let mut builder = Schema::build(Guarded(Query::default()), EmptyMutation, EmptySubscription);
    if !config.graphql_introspection {
        builder = builder.disable_introspection();
    }
    if config.is_production() {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The SDL of the schema (`rakshaayan schema`, `schema.graphql`).
pub fn sdl() -> String {
    Schema::build(Guarded(Query::default()), EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}

/// The access rule of a root field, by operation type (`query`, `mutation`,
/// `subscription`).
pub fn root_rule(operation: &str, field: &str) -> Option<Access> {
    match operation {
        "query" => Query::access(field),
        _ => None,
    }
}
