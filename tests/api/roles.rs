//! Roles and permissions: role CRUD (ADMIN or `roles:manage`), reading roles (also
//! COORDINATOR), assignment (ADMIN or `roles:assign`), `userRoles` (self, ADMIN or
//! `users:read`) and the guarded `User.roles` field.

use rakshaayan::auth::permission::{Permission, UserType};
use serde_json::{Value, json};

use crate::{
    audit_log::{TEST_AGENT, audit_rows, gql_ua},
    common::{Gql, TestApp},
};

const ROLE_FIELDS: &str = "id name description permissions createdAt updatedAt";

fn create_role_mutation() -> String {
    format!(
        "mutation($input: CreateRoleInput!) {{ createRole(input: $input) {{ {ROLE_FIELDS} }} }}"
    )
}

fn update_role_mutation() -> String {
    format!(
        "mutation($id: ID!, $input: UpdateRoleInput!) {{ updateRole(id: $id, input: $input) {{ {ROLE_FIELDS} }} }}"
    )
}

const DELETE_ROLE: &str = "mutation($id: ID!) { deleteRole(id: $id) }";

const ASSIGN_ROLE: &str = r#"
mutation($userId: ID!, $roleId: ID!) {
  assignRole(input: { userId: $userId, roleId: $roleId }) {
    id assignedAt
    user { id username }
    role { id name permissions }
    assignedBy { id username }
  }
}"#;

const REVOKE_ROLE: &str = "mutation($userId: ID!, $roleId: ID!) { revokeRole(input: { userId: $userId, roleId: $roleId }) }";

const USER_ROLES: &str = r#"
query($userId: ID!) {
  userRoles(userId: $userId) { id role { name } user { username } assignedBy { username } }
}"#;

async fn create_role(app: &TestApp, token: &str, name: &str, permissions: &[&str]) -> Gql {
    gql_ua(
        app,
        token,
        &create_role_mutation(),
        json!({ "input": { "name": name, "description": format!("{name} role"), "permissions": permissions } }),
    )
    .await
}

async fn role_id(app: &TestApp, token: &str, name: &str, permissions: &[&str]) -> String {
    let r = create_role(app, token, name, permissions).await;
    r.data()["createRole"]["id"].as_str().unwrap().to_owned()
}

#[track_caller]
fn assert_forbidden(r: &Gql, permission: &str) {
    assert_eq!(r.only_code(), "FORBIDDEN", "{}", r.body);
    let ext = &r.first_error()["extensions"];
    assert_eq!(ext["requiredPermission"], permission, "{ext}");
    assert!(
        ext["reason"].as_str().is_some_and(|s| s.contains("ADMIN")),
        "{ext}"
    );
}

#[track_caller]
fn field_errors(r: &Gql) -> Value {
    assert_eq!(r.only_code(), "BAD_USER_INPUT", "{}", r.body);
    r.first_error()["extensions"]["fieldErrors"].clone()
}

#[tokio::test]
async fn reading_roles_is_for_admins_coordinators_and_roles_manage() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let (_, coordinator) = app.create_user("coord", UserType::Coordinator, &[]).await;
    let (_, manager) = app
        .create_user("manager", UserType::Patient, &[Permission::RolesManage])
        .await;
    let (_, patient) = app.create_user("patient", UserType::Patient, &[]).await;
    let (_, assigner) = app
        .create_user("assigner", UserType::Hospital, &[Permission::RolesAssign])
        .await;
    let id = role_id(&app, &admin, "Reviewers", &["events:review"]).await;

    let query = "query($id: ID!) { roles { name } role(id: $id) { name permissions } }";
    for token in [&admin, &coordinator, &manager] {
        let r = app.gql_as(token, query, json!({ "id": id })).await;
        let names: Vec<&str> = r.data()["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"Reviewers"), "{names:?}");
        assert_eq!(r.data()["role"]["permissions"], json!(["events:review"]));
    }
    for token in [&patient, &assigner] {
        let r = app.gql_as(token, "{ roles { name } }", json!({})).await;
        assert_forbidden(&r, "roles:manage");
        let r = app
            .gql_as(
                token,
                "query($id: ID!) { role(id: $id) { name } }",
                json!({ "id": id }),
            )
            .await;
        assert_forbidden(&r, "roles:manage");
        assert!(
            r.body["data"]["role"].is_null(),
            "nullable field: {}",
            r.body
        );
    }
    assert_eq!(
        app.gql("{ roles { name } }").await.only_code(),
        "UNAUTHENTICATED"
    );

    // Unknown and malformed ids.
    let r = app
        .gql_as(&admin, "{ role(id: \"99999\") { name } }", json!({}))
        .await;
    assert!(r.data()["role"].is_null());
    let r = app
        .gql_as(&admin, "{ role(id: \"x1\") { name } }", json!({}))
        .await;
    assert!(field_errors(&r)["id"].is_array());
}

