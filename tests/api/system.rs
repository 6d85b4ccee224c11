//! Pending-account administration, system statistics and the unverified-account purge.

use std::time::Duration;

use entity::{auth_audit_logs, auth_users};
use rakshaayan::auth::permission::{Permission, UserType};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::json;

use crate::common::TestApp;

const UNVERIFIED: &str =
    "{ unverifiedUsers(first: 10) { totalCount edges { node { username isPhoneVerified } } } }";

async fn set(app: &TestApp, id: i32, f: impl FnOnce(&mut entity::auth_users::ActiveModel)) {
    let user = auth_users::Entity::find_by_id(id)
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    let mut active = user.into_active_model();
    f(&mut active);
    active.update(app.state.db()).await.unwrap();
}

#[tokio::test]
async fn unverified_users_lists_only_pending_accounts_for_admins() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let (verified, _) = app.create_user("verified", UserType::Patient, &[]).await;
    app.create_user("pending", UserType::Patient, &[]).await;
    let (_, reader) = app
        .create_user("reader", UserType::Hospital, &[Permission::UsersRead])
        .await;
    set(&app, verified, |u| u.is_phone_verified = Set(true)).await;

    let r = app.gql_as(&admin, UNVERIFIED, json!({})).await;
    let names: Vec<_> = r.data()["unverifiedUsers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["username"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        names.contains(&"pending".to_owned()) && !names.contains(&"verified".to_owned()),
        "{names:?}"
    );
    assert_eq!(
        r.data()["unverifiedUsers"]["totalCount"].as_i64().unwrap() as usize,
        names.len()
    );

    let refused = app.gql_as(&reader, UNVERIFIED, json!({})).await;
    assert_eq!(
        refused.only_code(),
        "FORBIDDEN",
        "users:read is not enough: admin only"
    );
    assert!(
        refused.first_error()["extensions"]["reason"]
            .as_str()
            .unwrap()
            .contains("ADMIN")
    );
}

#[tokio::test]
async fn delete_unverified_user_refuses_verified_accounts_and_audits() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.admin_token().await;
    let (pending, _) = app.create_user("pending", UserType::Patient, &[]).await;
    let (verified, _) = app.create_user("verified", UserType::Patient, &[]).await;
    set(&app, verified, |u| u.is_phone_verified = Set(true)).await;
    let delete = "mutation($id: ID!) { deleteUnverifiedUser(id: $id) }";

    let r = app
        .gql_as(&admin, delete, json!({ "id": verified.to_string() }))
        .await;
    assert_eq!(r.only_code(), "INVALID_STATE");
    assert_eq!(r.first_error()["extensions"]["currentStatus"], "VERIFIED");
    assert_eq!(
        app.gql_as(&admin, delete, json!({ "id": "999999" }))
            .await
            .only_code(),
        "NOT_FOUND"
    );

    let r = app
        .gql_as(&admin, delete, json!({ "id": pending.to_string() }))
        .await;
    assert_eq!(r.data()["deleteUnverifiedUser"], pending.to_string());
    assert!(
        auth_users::Entity::find_by_id(pending)
            .one(app.state.db())
            .await
            .unwrap()
            .is_none()
    );
    let rows = auth_audit_logs::Entity::find()
        .all(app.state.db())
        .await
        .unwrap();
    assert!(rows.iter().any(|a| a.user_id == Some(admin_id)
        && a.resource_id.as_deref() == Some(&pending.to_string())
        && a.details["via"] == "deleteUnverifiedUser"));
}

