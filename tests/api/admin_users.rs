//! Account administration: `users` (filters, Relay pagination), `user`, `createUser`
//! and `setUserActive`, with their guards, the admin-only rule for ADMIN accounts,
//! session revocation on deactivation, and the statement count of a page of users.

use entity::{auth_sessions, auth_users};
use rakshaayan::auth::permission::{Permission, UserType};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};

use crate::{
    audit_log::{TEST_AGENT, audit_rows, gql_ua},
    common::{Gql, STRONG_PASSWORD, TestApp},
};

const USERS: &str = r#"
query($filter: UserFilter, $first: Int, $after: String, $last: Int, $before: String) {
  users(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id username email userType isActive createdAt } }
  }
}"#;

const CREATE_USER: &str = r#"
mutation($input: CreateUserInput!) {
  createUser(input: $input) {
    id username email phoneNumber userType firstName lastName organizationName designation
    address isPhoneVerified isEmailVerified isActive roles { name }
  }
}"#;

const SET_ACTIVE: &str = r#"
mutation($id: ID!, $active: Boolean!) { setUserActive(id: $id, active: $active) { id isActive } }
"#;

fn usernames(r: &Gql) -> Vec<String> {
    r.data()["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["username"].as_str().unwrap().to_owned())
        .collect()
}

fn page_info(r: &Gql) -> Value {
    r.data()["users"]["pageInfo"].clone()
}

#[track_caller]
fn field_errors(r: &Gql) -> Value {
    assert_eq!(r.only_code(), "BAD_USER_INPUT", "{}", r.body);
    r.first_error()["extensions"]["fieldErrors"].clone()
}

fn new_user(username: &str, user_type: &str) -> Value {
    static PHONE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = PHONE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    json!({
        "username": username,
        "email": format!("{username}@agency.example"),
        "phoneNumber": format!("+91 99{n:08}"),
        "password": STRONG_PASSWORD,
        "userType": user_type,
    })
}

async fn users(app: &TestApp, token: &str, vars: Value) -> Gql {
    app.gql_as(token, USERS, vars).await
}

#[tokio::test]
async fn users_and_user_need_admin_or_users_read() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.admin_token().await;
    let (_, patient) = app.create_user("patient", UserType::Patient, &[]).await;
    let (_, coordinator) = app
        .create_user("coord", UserType::Coordinator, &[Permission::UsersManage])
        .await;
    let (_, reader) = app
        .create_user("reader", UserType::Patient, &[Permission::UsersRead])
        .await;
    let user_query = "query($id: ID!) { user(id: $id) { username email } }";
    let vars = json!({ "id": admin_id.to_string() });

    for token in [&patient, &coordinator] {
        let r = users(&app, token, json!({})).await;
        assert_eq!(r.only_code(), "FORBIDDEN");
        let ext = &r.first_error()["extensions"];
        assert_eq!(ext["requiredPermission"], "users:read");
        assert!(ext["reason"].as_str().unwrap().contains("ADMIN"), "{ext}");
        let r = app.gql_as(token, user_query, vars.clone()).await;
        assert_eq!(r.only_code(), "FORBIDDEN");
        assert!(r.body["data"]["user"].is_null());
    }
    assert_eq!(
        app.gql("{ users { totalCount } }").await.only_code(),
        "UNAUTHENTICATED"
    );

    for token in [&admin, &reader] {
        let r = users(&app, token, json!({})).await;
        assert_eq!(r.data()["users"]["totalCount"], 4);
        let r = app.gql_as(token, user_query, vars.clone()).await;
        assert_eq!(r.data()["user"]["username"], "root.admin");
        assert_eq!(r.data()["user"]["email"], "root.admin@rakshaayan.test");
    }
    let r = app
        .gql_as(&admin, user_query, json!({ "id": "123456" }))
        .await;
    assert!(r.data()["user"].is_null(), "unknown id is null");
    let r = app.gql_as(&admin, user_query, json!({ "id": "1e3" })).await;
    assert!(field_errors(&r)["id"].is_array());
}

