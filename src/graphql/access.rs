//! The guard layer: who may call which operation and see which field (SPEC §4–5).
//!
//! One rule type, [`Access`], serves both places it is needed:
//!
//! * **Operations** (root fields of `Query`, `Mutation`, `Subscription`) are
//!   deny-by-default. Each domain root declares its rules next to its resolvers by
//!   implementing [`RootAccess`]; the schema wraps the merged roots in [`Guarded`],
//!   which checks the rule before the resolver runs and refuses any root field that has
//!   no rule at all. The schema test walks every root field of the printed SDL and fails
//!   when one has no rule, so "forgot the guard" cannot ship.
//! * **Fields** of objects use the same rules as async-graphql guards
//!   (`#[graphql(guard = "Access::...")]`), plus [`SelfOr`] for fields a user may see
//!   on their own account. A refused field resolves to `null` with a `FORBIDDEN` error
//!   at its path; the rest of the response still arrives.
//!
//! Rules are the union SPEC §5 describes: a rule lists user types and permissions, and
//! a viewer passes when it is of one of the types *or* holds one of the permissions.
//! `ADMIN` holds every permission, so it passes every permission-bearing rule.

use std::borrow::Cow;

use async_graphql::{
    Context, ContextSelectionSet, Guard, OutputType, Positioned, Response, ServerResult, Value,
    parser::types::Field,
    registry::Registry,
    resolver_utils::{ContainerType, resolve_container},
};

use super::context::ContextExt;
use crate::{
    auth::{
        permission::{Permission, UserType},
        request::Auth,
    },
    error::AppError,
};

/// An access rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    Authenticated,
    /// Signed-in users of one of `user_types`, or holding one of `permissions`.
    Allow {
        /// Account classes allowed.
        user_types: &'static [UserType],
        /// Permissions that allow it (ADMIN holds them all).
        permissions: &'static [Permission],
    },
}

impl Access {
    /// Only `ADMIN` accounts.
    pub const ADMIN: Access = Access::Allow {
        user_types: &[UserType::Admin],
        permissions: &[],
    };

    /// Checks the rule against the request's authentication outcome.
    pub fn check(&self, auth: &Auth) -> Result<(), AppError> {
        let (user_types, permissions) = match self {
            Access::Public => return Ok(()),
            Access::Authenticated => {
                auth.viewer()?;
                return Ok(());
            }
            Access::Allow {
                user_types,
                permissions,
            } => (*user_types, *permissions),
        };
        let viewer = auth.viewer()?;
        if user_types.contains(&viewer.user_type) || permissions.iter().any(|p| viewer.has(*p)) {
            return Ok(());
        }
        Err(AppError::Forbidden {
            message: "You are not allowed to do this".to_owned(),
            reason: self.describe(),
            required_permission: permissions.first().copied(),
        })
    }

    /// Checks a rule about an object owned by `owner_id`: its owner passes, anyone else
    /// must pass the rule. Used by [`SelfOr`] on fields and by resolvers whose rule
    /// depends on an argument (`userRoles(userId)`), so "self or …" is decided in one
    /// place.
    pub fn check_self_or(&self, auth: &Auth, owner_id: i32) -> Result<(), AppError> {
        if auth.viewer()?.user_id == owner_id {
            return Ok(());
        }
        self.check(auth)
    }

    /// A human-readable statement of the rule (`extensions.reason`).
    pub fn describe(&self) -> String {
        match self {
            Access::Public => "public".to_owned(),
            Access::Authenticated => "requires a signed-in user".to_owned(),
            Access::Allow {
                user_types,
                permissions,
            } => {
                let mut parts: Vec<String> = user_types
                    .iter()
                    .map(|t| format!("user type {}", user_type_name(*t)))
                    .collect();
                parts.extend(permissions.iter().map(|p| format!("permission {p}")));
                format!("requires {}", parts.join(" or "))
            }
        }
    }
}

/// The GraphQL name of a user type (`ADMIN`).
pub fn user_type_name(t: UserType) -> &'static str {
    match t {
        UserType::Patient => "PATIENT",
        UserType::Hospital => "HOSPITAL",
        UserType::Manufacturer => "MANUFACTURER",
        UserType::Government => "GOVERNMENT",
        UserType::Coordinator => "COORDINATOR",
        UserType::Admin => "ADMIN",
    }
}