#[tokio::test]
async fn resend_verification_otp_sends_a_fresh_code_under_the_same_limits() {
    let app = TestApp::spawn_with(&[("OTP_RESEND_COOLDOWN_SECONDS", "1")]).await;
    let (_, admin) = app.admin_token().await;
    let (pending, _) = app.create_user("pending", UserType::Patient, &[]).await;
    let resend = "mutation($id: ID!) { resendVerificationOtp(userId: $id) { success } }";
    let r = app
        .gql_as(&admin, resend, json!({ "id": pending.to_string() }))
        .await;
    assert_eq!(r.data()["resendVerificationOtp"]["success"], true);
    let outbox = std::fs::read_to_string(app.path("outbox.jsonl")).unwrap();
    assert_eq!(outbox.lines().count(), 1);
    assert!(outbox.contains("phone_verification"));
    assert_eq!(
        app.gql_as(&admin, resend, json!({ "id": pending.to_string() }))
            .await
            .only_code(),
        "RATE_LIMITED"
    );

    tokio::time::sleep(Duration::from_millis(1100)).await;
    set(&app, pending, |u| u.is_phone_verified = Set(true)).await;
    assert_eq!(
        app.gql_as(&admin, resend, json!({ "id": pending.to_string() }))
            .await
            .only_code(),
        "INVALID_STATE"
    );
}

#[tokio::test]
async fn system_stats_counts_users_sessions_and_events() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    app.create_user("p1", UserType::Patient, &[]).await;
    app.create_user("p2", UserType::Patient, &[]).await;
    app.create_user("h1", UserType::Hospital, &[]).await;
    let r = app.gql_as(&admin, "{ systemStats { usersByType { key count } unverifiedUsers activeSessions eventsByStatus { key count } attachmentBytes } }", json!({})).await;
    let s = &r.data()["systemStats"];
    let by_type = s["usersByType"].as_array().unwrap();
    let count = |key: &str| {
        by_type.iter().find(|c| c["key"] == key).unwrap()["count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(count("PATIENT"), 2);
    assert_eq!(count("HOSPITAL"), 1);
    assert_eq!(count("ADMIN"), 1);
    assert_eq!(count("GOVERNMENT"), 0, "every type is listed");
    assert_eq!(s["unverifiedUsers"], 4);
    assert_eq!(s["activeSessions"], 4);
    assert_eq!(s["eventsByStatus"].as_array().unwrap().len(), 5);
    assert_eq!(s["attachmentBytes"], 0);
}

#[tokio::test]
async fn the_purge_deletes_only_stale_never_used_self_registered_accounts() {
    let app = TestApp::spawn().await;
    let old = chrono::Utc::now() - chrono::Duration::hours(48);
    let (stale, _) = app.create_user("stale", UserType::Patient, &[]).await;
    let (used, _) = app.create_user("used", UserType::Patient, &[]).await;
    let (staff, _) = app.create_user("staff", UserType::Coordinator, &[]).await;
    let (fresh, _) = app.create_user("fresh", UserType::Patient, &[]).await;
    let (verified, _) = app
        .create_user("verified", UserType::Manufacturer, &[])
        .await;
    for id in [stale, used, staff, verified] {
        set(&app, id, |u| u.created_at = Set(old)).await;
    }
    set(&app, used, |u| u.last_login_at = Set(Some(old))).await;
    set(&app, verified, |u| u.is_phone_verified = Set(true)).await;

    let deleted = rakshaayan::services::unverified::purge(
        &app.state,
        Duration::from_secs(24 * 3600),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(deleted, 1);
    let left: Vec<i32> = auth_users::Entity::find()
        .all(app.state.db())
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    assert!(!left.contains(&stale));
    for id in [used, staff, fresh, verified] {
        assert!(left.contains(&id));
    }
    let rows = auth_audit_logs::Entity::find()
        .all(app.state.db())
        .await
        .unwrap();
    assert!(
        rows.iter()
            .any(|a| a.details["via"] == "unverified-purge"
                && a.details["userIds"] == json!([stale]))
    );
}

#[tokio::test]
async fn the_purge_task_runs_on_its_own() {
    let app = TestApp::spawn_with(&[
        ("UNVERIFIED_PURGE_INTERVAL_SECONDS", "1"),
        ("UNVERIFIED_ACCOUNT_TTL_HOURS", "1"),
    ])
    .await;
    let (stale, _) = app.create_user("stale", UserType::Patient, &[]).await;
    set(&app, stale, |u| {
        u.created_at = Set(chrono::Utc::now() - chrono::Duration::hours(2))
    })
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if auth_users::Entity::find_by_id(stale)
            .one(app.state.db())
            .await
            .unwrap()
            .is_none()
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the purge task did not run"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
