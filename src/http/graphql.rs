//! `POST /graphql` and `GET /graphql`: the request pipeline in front of the executor.
//!
//! Each request goes through, in order: body size limit (413), JSON or multipart
//! decoding (400 `BAD_REQUEST`), CSRF header for GET and multipart (400), automatic
//! persisted queries, document length limit, parsing (400 `GRAPHQL_PARSE_FAILED`),
//! document limits (400 `GRAPHQL_VALIDATION_FAILED`), authentication, execution, and
//! finally error-code normalisation so every error carries `extensions.code`.
//!
//! Everything here is plain code around `Schema::execute`; no schema extension is
//! registered, because async-graphql pays for extensions on every resolved field.

use std::{
    net::SocketAddr,
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

use async_graphql::{
    BatchRequest, ErrorExtensionValues, Request, Response, ServerError, Value,
    parser::types::ExecutableDocument,
};
use axum::{
    body::Body,
    extract::{ConnectInfo, RawQuery, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::Response as HttpResponse,
};
use futures_util::TryStreamExt;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio_util::compat::TokioAsyncReadCompatExt;

use super::errors::{error_response, error_response_with, json_bytes_response};
use crate::{
    auth::request::{Auth, ClientInfo},
    error::{AppError, ErrorCode},
    graphql::{
        context::{ContextHandle, RequestContext},
        limits,
        loaders::Loaders,
    },
    state::AppState,
};

/// Headers that make a GET or multipart request CSRF-safe (a browser cannot send them
/// cross-site without a CORS preflight), as Apollo Server requires.
const CSRF_HEADERS: [&str; 2] = ["apollo-require-preflight", "x-apollo-operation-name"];

/// Multipart uploads: at most this many files in one request.
const MAX_UPLOAD_FILES: usize = 10;

/// A bounded map shared by the requests of a process (least recently used evicted).
pub struct SharedLru<V>(Mutex<lru::LruCache<String, V>>);

impl<V: Clone> SharedLru<V> {
    /// A map holding up to `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self(Mutex::new(lru::LruCache::new(
            NonZeroUsize::new(capacity.max(1)).unwrap_or(NonZeroUsize::MIN),
        )))
    }

    fn get(&self, key: &str) -> Option<V> {
        self.0.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: String, value: V) {
        if let Ok(mut cache) = self.0.lock() {
            cache.put(key, value);
        }
    }
}

/// Automatic persisted queries: hash → query text. Per process (a replica that has not
/// seen a hash answers `PersistedQueryNotFound` and the client resends the text).
pub type PersistedQueries = SharedLru<String>;

/// Documents that parsed and passed the limits, by query text: clients send the same few
/// documents over and over, and parsing is the dearest step before execution. A hit is
/// exactly a text that passed before (the limits are fixed per process), so it skips
/// both.
pub type ParsedDocuments = SharedLru<Arc<ParsedDocument>>;

/// A document kept parsed, and whether it has passed full validation.
pub struct ParsedDocument {
    doc: ExecutableDocument,
    /// Set (to the operation name it ran with) once the document passed async-graphql's
    /// full validation in a request without variables. The rules depend only on the
    /// document, the operation and the variables, so the same document and operation
    /// without variables pass again: such requests run on the schema that skips them
    /// ([`AppState::fast_schema`]).
    validated: std::sync::OnceLock<Option<String>>,
}

/// What [`prepare`] hands to execution.
struct Prepared {
    request: Request,
    /// The operation that runs is a query.
    is_query: bool,
    /// The cache entry of the document, when it is kept.
    document: Option<Arc<ParsedDocument>>,
}

/// Only documents up to this many bytes are kept, which bounds the cache's memory (with
/// [`PARSED_DOCUMENTS`] entries) whatever clients send.
pub const MAX_CACHED_DOCUMENT_BYTES: usize = 4096;

/// How many parsed documents are kept.
pub const PARSED_DOCUMENTS: usize = 256;

/// A refusal before execution: HTTP status, code and message.
struct Refusal {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    extra: serde_json::Value,
}

impl Refusal {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            extra: json!({}),
        }
    }

    fn into_response(self) -> HttpResponse {
        error_response_with(self.status, self.code, &self.message, self.extra)
    }

    fn into_graphql(self) -> Response {
        let mut err = ServerError::new(self.message, None);
        let mut ext = ErrorExtensionValues::default();
        ext.set("code", self.code.as_str());
        err.extensions = Some(ext);
        Response::from_errors(vec![err])
    }
}