#[tokio::test]
async fn create_role_stores_catalogue_permissions_and_audits_the_change() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.admin_token().await;
    let r = create_role(
        &app,
        &admin,
        "  Event Reviewers ",
        &["events:review", "audit:read", "events:review"],
    )
    .await;
    let role = &r.data()["createRole"];
    assert_eq!(role["name"], "Event Reviewers", "trimmed");
    assert_eq!(role["description"], "Event Reviewers  role", "trimmed too");
    assert_eq!(
        role["permissions"],
        json!(["audit:read", "events:review"]),
        "deduplicated, in catalogue order"
    );
    assert_eq!(role["createdAt"], role["updatedAt"]);

    let rows = audit_rows(&app, "role").await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.action, entity::enums::AuditAction::Create);
    assert_eq!(row.user_id, Some(admin_id));
    assert_eq!(row.resource_id.as_deref(), role["id"].as_str());
    assert_eq!(row.ip_address.as_deref(), Some("127.0.0.1"));
    assert_eq!(row.user_agent.as_deref(), Some(TEST_AGENT));
    assert_eq!(row.details["name"], "Event Reviewers");
    assert_eq!(
        row.details["permissions"],
        json!(["audit:read", "events:review"])
    );

    // No description, no permissions.
    let r = gql_ua(
        &app,
        &admin,
        &create_role_mutation(),
        json!({ "input": { "name": "Empty" } }),
    )
    .await;
    assert_eq!(r.data()["createRole"]["permissions"], json!([]));
    assert!(r.data()["createRole"]["description"].is_null());
}

#[tokio::test]
async fn invalid_role_input_reports_every_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let cases = [
        (
            json!({ "name": "   ", "permissions": ["users:read", "users:*", "audit:read", "root"] }),
            vec!["name", "permissions.1", "permissions.3"],
        ),
        (json!({ "name": "bad-name!" }), vec!["name"]),
        (json!({ "name": "a".repeat(101) }), vec!["name"]),
        (json!({ "name": "" }), vec!["name"]),
    ];
    for (input, fields) in cases {
        let r = gql_ua(
            &app,
            &admin,
            &create_role_mutation(),
            json!({ "input": input }),
        )
        .await;
        let errors = field_errors(&r);
        let mut keys: Vec<&str> = errors
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, fields, "{input}: {errors}");
    }
    let r = gql_ua(
        &app,
        &admin,
        &create_role_mutation(),
        json!({ "input": { "name": "Ok", "permissions": ["events:reveiw"] } }),
    )
    .await;
    let message = field_errors(&r)["permissions.0"][0]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("events:reveiw") && message.contains("events:review"),
        "{message}"
    );

    let r = app.gql_as(&admin, "{ roles { name } }", json!({})).await;
    assert_eq!(r.data()["roles"], json!([]));
    assert!(audit_rows(&app, "role").await.is_empty());
}

#[tokio::test]
async fn a_duplicate_role_name_is_a_conflict_without_an_audit_row() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    role_id(&app, &admin, "Reviewers", &[]).await;
    let r = create_role(&app, &admin, "Reviewers", &["audit:read"]).await;
    assert_eq!(r.only_code(), "CONFLICT", "{}", r.body);
    assert!(r.first_error()["extensions"]["fieldErrors"]["name"].is_array());
    assert_eq!(
        audit_rows(&app, "role").await.len(),
        1,
        "only the first create"
    );
}

