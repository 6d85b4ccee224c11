//! `GET /graphql/ws`: subscriptions over the `graphql-transport-ws` protocol. The access
//! token comes in the `connection_init` payload (`Authorization: Bearer …`, or
//! `authToken`/`token`); a missing or invalid one closes the socket with 4403, as
//! graphql-ws servers do for "Forbidden".

use std::net::SocketAddr;

use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{
        ConnectInfo, State, WebSocketUpgrade,
        ws::{CloseFrame, Message},
    },
    http::HeaderMap,
    response::Response,
};
use futures_util::{SinkExt, StreamExt, future};

use crate::{
    auth::request::{Auth, ClientInfo},
    graphql::{
        context::{ContextHandle, RequestContext},
        loaders::Loaders,
    },
    state::AppState,
};

/// Close reason the init callback uses; remapped to close code 4403.
const FORBIDDEN: &str = "Forbidden";

fn token_from_payload(payload: &serde_json::Value) -> Option<String> {
    let get = |key: &str| payload.get(key).and_then(|v| v.as_str()).map(str::trim);
    if let Some(auth) = get("Authorization").or_else(|| get("authorization")) {
        let (scheme, token) = auth.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    get("authToken")
        .or_else(|| get("token"))
        .map(str::to_owned)
        .filter(|t| !t.is_empty())
}

/// Upgrades to a GraphQL WebSocket.
pub async fn handler(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let client = ClientInfo::from_parts(&headers, Some(peer), state.config().trust_proxy);
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let (sink, stream) = socket.split();
            // graphql-ws expects 4403 for a refused connection_init; async-graphql
            // closes with 1002, so rewrite that one close frame.
            let sink = sink.with(|message: Message| {
                future::ready(Ok::<_, axum::Error>(match message {
                    Message::Close(Some(frame)) if frame.reason.as_str() == FORBIDDEN => {
                        Message::Close(Some(CloseFrame {
                            code: 4403,
                            reason: frame.reason,
                        }))
                    }
                    other => other,
                }))
            });
            let init_state = state.clone();
            GraphQLWebSocket::new_with_pair(sink, stream, state.schema().clone(), protocol)
                .on_connection_init(move |payload| async move {
                    let Some(token) = token_from_payload(&payload) else {
                        return Err(async_graphql::Error::new(FORBIDDEN));
                    };
                    match init_state.authenticate_token(&token).await {
                        Ok(auth @ Auth::Viewer(_)) => {
                            let mut data = Data::default();
                            data.insert(ContextHandle(std::sync::Arc::new(RequestContext::new(
                                auth, client,
                            ))));
                            // One set of loaders serves the whole connection: no
                            // caching, or later pushes would show earlier reads.
                            let mut loaders = Loaders::new(init_state.db());
                            loaders.disable_caches();
                            data.insert(loaders);
                            data.insert(init_state.clone());
                            Ok(data)
                        }
                        _ => Err(async_graphql::Error::new(FORBIDDEN)),
                    }
                })
                .serve()
                .await;
        })
}
