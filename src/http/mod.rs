//! The HTTP surface (SPEC §2): routes and the layers every response goes through.

pub mod errors;
pub mod files;
pub mod graphql;
pub mod health;
pub mod playground;
pub mod rest;
pub mod ws;

use std::time::Duration;

use axum::{
    Router,
    extract::Request,
    http::{HeaderName, HeaderValue, Method, header},
    routing::get,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The application router with every layer applied.
pub fn router(state: AppState) -> Router {
    let config = state.config().clone();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(
            config
                .cors_allowed_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok()),
        ))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("apollo-require-preflight"),
            HeaderName::from_static("x-apollo-operation-name"),
            HeaderName::from_static("apollographql-client-name"),
            HeaderName::from_static("apollographql-client-version"),
            REQUEST_ID,
        ])
        .expose_headers([REQUEST_ID])
        .allow_credentials(true)
        .max_age(Duration::from_secs(600));

    let mut router = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::handler))
        .route("/graphql/assets/{file}", get(playground::asset))
        .route("/files/{token}", get(files::download))
        .route(
            "/api/v1/patient/events/{id}/attachments/",
            axum::routing::post(rest::upload_attachment).layer(
                axum::extract::DefaultBodyLimit::max(
                    usize::try_from(config.max_upload_bytes)
                        .unwrap_or(usize::MAX)
                        .saturating_add(1024 * 1024),
                ),
            ),
        )
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .fallback(not_found)
        .with_state(state)
        .layer(CatchPanicLayer::custom(errors::panic_response))
        .layer(cors)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ));
    if config.is_production() {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let request_id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!(
                    "request",
                    request_id = %request_id,
                    method = %request.method(),
                    path = %request.uri().path(),
                )
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

async fn not_found() -> axum::response::Response {
    errors::error_response(
        axum::http::StatusCode::NOT_FOUND,
        crate::error::ErrorCode::NotFound,
        "No such route",
    )
}
