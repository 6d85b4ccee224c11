//! The session cache (PostgreSQL): once a session is cached its token is checked without
//! a statement, and every change to sessions, accounts and roles — made through the API
//! or straight in the database — is in force for the next request. On SQLite the cache is
//! off and every request reads its session.

use rakshaayan::auth::permission::{Permission, UserType};
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::common::{Gql, TestApp, on_postgres};

const ME: &str = "{ me { id username } }";

/// Runs `query` as `token` and counts the statements the server ran for it.
async fn counted(app: &TestApp, token: &str, query: &str) -> (Gql, u64) {
    let before = app.state.statements().get();
    let response = app.gql_as(token, query, json!({})).await;
    (response, app.state.statements().get() - before)
}

async fn sql(app: &TestApp, statement: &str) {
    app.state
        .db()
        .execute_unprepared(statement)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

#[tokio::test]
async fn a_cached_session_answers_me_without_a_statement() {
    let app = TestApp::spawn().await;
    let (id, token) = app
        .create_user("cached.patient", UserType::Patient, &[])
        .await;
    let (first, first_count) = counted(&app, &token, ME).await;
    assert_eq!(first.data()["me"]["id"], json!(id.to_string()));
    assert_eq!(first.data()["me"]["username"], json!("cached.patient"));
    let (second, second_count) = counted(&app, &token, ME).await;
    assert_eq!(second.data(), first.data());
    if on_postgres() {
        // The session and its roles are read once, the account row comes with them.
        assert_eq!(first_count, 2, "first request reads session and roles");
        assert_eq!(second_count, 0, "a cached session needs no statement");
        assert_eq!(app.state.sessions().len(), 1);
    } else {
        assert!(!app.state.sessions().is_enabled());
        assert_eq!(first_count, 2, "session with account, then roles");
        assert_eq!(second_count, 2, "SQLite reads the session every time");
    }
    app.stop().await;
}

#[tokio::test]
async fn logging_out_ends_the_cached_token_at_once() {
    let app = TestApp::spawn().await;
    let (_, token) = app
        .create_user("leaving.user", UserType::Patient, &[])
        .await;
    assert!(app.gql_as(&token, ME, json!({})).await.errors().is_empty());
    assert!(app.gql_as(&token, ME, json!({})).await.errors().is_empty());
    let out = app
        .gql_as(&token, "mutation { logout { success } }", json!({}))
        .await;
    assert_eq!(out.data()["logout"]["success"], json!(true));
    // The very next request, no waiting: the logout synced the cache before answering.
    let after = app.gql_as(&token, ME, json!({})).await;
    assert_eq!(after.only_code(), "UNAUTHENTICATED");
    app.stop().await;
}

#[tokio::test]
async fn a_change_made_straight_in_the_database_reaches_the_cache() {
    let app = TestApp::spawn().await;
    let (id, token) = app.create_user("direct.user", UserType::Patient, &[]).await;
    assert!(app.gql_as(&token, ME, json!({})).await.errors().is_empty());

    // A rename by an operator, not through the API: the trigger announces it.
    sql(
        &app,
        &format!("UPDATE auth_users SET username = 'renamed.user' WHERE id = {id}"),
    )
    .await;
    app.state.sessions().sync().await;
    let renamed = app.gql_as(&token, ME, json!({})).await;
    assert_eq!(renamed.data()["me"]["username"], json!("renamed.user"));

    // Revoking the session in SQL ends the token.
    sql(
        &app,
        &format!("UPDATE auth_sessions SET revoked_at = CURRENT_TIMESTAMP WHERE user_id = {id}"),
    )
    .await;
    app.state.sessions().sync().await;
    let revoked = app.gql_as(&token, ME, json!({})).await;
    assert_eq!(revoked.only_code(), "UNAUTHENTICATED");
    app.stop().await;
}

#[tokio::test]
async fn a_role_change_is_in_force_for_the_next_request() {
    let app = TestApp::spawn().await;
    let (_, token) = app
        .create_user("auditor.user", UserType::Patient, &[Permission::AuditRead])
        .await;
    let query = "{ auditLogs(first: 1) { totalCount } }";
    let allowed = app.gql_as(&token, query, json!({})).await;
    assert!(allowed.errors().is_empty(), "{:?}", allowed.body);
    // Emptying the role's permissions in SQL: the trigger drops every cached session.
    sql(&app, "UPDATE auth_roles SET permissions = '[]'").await;
    app.state.sessions().sync().await;
    let refused = app.gql_as(&token, query, json!({})).await;
    assert_eq!(refused.only_code(), "FORBIDDEN");
    app.stop().await;
}

#[tokio::test]
async fn the_cache_starts_empty_after_its_listener_reconnects() {
    if !on_postgres() {
        // No listener on SQLite.
        return;
    }
    let app = TestApp::spawn().await;
    let (_, token) = app.create_user("steady.user", UserType::Patient, &[]).await;
    assert!(app.gql_as(&token, ME, json!({})).await.errors().is_empty());
    assert_eq!(app.state.sessions().len(), 1);
    let db = app.state.db();
    let listener: i32 = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        ))
        .await
        .unwrap()
        .expect("a listener connection")
        .try_get("", "pid")
        .unwrap();
    sql(&app, &format!("SELECT pg_terminate_backend({listener})")).await;
    // Notices sent while it was down are lost, so the cache is dropped on the loss and
    // again once the LISTEN is back.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !app.state.sessions().is_empty() {
        assert!(std::time::Instant::now() < deadline, "cache never dropped");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (again, count) = counted(&app, &token, ME).await;
    assert!(again.errors().is_empty(), "{:?}", again.body);
    assert_eq!(count, 2, "the session is read again from the database");
    app.stop().await;
}

