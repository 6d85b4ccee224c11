//! Adverse events: validation, the workflow, visibility per viewer class, field guards,
//! filters, pagination, statistics, statement counts and live updates.

use std::{collections::HashMap, time::Duration};

use entity::{auth_audit_logs, auth_users};
use rakshaayan::auth::permission::{Permission, UserType};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

use crate::common::{Gql, TestApp};

pub const CREATE: &str = "mutation($input: CreateAdverseEventInput!) { createAdverseEvent(input: $input) { id status title } }";
const GET: &str = "query($id: ID!) { adverseEvent(id: $id) { id title status eventLocation witnesses patient { username } } }";

/// The seed's example payload.
pub fn seed_event() -> Value {
    json!({
        "title": "Device malfunction",
        "description": "Stopped working.",
        "severity": "MODERATE",
        "deviceName": "Cardiac Monitor",
        "deviceCategory": "Monitoring",
        "manufacturer": "MedTech Inc.",
        "modelNumber": "CM-2024",
        "serialNumber": "SN123456789",
        "eventDate": "2024-06-01",
        "eventLocation": "Mumbai Hospital",
        "symptoms": "Incorrect readings",
        "treatmentReceived": "Device replaced",
        "outcome": "No injury",
        "witnesses": "Nurse present",
        "additionalNotes": "First occurrence",
        "supportingDocuments": []
    })
}

/// Users of every class, with tokens.
pub struct World {
    pub patient: (i32, String),
    pub other_patient: (i32, String),
    pub coordinator: (i32, String),
    pub government: (i32, String),
    pub manufacturer: (i32, String),
    pub other_manufacturer: (i32, String),
    pub hospital: (i32, String),
    pub admin: (i32, String),
}

pub async fn set_user(app: &TestApp, id: i32, f: impl FnOnce(&mut auth_users::ActiveModel)) {
    let user = auth_users::Entity::find_by_id(id)
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    let mut active = user.into_active_model();
    f(&mut active);
    active.update(app.state.db()).await.unwrap();
}

pub async fn world(app: &TestApp) -> World {
    let patient = app.create_user("patient", UserType::Patient, &[]).await;
    let other_patient = app
        .create_user("other.patient", UserType::Patient, &[])
        .await;
    for id in [patient.0, other_patient.0] {
        set_user(app, id, |u| u.is_phone_verified = Set(true)).await;
    }
    let coordinator = app
        .create_user("coordinator", UserType::Coordinator, &[])
        .await;
    let government = app
        .create_user("regulator", UserType::Government, &[])
        .await;
    let manufacturer = app
        .create_user("medtech", UserType::Manufacturer, &[])
        .await;
    set_user(app, manufacturer.0, |u| {
        u.organization_name = Set(Some(" medtech INC. ".into()))
    })
    .await;
    let other_manufacturer = app
        .create_user("othertech", UserType::Manufacturer, &[])
        .await;
    set_user(app, other_manufacturer.0, |u| {
        u.organization_name = Set(Some("MedTech Inc. Holdings".into()))
    })
    .await;
    let hospital = app.create_user("hospital", UserType::Hospital, &[]).await;
    let admin = app.admin_token().await;
    World {
        patient,
        other_patient,
        coordinator,
        government,
        manufacturer,
        other_manufacturer,
        hospital,
        admin,
    }
}

pub async fn create(app: &TestApp, token: &str, input: Value) -> String {
    let r = app.gql_as(token, CREATE, json!({ "input": input })).await;
    r.data()["createAdverseEvent"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn act(app: &TestApp, token: &str, op: &str, id: &str) -> Gql {
    let q = match op {
        "submit" => "mutation($id: ID!) { r: submitAdverseEvent(id: $id) { status } }",
        "start" => {
            "mutation($id: ID!) { r: startReview(id: $id) { status reviewedBy { username } } }"
        }
        "approve" => {
            "mutation($id: ID!) { r: approveAdverseEvent(id: $id, note: \"ok\") { status reviewNote reviewedAt } }"
        }
        "reject" => {
            "mutation($id: ID!) { r: rejectAdverseEvent(id: $id, reason: \"duplicate\") { status reviewNote } }"
        }
        "delete" => "mutation($id: ID!) { r: deleteAdverseEvent(id: $id) }",
        _ => unreachable!(),
    };
    app.gql_as(token, q, json!({ "id": id })).await
}

/// A report by `w.patient` moved to `status` (draft, submitted, under_review, approved, rejected).
pub async fn event_in(app: &TestApp, w: &World, status: &str) -> String {
    let id = create(app, &w.patient.1, seed_event()).await;
    let steps: &[&str] = match status {
        "draft" => &[],
        "submitted" => &["submit"],
        "under_review" => &["submit", "start"],
        "approved" => &["submit", "start", "approve"],
        "rejected" => &["submit", "start", "reject"],
        _ => unreachable!(),
    };
    for step in steps {
        let token = if *step == "submit" {
            &w.patient.1
        } else {
            &w.coordinator.1
        };
        act(app, token, step, &id).await.data();
    }
    id
}

#[tokio::test]
async fn a_patient_reports_the_seed_example_as_a_draft_with_an_audit_row() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let r = app.gql_as(&w.patient.1, "mutation($input: CreateAdverseEventInput!) { createAdverseEvent(input: $input) { id status severity manufacturer eventDate supportingDocuments { fileName } patient { username } } }", json!({ "input": seed_event() })).await;
    let e = &r.data()["createAdverseEvent"];
    assert_eq!(e["status"], "DRAFT");
    assert_eq!(e["severity"], "MODERATE");
    assert_eq!(e["eventDate"], "2024-06-01");
    assert_eq!(e["patient"]["username"], "patient");
    let rows = auth_audit_logs::Entity::find()
        .all(app.state.db())
        .await
        .unwrap();
    assert!(
        rows.iter().any(|a| a.resource_type == "adverse_event"
            && a.action == entity::enums::AuditAction::Create)
    );
    // Only patients report.
    for token in [&w.coordinator.1, &w.admin.1, &w.hospital.1] {
        let r = app
            .gql_as(token, CREATE, json!({ "input": seed_event() }))
            .await;
        assert_eq!(r.only_code(), "FORBIDDEN");
    }
}

#[tokio::test]
async fn validation_reports_every_field_with_dot_paths() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    let mut input = seed_event();
    input["title"] = json!("x".repeat(201));
    input["description"] = json!("   ");
    input["deviceCategory"] = json!("c".repeat(101));
    input["eventDate"] = json!(tomorrow);
    input["supportingDocuments"] = json!([
        { "fileName": "ok.pdf", "fileType": "DOCUMENT", "fileSize": 10 },
        { "fileName": "", "fileType": "IMAGE", "fileSize": 20_000_000 }
    ]);
    let r = app
        .gql_as(&w.patient.1, CREATE, json!({ "input": input }))
        .await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT");
    let fe = &r.first_error()["extensions"]["fieldErrors"];
    for field in [
        "title",
        "description",
        "deviceCategory",
        "eventDate",
        "supportingDocuments.1.fileName",
        "supportingDocuments.1.fileSize",
    ] {
        assert!(fe[field].is_array(), "{field} in {fe}");
    }
    assert!(fe.get("supportingDocuments.0.fileName").is_none());
    let mut many = seed_event();
    many["supportingDocuments"] = json!((0..21).map(|i| json!({ "fileName": format!("f{i}.pdf"), "fileType": "DOCUMENT", "fileSize": 1 })).collect::<Vec<_>>());
    let r = app
        .gql_as(&w.patient.1, CREATE, json!({ "input": many }))
        .await;
    assert!(r.first_error()["extensions"]["fieldErrors"]["supportingDocuments"].is_array());
    let mut bad_date = seed_event();
    bad_date["eventDate"] = json!("2024-02-30");
    let r = app
        .gql_as(&w.patient.1, CREATE, json!({ "input": bad_date }))
        .await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT", "{}", r.body);
}