fn has_csrf_header(headers: &HeaderMap) -> bool {
    CSRF_HEADERS.iter().any(|h| headers.contains_key(*h))
}

fn csrf_refusal() -> Refusal {
    Refusal::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::BadRequest,
        "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). \
         Please either specify a 'content-type' header (with a type that is not one of \
         application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a \
         non-empty value for one of the following headers: apollo-require-preflight, \
         x-apollo-operation-name",
    )
}

/// Resolves the caller from the request headers.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Auth, AppError> {
    match crate::auth::request::access_token(headers) {
        None => Ok(Auth::Anonymous),
        Some(token) => state.authenticate_token(&token).await,
    }
}

/// `POST /graphql`.
pub async fn post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> HttpResponse {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let limits = &state.config().graphql_limits;

    // Held until the response is built: multipart files are in memory until then.
    let mut _multipart_permit = None;
    let batch = if content_type.starts_with("multipart/form-data") {
        if !has_csrf_header(&headers) {
            // Read (and drop) a bounded body first: a client still streaming its upload
            // would otherwise see a broken pipe instead of the 400.
            let limit = usize::try_from(state.config().max_upload_bytes)
                .unwrap_or(usize::MAX)
                .saturating_add(1024 * 1024);
            let _ = axum::body::to_bytes(body, limit).await;
            return csrf_refusal().into_response();
        }
        _multipart_permit = state.multipart_permits().acquire().await.ok();
        match read_multipart(&state, &content_type, body).await {
            Ok(batch) => batch,
            Err(refusal) => return refusal.into_response(),
        }
    } else {
        if !(content_type.is_empty()
            || content_type.starts_with("application/json")
            || content_type.starts_with("application/graphql-response+json"))
        {
            // text/plain and form posts are what a cross-site form can send.
            return csrf_refusal().into_response();
        }
        let bytes = match axum::body::to_bytes(body, limits.max_body_bytes).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return error_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    &format!(
                        "Request body is larger than the limit of {} bytes",
                        limits.max_body_bytes
                    ),
                );
            }
        };
        match serde_json::from_slice::<BatchRequest>(&bytes) {
            Ok(batch) => batch,
            Err(e) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    &format!("The request body is not a valid GraphQL request: {e}"),
                );
            }
        }
    };

    let client = ClientInfo::from_parts(&headers, Some(peer), state.config().trust_proxy);
    run_batch(&state, &headers, client, batch, Method::POST).await
}

/// `GET /graphql`: the playground for browsers, or a query (never a mutation) from the
/// URL, which is what APQ GET requests use.
pub async fn get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> HttpResponse {
    let raw = raw.unwrap_or_default();
    if !raw
        .split('&')
        .any(|kv| kv.starts_with("query=") || kv.starts_with("extensions="))
    {
        if state.config().graphql_playground {
            return super::playground::page();
        }
        return error_response(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "GET requests must carry a query; the playground is disabled",
        );
    }
    if !has_csrf_header(&headers) {
        return csrf_refusal().into_response();
    }
    let request = match async_graphql::http::parse_query_string(&raw) {
        Ok(request) => request,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                &format!("Invalid GraphQL GET request: {e}"),
            );
        }
    };
    let client = ClientInfo::from_parts(&headers, Some(peer), state.config().trust_proxy);
    run_batch(
        &state,
        &headers,
        client,
        BatchRequest::Single(request),
        Method::GET,
    )
    .await
}

async fn read_multipart(
    state: &AppState,
    content_type: &str,
    body: Body,
) -> Result<BatchRequest, Refusal> {
    let config = state.config();
    let file_limit = usize::try_from(config.max_upload_bytes).unwrap_or(usize::MAX);
    let options = async_graphql::http::MultipartOptions::default()
        .max_file_size(file_limit)
        .max_num_files(MAX_UPLOAD_FILES);
    let stream = body
        .into_data_stream()
        .map_err(|e| std::io::Error::other(e.to_string()));
    let reader = tokio_util::io::StreamReader::new(stream).compat();
    async_graphql::http::receive_batch_body(Some(content_type), reader, options)
        .await
        .map_err(|e| match e {
            async_graphql::ParseRequestError::PayloadTooLarge => Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!(
                    "Upload is larger than the limit of {} bytes",
                    config.max_upload_bytes
                ),
            ),
            other => Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!("Invalid multipart GraphQL request: {other}"),
            ),
        })
}

