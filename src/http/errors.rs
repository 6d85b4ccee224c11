//! GraphQL-shaped error bodies for failures outside execution (malformed requests,
//! limits, oversized bodies, panics): always `{ "errors": [...] }` with a code.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::error::ErrorCode;

/// A response with one error of `code` and the given HTTP status.
pub fn error_response(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    error_response_with(status, code, message, json!({}))
}

/// Like [`error_response`], with extra `extensions` members.
pub fn error_response_with(
    status: StatusCode,
    code: ErrorCode,
    message: &str,
    extra: Value,
) -> Response {
    let mut extensions = json!({ "code": code.as_str() });
    if let (Some(ext), Value::Object(extra)) = (extensions.as_object_mut(), extra) {
        ext.extend(extra);
    }
    json_response(
        status,
        &json!({ "errors": [ { "message": message, "extensions": extensions } ] }),
    )
}

/// A JSON body with the GraphQL response content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    json_bytes_response(status, body.to_string().into_bytes())
}

/// [`json_response`] for a body already serialised.
pub fn json_bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/graphql-response+json; charset=utf-8"),
    );
    response
}

/// The body for a panic caught by the panic layer: logged with a correlation id, the
/// client sees only the code and the id.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic payload");
    let correlation_id = uuid::Uuid::new_v4().to_string();
    tracing::error!(correlation_id = %correlation_id, panic = detail, "request handler panicked");
    error_response_with(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::InternalServerError,
        crate::error::INTERNAL_MESSAGE,
        json!({ "correlationId": correlation_id }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_an_internal_server_error_body() {
        let response = panic_response(Box::new("index out of bounds: secret detail"));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
        assert_eq!(
            error["extensions"]["correlationId"].as_str().map(str::len),
            Some(36)
        );
        assert!(!body.to_string().contains("secret detail"));
    }
}