#[tokio::test]
async fn the_workflow_runs_and_every_illegal_transition_is_invalid_state() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let id = create(&app, &w.patient.1, seed_event()).await;
    // From DRAFT only submit is legal (a coordinator cannot even see a draft; an
    // admin can, and gets INVALID_STATE).
    for op in ["start", "approve", "reject"] {
        assert_eq!(
            act(&app, &w.coordinator.1, op, &id).await.only_code(),
            "FORBIDDEN",
            "{op}"
        );
        let r = act(&app, &w.admin.1, op, &id).await;
        assert_eq!(r.only_code(), "INVALID_STATE", "{op}");
        assert_eq!(r.first_error()["extensions"]["currentStatus"], "DRAFT");
    }
    assert_eq!(
        act(&app, &w.patient.1, "submit", &id).await.data()["r"]["status"],
        "SUBMITTED"
    );
    for (op, token) in [
        ("submit", &w.patient.1),
        ("approve", &w.coordinator.1),
        ("reject", &w.coordinator.1),
        ("delete", &w.patient.1),
    ] {
        let r = act(&app, token, op, &id).await;
        assert_eq!(r.only_code(), "INVALID_STATE", "{op} from SUBMITTED");
        assert_eq!(r.first_error()["extensions"]["currentStatus"], "SUBMITTED");
    }
    let r = act(&app, &w.coordinator.1, "start", &id).await;
    assert_eq!(r.data()["r"]["status"], "UNDER_REVIEW");
    assert_eq!(r.data()["r"]["reviewedBy"]["username"], "coordinator");
    for (op, token) in [("submit", &w.patient.1), ("start", &w.coordinator.1)] {
        let r = act(&app, token, op, &id).await;
        assert_eq!(
            r.first_error()["extensions"]["currentStatus"],
            "UNDER_REVIEW",
            "{op}"
        );
    }
    let update = app
        .gql_as(
            &w.patient.1,
            "mutation($id: ID!) { updateAdverseEvent(id: $id, input: { title: \"x\" }) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        update.only_code(),
        "INVALID_STATE",
        "no edits once picked up"
    );
    let r = act(&app, &w.coordinator.1, "approve", &id).await;
    assert_eq!(r.data()["r"]["status"], "APPROVED");
    assert_eq!(r.data()["r"]["reviewNote"], "ok");
    for op in ["start", "approve", "reject"] {
        assert_eq!(
            act(&app, &w.coordinator.1, op, &id).await.first_error()["extensions"]["currentStatus"],
            "APPROVED"
        );
    }
    // Every transition is audited with old → new status.
    let rows = auth_audit_logs::Entity::find()
        .all(app.state.db())
        .await
        .unwrap();
    let transitions: Vec<(String, String)> = rows
        .iter()
        .filter(|a| a.details.get("transition").is_some())
        .map(|a| {
            (
                a.details["from"].as_str().unwrap().to_owned(),
                a.details["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        transitions,
        vec![
            ("draft".into(), "submitted".into()),
            ("submitted".into(), "under_review".into()),
            ("under_review".into(), "approved".into()),
        ]
    );
    // Rejection needs a reason.
    let other = event_in(&app, &w, "under_review").await;
    let r = app
        .gql_as(
            &w.coordinator.1,
            "mutation($id: ID!) { rejectAdverseEvent(id: $id, reason: \"  \") { status } }",
            json!({ "id": other }),
        )
        .await;
    assert!(r.first_error()["extensions"]["fieldErrors"]["reason"].is_array());
    assert_eq!(
        act(&app, &w.coordinator.1, "reject", &other).await.data()["r"]["reviewNote"],
        "duplicate"
    );
}

#[tokio::test]
async fn who_may_act_on_a_report() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let id = create(&app, &w.patient.1, seed_event()).await;
    // Another patient cannot see, submit, edit or delete it.
    for op in ["submit", "delete"] {
        assert_eq!(
            act(&app, &w.other_patient.1, op, &id).await.only_code(),
            "FORBIDDEN",
            "{op}"
        );
    }
    // Submitting needs a verified phone.
    let (_, unverified) = app.create_user("unverified", UserType::Patient, &[]).await;
    let own = create(&app, &unverified, seed_event()).await;
    let r = act(&app, &unverified, "submit", &own).await;
    assert_eq!(r.only_code(), "FORBIDDEN");
    assert!(
        r.first_error()["extensions"]["reason"]
            .as_str()
            .unwrap()
            .contains("phone")
    );

    act(&app, &w.patient.1, "submit", &id).await.data();
    // Reviewers only; a PATIENT holding events:review is a reviewer, but not of their own report.
    for token in [
        &w.government.1,
        &w.hospital.1,
        &w.manufacturer.1,
        &w.other_patient.1,
    ] {
        let r = act(&app, token, "start", &id).await;
        assert_eq!(r.only_code(), "FORBIDDEN");
    }
    let refused = act(&app, &w.hospital.1, "start", &id).await;
    assert_eq!(
        refused.first_error()["extensions"]["requiredPermission"],
        "events:review"
    );
    let (_, reviewing_patient) = app
        .create_user(
            "reviewing.patient",
            UserType::Patient,
            &[Permission::EventsReview],
        )
        .await;
    assert_eq!(
        act(&app, &reviewing_patient, "start", &id).await.data()["r"]["status"],
        "UNDER_REVIEW"
    );
    let mut self_review = app
        .create_user(
            "self.reviewer",
            UserType::Patient,
            &[Permission::EventsReview],
        )
        .await;
    set_user(&app, self_review.0, |u| u.is_phone_verified = Set(true)).await;
    let mine = create(&app, &self_review.1, seed_event()).await;
    act(&app, &self_review.1, "submit", &mine).await.data();
    let r = act(&app, &self_review.1, "start", &mine).await;
    assert_eq!(
        r.only_code(),
        "FORBIDDEN",
        "nobody reviews their own report"
    );
    self_review.1.clear();
    // Admin reviews too.
    let another = event_in(&app, &w, "submitted").await;
    assert_eq!(
        act(&app, &w.admin.1, "start", &another).await.data()["r"]["status"],
        "UNDER_REVIEW"
    );
}

#[tokio::test]
async fn two_reviewers_racing_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (_, second) = app
        .create_user("coordinator2", UserType::Coordinator, &[])
        .await;
    for _ in 0..3 {
        let id = event_in(&app, &w, "submitted").await;
        let (a, b) = tokio::join!(
            act(&app, &w.coordinator.1, "start", &id),
            act(&app, &second, "start", &id)
        );
        let mut codes = vec![a.codes(), b.codes()];
        codes.sort();
        assert_eq!(
            codes,
            vec![vec![], vec!["INVALID_STATE".to_owned()]],
            "{} / {}",
            a.body,
            b.body
        );
    }
}