#[tokio::test]
async fn update_role_changes_only_the_given_fields() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let id = role_id(&app, &admin, "Reviewers", &["events:review"]).await;
    role_id(&app, &admin, "Taken", &[]).await;

    // Permissions only: name and description stay.
    let r = gql_ua(
        &app,
        &admin,
        &update_role_mutation(),
        json!({ "id": id, "input": { "permissions": ["events:stats", "events:review"] } }),
    )
    .await;
    let role = &r.data()["updateRole"];
    assert_eq!(role["name"], "Reviewers");
    assert_eq!(role["description"], "Reviewers role");
    assert_eq!(
        role["permissions"],
        json!(["events:review", "events:stats"])
    );
    assert_ne!(role["updatedAt"], role["createdAt"]);

    // Rename and clear the description.
    let r = gql_ua(
        &app,
        &admin,
        &update_role_mutation(),
        json!({ "id": id, "input": { "name": "Senior reviewers", "description": null } }),
    )
    .await;
    let role = &r.data()["updateRole"];
    assert_eq!(role["name"], "Senior reviewers");
    assert!(role["description"].is_null());
    assert_eq!(
        role["permissions"],
        json!(["events:review", "events:stats"])
    );

    let rows = audit_rows(&app, "role").await;
    let updates: Vec<_> = rows
        .iter()
        .filter(|r| r.action == entity::enums::AuditAction::Update)
        .collect();
    assert_eq!(updates.len(), 2);
    assert_eq!(
        updates[0].details,
        json!({ "permissions": { "from": ["events:review"], "to": ["events:review", "events:stats"] } })
    );
    assert_eq!(
        updates[1].details,
        json!({
            "name": { "from": "Reviewers", "to": "Senior reviewers" },
            "description": { "from": "Reviewers role", "to": null }
        })
    );

    // An update that changes nothing writes nothing.
    let r = gql_ua(
        &app,
        &admin,
        &update_role_mutation(),
        json!({ "id": id, "input": { "name": "Senior reviewers" } }),
    )
    .await;
    r.data();
    assert_eq!(audit_rows(&app, "role").await.len(), rows.len());

    // Conflicts, validation, unknown and malformed ids.
    let r = gql_ua(
        &app,
        &admin,
        &update_role_mutation(),
        json!({ "id": id, "input": { "name": "Taken" } }),
    )
    .await;
    assert_eq!(r.only_code(), "CONFLICT");
    let r = gql_ua(
        &app,
        &admin,
        &update_role_mutation(),
        json!({ "id": id, "input": { "name": " ", "permissions": ["nope"] } }),
    )
    .await;
    let errors = field_errors(&r);
    assert!(
        errors["name"].is_array() && errors["permissions.0"].is_array(),
        "{errors}"
    );
    let r = gql_ua(
        &app,
        &admin,
        &update_role_mutation(),
        json!({ "id": "424242", "input": { "name": "X" } }),
    )
    .await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    let r = gql_ua(
        &app,
        &admin,
        &update_role_mutation(),
        json!({ "id": "4x", "input": {} }),
    )
    .await;
    assert!(field_errors(&r)["id"].is_array());
    assert_eq!(audit_rows(&app, "role").await.len(), rows.len());
}

#[tokio::test]
async fn delete_role_returns_its_id_and_removes_its_assignments() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let (user_id, user) = app.create_user("holder", UserType::Patient, &[]).await;
    let id = role_id(&app, &admin, "Auditors", &["audit:read"]).await;
    gql_ua(
        &app,
        &admin,
        ASSIGN_ROLE,
        json!({ "userId": user_id.to_string(), "roleId": id }),
    )
    .await
    .data();
    let r = app
        .gql_as(&user, "{ auditLogs { totalCount } }", json!({}))
        .await;
    r.data();

    let r = gql_ua(&app, &admin, DELETE_ROLE, json!({ "id": id })).await;
    assert_eq!(r.data()["deleteRole"], id);
    let r = app
        .gql_as(&admin, USER_ROLES, json!({ "userId": user_id.to_string() }))
        .await;
    assert_eq!(r.data()["userRoles"], json!([]));
    // The permission went with the role.
    let r = app
        .gql_as(&user, "{ auditLogs { totalCount } }", json!({}))
        .await;
    assert_eq!(r.only_code(), "FORBIDDEN");

    let deleted = audit_rows(&app, "role")
        .await
        .into_iter()
        .find(|r| r.action == entity::enums::AuditAction::Delete)
        .expect("delete audited");
    assert_eq!(deleted.details["name"], "Auditors");
    assert_eq!(deleted.details["assignmentsRemoved"], 1);

    let r = gql_ua(&app, &admin, DELETE_ROLE, json!({ "id": id })).await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    let r = gql_ua(&app, &admin, DELETE_ROLE, json!({ "id": "-3" })).await;
    assert!(field_errors(&r)["id"].is_array());
}

