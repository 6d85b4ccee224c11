//! Authentication end to end: `me` with and without a token, bad tokens, revoked
//! sessions, deactivated accounts, cookie mode.

use chrono::Utc;
use entity::{auth_sessions, auth_users};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::json;

use crate::common::TestApp;

const ME: &str = "{ me { id username email phoneNumber userType isActive } }";

#[tokio::test]
async fn me_without_a_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let r = app.gql(ME).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    assert_eq!(r.first_error()["path"], json!(["me"]));
    assert!(r.body["data"].is_null());
}

#[tokio::test]
async fn me_with_an_admin_token_returns_the_admin_profile() {
    let app = TestApp::spawn().await;
    let (id, token) = app.admin_token().await;
    let r = app.gql_as(&token, ME, json!({})).await;
    let me = &r.data()["me"];
    assert_eq!(me["id"], id.to_string());
    assert_eq!(me["username"], "root.admin");
    assert_eq!(me["email"], "root.admin@rakshaayan.test");
    assert_eq!(me["phoneNumber"], "+919800000001");
    assert_eq!(me["userType"], "ADMIN");
    assert_eq!(me["isActive"], true);
    assert_eq!(
        r.headers["cache-control"], "no-store",
        "authenticated answers are not cached"
    );
}

#[tokio::test]
async fn invalid_and_expired_tokens_are_unauthenticated_but_public_fields_still_work() {
    let app = TestApp::spawn().await;
    let (id, _) = app.admin_token().await;
    let r = app.gql_as("not-a-jwt", ME, json!({})).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    assert_eq!(r.first_error()["message"], "Invalid access token");

    // Signed with another secret.
    let foreign = rakshaayan::auth::jwt::JwtKeys::new(b"another-secret-another-secret-another!!");
    let (token, _) = foreign
        .sign(id, 1, Utc::now(), std::time::Duration::from_secs(60))
        .unwrap();
    let r = app.gql_as(&token, ME, json!({})).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");

    // Expired.
    let (token, _) = app
        .state
        .jwt()
        .sign(
            id,
            1,
            Utc::now() - chrono::Duration::hours(2),
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    let r = app.gql_as(&token, ME, json!({})).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    assert_eq!(r.first_error()["message"], "Access token expired");

    // A stale token does not break public fields.
    let r = app.gql_as(&token, "{ __typename }", json!({})).await;
    assert_eq!(r.data()["__typename"], "Query");
}

#[tokio::test]
async fn a_revoked_session_stops_its_access_token_at_once() {
    let app = TestApp::spawn().await;
    let (_, token) = app.admin_token().await;
    assert!(app.gql_as(&token, ME, json!({})).await.errors().is_empty());
    let claims = app.state.jwt().verify(&token).unwrap();
    let session = auth_sessions::Entity::find_by_id(claims.sid)
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    let mut active = session.into_active_model();
    active.revoked_at = Set(Some(Utc::now()));
    active.update(app.state.db()).await.unwrap();
    // Written straight to the database, not through the API: the change reaches the
    // session cache (PostgreSQL) with its trigger's notice; wait for it as the API's
    // own mutations do.
    app.state.sessions().sync().await;

    let r = app.gql_as(&token, ME, json!({})).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    assert_eq!(r.first_error()["message"], "Session expired or revoked");
}

#[tokio::test]
async fn a_deactivated_account_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let (id, token) = app.admin_token().await;
    let user = auth_users::Entity::find_by_id(id)
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    let mut active = user.into_active_model();
    active.is_active = Set(false);
    active.update(app.state.db()).await.unwrap();
    app.state.sessions().sync().await;
    let r = app.gql_as(&token, ME, json!({})).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_token_for_another_users_session_is_refused() {
    let app = TestApp::spawn().await;
    let (id, token) = app.admin_token().await;
    let claims = app.state.jwt().verify(&token).unwrap();
    // Same session id, different user: the session does not belong to them.
    let (forged, _) = app
        .state
        .jwt()
        .sign(
            id + 1000,
            claims.sid,
            Utc::now(),
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    let r = app.gql_as(&forged, ME, json!({})).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn the_access_token_cookie_authenticates() {
    let app = TestApp::spawn().await;
    let (_, token) = app.admin_token().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.url))
        .header("cookie", format!("theme=dark; access_token={token}"))
        .json(&json!({ "query": "{ me { username } }" }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["data"]["me"]["username"], "root.admin", "{body}");
}
