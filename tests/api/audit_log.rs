//! The audit log: `auditLogs` (ADMIN or `audit:read`) with its filters and Relay
//! pagination, and the facts every entry carries (actor, ip, user agent, details).

use entity::auth_audit_logs;
use rakshaayan::auth::permission::{Permission, UserType};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::common::{Gql, TestApp, into_gql};

/// The user agent the tests send with changes whose audit rows they check.
pub const TEST_AGENT: &str = "rakshaayan-tests/1.0 (audit)";

/// POSTs a GraphQL request as `token` with `User-Agent: TEST_AGENT`.
pub async fn gql_ua(app: &TestApp, token: &str, query: &str, variables: Value) -> Gql {
    let response = app
        .client
        .post(format!("{}/graphql", app.url))
        .bearer_auth(token)
        .header(reqwest::header::USER_AGENT, TEST_AGENT)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request sent");
    into_gql(response).await
}

/// The audit rows about `resource_type`, oldest first, read straight from the database.
pub async fn audit_rows(app: &TestApp, resource_type: &str) -> Vec<auth_audit_logs::Model> {
    auth_audit_logs::Entity::find()
        .filter(auth_audit_logs::Column::ResourceType.eq(resource_type))
        .order_by_asc(auth_audit_logs::Column::Id)
        .all(app.state.db())
        .await
        .expect("audit rows")
}

const CREATE_ROLE: &str =
    "mutation($input: CreateRoleInput!) { createRole(input: $input) { id name } }";

const AUDIT_LOGS: &str = r#"
query($filter: AuditLogFilter, $first: Int, $after: String, $last: Int, $before: String) {
  auditLogs(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node { id action resourceType resourceId details ipAddress userAgent createdAt user { id username } }
    }
  }
}"#;