#[tokio::test]
async fn role_management_needs_admin_or_roles_manage() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let (_, coordinator) = app.create_user("coord", UserType::Coordinator, &[]).await;
    let (_, assigner) = app
        .create_user("assigner", UserType::Patient, &[Permission::RolesAssign])
        .await;
    let (_, manager) = app
        .create_user("manager", UserType::Patient, &[Permission::RolesManage])
        .await;
    let id = role_id(&app, &admin, "Existing", &[]).await;

    for token in [&coordinator, &assigner] {
        let r = create_role(&app, token, "Nope", &[]).await;
        assert_forbidden(&r, "roles:manage");
        let r = gql_ua(
            &app,
            token,
            &update_role_mutation(),
            json!({ "id": id, "input": { "name": "Nope" } }),
        )
        .await;
        assert_forbidden(&r, "roles:manage");
        let r = gql_ua(&app, token, DELETE_ROLE, json!({ "id": id })).await;
        assert_forbidden(&r, "roles:manage");
    }

    // A PATIENT holding roles:manage may (union of type and permissions).
    let new_id = role_id(&app, &manager, "By a patient", &["help:manage"]).await;
    let r = gql_ua(
        &app,
        &manager,
        &update_role_mutation(),
        json!({ "id": new_id, "input": { "description": "d" } }),
    )
    .await;
    assert_eq!(r.data()["updateRole"]["description"], "d");
    let r = gql_ua(&app, &manager, DELETE_ROLE, json!({ "id": new_id })).await;
    assert_eq!(r.data()["deleteRole"], new_id);
}

#[tokio::test]
async fn assign_and_revoke_role_record_the_grantor_and_take_effect_at_once() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.admin_token().await;
    let (user_id, user) = app.create_user("grantee", UserType::Patient, &[]).await;
    let id = role_id(&app, &admin, "Auditors", &["audit:read"]).await;
    let vars = json!({ "userId": user_id.to_string(), "roleId": id });

    let r = app
        .gql_as(&user, "{ auditLogs { totalCount } }", json!({}))
        .await;
    assert_eq!(r.only_code(), "FORBIDDEN");

    let r = gql_ua(&app, &admin, ASSIGN_ROLE, vars.clone()).await;
    let assignment = r.data()["assignRole"].clone();
    assert_eq!(assignment["user"]["username"], "grantee");
    assert_eq!(assignment["role"]["name"], "Auditors");
    assert_eq!(assignment["assignedBy"]["id"], admin_id.to_string());
    let assignment_id = assignment["id"].as_str().unwrap().to_owned();

    // The grant applies to the user's next request.
    let r = app
        .gql_as(
            &user,
            "{ myPermissions { permissions } auditLogs { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        r.data()["myPermissions"]["permissions"],
        json!(["audit:read"])
    );

    // Duplicate, unknown user, unknown role, malformed ids.
    let r = gql_ua(&app, &admin, ASSIGN_ROLE, vars.clone()).await;
    assert_eq!(r.only_code(), "CONFLICT");
    assert!(r.first_error()["extensions"]["fieldErrors"]["roleId"].is_array());
    let r = gql_ua(
        &app,
        &admin,
        ASSIGN_ROLE,
        json!({ "userId": "987654", "roleId": id }),
    )
    .await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    assert_eq!(r.first_error()["message"], "User not found");
    let r = gql_ua(
        &app,
        &admin,
        ASSIGN_ROLE,
        json!({ "userId": user_id.to_string(), "roleId": "987654" }),
    )
    .await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    assert_eq!(r.first_error()["message"], "Role not found");
    let r = gql_ua(
        &app,
        &admin,
        ASSIGN_ROLE,
        json!({ "userId": "u1", "roleId": "" }),
    )
    .await;
    let errors = field_errors(&r);
    assert!(
        errors["userId"].is_array() && errors["roleId"].is_array(),
        "{errors}"
    );

    let rows = audit_rows(&app, "user_role").await;
    assert_eq!(rows.len(), 1, "failures are not audited");
    assert_eq!(rows[0].resource_id.as_deref(), Some(assignment_id.as_str()));
    assert_eq!(rows[0].user_id, Some(admin_id));
    assert_eq!(rows[0].details["roleName"], "Auditors");
    assert_eq!(rows[0].details["userId"], user_id);
    assert_eq!(rows[0].ip_address.as_deref(), Some("127.0.0.1"));
    assert_eq!(rows[0].user_agent.as_deref(), Some(TEST_AGENT));

    // Revoke returns the assignment's id; the permission is gone at once.
    let r = gql_ua(&app, &admin, REVOKE_ROLE, vars.clone()).await;
    assert_eq!(r.data()["revokeRole"], assignment_id);
    let r = app
        .gql_as(&user, "{ auditLogs { totalCount } }", json!({}))
        .await;
    assert_eq!(r.only_code(), "FORBIDDEN");
    let r = gql_ua(&app, &admin, REVOKE_ROLE, vars.clone()).await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    let r = gql_ua(
        &app,
        &admin,
        REVOKE_ROLE,
        json!({ "userId": "x", "roleId": id }),
    )
    .await;
    assert!(field_errors(&r)["userId"].is_array());

    let rows = audit_rows(&app, "user_role").await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].action, entity::enums::AuditAction::Delete);
    assert_eq!(rows[1].resource_id.as_deref(), Some(assignment_id.as_str()));
    assert_eq!(rows[1].details["roleName"], "Auditors");
}

