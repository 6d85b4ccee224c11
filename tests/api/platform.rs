//! HTTP surface: probes, headers on every response, CORS, the offline playground.

use reqwest::{Method, StatusCode};

use crate::common::{TestApp, into_gql};

#[tokio::test]
async fn health_reports_ok_and_the_version() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/health", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn ready_follows_the_database() {
    let app = TestApp::spawn().await;
    let ready = app
        .client
        .get(format!("{}/ready", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    app.state.db().close_by_ref().await.unwrap();
    let unready = app
        .client
        .get(format!("{}/ready", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(unready.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn every_response_has_security_headers_and_a_request_id() {
    let app = TestApp::spawn().await;
    for (method, path) in [
        (Method::GET, "/health"),
        (Method::GET, "/graphql"),
        (Method::GET, "/no/such/route"),
        (Method::POST, "/graphql"),
    ] {
        let response = app
            .client
            .request(method.clone(), format!("{}{path}", app.url))
            .header("content-type", "application/json")
            .body(r#"{"query":"{ me { id } }"}"#)
            .send()
            .await
            .unwrap();
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{method} {path}");
        assert_eq!(h["x-frame-options"], "DENY", "{method} {path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{method} {path}");
        let id = h["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 36, "a UUID request id on {method} {path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS in development"
        );
    }
    // A request id sent by the client is kept.
    let response = app
        .client
        .get(format!("{}/health", app.url))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn unknown_routes_answer_a_graphql_shaped_404() {
    let app = TestApp::spawn().await;
    let r = into_gql(
        app.client
            .get(format!("{}/nope", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.only_code(), "NOT_FOUND");
}

#[tokio::test]
async fn cors_allows_only_listed_origins() {
    let app = TestApp::spawn_with(&[(
        "CORS_ALLOWED_ORIGINS",
        "https://app.example, http://localhost:3000",
    )])
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, format!("{}/graphql", app.url))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,authorization",
            )
            .send()
    };
    let allowed = preflight("https://app.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(
        allowed.headers()["access-control-allow-credentials"],
        "true"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn the_playground_is_served_offline_under_a_strict_csp() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(format!("{}/graphql", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("default-src 'self'"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//unpkg"),
        "the page loads nothing from another host"
    );
    assert!(!html.contains("<script>"), "no inline scripts");
    // Every asset the page references is served by us.
    let mut referenced = 0;
    for part in html.split("/graphql/assets/").skip(1) {
        let file = part.split('"').next().unwrap();
        let asset = app
            .client
            .get(format!("{}/graphql/assets/{file}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(asset.status(), StatusCode::OK, "{file}");
        assert!(
            asset.bytes().await.unwrap().len() > 100,
            "{file} has content"
        );
        referenced += 1;
    }
    assert!(referenced >= 5, "page references its scripts and styles");
    let missing = app
        .client
        .get(format!("{}/graphql/assets/../Cargo.toml", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn production_hides_the_playground_and_introspection_and_sends_hsts() {
    let app = TestApp::spawn_with(&[
        ("APP_ENV", "production"),
        ("OTP_SMS_DELIVERY", "webhook"),
        ("SMS_WEBHOOK_URL", "http://127.0.0.1:9/sms"),
        ("OTP_EMAIL_DELIVERY", "smtp"),
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_FROM", "noreply@rakshaayan.test"),
    ])
    .await;
    let page = app
        .client
        .get(format!("{}/graphql", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.headers().get("strict-transport-security").is_some());

    let r = app.gql("{ __schema { queryType { name } } }").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        r.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("introspection")
    );

    // No "did you mean" hints in production.
    let r = app.gql("{ me { usernam } }").await;
    assert_eq!(r.only_code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        !r.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn development_suggests_field_names() {
    let app = TestApp::spawn().await;
    let r = app.gql("{ me { usernam } }").await;
    assert!(
        r.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn graceful_shutdown_stops_the_server() {
    let app = TestApp::spawn().await;
    let url = app.url.clone();
    app.stop().await;
    assert!(
        reqwest::get(format!("{url}/health")).await.is_err(),
        "nothing listens after shutdown"
    );
}

#[tokio::test]
async fn response_fields_keep_the_order_of_the_query() {
    let app = TestApp::spawn().await;
    let text = app
        .client
        .post(format!("{}/graphql", app.url))
        .json(&serde_json::json!({ "query": "{ zulu: __typename alpha: __typename mike: __typename }" }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        text,
        r#"{"data":{"zulu":"Query","alpha":"Query","mike":"Query"}}"#
    );
}

#[tokio::test]
async fn a_document_seen_before_is_still_checked_for_its_method() {
    let app = TestApp::spawn().await;
    // The mutation document parses and passes the limits over POST (it is then kept
    // parsed); the same text over GET is still refused.
    let doc = "mutation { logout { success } }";
    let first = app.gql(doc).await;
    assert_eq!(first.only_code(), "UNAUTHENTICATED");
    let again = app.gql(doc).await;
    assert_eq!(again.only_code(), "UNAUTHENTICATED");
    let url = format!(
        "{}/graphql?query={}",
        app.url, "mutation%20%7B%20logout%20%7B%20success%20%7D%20%7D"
    );
    let r = app
        .client
        .get(url)
        .header("apollo-require-preflight", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = into_gql(r).await;
    assert_eq!(body.only_code(), "BAD_REQUEST");
}

#[tokio::test]
async fn a_document_over_a_limit_is_refused_every_time() {
    let app = TestApp::spawn_with(&[("GRAPHQL_MAX_DEPTH", "2")]).await;
    // Refused documents are never kept as parsed, so a repeat is checked again.
    for _ in 0..2 {
        let r = app.gql("{ me { roles { name } } }").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
        assert_eq!(r.only_code(), "GRAPHQL_VALIDATION_FAILED");
    }
}

#[tokio::test]
async fn a_validated_document_is_validated_again_when_it_brings_variables() {
    let app = TestApp::spawn().await;
    let doc = "query($s: String) { helpTopics(search: $s) { question } }";
    let body =
        |variables: serde_json::Value| serde_json::json!({ "query": doc, "variables": variables });
    // Passes full validation once without variables...
    let first = app.post_json(body(serde_json::json!({}))).await;
    assert!(first.errors().is_empty(), "{:?}", first.body);
    // ...and a wrong variable for it is still a validation error, not an execution one.
    let wrong = app.post_json(body(serde_json::json!({ "s": 5 }))).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{:?}", wrong.body);
    assert_eq!(wrong.only_code(), "GRAPHQL_VALIDATION_FAILED");
    let again = app.post_json(body(serde_json::json!({}))).await;
    assert_eq!(again.body, first.body);
    // A document that fails validation fails every time.
    for _ in 0..2 {
        let r = app.gql("{ noSuchField }").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.only_code(), "GRAPHQL_VALIDATION_FAILED");
    }
}