#[tokio::test]
async fn visibility_per_viewer_class_forbidden_or_not_found() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let draft = event_in(&app, &w, "draft").await;
    let submitted = event_in(&app, &w, "submitted").await;
    let approved = event_in(&app, &w, "approved").await;
    let mut other_maker = seed_event();
    other_maker["manufacturer"] = json!("Other Devices Ltd");
    let foreign = create(&app, &w.patient.1, other_maker).await;
    act(&app, &w.patient.1, "submit", &foreign).await.data();

    let can = |token: &str, id: &str| {
        let token = token.to_owned();
        let id = id.to_owned();
        let app = &app;
        async move {
            app.gql_as(
                &token,
                "query($id: ID!) { adverseEvent(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await
            .codes()
        }
    };
    let ok: Vec<String> = vec![];
    let forbidden = vec!["FORBIDDEN".to_owned()];
    let table: Vec<(&str, &str, &[&String], Vec<String>)> = vec![];
    let _ = table;
    let cases: Vec<(&String, &String, &Vec<String>)> = vec![
        (&w.patient.1, &draft, &ok),
        (&w.other_patient.1, &draft, &forbidden),
        (&w.other_patient.1, &approved, &forbidden),
        (&w.coordinator.1, &draft, &forbidden),
        (&w.coordinator.1, &submitted, &ok),
        (&w.government.1, &draft, &forbidden),
        (&w.government.1, &submitted, &ok),
        (&w.manufacturer.1, &submitted, &ok),
        (&w.manufacturer.1, &foreign, &forbidden),
        (&w.manufacturer.1, &draft, &forbidden),
        (&w.other_manufacturer.1, &submitted, &forbidden),
        (&w.hospital.1, &approved, &ok),
        (&w.hospital.1, &submitted, &forbidden),
        (&w.admin.1, &draft, &ok),
    ];
    for (token, id, expected) in cases {
        assert_eq!(&can(token, id).await, expected, "event {id}");
    }
    assert_eq!(
        can(&w.admin.1, "999999").await,
        vec!["NOT_FOUND".to_owned()]
    );
    assert_eq!(
        can(&w.patient.1, "nope").await,
        vec!["BAD_USER_INPUT".to_owned()]
    );

    // Lists apply the same rules in the query, counts included.
    let list = |token: String| {
        let app = &app;
        async move {
            let r = app
                .gql_as(
                    &token,
                    "{ adverseEvents(first: 100) { totalCount edges { node { id } } } }",
                    json!({}),
                )
                .await;
            let ids: Vec<String> = r.data()["adverseEvents"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(
                r.data()["adverseEvents"]["totalCount"].as_u64().unwrap() as usize,
                ids.len()
            );
            let mut ids = ids;
            ids.sort();
            ids
        }
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        list(w.patient.1.clone()).await,
        sorted(vec![&draft, &submitted, &approved, &foreign])
    );
    assert_eq!(list(w.other_patient.1.clone()).await, Vec::<String>::new());
    assert_eq!(
        list(w.coordinator.1.clone()).await,
        sorted(vec![&submitted, &approved, &foreign])
    );
    assert_eq!(
        list(w.manufacturer.1.clone()).await,
        sorted(vec![&submitted, &approved])
    );
    assert_eq!(
        list(w.other_manufacturer.1.clone()).await,
        Vec::<String>::new()
    );
    assert_eq!(list(w.hospital.1.clone()).await, sorted(vec![&approved]));
    assert_eq!(
        list(w.admin.1.clone()).await,
        sorted(vec![&draft, &submitted, &approved, &foreign])
    );
}

#[tokio::test]
async fn hidden_fields_are_null_with_forbidden_at_their_path() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let id = event_in(&app, &w, "approved").await;
    let fetch = |token: String| {
        let app = &app;
        let id = id.clone();
        async move { app.gql_as(&token, GET, json!({ "id": id })).await }
    };
    let paths = |r: &Gql| {
        let mut p: Vec<String> = r
            .errors()
            .iter()
            .map(|e| e["path"][1].as_str().unwrap().to_owned())
            .collect();
        p.sort();
        p
    };
    for token in [
        w.patient.1.clone(),
        w.coordinator.1.clone(),
        w.admin.1.clone(),
    ] {
        let r = fetch(token).await;
        assert!(r.errors().is_empty(), "{}", r.body);
        assert_eq!(r.data()["adverseEvent"]["patient"]["username"], "patient");
    }
    let r = fetch(w.government.1.clone()).await;
    assert_eq!(paths(&r), vec!["patient", "witnesses"]);
    assert_eq!(
        r.body["data"]["adverseEvent"]["title"], "Device malfunction",
        "the rest arrives"
    );
    assert_eq!(
        r.body["data"]["adverseEvent"]["eventLocation"],
        "Mumbai Hospital"
    );
    assert!(r.body["data"]["adverseEvent"]["patient"].is_null());
    let e = r.errors()[0].clone();
    assert_eq!(e["extensions"]["code"], "FORBIDDEN");
    assert_eq!(e["extensions"]["requiredPermission"], "events:review");
    assert!(
        e["extensions"]["reason"]
            .as_str()
            .unwrap()
            .contains("hidden")
    );
    let r = fetch(w.hospital.1.clone()).await;
    assert_eq!(paths(&r), vec!["patient", "witnesses"]);
    let r = fetch(w.manufacturer.1.clone()).await;
    assert_eq!(paths(&r), vec!["eventLocation", "patient", "witnesses"]);
    assert!(r.body["data"]["adverseEvent"]["eventLocation"].is_null());
    // A view of someone else's report is audited; the owner's own is not.
    let views = auth_audit_logs::Entity::find()
        .all(app.state.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == entity::enums::AuditAction::View)
        .count();
    assert_eq!(
        views, 5,
        "coordinator, admin, government, hospital, manufacturer"
    );
}