#[tokio::test]
async fn users_page_forwards_and_backwards_with_cursors_and_total_count() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    for i in 0..7 {
        app.create_user(&format!("user{i}"), UserType::Patient, &[])
            .await;
    }
    let all = users(&app, &admin, json!({ "first": 100 })).await;
    let everyone = usernames(&all);
    let mut expected: Vec<String> = (0..7).rev().map(|i| format!("user{i}")).collect();
    expected.push("root.admin".into());
    assert_eq!(everyone, expected, "newest first");
    assert_eq!(all.data()["users"]["totalCount"], 8);

    // Default page size is 20: everything fits.
    let r = users(&app, &admin, json!({})).await;
    assert_eq!(usernames(&r), everyone);
    assert_eq!(page_info(&r)["hasNextPage"], false);

    // Forwards: 3 + 3 + 2.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let r = users(&app, &admin, json!({ "first": 3, "after": after })).await;
        assert_eq!(r.data()["users"]["totalCount"], 8, "the whole filtered set");
        let info = page_info(&r);
        assert_eq!(info["hasPreviousPage"], pages > 0, "{info}");
        let edges = r.data()["users"]["edges"].as_array().unwrap().clone();
        assert_eq!(info["startCursor"], edges[0]["cursor"]);
        assert_eq!(info["endCursor"], edges[edges.len() - 1]["cursor"]);
        seen.extend(usernames(&r));
        pages += 1;
        if info["hasNextPage"] == false {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, everyone);

    // Backwards: 3 + 3 + 2, each page still in list order.
    let mut seen_back: Vec<Vec<String>> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let r = users(&app, &admin, json!({ "last": 3, "before": before })).await;
        let info = page_info(&r);
        assert_eq!(info["hasNextPage"], !seen_back.is_empty(), "{info}");
        seen_back.push(usernames(&r));
        if info["hasPreviousPage"] == false {
            break;
        }
        before = info["startCursor"].as_str().map(str::to_owned);
    }
    seen_back.reverse();
    assert_eq!(seen_back.concat(), everyone);
    assert_eq!(seen_back[0].len(), 2);

    // Both cursors: the window between two users.
    let edges = all.data()["users"]["edges"].as_array().unwrap().clone();
    let r = users(
        &app,
        &admin,
        json!({ "after": edges[1]["cursor"], "before": edges[5]["cursor"] }),
    )
    .await;
    assert_eq!(usernames(&r), everyone[2..5]);
    assert_eq!(page_info(&r)["hasPreviousPage"], true);
}

#[tokio::test]
async fn page_sizes_over_100_negative_or_both_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    for (vars, fields) in [
        (json!({ "first": 101 }), vec!["first"]),
        (json!({ "first": -5 }), vec!["first"]),
        (json!({ "last": 1000 }), vec!["last"]),
        (json!({ "first": 2, "last": 2 }), vec!["last"]),
        (
            json!({ "first": 101, "after": "zzz" }),
            vec!["after", "first"],
        ),
        (json!({ "before": "eyJvIjoieCJ9" }), vec!["before"]),
    ] {
        let r = users(&app, &admin, vars.clone()).await;
        let errors = field_errors(&r);
        let mut keys: Vec<&str> = errors
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, fields, "{vars}: {errors}");
        assert!(r.body["data"].is_null());
    }
    let r = users(&app, &admin, json!({ "first": 100 })).await;
    assert_eq!(r.data()["users"]["totalCount"], 1);
}