#[tokio::test]
async fn a_logout_on_one_replica_ends_the_token_on_another() {
    if !on_postgres() {
        // Replicas share a PostgreSQL database.
        return;
    }
    let app = TestApp::spawn().await;
    let other = app.replica().await;
    let (_, token) = app
        .create_user("roaming.user", UserType::Patient, &[])
        .await;
    // Cached on both.
    assert!(app.gql_as(&token, ME, json!({})).await.errors().is_empty());
    assert!(
        other
            .gql_as(&token, ME, json!({}))
            .await
            .errors()
            .is_empty()
    );
    assert_eq!(other.state.sessions().len(), 1);
    let out = app
        .gql_as(&token, "mutation { logout { success } }", json!({}))
        .await;
    assert_eq!(out.data()["logout"]["success"], json!(true));
    // The other replica has the notice once its own marker, sent after the logout
    // committed, has come back.
    other.state.sessions().sync().await;
    let after = other.gql_as(&token, ME, json!({})).await;
    assert_eq!(after.only_code(), "UNAUTHENTICATED");
    other.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn only_mutations_that_change_accounts_wait_for_the_cache() {
    if !on_postgres() {
        // No cache, no sync, on SQLite.
        return;
    }
    let app = TestApp::spawn().await;
    let (_, token) = app
        .create_user("busy.patient", UserType::Patient, &[])
        .await;
    let syncs = app.state.sessions().syncs();
    let created = app
        .gql_as(
            &token,
            "mutation($i: CreateAdverseEventInput!) { createAdverseEvent(input: $i) { id } }",
            json!({ "i": super::events::seed_event() }),
        )
        .await;
    assert!(created.errors().is_empty(), "{:?}", created.body);
    app.gql_as(&token, ME, json!({})).await;
    assert_eq!(
        app.state.sessions().syncs(),
        syncs,
        "reports and reads do not sync"
    );
    let renamed = app
        .gql_as(
            &token,
            "mutation { updateProfile(input: { firstName: \"Asha\" }) { firstName } }",
            json!({}),
        )
        .await;
    assert_eq!(renamed.data()["updateProfile"]["firstName"], json!("Asha"));
    assert_eq!(
        app.state.sessions().syncs(),
        syncs + 1,
        "a profile change syncs"
    );
    app.stop().await;
}