#[tokio::test]
async fn owners_update_partially_and_delete_drafts() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let id = create(&app, &w.patient.1, seed_event()).await;
    let q = "mutation($id: ID!, $input: UpdateAdverseEventInput!) { updateAdverseEvent(id: $id, input: $input) { title severity witnesses deviceName } }";
    let r = app
        .gql_as(
            &w.patient.1,
            q,
            json!({ "id": id, "input": { "severity": "SEVERE", "witnesses": null } }),
        )
        .await;
    let e = &r.data()["updateAdverseEvent"];
    assert_eq!(e["severity"], "SEVERE");
    assert!(e["witnesses"].is_null());
    assert_eq!(e["title"], "Device malfunction", "untouched fields stay");
    let r = app
        .gql_as(
            &w.patient.1,
            q,
            json!({ "id": id, "input": { "title": null, "deviceName": "" } }),
        )
        .await;
    let fe = &r.first_error()["extensions"]["fieldErrors"];
    assert!(
        fe["title"].is_array() && fe["deviceName"].is_array(),
        "{fe}"
    );
    let r = app
        .gql_as(
            &w.other_patient.1,
            q,
            json!({ "id": id, "input": { "title": "x" } }),
        )
        .await;
    assert_eq!(r.only_code(), "FORBIDDEN");
    // Still editable once submitted, not deletable.
    act(&app, &w.patient.1, "submit", &id).await.data();
    assert!(
        app.gql_as(
            &w.patient.1,
            q,
            json!({ "id": id, "input": { "title": "Better title" } })
        )
        .await
        .errors()
        .is_empty()
    );
    assert_eq!(
        act(&app, &w.patient.1, "delete", &id).await.only_code(),
        "INVALID_STATE"
    );
    let draft = create(&app, &w.patient.1, seed_event()).await;
    assert_eq!(
        act(&app, &w.patient.1, "delete", &draft).await.data()["r"],
        draft
    );
    let gone = app.gql_as(&w.patient.1, GET, json!({ "id": draft })).await;
    assert_eq!(gone.only_code(), "NOT_FOUND");
}

#[tokio::test]
async fn filters_search_ordering_and_pagination() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let specs = [
        (
            "Infusion pump alarm",
            "MILD",
            "Infusion",
            "2024-01-10",
            "Pumps Co",
        ),
        (
            "Pacemaker failure",
            "CRITICAL",
            "Cardiac",
            "2024-03-05",
            "MedTech Inc.",
        ),
        (
            "Glucose meter drift",
            "MODERATE",
            "Monitoring",
            "2024-02-20",
            "medtech inc.",
        ),
        (
            "Ventilator stop",
            "SEVERE",
            "Respiratory",
            "2023-12-31",
            "Air 100% Ltd",
        ),
    ];
    for (title, severity, category, date, maker) in specs {
        let mut e = seed_event();
        e["title"] = json!(title);
        e["severity"] = json!(severity);
        e["deviceCategory"] = json!(category);
        e["eventDate"] = json!(date);
        e["manufacturer"] = json!(maker);
        create(&app, &w.patient.1, e).await;
    }
    let titles = |filter: Value, order: Value| {
        let app = &app;
        let token = w.patient.1.clone();
        async move {
            let r = app.gql_as(&token, "query($f: AdverseEventFilter, $o: AdverseEventOrder) { adverseEvents(filter: $f, orderBy: $o, first: 50) { totalCount edges { node { title } } } }", json!({ "f": filter, "o": order })).await;
            r.data()["adverseEvents"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        titles(json!({ "search": "PUMP" }), Value::Null).await,
        vec!["Infusion pump alarm"]
    );
    assert_eq!(
        titles(json!({ "search": "100%" }), Value::Null).await,
        Vec::<String>::new(),
        "% is literal, and it matches titles only here"
    );
    assert_eq!(
        titles(
            json!({ "manufacturer": "  MEDTECH inc. " }),
            json!({ "field": "EVENT_DATE", "direction": "ASC" })
        )
        .await,
        vec!["Glucose meter drift", "Pacemaker failure"]
    );
    assert_eq!(
        titles(
            json!({ "severity": ["CRITICAL", "SEVERE"] }),
            json!({ "field": "SEVERITY", "direction": "DESC" })
        )
        .await,
        vec!["Pacemaker failure", "Ventilator stop"]
    );
    assert_eq!(
        titles(
            json!({ "eventDateFrom": "2024-01-01", "eventDateTo": "2024-02-28" }),
            json!({ "field": "EVENT_DATE" })
        )
        .await,
        vec!["Glucose meter drift", "Infusion pump alarm"]
    );
    assert_eq!(
        titles(json!({ "deviceCategory": "cardiac" }), Value::Null).await,
        vec!["Pacemaker failure"]
    );
    assert_eq!(
        titles(json!({ "status": ["APPROVED"] }), Value::Null).await,
        Vec::<String>::new()
    );
    let r = app.gql_as(&w.patient.1, "{ adverseEvents(filter: { eventDateFrom: \"2024-05-01\", eventDateTo: \"2024-01-01\" }) { totalCount } }", json!({})).await;
    assert!(r.first_error()["extensions"]["fieldErrors"]["eventDateTo"].is_array());
    let r = app
        .gql_as(
            &w.patient.1,
            "{ adverseEvents(first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT");
    assert!(r.first_error()["extensions"]["fieldErrors"]["first"].is_array());

    // Pages of 2 by severity, forwards then backwards.
    let page = |after: Option<String>, before: Option<String>, last: bool| {
        let app = &app;
        let token = w.patient.1.clone();
        async move {
            let args = if last { "last: 2" } else { "first: 2" };
            let q = format!(
                "query($a: String, $b: String) {{ adverseEvents({args}, after: $a, before: $b, orderBy: {{ field: SEVERITY, direction: ASC }}) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ node {{ severity }} }} }} }}"
            );
            app.gql_as(&token, &q, json!({ "a": after, "b": before }))
                .await
                .data()["adverseEvents"]
                .clone()
        }
    };
    let p1 = page(None, None, false).await;
    assert_eq!(p1["totalCount"], 4);
    assert_eq!(p1["edges"][0]["node"]["severity"], "MILD");
    assert_eq!(p1["edges"][1]["node"]["severity"], "MODERATE");
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    assert_eq!(p1["pageInfo"]["hasPreviousPage"], false);
    let p2 = page(
        p1["pageInfo"]["endCursor"].as_str().map(str::to_owned),
        None,
        false,
    )
    .await;
    assert_eq!(p2["edges"][0]["node"]["severity"], "SEVERE");
    assert_eq!(p2["edges"][1]["node"]["severity"], "CRITICAL");
    assert_eq!(p2["pageInfo"]["hasNextPage"], false);
    assert_eq!(p2["pageInfo"]["hasPreviousPage"], true);
    let back = page(
        None,
        p2["pageInfo"]["startCursor"].as_str().map(str::to_owned),
        true,
    )
    .await;
    assert_eq!(back["edges"], p1["edges"]);
    assert_eq!(back["pageInfo"]["hasNextPage"], true);
    let r = app
        .gql_as(
            &w.patient.1,
            "{ adverseEvents(after: \"garbage\") { totalCount } }",
            json!({}),
        )
        .await;
    assert!(r.first_error()["extensions"]["fieldErrors"]["after"].is_array());
}

#[tokio::test]
async fn statistics_are_scoped_and_manufacturers_see_only_their_devices() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    event_in(&app, &w, "submitted").await;
    event_in(&app, &w, "approved").await;
    event_in(&app, &w, "draft").await;
    let mut other = seed_event();
    other["manufacturer"] = json!("Other Devices Ltd");
    let foreign = create(&app, &w.patient.1, other).await;
    act(&app, &w.patient.1, "submit", &foreign).await.data();
    let q = "{ adverseEventStats { total byStatus { key count } byManufacturer { key count } byMonth { key count } bySeverity { key count } byDeviceCategory { key count } } }";
    let r = app.gql_as(&w.coordinator.1, q, json!({})).await;
    let s = &r.data()["adverseEventStats"];
    assert_eq!(s["total"], 3, "drafts are not counted");
    assert_eq!(s["byMonth"], json!([{ "key": "2024-06", "count": 3 }]));
    assert!(
        s["byStatus"]
            .as_array()
            .unwrap()
            .contains(&json!({ "key": "APPROVED", "count": 1 }))
    );
    let r = app.gql_as(&w.manufacturer.1, q, json!({})).await;
    let s = &r.data()["adverseEventStats"];
    assert_eq!(s["total"], 2);
    assert_eq!(
        s["byManufacturer"],
        json!([{ "key": "medtech inc.", "count": 2 }])
    );
    for token in [&w.patient.1, &w.hospital.1] {
        assert_eq!(
            app.gql_as(token, q, json!({})).await.only_code(),
            "FORBIDDEN"
        );
    }
    let (_, stats_holder) = app
        .create_user("analyst", UserType::Hospital, &[Permission::EventsStats])
        .await;
    assert_eq!(
        app.gql_as(&stats_holder, q, json!({})).await.data()["adverseEventStats"]["total"],
        3
    );
}