#[tokio::test]
async fn users_filter_by_search_type_activity_verification_and_creation_time() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let (alice_id, _) = app.create_user("alice.smith", UserType::Patient, &[]).await;
    let (_, _) = app.create_user("bob", UserType::Hospital, &[]).await;
    let (carol_id, _) = app.create_user("under_score", UserType::Patient, &[]).await;
    let mut manufacturer = new_user("praman", "MANUFACTURER");
    manufacturer["firstName"] = json!("Priya");
    manufacturer["lastName"] = json!("Raman");
    manufacturer["organizationName"] = json!("MedTech Inc.");
    gql_ua(&app, &admin, CREATE_USER, json!({ "input": manufacturer }))
        .await
        .data();

    let search = |filter: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = users(app, &admin, json!({ "filter": filter, "first": 100 })).await;
            let mut names = usernames(&r);
            names.sort();
            assert_eq!(
                r.data()["users"]["totalCount"].as_u64(),
                Some(names.len() as u64),
                "totalCount counts the filtered set"
            );
            names
        }
    };

    // Case-insensitive free text over username, email, first and last name.
    assert_eq!(search(json!({ "search": "ALICE" })).await, ["alice.smith"]);
    assert_eq!(
        search(json!({ "search": "  Smith@EXAMPLE " })).await,
        ["alice.smith"]
    );
    assert_eq!(search(json!({ "search": "priya RAMAN" })).await, ["praman"]);
    assert_eq!(search(json!({ "search": "rAmAn" })).await, ["praman"]);
    assert_eq!(
        search(json!({ "search": "example.org" })).await,
        ["alice.smith", "bob", "under_score"]
    );
    // LIKE wildcards in the input are literal.
    assert!(search(json!({ "search": "%" })).await.is_empty());
    assert_eq!(search(json!({ "search": "_" })).await, ["under_score"]);
    assert_eq!(
        search(json!({ "search": "" })).await.len(),
        5,
        "blank does not filter"
    );

    // Types.
    assert_eq!(
        search(json!({ "userType": ["HOSPITAL", "MANUFACTURER"] })).await,
        ["bob", "praman"]
    );
    assert_eq!(
        search(json!({ "userType": ["ADMIN"] })).await,
        ["root.admin"]
    );
    assert_eq!(search(json!({ "userType": [] })).await.len(), 5);
    assert_eq!(
        search(json!({ "userType": ["PATIENT"], "search": "score" })).await,
        ["under_score"]
    );

    // Activity and phone verification.
    gql_ua(
        &app,
        &admin,
        SET_ACTIVE,
        json!({ "id": carol_id.to_string(), "active": false }),
    )
    .await
    .data();
    assert_eq!(search(json!({ "isActive": false })).await, ["under_score"]);
    assert_eq!(search(json!({ "isActive": true })).await.len(), 4);
    let mut alice = auth_users::Entity::find_by_id(alice_id)
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    alice.is_phone_verified = Set(true);
    alice.update(app.state.db()).await.unwrap();
    assert_eq!(
        search(json!({ "isPhoneVerified": true })).await,
        ["alice.smith"]
    );
    assert_eq!(search(json!({ "isPhoneVerified": false })).await.len(), 4);

    // Creation time range, inclusive at both ends.
    let all = users(&app, &admin, json!({ "first": 100 })).await;
    let created = |name: &str| -> String {
        all.data()["users"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["username"] == name)
            .unwrap()["node"]["createdAt"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        search(json!({ "createdFrom": created("bob"), "createdTo": created("under_score") })).await,
        ["bob", "under_score"]
    );
    assert_eq!(
        search(json!({ "createdFrom": created("under_score") })).await,
        ["praman", "under_score"]
    );
    assert_eq!(
        search(json!({ "createdTo": created("alice.smith") })).await,
        ["alice.smith", "root.admin"]
    );

    // Invalid filters.
    let r = users(
        &app,
        &admin,
        json!({ "filter": { "createdFrom": created("praman"), "createdTo": created("bob") } }),
    )
    .await;
    assert!(field_errors(&r)["createdTo"].is_array());
    let r = users(
        &app,
        &admin,
        json!({ "filter": { "search": "x".repeat(201) } }),
    )
    .await;
    assert!(field_errors(&r)["search"].is_array());
}