async fn run_batch(
    state: &AppState,
    headers: &HeaderMap,
    client: ClientInfo,
    batch: BatchRequest,
    method: Method,
) -> HttpResponse {
    let limits = &state.config().graphql_limits;
    let requests = match batch {
        BatchRequest::Single(request) => vec![request],
        BatchRequest::Batch(_) if !limits.batching => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "Batched requests are not enabled on this server",
            );
        }
        BatchRequest::Batch(requests)
            if requests.is_empty() || requests.len() > limits.max_batch =>
        {
            return error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                &format!(
                    "A batch must hold between 1 and {} operations",
                    limits.max_batch
                ),
            );
        }
        BatchRequest::Batch(requests) => requests,
    };
    let single = requests.len() == 1;

    let authenticated = match crate::auth::request::access_token(headers) {
        None => Ok((Auth::Anonymous, None)),
        Some(token) => state.authenticate_session(&token).await,
    };
    let (auth, session) = match authenticated {
        Ok(found) => found,
        Err(err) => return internal_response(err),
    };
    let authenticated = matches!(auth, Auth::Viewer(_));
    let mut context = RequestContext::new(auth, client);
    context.refresh_cookie =
        crate::auth::request::cookie(headers, crate::auth::request::REFRESH_COOKIE);
    let context = std::sync::Arc::new(context);

    let mut responses = Vec::with_capacity(requests.len());
    for request in requests {
        match prepare(state, request, &method) {
            Ok(Prepared {
                request,
                is_query,
                document,
            }) => {
                let mut loaders = Loaders::new(state.db());
                if is_query {
                    // The viewer's own account came with the session: `me` and the
                    // viewer's own objects need no query for it.
                    if let Some(session) = &session {
                        loaders
                            .users()
                            .feed_one(session.user.id, session.user.clone())
                            .await;
                    }
                } else {
                    // A mutation may change what a loader read earlier in the operation.
                    loaders.disable_caches();
                }
                let no_variables = request.variables.is_empty();
                let operation = request.operation_name.clone();
                let validated = no_variables
                    && document
                        .as_ref()
                        .and_then(|d| d.validated.get())
                        .is_some_and(|name| *name == operation);
                let request = request
                    .data(state.clone())
                    .data(ContextHandle(context.clone()))
                    .data(loaders);
                let mut response = if validated {
                    state.fast_schema().execute(request).await
                } else {
                    let response = state.schema().execute(request).await;
                    // Data (even partial) means validation passed.
                    if no_variables
                        && response.data != Value::Null
                        && let Some(document) = &document
                    {
                        let _ = document.validated.set(operation);
                    }
                    response
                };
                normalise_error_codes(&mut response);
                responses.push(response);
            }
            Err(refusal) => {
                if single {
                    return refusal.into_response();
                }
                responses.push(refusal.into_graphql());
            }
        }
    }
    // A batch answers 200 with per-operation errors, like Apollo Server.
    let status = if single {
        status_for(&responses[0])
    } else {
        StatusCode::OK
    };

    // Serialised straight from the response: one pass, and the fields keep the order
    // of the query, as the GraphQL spec asks (a `serde_json::Value` would sort them).
    let body = if single {
        serde_json::to_vec(&responses[0])
    } else {
        serde_json::to_vec(&responses)
    };
    let mut http = match body {
        Ok(body) => json_bytes_response(status, body),
        Err(e) => internal_response(AppError::internal("serialising a GraphQL response", e)),
    };
    let h = http.headers_mut();
    if authenticated {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Ok(cookies) = context.set_cookies.lock() {
        for cookie in cookies.iter() {
            if let Ok(value) = HeaderValue::from_str(cookie) {
                h.append(header::SET_COOKIE, value);
            }
        }
    }
    http
}

/// A 500 for an error outside execution, with the code, generic message and correlation
/// id the error carries (its detail is logged, never sent).
fn internal_response(err: AppError) -> HttpResponse {
    let gql: async_graphql::Error = err.into();
    let extra = gql
        .extensions
        .and_then(|e| serde_json::to_value(e).ok())
        .unwrap_or_else(|| json!({}));
    error_response_with(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::InternalServerError,
        &gql.message,
        extra,
    )
}