#[tokio::test]
async fn hidden_fields_stay_hidden_in_list_pages() {
    // A page hands each node its patient and reads only the key columns, yet the field
    // guards decide exactly as for a single read: the same fields are refused, at each
    // node's path, and no patient data reaches a viewer who may not see it.
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let id = event_in(&app, &w, "approved").await;
    let q = "{ adverseEvents(first: 10) { edges { node {
        id title eventLocation witnesses patient { username } } } } }";
    for (token, hidden) in [
        (&w.government.1, vec!["patient", "witnesses"]),
        (&w.hospital.1, vec!["patient", "witnesses"]),
        (
            &w.manufacturer.1,
            vec!["eventLocation", "patient", "witnesses"],
        ),
        (&w.coordinator.1, vec![]),
    ] {
        let before = app.state.direct_nodes();
        let r = app.gql_as(token, q, json!({})).await;
        let direct = app.state.direct_nodes() - before;
        let edges = r.body["data"]["adverseEvents"]["edges"].as_array().unwrap();
        // A node with a refused field is left to the resolvers, whose guards report it.
        if hidden.is_empty() {
            assert_eq!(direct, edges.len() as u64, "{}", r.body);
        } else {
            assert_eq!(direct, 0, "{}", r.body);
        }
        let at = edges
            .iter()
            .position(|e| e["node"]["id"] == json!(id))
            .unwrap_or_else(|| panic!("{id} listed: {}", r.body));
        let node = &edges[at]["node"];
        assert_eq!(node["title"], "Device malfunction", "{}", r.body);
        let mut refused: Vec<String> = r
            .errors()
            .iter()
            .filter(|e| e["path"][2] == json!(at))
            .map(|e| {
                assert_eq!(e["extensions"]["code"], "FORBIDDEN");
                e["path"][4].as_str().unwrap().to_owned()
            })
            .collect();
        refused.sort();
        assert_eq!(refused, hidden, "{}", r.body);
        for field in &hidden {
            assert!(node[field].is_null(), "{field}: {}", r.body);
        }
        if hidden.is_empty() {
            assert_eq!(node["patient"]["username"], "patient");
            assert_eq!(node["eventLocation"], "Mumbai Hospital");
        }
    }
}

#[tokio::test]
async fn a_page_of_events_with_relations_costs_a_constant_number_of_statements() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let q = "{ adverseEvents(first: 100) { edges { node { id patient { username } reviewedBy { username } attachments { fileName } } } } }";
    let mut costs = Vec::new();
    for batch in [5, 100] {
        let have = costs.len();
        let _ = have;
        let existing = app
            .gql_as(&w.admin.1, "{ adverseEvents { totalCount } }", json!({}))
            .await
            .data()["adverseEvents"]["totalCount"]
            .as_u64()
            .unwrap();
        for i in existing..batch {
            let id = create(&app, &w.patient.1, seed_event()).await;
            if i % 2 == 0 {
                act(&app, &w.patient.1, "submit", &id).await.data();
                act(&app, &w.coordinator.1, "start", &id).await.data();
            }
        }
        let before = app.state.statements().get();
        let r = app.gql_as(&w.admin.1, q, json!({})).await;
        let after = app.state.statements().get();
        assert_eq!(
            r.data()["adverseEvents"]["edges"].as_array().unwrap().len() as u64,
            batch
        );
        costs.push(after - before);
    }
    assert_eq!(
        costs[0], costs[1],
        "5 events and 100 events cost the same: {costs:?}"
    );
    assert!(costs[1] <= 8, "a small constant: {costs:?}");

    // The benchmark's W2 shape, a patient's own page with their attachments: the page's
    // rows and the attachments, exactly two statements besides the token check (the
    // viewer, who is the patient of every row, came with the session). On PostgreSQL both go straight through
    // sqlx (`db::reads`), and each must still be counted.
    let upload = crate::attachments::upload(
        &app,
        &w.patient.1,
        &create(&app, &w.patient.1, seed_event()).await,
        "scan.png",
        crate::attachments::png(),
        true,
    )
    .await;
    upload.data();
    // What checking the token costs (nothing on PostgreSQL, where sessions are cached).
    let before = app.state.statements().get();
    app.gql_as(&w.patient.1, "{ me { id } }", json!({}))
        .await
        .data();
    let session = app.state.statements().get() - before;
    let q = "{ adverseEvents(first: 50) { edges { node { id title patient { username } attachments { fileName } } } } }";
    let before = app.state.statements().get();
    let r = app.gql_as(&w.patient.1, q, json!({})).await;
    let after = app.state.statements().get() - session;
    let edges = r.data()["adverseEvents"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 50);
    assert_eq!(edges[0]["node"]["attachments"][0]["fileName"], "scan.png");
    assert_eq!(edges[0]["node"]["patient"]["username"], "patient");
    assert_eq!(after - before, 2, "the page and its attachments");
}

