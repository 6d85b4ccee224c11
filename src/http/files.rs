//! `GET /files/{token}`: downloads through signed, expiring tokens bound to one stored
//! file. The token is the only credential (links are handed to `<a href>` and
//! download managers), so it is short-lived and HMAC-signed.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use entity::{care_patient_documents as documents, patient_event_attachments as attachments};
use sea_orm::EntityTrait;

use super::rest::rest_error;
use crate::{
    state::AppState,
    storage::tokens::{self, FileKind, TokenError},
};

/// `Content-Disposition` for `name`: an ASCII fallback and the RFC 5987 form.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Streams the file a valid token points to.
pub async fn download(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let (kind, id) = match tokens::verify(&state.keys().download, &token, Utc::now()) {
        Ok(v) => v,
        Err(TokenError::Expired) => {
            return rest_error(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "This download link has expired.",
            );
        }
        Err(_) => {
            return rest_error(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "This download link is not valid.",
            );
        }
    };
    let found = match kind {
        FileKind::Attachment => attachments::Entity::find_by_id(id)
            .one(state.db())
            .await
            .map(|r| r.map(|a| (a.file_path, a.file_name, a.content_type))),
        FileKind::Document => documents::Entity::find_by_id(id)
            .one(state.db())
            .await
            .map(|r| r.map(|d| (d.file_path, d.file_name, d.content_type))),
    };
    let (key, name, content_type) = match found {
        Ok(Some(row)) => row,
        Ok(None) => {
            return rest_error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "The file no longer exists.",
            );
        }
        Err(e) => {
            return super::rest::internal(anyhow::Error::new(e).context("loading a file row"));
        }
    };
    let object = match state.storage().get(&key).await {
        Ok(Some(object)) => object,
        Ok(None) => {
            tracing::error!(key, "a file row points to a missing object");
            return rest_error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "The file no longer exists.",
            );
        }
        Err(e) => return super::rest::internal(e.context("reading a stored object")),
    };
    let mut response = Body::from_stream(object.stream).into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(object.size));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}