fn nodes(r: &Gql) -> Vec<Value> {
    r.data()["auditLogs"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn create_role(app: &TestApp, token: &str, name: &str) -> String {
    let r = gql_ua(
        app,
        token,
        CREATE_ROLE,
        json!({ "input": { "name": name, "permissions": ["audit:read"] } }),
    )
    .await;
    r.data()["createRole"]["id"]
        .as_str()
        .expect("role id")
        .to_owned()
}

#[tokio::test]
async fn audit_logs_need_admin_or_audit_read() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let (_, patient) = app
        .create_user("plain.patient", UserType::Patient, &[])
        .await;
    let (_, coordinator) = app
        .create_user("coord", UserType::Coordinator, &[Permission::UsersRead])
        .await;
    let (_, auditor) = app
        .create_user("auditor", UserType::Patient, &[Permission::AuditRead])
        .await;
    let query = "{ auditLogs { totalCount } }";

    for token in [&patient, &coordinator] {
        let r = app.gql_as(token, query, json!({})).await;
        assert_eq!(r.only_code(), "FORBIDDEN", "{}", r.body);
        let ext = &r.first_error()["extensions"];
        assert_eq!(ext["requiredPermission"], "audit:read");
        assert!(
            ext["reason"].as_str().unwrap().contains("ADMIN"),
            "the reason names the rule: {ext}"
        );
        assert!(r.body["data"].is_null(), "non-null root field: {}", r.body);
    }
    let r = app.gql(query).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");

    for token in [&admin, &auditor] {
        let r = app.gql_as(token, query, json!({})).await;
        assert!(r.data()["auditLogs"]["totalCount"].as_i64().unwrap() >= 1);
    }
}

#[tokio::test]
async fn audit_entries_carry_the_actor_ip_user_agent_and_details() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.admin_token().await;
    let role_id = create_role(&app, &admin, "Auditors").await;

    let r = app
        .gql_as(
            &admin,
            AUDIT_LOGS,
            json!({ "filter": { "resourceType": "role", "resourceId": role_id } }),
        )
        .await;
    let entries = nodes(&r);
    assert_eq!(entries.len(), 1, "{}", r.body);
    let entry = &entries[0];
    assert_eq!(entry["action"], "CREATE");
    assert_eq!(entry["resourceType"], "role");
    assert_eq!(entry["resourceId"], role_id);
    assert_eq!(entry["ipAddress"], "127.0.0.1");
    assert_eq!(entry["userAgent"], TEST_AGENT);
    assert_eq!(entry["user"]["id"], admin_id.to_string());
    assert_eq!(entry["user"]["username"], "root.admin");
    assert_eq!(entry["details"]["name"], "Auditors");
    assert_eq!(entry["details"]["permissions"], json!(["audit:read"]));
    assert!(
        entry["createdAt"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .is_ok()
    );

    // The create-admin row has no actor and no client.
    let r = app
        .gql_as(
            &admin,
            AUDIT_LOGS,
            json!({ "filter": { "resourceType": "user", "resourceId": admin_id.to_string() } }),
        )
        .await;
    let entries = nodes(&r);
    assert_eq!(entries.len(), 1, "{}", r.body);
    assert!(entries[0]["user"].is_null());
    assert!(entries[0]["ipAddress"].is_null());
}

#[tokio::test]
async fn audit_logs_filter_by_user_action_resource_and_time() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.admin_token().await;
    let (manager_id, manager) = app
        .create_user(
            "role.manager",
            UserType::Patient,
            &[Permission::RolesManage],
        )
        .await;
    let first = create_role(&app, &admin, "First").await;
    let before_second = chrono::Utc::now();
    let second = create_role(&app, &manager, "Second").await;
    let r = gql_ua(
        &app,
        &manager,
        "mutation($id: ID!) { updateRole(id: $id, input: { description: \"x\" }) { id } }",
        json!({ "id": second }),
    )
    .await;
    r.data();
    let r = gql_ua(
        &app,
        &admin,
        "mutation($id: ID!) { deleteRole(id: $id) }",
        json!({ "id": first }),
    )
    .await;
    r.data();
    let after_all = chrono::Utc::now();

    let actions = |r: &Gql| -> Vec<String> {
        nodes(r)
            .iter()
            .map(|n| n["action"].as_str().unwrap().to_owned())
            .collect()
    };
    let run = |filter: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.gql_as(&admin, AUDIT_LOGS, json!({ "filter": filter }))
                .await
        }
    };

    // By actor: the manager created and updated "Second", newest first.
    let r = run(json!({ "userId": manager_id.to_string() })).await;
    assert_eq!(actions(&r), ["UPDATE", "CREATE"], "{}", r.body);
    assert_eq!(r.data()["auditLogs"]["totalCount"], 2);
    assert!(
        nodes(&r)
            .iter()
            .all(|n| n["user"]["username"] == "role.manager")
    );

    // By action list.
    let r = run(json!({ "resourceType": "role", "action": ["UPDATE", "DELETE"] })).await;
    assert_eq!(actions(&r), ["DELETE", "UPDATE"], "{}", r.body);
    assert_eq!(nodes(&r)[0]["resourceId"], first);
    assert_eq!(nodes(&r)[0]["user"]["id"], admin_id.to_string());

    // By resource.
    let r = run(json!({ "resourceType": "role", "resourceId": second })).await;
    assert_eq!(actions(&r), ["UPDATE", "CREATE"]);
    assert_eq!(
        nodes(&r)[0]["details"],
        json!({ "description": { "from": null, "to": "x" } })
    );

    // By time: from just before the second role on, only the later three.
    let r = run(json!({ "resourceType": "role", "createdFrom": before_second })).await;
    assert_eq!(actions(&r), ["DELETE", "UPDATE", "CREATE"], "{}", r.body);
    let r = run(json!({ "resourceType": "role", "createdTo": before_second })).await;
    assert_eq!(actions(&r), ["CREATE"]);
    assert_eq!(nodes(&r)[0]["resourceId"], first);
    let r = run(json!({ "createdFrom": after_all })).await;
    assert!(nodes(&r).is_empty());
    assert_eq!(r.data()["auditLogs"]["totalCount"], 0);

    // A reversed range, a malformed user id.
    let r = run(json!({ "createdFrom": after_all, "createdTo": before_second })).await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT");
    assert!(r.first_error()["extensions"]["fieldErrors"]["createdTo"].is_array());
    let r = run(json!({ "userId": "abc" })).await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT");
    assert!(r.first_error()["extensions"]["fieldErrors"]["userId"].is_array());
}