#[tokio::test]
async fn get_requests_cannot_change_events() {
    let app = TestApp::spawn().await;
    let url = format!(
        "{}/graphql?query=mutation%7BdeleteAdverseEvent(id:%221%22)%7D",
        app.url
    );
    let r = app
        .client
        .get(url)
        .header("apollo-require-preflight", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let _ = Duration::from_secs(0);
}

#[tokio::test]
async fn event_queries_can_use_an_index_on_postgres() {
    if !crate::common::on_postgres() {
        // The plans below are PostgreSQL's; SQLite has the same indexes.
        return;
    }
    use rakshaayan::services::events::{list, policy::EventRights};
    use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Statement, TransactionTrait};
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let viewer = |id: i32, t: UserType, org: Option<&str>| {
        rakshaayan::auth::viewer::Viewer::new(id, 1, t, Default::default(), org.map(str::to_owned))
    };
    let today = chrono::Utc::now().date_naive();
    let cases: Vec<(&str, EventRights, list::EventFilter)> = vec![
        (
            "own events",
            EventRights::of(&viewer(w.patient.0, UserType::Patient, None)),
            Default::default(),
        ),
        (
            "manufacturer scope",
            EventRights::of(&viewer(
                w.manufacturer.0,
                UserType::Manufacturer,
                Some("MedTech Inc."),
            )),
            Default::default(),
        ),
        (
            "status",
            EventRights::of(&viewer(w.admin.0, UserType::Admin, None)),
            list::EventFilter {
                status: vec![entity::enums::EventStatus::Submitted],
                ..Default::default()
            },
        ),
        (
            "severity",
            EventRights::of(&viewer(w.admin.0, UserType::Admin, None)),
            list::EventFilter {
                severity: vec![entity::enums::Severity::Critical],
                ..Default::default()
            },
        ),
        (
            "device category",
            EventRights::of(&viewer(w.admin.0, UserType::Admin, None)),
            list::EventFilter {
                device_category: Some("Monitoring".into()),
                ..Default::default()
            },
        ),
        (
            "manufacturer filter",
            EventRights::of(&viewer(w.admin.0, UserType::Admin, None)),
            list::EventFilter {
                manufacturer: Some("MedTech Inc.".into()),
                ..Default::default()
            },
        ),
        (
            "event date",
            EventRights::of(&viewer(w.admin.0, UserType::Admin, None)),
            list::EventFilter {
                event_date_from: Some(today),
                ..Default::default()
            },
        ),
    ];
    for (name, rights, filter) in cases {
        let select = list::select(&rights, &filter).unwrap();
        let sql = select.build(DbBackend::Postgres);
        let txn = app.state.db().begin().await.unwrap();
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!("EXPLAIN {}", sql.sql),
                sql.values.map(|v| v.0).unwrap_or_default(),
            ))
            .await
            .unwrap();
        let plan: Vec<String> = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect();
        txn.rollback().await.unwrap();
        assert!(
            plan.iter().any(|l| l.contains("Index Cond")),
            "{name} does not search an index:\n{}",
            plan.join("\n")
        );
    }
}

#[tokio::test]
async fn the_audit_row_of_a_new_report_names_it_its_author_and_what_was_reported() {
    // On PostgreSQL the event and its audit row are one statement; on SQLite one
    // transaction: either way the row must describe exactly this event.
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let id = create(&app, &w.patient.1, seed_event()).await;
    let rows: Vec<_> = auth_audit_logs::Entity::find()
        .all(app.state.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|a| {
            a.resource_type == "adverse_event" && a.action == entity::enums::AuditAction::Create
        })
        .collect();
    assert_eq!(rows.len(), 1, "one audit row per created event: {rows:?}");
    let row = &rows[0];
    assert_eq!(row.resource_id.as_deref(), Some(id.as_str()));
    assert_eq!(row.user_id, Some(w.patient.0));
    assert_eq!(
        row.details,
        json!({ "title": "Device malfunction", "severity": "moderate" })
    );
}

/// Every field of `AdverseEvent`.
const EVENT_FIELDS: &str = "fragment All on AdverseEvent { id title description severity status
    deviceName deviceCategory manufacturer modelNumber serialNumber eventDate eventLocation
    symptoms treatmentReceived outcome witnesses additionalNotes
    supportingDocuments { fileName fileType fileSize } reviewNote reviewedAt
    reviewedBy { username } patient { username } attachments { id fileName }
    createdAt updatedAt }";

