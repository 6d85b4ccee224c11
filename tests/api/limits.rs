//! Request pipeline refusals: document limits, parse errors, body size, CSRF, batching,
//! and automatic persisted queries.

use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::common::{TestApp, into_gql};

#[tokio::test]
async fn a_query_deeper_than_the_limit_is_refused_with_400() {
    let app = TestApp::spawn_with(&[("GRAPHQL_MAX_DEPTH", "2")]).await;
    // `{ me { id } }` is exactly 2 levels: allowed (it fails only for want of a token).
    let ok = app.gql("{ me { id } }").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.only_code(), "UNAUTHENTICATED");
    // Fragments add no level of their own.
    let ok = app.gql("{ me { ... on User { id } } }").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

    let refused = app
        .gql("{ me { id } __type(name: \"User\") { fields { name } } }")
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.only_code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        refused.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("depth")
    );
    assert!(refused.body.get("data").is_none());
}

#[tokio::test]
async fn the_default_depth_limit_is_ten_levels() {
    let app = TestApp::spawn().await;
    // 11 levels through introspection types mixed with a real field (so no exemption).
    let query = "{ me { id } __type(name: \"User\") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }";
    let r = app.gql(query).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.only_code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        r.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("maximum depth is 10")
    );
}

#[tokio::test]
async fn introspection_only_documents_are_exempt_but_named_lookalikes_are_not() {
    let app = TestApp::spawn().await;
    let deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }";
    let r = app.gql(deep).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.data()["__schema"]["types"].is_array());

    let disguised = "query IntrospectionQuery { me { id } __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }";
    let r = app.gql(disguised).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "GRAPHQL_VALIDATION_FAILED");
}

#[tokio::test]
async fn too_many_aliases_are_refused() {
    let app = TestApp::spawn().await;
    let fifteen: String = (0..15).map(|i| format!("a{i}: __typename ")).collect();
    let r = app.gql(&format!("{{ {fifteen} }}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let sixteen: String = (0..16).map(|i| format!("a{i}: __typename ")).collect();
    let r = app.gql(&format!("{{ {sixteen} }}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        r.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("Alias limit")
    );
}

#[tokio::test]
async fn too_many_directives_and_too_much_complexity_are_refused() {
    let app = TestApp::spawn_with(&[("GRAPHQL_MAX_COMPLEXITY", "5")]).await;
    let directives: String = (0..51).map(|_| "@skip(if: false) ").collect();
    let r = app.gql(&format!("{{ __typename {directives} }}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("Directive limit")
    );

    let r = app
        .gql("{ me { id username email userType } ...F } fragment F on Query { me { id } }")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("complexity")
    );
}

#[tokio::test]
async fn a_document_over_the_length_limit_is_refused() {
    let app = TestApp::spawn().await;
    let padding = " ".repeat(15_001);
    let r = app.gql(&format!("{{ __typename {padding}}}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        r.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("document")
    );
}

#[tokio::test]
async fn parse_and_validation_errors_have_apollo_codes_and_400() {
    let app = TestApp::spawn().await;
    let r = app.gql("{ me { id ").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "GRAPHQL_PARSE_FAILED");

    let r = app
        .gql("{ __typename } fragment Unused on Query { __typename }")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "GRAPHQL_VALIDATION_FAILED");

    let r = app.gql("{ doesNotExist }").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "GRAPHQL_VALIDATION_FAILED");
}

#[tokio::test]
async fn an_oversized_body_is_413_with_a_graphql_error() {
    let app = TestApp::spawn().await;
    let big = "x".repeat(1024 * 1024 + 10);
    let response = app
        .client
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"query\":\"{{ __typename }}\",\"variables\":{{\"pad\":\"{big}\"}}}}"
        ))
        .send()
        .await
        .unwrap();
    let r = into_gql(response).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.only_code(), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn malformed_json_and_batches_are_bad_requests() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body("{\"query\": ")
        .send()
        .await
        .unwrap();
    let r = into_gql(response).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "BAD_REQUEST");

    let r = app
        .post_json(json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "BAD_REQUEST");
}

#[tokio::test]
async fn batches_work_when_enabled_and_each_operation_is_limited() {
    let app = TestApp::spawn_with(&[("GRAPHQL_BATCHING", "true")]).await;
    let r = app
        .post_json(json!([{ "query": "{ __typename }" }, { "query": "{ me { id" }]))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.body.as_array().expect("batch answer is a list");
    assert_eq!(items[0]["data"]["__typename"], "Query");
    assert_eq!(
        items[1]["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
}

#[tokio::test]
async fn get_and_multipart_requests_need_a_csrf_header() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql?query=%7B__typename%7D", app.url);
    let r = into_gql(app.client.get(&url).send().await.unwrap()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "BAD_REQUEST");
    assert!(
        r.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("CSRF")
    );

    let r = into_gql(
        app.client
            .get(&url)
            .header("apollo-require-preflight", "true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.data()["__typename"], "Query");

    let form = reqwest::multipart::Form::new()
        .text("operations", r#"{"query":"{ __typename }"}"#)
        .text("map", "{}");
    let r = into_gql(
        app.client
            .post(format!("{}/graphql", app.url))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "BAD_REQUEST");

    let form = reqwest::multipart::Form::new()
        .text("operations", r#"{"query":"{ __typename }"}"#)
        .text("map", "{}");
    let r = into_gql(
        app.client
            .post(format!("{}/graphql", app.url))
            .header("x-apollo-operation-name", "Typename")
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.data()["__typename"], "Query");

    let r = into_gql(
        app.client
            .post(format!("{}/graphql", app.url))
            .header("content-type", "text/plain")
            .body(r#"{"query":"{ __typename }"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "text/plain is a CSRF-able content type"
    );
}

#[tokio::test]
async fn get_never_runs_a_mutation() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql?query=mutation%7B__typename%7D", app.url);
    let r = into_gql(
        app.client
            .get(&url)
            .header("apollo-require-preflight", "true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "BAD_REQUEST");
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[tokio::test]
async fn automatic_persisted_queries_follow_apollos_protocol() {
    let app = TestApp::spawn().await;
    let query = "query Apq { __typename }";
    let hash = sha256_hex(query);
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });

    let r = app.post_json(json!({ "extensions": ext })).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.only_code(), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(r.first_error()["message"], "PersistedQueryNotFound");

    let r = app
        .post_json(json!({ "query": query, "extensions": ext }))
        .await;
    assert_eq!(r.data()["__typename"], "Query");

    let r = app.post_json(json!({ "extensions": ext })).await;
    assert_eq!(r.data()["__typename"], "Query");

    // APQ over GET, as Apollo's link sends it for queries.
    let url = format!(
        "{}/graphql?extensions={}",
        app.url,
        urlencode(&ext.to_string())
    );
    let r = into_gql(
        app.client
            .get(&url)
            .header("apollo-require-preflight", "true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.data()["__typename"], "Query");

    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex("other") } });
    let r = app
        .post_json(json!({ "query": query, "extensions": wrong }))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "BAD_REQUEST");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
