//! Patient self-service (SPEC §9): `mySettings` / `updateMySettings` for any signed-in
//! user, the public `helpTopics`, and help-topic editing by ADMIN or `help:manage`.

use entity::{enums::AuditAction, patient_help_topics, patient_settings};
use rakshaayan::auth::permission::{Permission, UserType};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::{
    audit_log::{TEST_AGENT, audit_rows, gql_ua},
    common::{Gql, TestApp},
};

const MY_SETTINGS: &str = "{ mySettings { notificationPreference language updatedAt } }";

const UPDATE_MY_SETTINGS: &str = r#"
mutation($input: UpdateMySettingsInput!) {
  updateMySettings(input: $input) { notificationPreference language updatedAt }
}"#;

const TOPIC_FIELDS: &str = "id question answer category sortOrder updatedAt";

fn help_topics_query() -> String {
    format!(
        "query($search: String, $category: String) {{ helpTopics(search: $search, category: $category) {{ {TOPIC_FIELDS} }} }}"
    )
}

fn create_topic_mutation() -> String {
    format!(
        "mutation($input: CreateHelpTopicInput!) {{ createHelpTopic(input: $input) {{ {TOPIC_FIELDS} }} }}"
    )
}

fn update_topic_mutation() -> String {
    format!(
        "mutation($id: ID!, $input: UpdateHelpTopicInput!) {{ updateHelpTopic(id: $id, input: $input) {{ {TOPIC_FIELDS} }} }}"
    )
}

const DELETE_TOPIC: &str = "mutation($id: ID!) { deleteHelpTopic(id: $id) }";

fn field_errors(r: &Gql) -> Value {
    assert_eq!(r.only_code(), "BAD_USER_INPUT", "{}", r.body);
    r.first_error()["extensions"]["fieldErrors"].clone()
}

async fn settings_rows(app: &TestApp, user_id: i32) -> u64 {
    patient_settings::Entity::find()
        .filter(patient_settings::Column::UserId.eq(user_id))
        .count(app.state.db())
        .await
        .expect("count settings")
}

async fn help_topics(app: &TestApp, search: Option<&str>, category: Option<&str>) -> Vec<Value> {
    let r = app
        .gql_with(
            None,
            &help_topics_query(),
            json!({ "search": search, "category": category }),
        )
        .await;
    r.data()["helpTopics"].as_array().expect("a list").clone()
}