/// Everything that can refuse a request before execution. Returns the request (parsed)
/// and whether the operation it runs is a query.
fn prepare(state: &AppState, mut request: Request, method: &Method) -> Result<Prepared, Refusal> {
    let limits = &state.config().graphql_limits;

    if let Some(persisted) = request.extensions.remove("persistedQuery") {
        let hash = persisted_hash(&persisted).ok_or_else(|| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "Invalid persistedQuery extension: expected { version: 1, sha256Hash }",
            )
        })?;
        if request.query.is_empty() {
            match state.persisted_queries().get(&hash) {
                Some(query) => request.query = query,
                None => {
                    return Err(Refusal::new(
                        StatusCode::OK,
                        ErrorCode::PersistedQueryNotFound,
                        "PersistedQueryNotFound",
                    ));
                }
            }
        } else {
            let actual = hex::encode(Sha256::digest(request.query.as_bytes()));
            if actual != hash {
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    "provided sha does not match query",
                ));
            }
            if request.query.chars().count() <= limits.max_document_chars {
                state.persisted_queries().put(hash, request.query.clone());
            }
        }
    }

    let mut cached = state.parsed_documents().get(&request.query);
    let fresh = cached.is_none();
    match &cached {
        Some(entry) => request.set_parsed_query(entry.doc.clone()),
        None => parse(state, &mut request)?,
    }
    let operation_name = request.operation_name.clone();
    let query_len = request.query.len();
    let doc = request.parsed_query().map_err(|e| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::GraphqlParseFailed,
            format!("Syntax Error: {}", e.message),
        )
    })?;

    // The operation that will run: by name, else the only one. When it is ambiguous
    // (several, no name), execution refuses the request anyway; count it as a write.
    let is_query = {
        use async_graphql::parser::types::{DocumentOperations, OperationType};
        match &doc.operations {
            DocumentOperations::Single(op) => op.node.ty == OperationType::Query,
            DocumentOperations::Multiple(ops) => match &operation_name {
                Some(name) => ops
                    .get(name.as_str())
                    .is_none_or(|op| op.node.ty == OperationType::Query),
                None => ops.values().all(|op| op.node.ty == OperationType::Query),
            },
        }
    };
    if *method == Method::GET && !is_query {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "Mutations and subscriptions can only be sent with POST",
        ));
    }

    if fresh {
        let introspection = state.config().graphql_introspection;
        limits::check(doc, limits, introspection).map_err(|violation| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::GraphqlValidationFailed,
                violation.0,
            )
        })?;
        let keep = (query_len <= MAX_CACHED_DOCUMENT_BYTES).then(|| {
            Arc::new(ParsedDocument {
                doc: doc.clone(),
                validated: std::sync::OnceLock::new(),
            })
        });
        if let Some(entry) = keep {
            state
                .parsed_documents()
                .put(request.query.clone(), entry.clone());
            cached = Some(entry);
        }
    }

    Ok(Prepared {
        request,
        is_query,
        document: cached,
    })
}

/// Checks the size of a document not seen before and parses it.
fn parse(state: &AppState, request: &mut Request) -> Result<(), Refusal> {
    let limits = &state.config().graphql_limits;
    if request.query.trim().is_empty() {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "The request has no query document",
        ));
    }
    let chars = request.query.chars().count();
    if chars > limits.max_document_chars {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::GraphqlValidationFailed,
            format!(
                "Query document limit exceeded: the document has {chars} characters, the maximum is {}",
                limits.max_document_chars
            ),
        ));
    }
    if let Err(e) = request.parsed_query() {
        let mut refusal = Refusal::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::GraphqlParseFailed,
            format!("Syntax Error: {}", e.message),
        );
        refusal.extra = json!({ "locations": e.locations.iter().map(|l| json!({ "line": l.line, "column": l.column })).collect::<Vec<_>>() });
        return Err(refusal);
    }
    Ok(())
}

fn persisted_hash(value: &Value) -> Option<String> {
    let Value::Object(map) = value else {
        return None;
    };
    let version = map.get("version")?;
    if *version != Value::from(1) {
        return None;
    }
    match map.get("sha256Hash")? {
        Value::String(hash) if hash.len() == 64 => Some(hash.to_ascii_lowercase()),
        _ => None,
    }
}

/// Gives every error a code: async-graphql's own validation errors (no path) become
/// `GRAPHQL_VALIDATION_FAILED`; its argument-coercion errors (with a path) become
/// `BAD_USER_INPUT`. Errors raised by our code already carry one.
fn normalise_error_codes(response: &mut Response) {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        let code = if error.path.is_empty() {
            ErrorCode::GraphqlValidationFailed
        } else {
            ErrorCode::BadUserInput
        };
        error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default)
            .set("code", code.as_str());
    }
}

/// HTTP status for an executed response: 400 when it never started executing because
/// async-graphql's validation refused it, 200 otherwise.
pub fn status_for(response: &Response) -> StatusCode {
    let validation_failed = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|c| *c == Value::from(ErrorCode::GraphqlValidationFailed.as_str()))
        });
    if validation_failed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}