#[tokio::test]
async fn role_assignment_needs_admin_or_roles_assign() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let (_, coordinator) = app.create_user("coord", UserType::Coordinator, &[]).await;
    let (_, manager) = app
        .create_user("manager", UserType::Patient, &[Permission::RolesManage])
        .await;
    let (_, assigner) = app
        .create_user("assigner", UserType::Patient, &[Permission::RolesAssign])
        .await;
    let (user_id, _) = app.create_user("target", UserType::Patient, &[]).await;
    let id = role_id(&app, &admin, "Helpers", &["help:manage"]).await;
    let vars = json!({ "userId": user_id.to_string(), "roleId": id });

    for token in [&coordinator, &manager] {
        let r = gql_ua(&app, token, ASSIGN_ROLE, vars.clone()).await;
        assert_forbidden(&r, "roles:assign");
        let r = gql_ua(&app, token, REVOKE_ROLE, vars.clone()).await;
        assert_forbidden(&r, "roles:assign");
    }
    let r = gql_ua(&app, &assigner, ASSIGN_ROLE, vars.clone()).await;
    assert_eq!(r.data()["assignRole"]["assignedBy"]["username"], "assigner");
    let r = gql_ua(&app, &assigner, REVOKE_ROLE, vars).await;
    assert!(r.data()["revokeRole"].is_string());
}

#[tokio::test]
async fn user_roles_is_for_the_user_themself_admins_and_users_read() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let (user_id, user) = app.create_user("holder", UserType::Patient, &[]).await;
    let (_, other) = app.create_user("other", UserType::Patient, &[]).await;
    let (_, reader) = app
        .create_user("reader", UserType::Hospital, &[Permission::UsersRead])
        .await;
    let id = role_id(&app, &admin, "Helpers", &["help:manage"]).await;
    gql_ua(
        &app,
        &admin,
        ASSIGN_ROLE,
        json!({ "userId": user_id.to_string(), "roleId": id }),
    )
    .await
    .data();
    let vars = json!({ "userId": user_id.to_string() });

    for token in [&user, &admin, &reader] {
        let r = app.gql_as(token, USER_ROLES, vars.clone()).await;
        let list = r.data()["userRoles"].as_array().unwrap().clone();
        assert_eq!(list.len(), 1, "{}", r.body);
        assert_eq!(list[0]["role"]["name"], "Helpers");
        assert_eq!(list[0]["user"]["username"], "holder");
        assert_eq!(list[0]["assignedBy"]["username"], "root.admin");
    }
    let r = app.gql_as(&other, USER_ROLES, vars.clone()).await;
    assert_eq!(r.only_code(), "FORBIDDEN");
    assert_eq!(
        r.first_error()["extensions"]["requiredPermission"],
        "users:read"
    );
    assert!(r.first_error()["extensions"]["reason"].is_string());
    assert_eq!(
        app.gql_with(None, USER_ROLES, vars).await.only_code(),
        "UNAUTHENTICATED"
    );

    // Own empty list; unknown user; malformed id.
    let r = app.gql_as(&reader, "{ me { id } }", json!({})).await;
    let reader_id = r.data()["me"]["id"].clone();
    let r = app
        .gql_as(&reader, USER_ROLES, json!({ "userId": reader_id }))
        .await;
    assert_eq!(
        r.data()["userRoles"].as_array().unwrap().len(),
        1,
        "its own test role"
    );
    let r = app
        .gql_as(&admin, USER_ROLES, json!({ "userId": "777777" }))
        .await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    let r = app
        .gql_as(&admin, USER_ROLES, json!({ "userId": "seven" }))
        .await;
    assert!(field_errors(&r)["userId"].is_array());
}