#[tokio::test]
async fn create_user_creates_any_type_unverified_without_sending_a_code() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.admin_token().await;
    let (_, manager) = app
        .create_user("manager", UserType::Patient, &[Permission::UsersManage])
        .await;

    let mut input = new_user("coord.one", "COORDINATOR");
    input["firstName"] = json!("  Asha ");
    input["lastName"] = json!("Verma");
    input["designation"] = json!("Lead reviewer");
    input["address"] = json!("12 Lake Road");
    input["email"] = json!("Coord.One@Agency.Example");
    let r = gql_ua(&app, &admin, CREATE_USER, json!({ "input": input })).await;
    let user = r.data()["createUser"].clone();
    assert_eq!(user["username"], "coord.one");
    assert_eq!(user["email"], "coord.one@agency.example", "lowercased");
    assert!(
        user["phoneNumber"].as_str().unwrap().starts_with("+9199"),
        "normalised"
    );
    assert_eq!(user["userType"], "COORDINATOR");
    assert_eq!(user["firstName"], "Asha");
    assert_eq!(user["lastName"], "Verma");
    assert_eq!(user["designation"], "Lead reviewer");
    assert_eq!(user["address"], "12 Lake Road");
    assert_eq!(user["isPhoneVerified"], false);
    assert_eq!(user["isEmailVerified"], false);
    assert_eq!(user["isActive"], true);
    assert_eq!(user["roles"], json!([]));

    // No code went out.
    let outbox = std::fs::read_to_string(app.path("outbox.jsonl")).unwrap_or_default();
    assert!(
        !outbox.contains(user["phoneNumber"].as_str().unwrap()),
        "{outbox}"
    );

    // Audited without secrets.
    let rows = audit_rows(&app, "user").await;
    let row = rows
        .iter()
        .find(|r| r.resource_id.as_deref() == user["id"].as_str())
        .expect("audit row");
    assert_eq!(row.user_id, Some(admin_id));
    assert_eq!(row.action, entity::enums::AuditAction::Create);
    assert_eq!(row.details["username"], "coord.one");
    assert_eq!(row.details["userType"], "coordinator");
    assert_eq!(row.ip_address.as_deref(), Some("127.0.0.1"));
    assert_eq!(row.user_agent.as_deref(), Some(TEST_AGENT));
    let details = row.details.to_string();
    assert!(
        !details.contains(STRONG_PASSWORD) && !details.contains("argon2"),
        "{details}"
    );

    // A users:manage holder creates a GOVERNMENT account; an admin creates an admin.
    let r = gql_ua(
        &app,
        &manager,
        "mutation($input: CreateUserInput!) { createUser(input: $input) { userType email } }",
        json!({ "input": new_user("regulator", "GOVERNMENT") }),
    )
    .await;
    assert_eq!(r.body["data"]["createUser"]["userType"], "GOVERNMENT");
    assert!(
        r.body["data"]["createUser"]["email"].is_null(),
        "the manager lacks users:read"
    );
    assert_eq!(r.only_code(), "FORBIDDEN");
    assert_eq!(r.first_error()["path"], json!(["createUser", "email"]));
    let r = gql_ua(
        &app,
        &admin,
        CREATE_USER,
        json!({ "input": new_user("second.admin", "ADMIN") }),
    )
    .await;
    assert_eq!(r.data()["createUser"]["userType"], "ADMIN");
}

#[tokio::test]
async fn create_user_validates_like_registration() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let before = audit_rows(&app, "user").await.len();
    let r = gql_ua(
        &app,
        &admin,
        CREATE_USER,
        json!({ "input": {
            "username": "  ",
            "email": "not-an-email",
            "phoneNumber": "12345",
            "password": "weak",
            "userType": "MANUFACTURER",
            "designation": "d".repeat(101),
            "firstName": "f".repeat(151),
        } }),
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
    assert_eq!(
        keys,
        [
            "designation",
            "email",
            "firstName",
            "organizationName",
            "password",
            "phoneNumber",
            "username"
        ],
        "{errors}"
    );
    let mut input = new_user("hospital.one", "HOSPITAL");
    input["organizationName"] = json!("o".repeat(201));
    let r = gql_ua(&app, &admin, CREATE_USER, json!({ "input": input })).await;
    assert!(field_errors(&r)["organizationName"].is_array());

    // Uniqueness is the database's call: CONFLICT on the field.
    app.create_user("taken", UserType::Patient, &[]).await;
    let r = gql_ua(
        &app,
        &admin,
        CREATE_USER,
        json!({ "input": new_user("taken", "PATIENT") }),
    )
    .await;
    assert_eq!(r.only_code(), "CONFLICT", "{}", r.body);
    assert!(r.first_error()["extensions"]["fieldErrors"]["username"].is_array());
    assert_eq!(
        audit_rows(&app, "user").await.len(),
        before,
        "failures are not audited"
    );
}

