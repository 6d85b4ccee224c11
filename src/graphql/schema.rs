//! Assembles the schema from the domain roots. Nothing else lives here: each domain
//! module defines its query/mutation roots and their access rules (`RootAccess`), and
//! they are merged below. Adding a root means adding it to the merged type *and* to its
//! `RootAccess` chain.

use async_graphql::{MergedObject, MergedSubscription, Schema};

use super::{
    access::{Access, Guarded, RootAccess},
    accounts::{AccountMutation, AccountQuery},
    admin::{AdminMutation, AdminQuery},
    care::{CareMutation, CareQuery},
    events::{AttachmentMutation, EventMutation, EventQuery, EventSubscription},
    otp::OtpMutation,
    roles::{RoleMutation, RoleQuery},
    selfservice::{SelfServiceMutation, SelfServiceQuery},
    system::{SystemMutation, SystemQuery},
    users::UserQuery,
};
use crate::config::Config;

/// Read operations.
#[derive(MergedObject, Default)]
pub struct Query(
    UserQuery,
    AccountQuery,
    RoleQuery,
    AdminQuery,
    SystemQuery,
    SelfServiceQuery,
    EventQuery,
    CareQuery,
);

impl RootAccess for Query {
    fn access(field: &str) -> Option<Access> {
        UserQuery::access(field)
            .or_else(|| AccountQuery::access(field))
            .or_else(|| RoleQuery::access(field))
            .or_else(|| AdminQuery::access(field))
            .or_else(|| SystemQuery::access(field))
            .or_else(|| SelfServiceQuery::access(field))
            .or_else(|| EventQuery::access(field))
            .or_else(|| CareQuery::access(field))
    }
}

/// Write operations.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AccountMutation,
    OtpMutation,
    RoleMutation,
    AdminMutation,
    SystemMutation,
    SelfServiceMutation,
    EventMutation,
    AttachmentMutation,
    CareMutation,
);

impl RootAccess for Mutation {
    fn access(field: &str) -> Option<Access> {
        AccountMutation::access(field)
            .or_else(|| OtpMutation::access(field))
            .or_else(|| RoleMutation::access(field))
            .or_else(|| AdminMutation::access(field))
            .or_else(|| SystemMutation::access(field))
            .or_else(|| SelfServiceMutation::access(field))
            .or_else(|| EventMutation::access(field))
            .or_else(|| AttachmentMutation::access(field))
            .or_else(|| CareMutation::access(field))
    }

    fn changes_sessions(field: &str) -> bool {
        changes_sessions::<AccountMutation>(field)
            || changes_sessions::<OtpMutation>(field)
            || changes_sessions::<RoleMutation>(field)
            || changes_sessions::<AdminMutation>(field)
            || changes_sessions::<SystemMutation>(field)
    }
}

/// Whether `field` is one of `T`'s and changes sessions: each domain answers only for
/// its own fields.
fn changes_sessions<T: RootAccess>(field: &str) -> bool {
    T::access(field).is_some() && T::changes_sessions(field)
}

/// Live updates.
#[derive(MergedSubscription, Default)]
pub struct Subscription(EventSubscription);

impl RootAccess for Subscription {
    fn access(field: &str) -> Option<Access> {
        EventSubscription::access(field)
    }
}

/// The executable schema type.
pub type AppSchema = Schema<Guarded<Query>, Guarded<Mutation>, Guarded<Subscription>>;

fn builder()
-> async_graphql::SchemaBuilder<Guarded<Query>, Guarded<Mutation>, Guarded<Subscription>> {
    Schema::build(
        Guarded(Query::default()),
        Guarded(Mutation::default()),
        Guarded(Subscription::default()),
    )
}

/// Builds the schema. Limits are enforced by `graphql::limits` in the HTTP layer (with
/// GraphQL Armor's counting), not by async-graphql's own checks.
pub fn build_schema(config: &Config) -> AppSchema {
    configured(builder(), config).finish()
}

/// [`build_schema`] in async-graphql's `Fast` validation mode: only fragment cycles,
/// uploads and the complexity/depth counts are checked. For documents that already
/// passed full validation with the same operation and no variables (the HTTP layer
/// decides), where the full rules can only pass again.
pub fn build_prevalidated_schema(config: &Config) -> AppSchema {
    configured(
        builder().validation_mode(async_graphql::ValidationMode::Fast),
        config,
    )
    .finish()
}

fn configured(
    mut builder: async_graphql::SchemaBuilder<
        Guarded<Query>,
        Guarded<Mutation>,
        Guarded<Subscription>,
    >,
    config: &Config,
) -> async_graphql::SchemaBuilder<Guarded<Query>, Guarded<Mutation>, Guarded<Subscription>> {
    if !config.graphql_introspection {
        builder = builder.disable_introspection();
    }
    if config.is_production() {
        builder = builder.disable_suggestions();
    }
    builder
}

/// The SDL of the schema (`rakshaayan schema`, `schema.graphql`).
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// The access rule of a root field, by operation type (`query`, `mutation`,
/// `subscription`).
pub fn root_rule(operation: &str, field: &str) -> Option<Access> {
    match operation {
        "query" => Query::access(field),
        "mutation" => Mutation::access(field),
        "subscription" => Subscription::access(field),
        _ => None,
    }
}