#[tokio::test]
async fn user_roles_field_is_private_to_the_user_admins_and_users_read() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    // A patient who may assign roles grants one to another patient: that patient then
    // sees the grantor (another patient) through `assignedBy`, but not the grantor's roles.
    let (_, grantor) = app
        .create_user("grantor", UserType::Patient, &[Permission::RolesAssign])
        .await;
    let (grantee_id, grantee) = app.create_user("grantee", UserType::Patient, &[]).await;
    let id = role_id(&app, &admin, "Helpers", &["help:manage"]).await;
    gql_ua(
        &app,
        &grantor,
        ASSIGN_ROLE,
        json!({ "userId": grantee_id.to_string(), "roleId": id }),
    )
    .await
    .data();

    let r = app
        .gql_as(
            &grantee,
            "query($id: ID!) { userRoles(userId: $id) { user { roles { name } } assignedBy { username roles { name } } } }",
            json!({ "id": grantee_id.to_string() }),
        )
        .await;
    let entry = &r.body["data"]["userRoles"][0];
    assert_eq!(
        entry["user"]["roles"],
        json!([{ "name": "Helpers" }]),
        "own roles: {}",
        r.body
    );
    assert_eq!(
        entry["assignedBy"]["username"], "grantor",
        "the rest still arrives"
    );
    assert!(entry["assignedBy"]["roles"].is_null());
    assert_eq!(r.only_code(), "FORBIDDEN");
    let error = r.first_error();
    assert_eq!(
        error["path"],
        json!(["userRoles", 0, "assignedBy", "roles"])
    );
    assert_eq!(error["extensions"]["requiredPermission"], "users:read");

    // The user and an admin see the list.
    let r = app
        .gql_as(&grantee, "{ me { roles { name permissions } } }", json!({}))
        .await;
    assert_eq!(
        r.data()["me"]["roles"],
        json!([{ "name": "Helpers", "permissions": ["help:manage"] }])
    );
    let r = app
        .gql_as(
            &admin,
            "query($id: ID!) { user(id: $id) { roles { name } } }",
            json!({ "id": grantee_id.to_string() }),
        )
        .await;
    assert_eq!(r.data()["user"]["roles"], json!([{ "name": "Helpers" }]));
}

#[tokio::test]
async fn concurrent_role_updates_all_succeed() {
    // Each update reads the role, then writes it and its audit row in one transaction.
    // On SQLite such a transaction must take the write lock up front, or a writer that
    // committed in between makes the upgrade fail ("database is locked") instead of
    // queueing.
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let id = role_id(&app, &admin, "Busy", &[]).await;
    let mutation = update_role_mutation();
    let updates = (0..40).map(|i| {
        let app = &app;
        let admin = admin.clone();
        let id = id.clone();
        let mutation = mutation.clone();
        async move {
            app.gql_as(
                &admin,
                &mutation,
                json!({ "id": id, "input": { "description": format!("version {i}") } }),
            )
            .await
        }
    });
    for r in futures_util::future::join_all(updates).await {
        r.data();
    }
    let updates = audit_rows(&app, "role")
        .await
        .into_iter()
        .filter(|r| r.action == entity::enums::AuditAction::Update)
        .count();
    assert_eq!(updates, 40);
}