impl Guard for Access {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        Access::check(self, &ctx.request_context().auth).map_err(Into::into)
    }
}

/// A field of a user's own account: visible to that user, or to holders of the rule
/// (e.g. `ADMIN` / `users:read` for email, phone and address).
pub struct SelfOr {
    owner_id: i32,
    otherwise: Access,
}

impl SelfOr {
    /// Visible to `owner_id` or to whoever passes `otherwise`.
    pub fn new(owner_id: i32, otherwise: Access) -> Self {
        Self {
            owner_id,
            otherwise,
        }
    }
}

impl Guard for SelfOr {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let request = ctx.request_context();
        // The payload of `login`/`register` shows the account that request signed in.
        if request.signed_in_as.get() == Some(&self.owner_id) {
            return Ok(());
        }
        self.otherwise
            .check_self_or(&request.auth, self.owner_id)
            .map_err(Into::into)
    }
}

/// Declares the access rule of every root field a domain root object defines.
pub trait RootAccess {
    /// The rule for root field `field`, or `None` when this root does not define it.
    fn access(field: &str) -> Option<Access>;

    /// Whether root field `field` may change what authentication resolves to (sessions,
    /// accounts, roles). After such a field has run, [`Guarded`] syncs this replica's
    /// session cache before the response goes out, so the change is in force for the
    /// very next request (see `auth::session_cache`).
    fn changes_sessions(_field: &str) -> bool {
        false
    }
}

/// A root object whose fields are checked against their [`RootAccess`] rule before they
/// run. Fields without a rule are refused: deny by default.
pub struct Guarded<T>(pub T);

fn denied(ctx: &Context<'_>, err: AppError) -> async_graphql::ServerError {
    ctx.set_error_path(async_graphql::Error::from(err).into_server_error(ctx.item.pos))
}

/// Whether root field `field` of `type_name` is declared non-null (`User!`).
fn is_non_null(ctx: &Context<'_>, type_name: &str, field: &str) -> bool {
    ctx.schema_env
        .registry
        .types
        .get(type_name)
        .and_then(|ty| ty.field_by_name(field))
        .is_some_and(|f| f.ty.ends_with('!'))
}

fn check_root<T: RootAccess>(ctx: &Context<'_>) -> Result<(), AppError> {
    let field = ctx.item.node.name.node.as_str();
    match T::access(field) {
        Some(rule) => rule.check(&ctx.request_context().auth),
        None => {
            tracing::error!(field, "root field without an access rule refused");
            Err(AppError::forbidden(
                "no access rule is declared for this operation",
            ))
        }
    }
}

impl<T: OutputType + ContainerType + RootAccess> OutputType for Guarded<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl<T: OutputType + ContainerType + RootAccess> ContainerType for Guarded<T> {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        if let Err(err) = check_root::<T>(ctx) {
            let error = denied(ctx, err);
            let field = ctx.item.node.name.node.as_str();
            // A refused nullable field is `null` with its error; a refused non-null one
            // nulls its parent, as GraphQL's null propagation requires.
            if is_non_null(ctx, &T::type_name(), field) {
                return Err(error);
            }
            ctx.add_error(error);
            return Ok(Some(Value::Null));
        }
        let resolved = self.0.resolve_field(ctx).await;
        if T::changes_sessions(ctx.item.node.name.node.as_str())
            && let Ok(state) = ctx.state()
        {
            state.sessions().sync().await;
        }
        resolved
    }
}

impl<T: async_graphql::ObjectType + RootAccess> async_graphql::ObjectType for Guarded<T> {}

impl<T: async_graphql::SubscriptionType + RootAccess> async_graphql::SubscriptionType
    for Guarded<T>
{
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    fn create_field_stream<'a>(
        &'a self,
        ctx: &'a Context<'_>,
    ) -> Option<std::pin::Pin<Box<dyn futures_util::Stream<Item = Response> + Send + 'a>>> {
        if let Err(err) = check_root::<T>(ctx) {
            let error = denied(ctx, err);
            return Some(Box::pin(futures_util::stream::once(async move {
                Response::from_errors(vec![error])
            })));
        }
        self.0.create_field_stream(ctx)
    }
}

/// The rule of root field `field` of operation type `operation` (`query`, `mutation`,
/// `subscription`) in the assembled schema; used by the deny-by-default test.
pub fn root_rule(operation: &str, field: &str) -> Option<Access> {
    super::schema::root_rule(operation, field)
}