#[tokio::test]
async fn list_pages_read_only_the_selected_columns_and_agree_with_single_reads() {
    // A page reads the columns its selection needs; whatever the selection (every
    // field, a few, through fragments and aliases), each value must be the stored one.
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let approved = event_in(&app, &w, "approved").await;
    let mut sparse = seed_event();
    for key in [
        "modelNumber",
        "serialNumber",
        "treatmentReceived",
        "outcome",
        "witnesses",
        "additionalNotes",
    ] {
        sparse.as_object_mut().unwrap().remove(key);
    }
    sparse["title"] = json!("Sparse report");
    sparse["supportingDocuments"] =
        json!([{ "fileName": "scan.pdf", "fileType": "DOCUMENT", "fileSize": 1234 }]);
    let draft = create(&app, &w.patient.1, sparse).await;

    let list = format!(
        "query {{ adverseEvents(first: 10) {{ edges {{ node {{ ...All }} }} }} }} {EVENT_FIELDS}"
    );
    let one = format!("query($id: ID!) {{ adverseEvent(id: $id) {{ ...All }} }} {EVENT_FIELDS}");
    for token in [&w.patient.1, &w.coordinator.1, &w.admin.1] {
        let page = app.gql_as(token, &list, json!({})).await;
        let edges = page.data()["adverseEvents"]["edges"]
            .as_array()
            .unwrap()
            .clone();
        let visible: Vec<&str> = edges
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap())
            .collect();
        for id in [&approved, &draft] {
            if token == &w.coordinator.1 && id == &draft {
                assert!(
                    !visible.contains(&id.as_str()),
                    "drafts are the patient's own"
                );
                continue;
            }
            let node = edges
                .iter()
                .map(|e| &e["node"])
                .find(|n| n["id"] == json!(id))
                .unwrap_or_else(|| panic!("{id} listed: {}", page.body));
            let single = app.gql_as(token, &one, json!({ "id": id })).await;
            assert_eq!(
                node,
                &single.data()["adverseEvent"],
                "list and single read agree"
            );
        }
    }
    // Spot checks that the single read is itself right, so agreeing means correct.
    let r = app
        .gql_as(&w.patient.1, &one, json!({ "id": approved }))
        .await;
    let e = &r.data()["adverseEvent"];
    assert_eq!(e["description"], "Stopped working.");
    assert_eq!(e["witnesses"], "Nurse present");
    assert_eq!(e["reviewNote"], "ok");
    assert_eq!(e["reviewedBy"]["username"], "coordinator");
    assert!(e["reviewedAt"].is_string() && e["updatedAt"].is_string());
    let r = app.gql_as(&w.patient.1, &one, json!({ "id": draft })).await;
    let e = &r.data()["adverseEvent"];
    assert_eq!(e["supportingDocuments"][0]["fileName"], "scan.pdf");
    assert!(e["modelNumber"].is_null() && e["outcome"].is_null() && e["reviewNote"].is_null());

    // Narrow selections through an alias, an inline fragment and a named fragment.
    let q = "query { adverseEvents(first: 10, orderBy: { field: CREATED_AT, direction: ASC }) {
        edges { node { title ... on AdverseEvent { d: description } ...Loc } } } }
        fragment Loc on AdverseEvent { eventLocation symptoms }";
    let r = app.gql_as(&w.patient.1, q, json!({})).await;
    let nodes: Vec<Value> = r.data()["adverseEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(nodes.len(), 2, "{}", r.body);
    for node in &nodes {
        assert_eq!(node["d"], "Stopped working.");
        assert_eq!(node["eventLocation"], "Mumbai Hospital");
        assert_eq!(node["symptoms"], "Incorrect readings");
    }
    assert_eq!(nodes[0]["title"], "Device malfunction");
    assert_eq!(nodes[1]["title"], "Sparse report");

    // Each ordering reads its own sort value with the keys: one field at a time beside
    // `id`, in every ordering, each value is the full read's, and keyset paging by the
    // sort value walks both events in the order of the full list.
    let full = app.gql_as(&w.patient.1, &list, json!({})).await;
    let full: HashMap<String, Value> = full.data()["adverseEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["id"].as_str().unwrap().to_owned(),
                e["node"].clone(),
            )
        })
        .collect();
    assert_eq!(full.len(), 2);
    for order in ["CREATED_AT", "EVENT_DATE", "SEVERITY"] {
        for field in [
            "severity",
            "status",
            "manufacturer",
            "eventDate",
            "createdAt",
            "title",
            "reviewedBy { username }",
            "patient { username }",
        ] {
            let key = field.split(' ').next().unwrap();
            let q = format!(
                "{{ adverseEvents(first: 10, orderBy: {{ field: {order}, direction: DESC }}) {{
                    edges {{ node {{ id {field} }} }} }} }}"
            );
            let r = app.gql_as(&w.patient.1, &q, json!({})).await;
            let edges = r.data()["adverseEvents"]["edges"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(edges.len(), 2, "{order} {field}: {}", r.body);
            for e in &edges {
                let id = e["node"]["id"].as_str().unwrap();
                assert_eq!(
                    e["node"][key], full[id][key],
                    "{key} of {id} ordered by {order}"
                );
            }
        }
        let q = format!(
            "query($after: String) {{ adverseEvents(first: 1, after: $after,
                orderBy: {{ field: {order}, direction: ASC }}) {{
                edges {{ node {{ id }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
        );
        let first = app.gql_as(&w.patient.1, &q, json!({})).await;
        let page = &first.data()["adverseEvents"];
        assert_eq!(
            page["pageInfo"]["hasNextPage"], true,
            "{order}: {}",
            first.body
        );
        let second = app
            .gql_as(
                &w.patient.1,
                &q,
                json!({ "after": page["pageInfo"]["endCursor"] }),
            )
            .await;
        let next = &second.data()["adverseEvents"];
        assert_eq!(
            next["pageInfo"]["hasNextPage"], false,
            "{order}: {}",
            second.body
        );
        let mut seen = vec![
            page["edges"][0]["node"]["id"].as_str().unwrap().to_owned(),
            next["edges"][0]["node"]["id"].as_str().unwrap().to_owned(),
        ];
        seen.sort();
        let mut both: Vec<String> = full.keys().cloned().collect();
        both.sort();
        assert_eq!(seen, both, "{order}: the two pages hold both events once");
    }
}

/// Every field that list nodes resolve directly (`graphql::events::direct`), through a
/// named fragment on each type, with `__typename` at every level.
const DIRECT_FIELDS: &str = "fragment Node on AdverseEvent { __typename id title description
    severity status deviceName deviceCategory manufacturer modelNumber serialNumber eventDate
    eventLocation symptoms treatmentReceived outcome witnesses additionalNotes
    supportingDocuments { __typename fileName fileType fileSize } reviewNote reviewedAt
    reviewedBy { ...Person } patient { ...Person }
    attachments { __typename id eventId fileName fileType fileSize contentType sha256 uploadedAt }
    createdAt updatedAt }
    fragment Person on User { __typename id username userType firstName lastName
    organizationName designation isPhoneVerified isEmailVerified isActive lastLoginAt
    createdAt updatedAt }";

/// The nodes of `adverseEvents(first: 10)` with `selection` (and the fragment
/// definitions `fragments`), after checking the response has no errors, and how many of
/// them were resolved directly.
async fn listed_nodes(
    app: &TestApp,
    token: &str,
    selection: &str,
    fragments: &str,
) -> (Vec<Value>, u64) {
    let q = format!(
        "query {{ adverseEvents(first: 10) {{ edges {{ node {{ {selection} }} }} }} }} {fragments}"
    );
    let before = app.state.direct_nodes();
    let r = app.gql_as(token, &q, json!({})).await;
    let direct = app.state.direct_nodes() - before;
    let nodes = r.data()["adverseEvents"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {}", r.body))
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    (nodes, direct)
}

#[tokio::test]
async fn list_nodes_resolved_directly_equal_what_the_resolvers_answer() {
    // Nodes of a page are built straight from their rows when the selection allows it;
    // a single read always goes through the resolvers. Both must answer the same, for
    // every field of the direct path, and a selection or node the direct path does not
    // take must still be answered (by the resolvers), merges and guards included.
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let approved = create(&app, &w.patient.1, seed_event()).await;
    let upload = crate::attachments::upload(
        &app,
        &w.patient.1,
        &approved,
        "scan.png",
        crate::attachments::png(),
        true,
    )
    .await;
    let attachment = upload.data()["uploadAttachment"].clone();
    for (step, token) in [
        ("submit", &w.patient.1),
        ("start", &w.coordinator.1),
        ("approve", &w.coordinator.1),
    ] {
        act(&app, token, step, &approved).await.data();
    }
    let mut sparse = seed_event();
    for key in ["modelNumber", "witnesses", "outcome"] {
        sparse.as_object_mut().unwrap().remove(key);
    }
    sparse["supportingDocuments"] =
        json!([{ "fileName": "scan.pdf", "fileType": "DOCUMENT", "fileSize": 1234 }]);
    let draft = create(&app, &w.patient.1, sparse).await;

    let selection = "id ...Node ... on AdverseEvent { t: title id }";
    let one =
        format!("query($id: ID!) {{ adverseEvent(id: $id) {{ {selection} }} }} {DIRECT_FIELDS}");
    for (token, expected) in [(&w.patient.1, 2), (&w.coordinator.1, 1), (&w.admin.1, 2)] {
        let (nodes, direct) = listed_nodes(&app, token, selection, DIRECT_FIELDS).await;
        assert_eq!(nodes.len(), expected, "{nodes:?}");
        assert_eq!(direct, expected as u64, "every node resolved directly");
        for node in &nodes {
            let single = app.gql_as(token, &one, json!({ "id": node["id"] })).await;
            assert_eq!(
                node,
                &single.data()["adverseEvent"],
                "list and single read agree"
            );
        }
    }
    // ... and what they agree on is right.
    let (nodes, _) = listed_nodes(&app, &w.patient.1, selection, DIRECT_FIELDS).await;
    let a = by(&nodes, &approved);
    assert_eq!(a["__typename"], "AdverseEvent");
    assert_eq!(a["t"], "Device malfunction");
    assert_eq!(a["status"], "APPROVED");
    assert_eq!(a["witnesses"], "Nurse present");
    assert_eq!(a["reviewedBy"]["username"], "coordinator");
    assert_eq!(a["reviewedBy"]["userType"], "COORDINATOR");
    assert_eq!(a["patient"]["__typename"], "User");
    assert_eq!(a["patient"]["username"], "patient");
    assert_eq!(a["patient"]["isPhoneVerified"], true);
    assert_eq!(a["attachments"].as_array().unwrap().len(), 1);
    let listed = &a["attachments"][0];
    assert_eq!(listed["__typename"], "EventAttachment");
    assert_eq!(listed["eventId"], json!(approved));
    for key in [
        "id",
        "fileName",
        "fileType",
        "fileSize",
        "contentType",
        "sha256",
    ] {
        assert_eq!(listed[key], attachment[key], "{key}");
    }
    let d = by(&nodes, &draft);
    assert_eq!(d["status"], "DRAFT");
    assert!(d["reviewedBy"].is_null() && d["reviewedAt"].is_null());
    assert!(d["modelNumber"].is_null() && d["witnesses"].is_null());
    assert_eq!(d["attachments"], json!([]));
    assert_eq!(
        d["supportingDocuments"],
        json!([{ "__typename": "SupportingDocument", "fileName": "scan.pdf",
                 "fileType": "DOCUMENT", "fileSize": 1234 }])
    );

    // The connection around the nodes is built directly too; with a node field the
    // direct path does not know (`downloadUrl`) the generic connection answers. Both
    // give the same page information and cursors, and the cursors page on.
    let page = |extra: &str| {
        format!(
            "query($after: String) {{ adverseEvents(first: 1, after: $after) {{ __typename
            totalCount pageInfo {{ __typename hasPreviousPage hasNextPage startCursor endCursor }}
            edges {{ __typename cursor node {{ id {extra} }} }} }} }}"
        )
    };
    let mut after = Value::Null;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let before = app.state.direct_nodes();
        let direct = app
            .gql_as(&w.patient.1, &page(""), json!({ "after": after }))
            .await;
        assert_eq!(app.state.direct_nodes() - before, 1, "{}", direct.body);
        let generic = app
            .gql_as(
                &w.patient.1,
                &page("attachments { downloadUrl }"),
                json!({ "after": after }),
            )
            .await;
        assert_eq!(app.state.direct_nodes() - before, 1, "{}", generic.body);
        let mut generic = generic.data()["adverseEvents"].clone();
        generic["edges"][0]["node"]
            .as_object_mut()
            .unwrap()
            .remove("attachments");
        let direct = direct.data()["adverseEvents"].clone();
        assert_eq!(direct, generic);
        assert_eq!(direct["__typename"], "AdverseEventConnection");
        assert_eq!(direct["totalCount"], 2);
        assert_eq!(direct["pageInfo"]["__typename"], "PageInfo");
        assert_eq!(direct["edges"][0]["__typename"], "AdverseEventEdge");
        assert_eq!(
            direct["pageInfo"]["endCursor"],
            direct["edges"][0]["cursor"]
        );
        assert_eq!(
            direct["pageInfo"]["startCursor"],
            direct["edges"][0]["cursor"]
        );
        seen.push(direct["edges"][0]["node"]["id"].clone());
        after = direct["pageInfo"]["endCursor"].clone();
    }
    seen.sort_by_key(|id| id.as_str().unwrap().parse::<i64>().unwrap());
    assert_eq!(
        seen,
        [json!(approved), json!(draft)],
        "both pages, each once"
    );

    // `@skip`/`@include` are evaluated before execution (async-graphql drops what they
    // skip, variables included): the direct path answers what is left.
    let (nodes, direct) = listed_nodes(
        &app,
        &w.patient.1,
        "id title @include(if: true) t: title @skip(if: true) ...F @include(if: false)",
        "fragment F on AdverseEvent { status }",
    )
    .await;
    assert_eq!(direct, 2);
    assert!(
        nodes
            .iter()
            .all(|n| n["title"].is_string() && n.get("t").is_none() && n.get("status").is_none()),
        "{nodes:?}"
    );

    // Selections the direct path leaves to the resolvers: a field it does not know,
    // one key with two different selections (merged), a guarded user field.
    let (nodes, direct) =
        listed_nodes(&app, &w.patient.1, "id attachments { downloadUrl }", "").await;
    assert_eq!(direct, 0);
    assert!(
        by(&nodes, &approved)["attachments"][0]["downloadUrl"]
            .as_str()
            .is_some_and(|u| u.contains("/files/"))
    );
    let (nodes, direct) = listed_nodes(
        &app,
        &w.patient.1,
        "id patient { id } patient { username }",
        "",
    )
    .await;
    assert_eq!(direct, 0);
    assert_eq!(by(&nodes, &approved)["patient"]["username"], "patient");
    assert!(by(&nodes, &approved)["patient"]["id"].is_string());
    let (nodes, direct) = listed_nodes(&app, &w.patient.1, "id patient { email }", "").await;
    assert_eq!(direct, 0);
    assert!(
        by(&nodes, &approved)["patient"]["email"].is_string(),
        "the owner sees it"
    );
}