#[tokio::test]
async fn create_user_and_set_user_active_need_admin_or_users_manage() {
    let app = TestApp::spawn().await;
    let (_, _) = app.admin_token().await;
    let (_, coordinator) = app.create_user("coord", UserType::Coordinator, &[]).await;
    let (_, reader) = app
        .create_user("reader", UserType::Patient, &[Permission::UsersRead])
        .await;
    let (target, _) = app.create_user("target", UserType::Patient, &[]).await;
    for token in [&coordinator, &reader] {
        let r = gql_ua(
            &app,
            token,
            CREATE_USER,
            json!({ "input": new_user("someone", "PATIENT") }),
        )
        .await;
        assert_eq!(r.only_code(), "FORBIDDEN");
        assert_eq!(
            r.first_error()["extensions"]["requiredPermission"],
            "users:manage"
        );
        let r = gql_ua(
            &app,
            token,
            SET_ACTIVE,
            json!({ "id": target.to_string(), "active": false }),
        )
        .await;
        assert_eq!(r.only_code(), "FORBIDDEN");
        assert_eq!(
            r.first_error()["extensions"]["requiredPermission"],
            "users:manage"
        );
    }
}

#[tokio::test]
async fn only_an_admin_may_create_or_deactivate_admin_accounts() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.admin_token().await;
    let (_, manager) = app
        .create_user("manager", UserType::Coordinator, &[Permission::UsersManage])
        .await;
    let (other_admin, other_admin_token) = app.create_user("admin.two", UserType::Admin, &[]).await;

    let r = gql_ua(
        &app,
        &manager,
        CREATE_USER,
        json!({ "input": new_user("sneaky", "ADMIN") }),
    )
    .await;
    assert_eq!(r.only_code(), "FORBIDDEN");
    let ext = &r.first_error()["extensions"];
    assert!(
        ext["reason"].as_str().unwrap().contains("only an ADMIN"),
        "{ext}"
    );
    assert!(
        ext.get("requiredPermission").is_none(),
        "no permission allows it: {ext}"
    );

    for active in [false, true] {
        let r = gql_ua(
            &app,
            &manager,
            SET_ACTIVE,
            json!({ "id": admin_id.to_string(), "active": active }),
        )
        .await;
        assert_eq!(r.only_code(), "FORBIDDEN");
        assert!(
            r.first_error()["extensions"]["reason"]
                .as_str()
                .unwrap()
                .contains("ADMIN accounts")
        );
    }
    let r = app.gql_as(&admin, "{ me { isActive } }", json!({})).await;
    assert_eq!(r.data()["me"]["isActive"], true);

    // An admin may deactivate another admin.
    let r = gql_ua(
        &app,
        &admin,
        SET_ACTIVE,
        json!({ "id": other_admin.to_string(), "active": false }),
    )
    .await;
    assert_eq!(r.data()["setUserActive"]["isActive"], false);
    let r = app
        .gql_as(&other_admin_token, "{ me { id } }", json!({}))
        .await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn nobody_can_deactivate_their_own_account() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.admin_token().await;
    let (manager_id, manager) = app
        .create_user("manager", UserType::Patient, &[Permission::UsersManage])
        .await;
    for (id, token) in [(admin_id, &admin), (manager_id, &manager)] {
        let r = gql_ua(
            &app,
            token,
            SET_ACTIVE,
            json!({ "id": id.to_string(), "active": false }),
        )
        .await;
        assert!(field_errors(&r)["active"].is_array());
        let r = app.gql_as(token, "{ me { isActive } }", json!({})).await;
        assert_eq!(r.data()["me"]["isActive"], true);
    }
    // Setting one's own account active is a no-op, not an error.
    let r = gql_ua(
        &app,
        &admin,
        SET_ACTIVE,
        json!({ "id": admin_id.to_string(), "active": true }),
    )
    .await;
    assert_eq!(r.data()["setUserActive"]["isActive"], true);
}