fn questions(topics: &[Value]) -> Vec<String> {
    topics
        .iter()
        .map(|t| t["question"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn create_topic(app: &TestApp, token: &str, input: Value) -> Value {
    let r = gql_ua(
        app,
        token,
        &create_topic_mutation(),
        json!({ "input": input }),
    )
    .await;
    r.data()["createHelpTopic"].clone()
}

// ---------------------------------------------------------------------------------------
// Settings

#[tokio::test]
async fn my_settings_are_created_with_defaults_on_first_read() {
    let app = TestApp::spawn().await;
    let (user_id, token) = app.create_user("first.read", UserType::Patient, &[]).await;
    assert_eq!(settings_rows(&app, user_id).await, 0);

    let r = app.gql_as(&token, MY_SETTINGS, json!({})).await;
    let settings = r.data()["mySettings"].clone();
    assert_eq!(settings["notificationPreference"], "EMAIL");
    assert_eq!(settings["language"], "en");
    assert!(settings["updatedAt"].is_string());
    assert_eq!(settings_rows(&app, user_id).await, 1);

    // A second read returns the same row; reading is not audited.
    let again = app.gql_as(&token, MY_SETTINGS, json!({})).await;
    assert_eq!(again.data()["mySettings"], settings);
    assert_eq!(settings_rows(&app, user_id).await, 1);
    assert!(audit_rows(&app, "settings").await.is_empty());
}

#[tokio::test]
async fn concurrent_first_reads_all_succeed_and_create_one_row() {
    let app = TestApp::spawn().await;
    let (user_id, token) = app.create_user("racer", UserType::Patient, &[]).await;
    let reads = (0..12).map(|_| app.gql_as(&token, MY_SETTINGS, json!({})));
    let responses = futures_util::future::join_all(reads).await;
    for r in &responses {
        assert_eq!(r.data()["mySettings"]["language"], "en");
    }
    assert_eq!(settings_rows(&app, user_id).await, 1);

    // The same holds for a first update racing first reads.
    let (user_id, token) = app.create_user("racer.two", UserType::Patient, &[]).await;
    let update = app.gql_as(
        &token,
        UPDATE_MY_SETTINGS,
        json!({ "input": { "language": "ta" } }),
    );
    let reads =
        futures_util::future::join_all((0..6).map(|_| app.gql_as(&token, MY_SETTINGS, json!({}))));
    let (update, reads) = tokio::join!(update, reads);
    assert_eq!(update.data()["updateMySettings"]["language"], "ta");
    for r in &reads {
        r.data();
    }
    assert_eq!(settings_rows(&app, user_id).await, 1);
}

#[tokio::test]
async fn update_my_settings_changes_only_the_given_fields() {
    let app = TestApp::spawn().await;
    let (_, token) = app.create_user("partial", UserType::Patient, &[]).await;

    // The first call may be an update: the row is created with the defaults first.
    let r = app
        .gql_as(
            &token,
            UPDATE_MY_SETTINGS,
            json!({ "input": { "notificationPreference": "SMS" } }),
        )
        .await;
    let settings = &r.data()["updateMySettings"];
    assert_eq!(settings["notificationPreference"], "SMS");
    assert_eq!(settings["language"], "en");

    let r = app
        .gql_as(
            &token,
            UPDATE_MY_SETTINGS,
            json!({ "input": { "language": "hi-IN" } }),
        )
        .await;
    let settings = &r.data()["updateMySettings"];
    assert_eq!(settings["notificationPreference"], "SMS");
    assert_eq!(settings["language"], "hi-IN");

    let r = app
        .gql_as(
            &token,
            UPDATE_MY_SETTINGS,
            json!({ "input": { "notificationPreference": "NONE", "language": "bn" } }),
        )
        .await;
    assert_eq!(
        r.data()["updateMySettings"]["notificationPreference"],
        "NONE"
    );

    // An empty input changes nothing.
    let r = app
        .gql_as(&token, UPDATE_MY_SETTINGS, json!({ "input": {} }))
        .await;
    assert_eq!(r.data()["updateMySettings"]["language"], "bn");

    let r = app.gql_as(&token, MY_SETTINGS, json!({})).await;
    assert_eq!(r.data()["mySettings"]["notificationPreference"], "NONE");
    assert_eq!(r.data()["mySettings"]["language"], "bn");

    // `null` is refused for both fields, reported together; an unknown enum value is a
    // validation failure of the document's variables.
    let r = app
        .gql_as(
            &token,
            UPDATE_MY_SETTINGS,
            json!({ "input": { "notificationPreference": null, "language": null } }),
        )
        .await;
    let errors = field_errors(&r);
    assert!(errors["notificationPreference"].is_array(), "{errors}");
    assert!(errors["language"].is_array(), "{errors}");
    let r = app
        .gql_as(
            &token,
            UPDATE_MY_SETTINGS,
            json!({ "input": { "notificationPreference": "PIGEON" } }),
        )
        .await;
    assert!(!r.errors().is_empty());
    let r = app.gql_as(&token, MY_SETTINGS, json!({})).await;
    assert_eq!(r.data()["mySettings"]["notificationPreference"], "NONE");
}

#[tokio::test]
async fn languages_come_from_the_supported_list_in_any_casing() {
    let app = TestApp::spawn().await;
    let (_, token) = app.create_user("polyglot", UserType::Patient, &[]).await;

    for unsupported in ["fr", "en_IN", "klingon", "", "   "] {
        let r = app
            .gql_as(
                &token,
                UPDATE_MY_SETTINGS,
                json!({ "input": { "language": unsupported, "notificationPreference": "SMS" } }),
            )
            .await;
        let errors = field_errors(&r);
        assert!(errors["language"][0].is_string(), "{unsupported}: {errors}");
    }
    // Nothing was written by the refused updates.
    let r = app.gql_as(&token, MY_SETTINGS, json!({})).await;
    assert_eq!(r.data()["mySettings"]["notificationPreference"], "EMAIL");
    assert_eq!(r.data()["mySettings"]["language"], "en");

    for (sent, stored) in [
        ("HI-in", "hi-IN"),
        (" EN-in ", "en-IN"),
        ("TA", "ta"),
        ("or", "or"),
    ] {
        let r = app
            .gql_as(
                &token,
                UPDATE_MY_SETTINGS,
                json!({ "input": { "language": sent } }),
            )
            .await;
        assert_eq!(r.data()["updateMySettings"]["language"], stored, "{sent}");
    }
}

#[tokio::test]
async fn settings_need_a_signed_in_user() {
    let app = TestApp::spawn().await;
    let r = app.gql(MY_SETTINGS).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    let r = app
        .gql_with(
            None,
            UPDATE_MY_SETTINGS,
            json!({ "input": { "language": "hi" } }),
        )
        .await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    let r = app
        .gql_with(Some("not-a-token"), MY_SETTINGS, json!({}))
        .await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    assert_eq!(
        patient_settings::Entity::find()
            .count(app.state.db())
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn settings_are_per_user() {
    let app = TestApp::spawn().await;
    let (a_id, a) = app.create_user("user.a", UserType::Patient, &[]).await;
    let (b_id, b) = app.create_user("user.b", UserType::Hospital, &[]).await;
    let (_, admin) = app.admin_token().await;

    let r = app
        .gql_as(
            &a,
            UPDATE_MY_SETTINGS,
            json!({ "input": { "notificationPreference": "SMS", "language": "mr" } }),
        )
        .await;
    assert_eq!(r.data()["updateMySettings"]["language"], "mr");

    for token in [&b, &admin] {
        let r = app.gql_as(token, MY_SETTINGS, json!({})).await;
        assert_eq!(r.data()["mySettings"]["notificationPreference"], "EMAIL");
        assert_eq!(r.data()["mySettings"]["language"], "en");
    }
    let r = app.gql_as(&a, MY_SETTINGS, json!({})).await;
    assert_eq!(r.data()["mySettings"]["language"], "mr");
    assert_eq!(settings_rows(&app, a_id).await, 1);
    assert_eq!(settings_rows(&app, b_id).await, 1);
}

#[tokio::test]
async fn settings_changes_are_audited_and_no_ops_are_not() {
    let app = TestApp::spawn().await;
    let (user_id, token) = app.create_user("audited", UserType::Patient, &[]).await;

    // Creating the defaults and setting a value to what it already is: no audit row.
    let r = gql_ua(
        &app,
        &token,
        UPDATE_MY_SETTINGS,
        json!({ "input": { "notificationPreference": "EMAIL", "language": "EN" } }),
    )
    .await;
    assert_eq!(r.data()["updateMySettings"]["language"], "en");
    assert!(audit_rows(&app, "settings").await.is_empty());
    assert_eq!(settings_rows(&app, user_id).await, 1);

    let before = app.gql_as(&token, MY_SETTINGS, json!({})).await;
    let r = gql_ua(
        &app,
        &token,
        UPDATE_MY_SETTINGS,
        json!({ "input": { "notificationPreference": "SMS", "language": "en" } }),
    )
    .await;
    assert_ne!(
        r.data()["updateMySettings"]["updatedAt"],
        before.data()["mySettings"]["updatedAt"]
    );
    let rows = audit_rows(&app, "settings").await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.action, AuditAction::Update);
    assert_eq!(row.user_id, Some(user_id));
    let settings_id = patient_settings::Entity::find()
        .filter(patient_settings::Column::UserId.eq(user_id))
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(row.resource_id, Some(settings_id.to_string()));
    assert_eq!(
        row.details,
        json!({ "notificationPreference": { "from": "email", "to": "sms" } }),
        "only what changed"
    );
    assert_eq!(row.user_agent.as_deref(), Some(TEST_AGENT));
    assert_eq!(row.ip_address.as_deref(), Some("127.0.0.1"));

    // The same values again: still one row.
    let r = gql_ua(
        &app,
        &token,
        UPDATE_MY_SETTINGS,
        json!({ "input": { "notificationPreference": "SMS" } }),
    )
    .await;
    r.data();
    assert_eq!(audit_rows(&app, "settings").await.len(), 1);

    // A refused update writes nothing either.
    let r = gql_ua(
        &app,
        &token,
        UPDATE_MY_SETTINGS,
        json!({ "input": { "notificationPreference": "NONE", "language": "xx" } }),
    )
    .await;
    field_errors(&r);
    assert_eq!(audit_rows(&app, "settings").await.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Help topics: reading

#[tokio::test]
async fn help_topics_are_public_and_return_the_seeded_topics_in_order() {
    let app = TestApp::spawn().await;
    let topics = help_topics(&app, None, None).await;
    let seeded = patient_help_topics::Entity::find()
        .order_by_asc(patient_help_topics::Column::Category)
        .order_by_asc(patient_help_topics::Column::SortOrder)
        .order_by_asc(patient_help_topics::Column::Id)
        .all(app.state.db())
        .await
        .unwrap();
    assert_eq!(seeded.len(), 13, "the migration seeds 13 topics");
    assert_eq!(topics.len(), seeded.len());
    for (topic, row) in topics.iter().zip(&seeded) {
        assert_eq!(topic["id"], row.id.to_string());
        assert_eq!(topic["question"], row.question.as_str());
        assert_eq!(topic["answer"], row.answer.as_str());
        assert_eq!(topic["category"], row.category.as_str());
        assert_eq!(topic["sortOrder"], row.sort_order);
        assert!(topic["updatedAt"].is_string());
    }
    let categories: Vec<&str> = topics
        .iter()
        .map(|t| t["category"].as_str().unwrap())
        .collect();
    assert_eq!(categories.first(), Some(&"Account"));
    assert_eq!(categories.last(), Some(&"Reporting"));
    assert!(
        categories.windows(2).all(|w| w[0] <= w[1]),
        "{categories:?}"
    );
    assert_eq!(
        topics[0]["question"],
        "How do I verify my phone number or email address?"
    );

    // A signed-in caller sees the same list; a bad token does not stop a public query.
    let (_, token) = app.create_user("reader", UserType::Patient, &[]).await;
    let r = app.gql_as(&token, &help_topics_query(), json!({})).await;
    assert_eq!(r.data()["helpTopics"].as_array().unwrap().len(), 13);
    let r = app
        .gql_with(Some("garbage"), &help_topics_query(), json!({}))
        .await;
    assert_eq!(r.data()["helpTopics"].as_array().unwrap().len(), 13);
}

#[tokio::test]
async fn help_topic_search_is_case_insensitive_and_literal() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;

    // In an answer only, any casing.
    let found = questions(&help_topics(&app, Some("GLUCOSE Meter"), None).await);
    assert_eq!(found, ["What counts as a medical-device adverse event?"]);
    // In a question.
    let found = questions(&help_topics(&app, Some("  forgot  "), None).await);
    assert_eq!(found, ["I forgot my password. How do I reset it?"]);
    // Every word must match somewhere.
    assert!(
        help_topics(&app, Some("glucose zebra"), None)
            .await
            .is_empty()
    );

    // LIKE wildcards in the search are matched literally.
    create_topic(
        &app,
        &admin,
        json!({ "question": "Is there a 100% refund?", "answer": "Reporting is free.", "category": "Billing" }),
    )
    .await;
    create_topic(
        &app,
        &admin,
        json!({ "question": "What is file_name?", "answer": "The name of an attachment.", "category": "Billing", "sortOrder": 1 }),
    )
    .await;
    let found = questions(&help_topics(&app, Some("0%"), None).await);
    assert_eq!(found, ["Is there a 100% refund?"], "`%` is not a wildcard");
    let found = questions(&help_topics(&app, Some("%"), None).await);
    assert_eq!(found, ["Is there a 100% refund?"]);
    let found = questions(&help_topics(&app, Some("E_N"), None).await);
    assert_eq!(found, ["What is file_name?"], "`_` is not a wildcard");
    assert!(help_topics(&app, Some("1_0"), None).await.is_empty());
    assert!(help_topics(&app, Some("!%"), None).await.is_empty());

    // A blank search lists everything; an over-long one is refused.
    assert_eq!(help_topics(&app, Some("   "), None).await.len(), 15);
    let r = app
        .gql_with(
            None,
            &help_topics_query(),
            json!({ "search": "a".repeat(201) }),
        )
        .await;
    assert!(field_errors(&r)["search"][0].is_string());
    assert_eq!(
        help_topics(&app, Some(&"a".repeat(200)), None).await.len(),
        0
    );
}

#[tokio::test]
async fn help_topics_filter_by_category() {
    let app = TestApp::spawn().await;
    let privacy = help_topics(&app, None, Some("Privacy")).await;
    assert_eq!(
        questions(&privacy),
        [
            "Who can see my report?",
            "How is my personal information protected?"
        ]
    );
    assert_eq!(help_topics(&app, None, Some(" privacy ")).await, privacy);
    assert_eq!(help_topics(&app, None, Some("Reporting")).await.len(), 6);
    assert!(help_topics(&app, None, Some("Priv")).await.is_empty());
    // Combined with a search.
    let found = questions(&help_topics(&app, Some("audit"), Some("PRIVACY")).await);
    assert_eq!(found, ["How is my personal information protected?"]);
    assert!(
        help_topics(&app, Some("audit"), Some("Account"))
            .await
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------
// Help topics: editing

#[tokio::test]
async fn help_topics_are_edited_by_admins_and_help_managers() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let (_, helper) = app
        .create_user("helper", UserType::Patient, &[Permission::HelpManage])
        .await;
    let (_, hospital) = app.create_user("hospital", UserType::Hospital, &[]).await;
    let (_, reviewer) = app
        .create_user(
            "reviewer",
            UserType::Coordinator,
            &[Permission::EventsReview],
        )
        .await;

    for (token, name) in [(&admin, "admin"), (&helper, "helper")] {
        let created = create_topic(
            &app,
            token,
            json!({
                "question": format!("  Question by {name}?  "),
                "answer": "An answer.",
                "category": "Staff",
                "sortOrder": 3,
            }),
        )
        .await;
        assert_eq!(created["question"], format!("Question by {name}?"));
        assert_eq!(created["sortOrder"], 3);
        let id = created["id"].clone();

        let r = gql_ua(
            &app,
            token,
            &update_topic_mutation(),
            json!({ "id": id, "input": { "answer": "A better answer.", "sortOrder": 0 } }),
        )
        .await;
        let updated = &r.data()["updateHelpTopic"];
        assert_eq!(updated["answer"], "A better answer.");
        assert_eq!(updated["sortOrder"], 0);
        assert_eq!(updated["question"], format!("Question by {name}?"));
        assert_eq!(updated["category"], "Staff");

        let listed = help_topics(&app, None, Some("Staff")).await;
        assert_eq!(listed, std::slice::from_ref(updated));

        let r = gql_ua(&app, token, DELETE_TOPIC, json!({ "id": id })).await;
        assert_eq!(r.data()["deleteHelpTopic"], id);
        assert!(help_topics(&app, None, Some("Staff")).await.is_empty());
    }

    // Not for a plain hospital or a coordinator, nor anonymously.
    let id = help_topics(&app, None, None).await[0]["id"].clone();
    for token in [&hospital, &reviewer] {
        let attempts = [
            (
                create_topic_mutation(),
                json!({ "input": { "question": "Q?", "answer": "A.", "category": "C" } }),
            ),
            (
                update_topic_mutation(),
                json!({ "id": id, "input": { "answer": "Changed." } }),
            ),
            (DELETE_TOPIC.to_owned(), json!({ "id": id })),
        ];
        for (query, vars) in attempts {
            let r = gql_ua(&app, token, &query, vars).await;
            assert_eq!(r.only_code(), "FORBIDDEN", "{}", r.body);
            let error = r.first_error();
            assert_eq!(error["extensions"]["requiredPermission"], "help:manage");
            assert!(error["extensions"]["reason"].is_string());
        }
    }
    let r = app.gql_with(None, DELETE_TOPIC, json!({ "id": id })).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    assert_eq!(
        help_topics(&app, None, None).await.len(),
        13,
        "nothing changed"
    );
    assert!(
        audit_rows(&app, "help_topic")
            .await
            .iter()
            .all(|row| row.resource_id.as_deref() != id.as_str())
    );
}

#[tokio::test]
async fn help_topic_validation_reports_every_field() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;

    let r = gql_ua(
        &app,
        &admin,
        &create_topic_mutation(),
        json!({ "input": {
            "question": "q".repeat(301),
            "answer": "   ",
            "category": "c".repeat(101),
            "sortOrder": -1,
        } }),
    )
    .await;
    let errors = field_errors(&r);
    for field in ["question", "answer", "category", "sortOrder"] {
        assert!(errors[field][0].is_string(), "{field}: {errors}");
    }
    let r = gql_ua(
        &app,
        &admin,
        &create_topic_mutation(),
        json!({ "input": {
            "question": "",
            "answer": "a".repeat(10_001),
            "category": "",
            "sortOrder": 10_001,
        } }),
    )
    .await;
    let errors = field_errors(&r);
    for field in ["question", "answer", "category", "sortOrder"] {
        assert!(errors[field][0].is_string(), "{field}: {errors}");
    }
    assert_eq!(help_topics(&app, None, None).await.len(), 13);

    // Bounds are inclusive; sortOrder defaults to 0.
    let created = create_topic(
        &app,
        &admin,
        json!({ "question": "q".repeat(300), "answer": "a".repeat(10_000), "category": "c".repeat(100) }),
    )
    .await;
    assert_eq!(created["sortOrder"], 0);
    let id = created["id"].clone();

    // Updates: blank and null required fields are refused, all at once.
    let r = gql_ua(
        &app,
        &admin,
        &update_topic_mutation(),
        json!({ "id": id, "input": {
            "question": " ",
            "answer": null,
            "category": "",
            "sortOrder": 10_001,
        } }),
    )
    .await;
    let errors = field_errors(&r);
    for field in ["question", "answer", "category", "sortOrder"] {
        assert!(errors[field][0].is_string(), "{field}: {errors}");
    }
    let r = gql_ua(
        &app,
        &admin,
        &update_topic_mutation(),
        json!({ "id": id, "input": { "sortOrder": null, "question": "Fine?" } }),
    )
    .await;
    let errors = field_errors(&r);
    assert!(errors["sortOrder"].is_array());
    assert!(errors.get("question").is_none());
    let r = gql_ua(
        &app,
        &admin,
        &update_topic_mutation(),
        json!({ "id": id, "input": {} }),
    )
    .await;
    assert_eq!(r.data()["updateHelpTopic"]["category"], "c".repeat(100));

    // Missing required fields are rejected by GraphQL before the resolver runs.
    let r = gql_ua(
        &app,
        &admin,
        &create_topic_mutation(),
        json!({ "input": { "question": "Q?" } }),
    )
    .await;
    assert!(!r.errors().is_empty());
}

#[tokio::test]
async fn unknown_or_malformed_help_topic_ids() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_token().await;
    let r = gql_ua(
        &app,
        &admin,
        &update_topic_mutation(),
        json!({ "id": "987654", "input": { "answer": "New." } }),
    )
    .await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    let r = gql_ua(&app, &admin, DELETE_TOPIC, json!({ "id": "987654" })).await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    for bad in ["abc", "-3", "0"] {
        let r = gql_ua(&app, &admin, DELETE_TOPIC, json!({ "id": bad })).await;
        assert!(field_errors(&r)["id"].is_array(), "{bad}");
        let r = gql_ua(
            &app,
            &admin,
            &update_topic_mutation(),
            json!({ "id": bad, "input": { "answer": "New." } }),
        )
        .await;
        assert!(field_errors(&r)["id"].is_array(), "{bad}");
    }

    // Deleting twice: the second is NOT_FOUND.
    let id = help_topics(&app, None, None).await[0]["id"].clone();
    let r = gql_ua(&app, &admin, DELETE_TOPIC, json!({ "id": id })).await;
    assert_eq!(r.data()["deleteHelpTopic"], id);
    let r = gql_ua(&app, &admin, DELETE_TOPIC, json!({ "id": id })).await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    assert!(
        audit_rows(&app, "help_topic")
            .await
            .iter()
            .filter(|row| row.action == AuditAction::Delete)
            .count()
            == 1
    );
}

#[tokio::test]
async fn help_topic_changes_are_audited() {
    let app = TestApp::spawn().await;
    let (_, helper_token) = app
        .create_user(
            "auditor.helper",
            UserType::Patient,
            &[Permission::HelpManage],
        )
        .await;
    let r = app.gql_as(&helper_token, "{ me { id } }", json!({})).await;
    let helper_id: i32 = r.data()["me"]["id"].as_str().unwrap().parse().unwrap();

    let created = create_topic(
        &app,
        &helper_token,
        json!({ "question": "Where is my report?", "answer": "On your dashboard.", "category": "Reporting", "sortOrder": 7 }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();

    // A no-op update writes nothing.
    let r = gql_ua(
        &app,
        &helper_token,
        &update_topic_mutation(),
        json!({ "id": id, "input": { "question": " Where is my report? ", "sortOrder": 7 } }),
    )
    .await;
    assert_eq!(
        r.data()["updateHelpTopic"]["updatedAt"],
        created["updatedAt"]
    );

    let r = gql_ua(
        &app,
        &helper_token,
        &update_topic_mutation(),
        json!({ "id": id, "input": { "category": "Account", "sortOrder": 7 } }),
    )
    .await;
    assert_eq!(r.data()["updateHelpTopic"]["category"], "Account");
    let r = gql_ua(&app, &helper_token, DELETE_TOPIC, json!({ "id": id })).await;
    r.data();

    let rows = audit_rows(&app, "help_topic").await;
    let actions: Vec<AuditAction> = rows.iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::Create,
            AuditAction::Update,
            AuditAction::Delete
        ]
    );
    for row in &rows {
        assert_eq!(row.user_id, Some(helper_id));
        assert_eq!(row.resource_id.as_deref(), Some(id.as_str()));
        assert_eq!(row.user_agent.as_deref(), Some(TEST_AGENT));
    }
    assert_eq!(
        rows[0].details,
        json!({ "question": "Where is my report?", "answer": "On your dashboard.", "category": "Reporting", "sortOrder": 7 })
    );
    assert_eq!(
        rows[1].details,
        json!({ "category": { "from": "Reporting", "to": "Account" } })
    );
    assert_eq!(rows[2].details["category"], "Account");
    assert_eq!(rows[2].details["question"], "Where is my report?");

    // A refused change writes no audit row.
    let r = gql_ua(
        &app,
        &helper_token,
        &create_topic_mutation(),
        json!({ "input": { "question": "", "answer": "", "category": "" } }),
    )
    .await;
    field_errors(&r);
    assert_eq!(audit_rows(&app, "help_topic").await.len(), 3);
}