fn by<'a>(nodes: &'a [Value], id: &str) -> &'a Value {
    nodes
        .iter()
        .find(|n| n["id"] == json!(id))
        .unwrap_or_else(|| panic!("{id} in {nodes:?}"))
}

#[tokio::test]
async fn a_page_mixing_visible_and_hidden_fields_resolves_each_node_its_own_way() {
    // A patient who also holds `events:read_all` sees its own report with its patient and
    // other reports without: on one page, the own node is built directly and the other
    // goes through the resolvers, whose guard refuses `patient` at that node's path only.
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let others = event_in(&app, &w, "approved").await;
    let reader = app
        .create_user("reader", UserType::Patient, &[Permission::EventsReadAll])
        .await;
    let own = create(&app, &reader.1, seed_event()).await;

    let before = app.state.direct_nodes();
    let r = app
        .gql_as(
            &reader.1,
            "{ adverseEvents(first: 10) { edges { node { id patient { username } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(app.state.direct_nodes() - before, 1, "{}", r.body);
    let edges = r.body["data"]["adverseEvents"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2, "{}", r.body);
    let at = |id: &str| {
        edges
            .iter()
            .position(|e| e["node"]["id"] == json!(id))
            .unwrap()
    };
    assert_eq!(edges[at(&own)]["node"]["patient"]["username"], "reader");
    assert!(
        edges[at(&others)]["node"]["patient"].is_null(),
        "{}",
        r.body
    );
    let errors = r.errors();
    assert_eq!(errors.len(), 1, "{}", r.body);
    assert_eq!(errors[0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(
        errors[0]["path"],
        json!(["adverseEvents", "edges", at(&others), "node", "patient"])
    );
}

#[tokio::test]
async fn awkward_text_comes_back_exactly_in_lists_and_single_reads() {
    // Quotes, backslashes, control characters, non-ASCII and the JavaScript line
    // separators must come back exactly, from the direct list path (values built from
    // rows read straight through sqlx on PostgreSQL) and from the resolvers.
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let text = "say \"hi\" \\ back\\slash\nnew line\ttab \u{1}\u{1f} é ü 漢字 😀 \u{2028}\u{2029} </script>";
    let mut input = seed_event();
    input["description"] = json!(text);
    input["title"] = json!("quote \" and \\ and é 😀");
    let id = create(&app, &w.patient.1, input).await;
    let one = app
        .gql_as(
            &w.patient.1,
            "query($id: ID!) { adverseEvent(id: $id) { title description } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(one.data()["adverseEvent"]["description"], text);
    assert_eq!(
        one.data()["adverseEvent"]["title"],
        "quote \" and \\ and é 😀"
    );
    let page = app
        .gql_as(
            &w.patient.1,
            "{ adverseEvents(first: 5) { edges { node { id title description } } } }",
            json!({}),
        )
        .await;
    let node = &page.data()["adverseEvents"]["edges"][0]["node"];
    assert_eq!(node["id"], id.as_str());
    assert_eq!(node["description"], text);
    assert_eq!(node["title"], "quote \" and \\ and é 😀");
}
