//! Typed access to what every resolver needs — the app state, the request's
//! authentication and client facts — without `unwrap` in resolvers.

use std::sync::{Arc, Mutex};

use async_graphql::Context;

use crate::{
    auth::{
        request::{Auth, ClientInfo},
        viewer::Viewer,
    },
    error::{AppError, AppResult},
    graphql::loaders::Loaders,
    state::AppState,
};

/// The request context as GraphQL request data: shared by the operations of one batch
/// and read back by the HTTP layer after execution (cookies).
#[derive(Clone)]
pub struct ContextHandle(pub Arc<RequestContext>);

/// Per-request data the HTTP (or WebSocket) layer puts into every GraphQL request.
#[derive(Debug, Default)]
pub struct RequestContext {
    /// Who is calling.
    pub auth: Auth,
    /// Where the call comes from.
    pub client: ClientInfo,
    /// `Set-Cookie` values a resolver wants on the HTTP response (login, logout).
    pub set_cookies: Mutex<Vec<String>>,
    /// The `refresh_token` cookie, when the client sent one (cookie mode).
    pub refresh_cookie: Option<String>,
    /// The account this request itself signed in or registered (`login`, `register`,
    /// `refreshToken`): its own private fields may be returned in the payload although
    /// the request carried no token.
    pub signed_in_as: std::sync::OnceLock<i32>,
}

impl RequestContext {
    /// A context for `auth` and `client`.
    pub fn new(auth: Auth, client: ClientInfo) -> Self {
        Self {
            auth,
            client,
            set_cookies: Mutex::new(Vec::new()),
            refresh_cookie: None,
            signed_in_as: std::sync::OnceLock::new(),
        }
    }

    /// Queues a `Set-Cookie` header for the HTTP response.
    pub fn set_cookie(&self, cookie: String) {
        if let Ok(mut cookies) = self.set_cookies.lock() {
            cookies.push(cookie);
        }
    }
}

/// Accessors on the resolver context.
pub trait ContextExt {
    /// The application state.
    fn state(&self) -> AppResult<&AppState>;
    /// The request's context (an anonymous one when the caller provided none).
    fn request_context(&self) -> &RequestContext;
    /// The viewer, or `UNAUTHENTICATED`.
    fn viewer(&self) -> AppResult<&Viewer>;
    /// The request's DataLoaders.
    fn loaders(&self) -> AppResult<&Loaders>;
}

static ANONYMOUS: std::sync::LazyLock<RequestContext> =
    std::sync::LazyLock::new(RequestContext::default);

impl ContextExt for Context<'_> {
    fn state(&self) -> AppResult<&AppState> {
        self.data_opt::<AppState>().ok_or_else(|| {
            AppError::internal(
                "request data",
                anyhow::anyhow!("AppState missing from the request"),
            )
        })
    }

    fn request_context(&self) -> &RequestContext {
        self.data_opt::<ContextHandle>()
            .map(|h| h.0.as_ref())
            .unwrap_or(&ANONYMOUS)
    }

    fn viewer(&self) -> AppResult<&Viewer> {
        self.request_context().auth.viewer()
    }

    fn loaders(&self) -> AppResult<&Loaders> {
        self.data_opt::<Loaders>().ok_or_else(|| {
            AppError::internal(
                "request data",
                anyhow::anyhow!("DataLoaders missing from the request"),
            )
        })
    }
}