#[tokio::test]
async fn audit_logs_page_forwards_and_backwards() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    for i in 0..7 {
        create_role(&app, &admin, &format!("Role {i}")).await;
    }
    let filter = json!({ "resourceType": "role" });
    let page = |first: Option<i64>,
                after: Option<String>,
                last: Option<i64>,
                before: Option<String>| {
        let app = &app;
        let admin = admin.clone();
        let filter = filter.clone();
        async move {
            app.gql_as(
                &admin,
                AUDIT_LOGS,
                json!({ "filter": filter, "first": first, "after": after, "last": last, "before": before }),
            )
            .await
        }
    };
    let names = |r: &Gql| -> Vec<String> {
        nodes(r)
            .iter()
            .map(|n| n["details"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let info = |r: &Gql| r.data()["auditLogs"]["pageInfo"].clone();

    let all = page(Some(100), None, None, None).await;
    let everything = names(&all);
    assert_eq!(
        everything,
        (0..7)
            .rev()
            .map(|i| format!("Role {i}"))
            .collect::<Vec<_>>(),
        "newest first"
    );

    // Forwards in pages of 3: 3 + 3 + 1.
    let p1 = page(Some(3), None, None, None).await;
    assert_eq!(names(&p1), everything[0..3]);
    assert_eq!(p1.data()["auditLogs"]["totalCount"], 7);
    assert_eq!(info(&p1)["hasNextPage"], true);
    assert_eq!(info(&p1)["hasPreviousPage"], false);
    let edges = p1.data()["auditLogs"]["edges"].as_array().unwrap().clone();
    assert_eq!(info(&p1)["startCursor"], edges[0]["cursor"]);
    assert_eq!(info(&p1)["endCursor"], edges[2]["cursor"]);

    let cursor = info(&p1)["endCursor"].as_str().unwrap().to_owned();
    let p2 = page(Some(3), Some(cursor), None, None).await;
    assert_eq!(names(&p2), everything[3..6]);
    assert_eq!(info(&p2)["hasNextPage"], true);
    assert_eq!(info(&p2)["hasPreviousPage"], true);
    assert_eq!(p2.data()["auditLogs"]["totalCount"], 7);

    let cursor = info(&p2)["endCursor"].as_str().unwrap().to_owned();
    let p3 = page(Some(3), Some(cursor), None, None).await;
    assert_eq!(names(&p3), everything[6..7]);
    assert_eq!(info(&p3)["hasNextPage"], false);
    assert_eq!(info(&p3)["hasPreviousPage"], true);

    // Backwards from the end: the oldest 3, then the 3 before them.
    let b1 = page(None, None, Some(3), None).await;
    assert_eq!(names(&b1), everything[4..7]);
    assert_eq!(info(&b1)["hasPreviousPage"], true);
    assert_eq!(info(&b1)["hasNextPage"], false);
    let cursor = info(&b1)["startCursor"].as_str().unwrap().to_owned();
    let b2 = page(None, None, Some(3), Some(cursor)).await;
    assert_eq!(names(&b2), everything[1..4]);
    assert_eq!(info(&b2)["hasPreviousPage"], true);
    assert_eq!(info(&b2)["hasNextPage"], true);
    let cursor = info(&b2)["startCursor"].as_str().unwrap().to_owned();
    let b3 = page(None, None, Some(3), Some(cursor)).await;
    assert_eq!(names(&b3), everything[0..1]);
    assert_eq!(info(&b3)["hasPreviousPage"], false);

    // Page size limits and bad cursors.
    for (vars, field) in [
        (json!({ "first": 101 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "last": 101 }), "last"),
        (json!({ "after": "not-a-cursor" }), "after"),
        (json!({ "before": "bm90IGpzb24" }), "before"),
    ] {
        let r = app.gql_as(&admin, AUDIT_LOGS, vars.clone()).await;
        assert_eq!(r.only_code(), "BAD_USER_INPUT", "{vars}: {}", r.body);
        assert!(
            r.first_error()["extensions"]["fieldErrors"][field].is_array(),
            "{vars}: {}",
            r.body
        );
    }
    let r = app
        .gql_as(&admin, AUDIT_LOGS, json!({ "first": 100 }))
        .await;
    assert!(r.errors().is_empty(), "100 is allowed: {}", r.body);
    let r = app.gql_as(&admin, AUDIT_LOGS, json!({ "first": 0 })).await;
    assert!(nodes(&r).is_empty());
    assert_eq!(info(&r)["hasNextPage"], true);
    // A users cursor is not an audit-log cursor.
    let users = app
        .gql_as(
            &admin,
            "{ users(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let users_cursor = users.data()["users"]["pageInfo"]["endCursor"].clone();
    let r = app
        .gql_as(&admin, AUDIT_LOGS, json!({ "after": users_cursor }))
        .await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn total_count_is_only_counted_when_asked_for() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    app.warm(&admin).await;
    let statements = |q: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let before = app.state.statements().get();
            app.gql_as(&admin, q, json!({})).await.data();
            app.state.statements().get() - before
        }
    };
    let without = statements("{ auditLogs { edges { node { id } } } }").await;
    let with = statements("{ auditLogs { totalCount edges { node { id } } } }").await;
    assert_eq!(with, without + 1, "one COUNT statement, only when selected");
}

#[tokio::test]
async fn a_failed_change_writes_no_audit_row() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    create_role(&app, &admin, "Unique").await;
    let before = audit_rows(&app, "role").await.len();
    let r = gql_ua(
        &app,
        &admin,
        CREATE_ROLE,
        json!({ "input": { "name": "Unique", "permissions": [] } }),
    )
    .await;
    assert_eq!(r.only_code(), "CONFLICT");
    assert_eq!(audit_rows(&app, "role").await.len(), before);
}