#[tokio::test]
async fn deactivation_revokes_every_session_at_once() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.admin_token().await;
    let (user_id, token) = app.create_user("leaving", UserType::Patient, &[]).await;
    let second_token = app.token_for(user_id).await;
    for t in [&token, &second_token] {
        app.gql_as(t, "{ me { id } }", json!({})).await.data();
    }

    let r = gql_ua(
        &app,
        &admin,
        SET_ACTIVE,
        json!({ "id": user_id.to_string(), "active": false }),
    )
    .await;
    assert_eq!(r.data()["setUserActive"]["isActive"], false);
    for t in [&token, &second_token] {
        let r = app.gql_as(t, "{ me { id } }", json!({})).await;
        assert_eq!(r.only_code(), "UNAUTHENTICATED", "right after: {}", r.body);
    }
    let live = auth_sessions::Entity::find()
        .filter(auth_sessions::Column::UserId.eq(user_id))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .all(app.state.db())
        .await
        .unwrap();
    assert!(live.is_empty(), "every session revoked");

    let rows = audit_rows(&app, "user").await;
    let row = rows
        .iter()
        .rfind(|r| r.resource_id.as_deref() == Some(user_id.to_string().as_str()))
        .expect("audited");
    assert_eq!(row.action, entity::enums::AuditAction::Update);
    assert_eq!(row.user_id, Some(admin_id));
    assert_eq!(
        row.details["isActive"],
        json!({ "from": true, "to": false })
    );
    assert_eq!(row.details["sessionsRevoked"], 2);
    assert_eq!(row.user_agent.as_deref(), Some(TEST_AGENT));

    // Deactivating again changes nothing and audits nothing.
    let count = audit_rows(&app, "user").await.len();
    gql_ua(
        &app,
        &admin,
        SET_ACTIVE,
        json!({ "id": user_id.to_string(), "active": false }),
    )
    .await
    .data();
    assert_eq!(audit_rows(&app, "user").await.len(), count);

    // Reactivation does not revive old sessions; a new one works.
    let r = gql_ua(
        &app,
        &admin,
        SET_ACTIVE,
        json!({ "id": user_id.to_string(), "active": true }),
    )
    .await;
    assert_eq!(r.data()["setUserActive"]["isActive"], true);
    let r = app.gql_as(&token, "{ me { id } }", json!({})).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    let fresh = app.token_for(user_id).await;
    app.gql_as(&fresh, "{ me { id } }", json!({})).await.data();
    let last = audit_rows(&app, "user").await.pop().unwrap();
    assert_eq!(
        last.details["isActive"],
        json!({ "from": false, "to": true })
    );

    // Unknown and malformed ids.
    let r = gql_ua(
        &app,
        &admin,
        SET_ACTIVE,
        json!({ "id": "99999", "active": false }),
    )
    .await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    let r = gql_ua(
        &app,
        &admin,
        SET_ACTIVE,
        json!({ "id": "abc", "active": false }),
    )
    .await;
    assert!(field_errors(&r)["id"].is_array());
}

#[tokio::test]
async fn a_page_of_users_with_roles_costs_a_constant_number_of_statements() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    app.warm(&admin).await;
    let query = "{ users(first: 50) { edges { node { id roles { name } } } } }";
    let measure = || {
        let app = &app;
        let admin = admin.clone();
        async move {
            let before = app.state.statements().get();
            let r = app.gql_as(&admin, query, json!({})).await;
            let after = app.state.statements().get();
            let edges = r.data()["users"]["edges"].as_array().unwrap().clone();
            assert!(
                edges
                    .iter()
                    .filter(|e| e["node"]["roles"].as_array().is_some_and(|r| r.len() == 1))
                    .count()
                    + 1
                    >= edges.len(),
                "every created user shows its role"
            );
            (edges.len(), after - before)
        }
    };
    for i in 0..5 {
        app.create_user(
            &format!("small{i}"),
            UserType::Patient,
            &[Permission::HelpManage],
        )
        .await;
    }
    let (n_small, small) = measure().await;
    for i in 0..25 {
        app.create_user(
            &format!("large{i}"),
            UserType::Patient,
            &[Permission::HelpManage],
        )
        .await;
    }
    let (n_large, large) = measure().await;
    assert_eq!((n_small, n_large), (6, 31));
    assert_eq!(
        small, large,
        "statements for 6 users ({small}) and for 31 users ({large}) must be equal"
    );
    assert!(
        small <= 5,
        "authentication, the page and one roles batch: {small}"
    );
}
