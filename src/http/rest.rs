//! The seed's REST upload, `POST /api/v1/patient/events/{id}/attachments/`
//! (`curl -H "Authorization: Bearer …" -F file=@report.pdf …`), sharing the upload
//! service with the GraphQL mutation. Answers 201 with the attachment as camelCase
//! JSON; errors are `{ "error": { "code", "message" } }` with 401/403/404/400/413.

use axum::{
    Json,
    extract::{Multipart, Path, State, multipart::MultipartError},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use futures_util::TryStreamExt;
use serde_json::json;

use crate::{
    auth::request::{Auth, ClientInfo},
    error::{AppError, ErrorCode},
    state::AppState,
    storage::tokens::FileKind,
};

/// A REST error body.
pub fn rest_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

/// An internal error: logged with a correlation id, generic to the client.
pub fn internal(err: anyhow::Error) -> Response {
    let correlation_id = crate::error::log_internal(&err);
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "error": { "code": "INTERNAL_SERVER_ERROR", "message": crate::error::INTERNAL_MESSAGE, "correlationId": correlation_id } })),
    )
        .into_response()
}

fn from_app_error(err: AppError) -> Response {
    let status = match err.code() {
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Conflict | ErrorCode::InvalidState => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    };
    match err {
        AppError::Internal(e) => internal(e),
        other => {
            let code = other.code().as_str();
            let mut body = json!({ "error": { "code": code, "message": other.message() } });
            if let AppError::BadUserInput { field_errors, .. } = &other {
                body["error"]["fieldErrors"] =
                    serde_json::to_value(field_errors).unwrap_or_default();
            }
            if let AppError::InvalidState { current_status, .. } = &other {
                body["error"]["currentStatus"] = json!(current_status);
            }
            (status, Json(body)).into_response()
        }
    }
}

fn multipart_error(err: &MultipartError, limit: u64) -> Response {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return rest_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("The file is larger than the limit of {limit} bytes."),
        );
    }
    rest_error(
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        &format!("Invalid multipart body: {}", err.body_text()),
    )
}

/// `POST /api/v1/patient/events/{id}/attachments/`.
pub async fn upload_attachment(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Path(event_id): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let limit = state.config().max_upload_bytes;
    // Cookie authentication is CSRF-able from a form; Bearer is not.
    let bearer = headers.contains_key(axum::http::header::AUTHORIZATION);
    if !bearer
        && !headers.contains_key("apollo-require-preflight")
        && !headers.contains_key("x-apollo-operation-name")
    {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Send the token in an Authorization header, or add an apollo-require-preflight header when using the cookie.",
        );
    }
    let auth = match crate::http::graphql::authenticate(&state, &headers).await {
        Ok(auth) => auth,
        Err(err) => return from_app_error(err),
    };
    let viewer = match &auth {
        Auth::Viewer(v) => v,
        _ => {
            return from_app_error(
                auth.viewer()
                    .err()
                    .unwrap_or_else(AppError::unauthenticated),
            );
        }
    };
    let Ok(event_id) = event_id.trim().parse::<i32>() else {
        return rest_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Adverse event not found",
        );
    };
    let client = ClientInfo::from_parts(&headers, Some(peer), state.config().trust_proxy);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => {
                return rest_error(
                    StatusCode::BAD_REQUEST,
                    "BAD_USER_INPUT",
                    "The form has no `file` field.",
                );
            }
            Err(e) => return multipart_error(&e, limit),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("file").to_owned();
        let stream = field.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                std::io::Error::new(std::io::ErrorKind::FileTooLarge, e)
            } else {
                std::io::Error::other(e)
            }
        });
        let reader = tokio_util::io::StreamReader::new(stream);
        return match crate::services::attachments::upload(
            &state, viewer, event_id, &name, reader, &client,
        )
        .await
        {
            Ok(row) => {
                let url = crate::services::attachments::download_url(
                    &state,
                    FileKind::Attachment,
                    row.id,
                    chrono::Utc::now(),
                );
                (
                    StatusCode::CREATED,
                    Json(json!({
                        "id": row.id.to_string(),
                        "eventId": row.event_id.to_string(),
                        "fileName": row.file_name,
                        "fileType": row.file_type.as_str().to_uppercase(),
                        "fileSize": row.file_size,
                        "contentType": row.content_type,
                        "sha256": row.sha256,
                        "uploadedAt": row.uploaded_at,
                        "downloadUrl": url,
                    })),
                )
                    .into_response()
            }
            Err(err) => from_app_error(err),
        };
    }
}
