//! Care records (SPEC §8): patient records, the doctor directory, doctor assignments
//! and the read side of patient documents — access per user type, validation, filters
//! and pagination, the primary-doctor rule under concurrency, cascades, money, audit
//! rows, summaries and statement counts.

use chrono::{Datelike, Months, Utc};
use entity::{
    auth_audit_logs, care_patient_doctors, care_patient_documents,
    enums::{AuditAction, DocumentType, FileType},
};
use rakshaayan::auth::permission::{Permission, UserType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::common::{Gql, TestApp};

const CREATE_PATIENT: &str =
    "mutation($input: CreatePatientRecordInput!) { createPatientRecord(input: $input) { id } }";
const GET_PATIENT: &str = "query($id: ID!) { patientRecord(id: $id) { id firstName lastName } }";
const UPDATE_PATIENT: &str = "mutation($id: ID!, $input: UpdatePatientRecordInput!) { updatePatientRecord(id: $id, input: $input) { id firstName email phone dateOfBirth age gender bloodGroup emergencyContactName emergencyContactPhone updatedAt } }";
const DELETE_PATIENT: &str = "mutation($id: ID!) { deletePatientRecord(id: $id) }";
const CREATE_DOCTOR: &str = "mutation($input: CreateDoctorInput!) { createDoctor(input: $input) { id displayName consultationFee } }";
const UPDATE_DOCTOR: &str = "mutation($id: ID!, $input: UpdateDoctorInput!) { updateDoctor(id: $id, input: $input) { id firstName consultationFee yearsOfExperience isAvailable email } }";
const DELETE_DOCTOR: &str = "mutation($id: ID!) { deleteDoctor(id: $id) }";
const ASSIGN: &str = "mutation($input: AssignDoctorInput!) { assignDoctor(input: $input) { id isPrimary notes patient { id } doctor { id displayName } assignedBy { username } assignedAt } }";
const UNASSIGN: &str = "mutation($id: ID!) { unassignDoctor(id: $id) }";

/// The seed 001 example, in the schema's spelling.
fn seed_patient() -> Value {
    json!({
        "firstName": "John",
        "lastName": "Doe",
        "email": "John.Doe@Email.com",
        "phone": "555-1234",
        "dateOfBirth": "1985-06-15",
        "gender": "MALE",
        "bloodGroup": "O_POSITIVE",
        "allergies": "Penicillin",
        "medicalHistory": "Hypertension diagnosed 2020",
        "currentMedications": "Lisinopril 10mg",
        "emergencyContactName": "Jane Doe",
        "emergencyContactPhone": "555-5678",
        "address": "123 Main St",
        "city": "Chicago",
        "state": "IL",
        "country": "USA"
    })
}

fn patient(first: &str, last: &str) -> Value {
    json!({ "firstName": first, "lastName": last })
}

/// The seed 001 doctor with a given licence number.
fn seed_doctor(license: &str) -> Value {
    json!({
        "firstName": "Emily",
        "lastName": "Chen",
        "email": "dr.emily@hospital.com",
        "phone": "555-9876",
        "specialization": "NEUROLOGY",
        "licenseNumber": license,
        "yearsOfExperience": 15,
        "qualification": "MD, PhD Neuroscience",
        "bio": "Board-certified neurologist specializing in epilepsy treatment.",
        "consultationFee": "250.00",
        "isAvailable": true,
        "hospitalName": "City Medical Center",
        "city": "San Francisco",
        "state": "CA",
        "country": "USA"
    })
}

fn doctor(first: &str, last: &str, license: &str) -> Value {
    json!({
        "firstName": first,
        "lastName": last,
        "specialization": "GENERAL",
        "licenseNumber": license
    })
}

/// Accounts of every class that matters here, with tokens.
struct World {
    hospital: (i32, String),
    other_hospital: (i32, String),
    /// A coordinator holding `care:manage`.
    manager: (i32, String),
    admin: (i32, String),
    patient: (i32, String),
    manufacturer: (i32, String),
}

async fn world(app: &TestApp) -> World {
    World {
        hospital: app.create_user("hospital", UserType::Hospital, &[]).await,
        other_hospital: app
            .create_user("other.hospital", UserType::Hospital, &[])
            .await,
        manager: app
            .create_user(
                "care.manager",
                UserType::Coordinator,
                &[Permission::CareManage],
            )
            .await,
        admin: app.admin_token().await,
        patient: app.create_user("patient", UserType::Patient, &[]).await,
        manufacturer: app
            .create_user("medtech", UserType::Manufacturer, &[])
            .await,
    }
}

async fn create_patient(app: &TestApp, token: &str, input: Value) -> String {
    let r = app
        .gql_as(token, CREATE_PATIENT, json!({ "input": input }))
        .await;
    r.data()["createPatientRecord"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create_doctor(app: &TestApp, token: &str, input: Value) -> String {
    let r = app
        .gql_as(token, CREATE_DOCTOR, json!({ "input": input }))
        .await;
    r.data()["createDoctor"]["id"].as_str().unwrap().to_owned()
}

async fn assign(app: &TestApp, token: &str, patient: &str, doctor: &str, primary: bool) -> Gql {
    app.gql_as(
        token,
        ASSIGN,
        json!({ "input": { "patientId": patient, "doctorId": doctor, "isPrimary": primary } }),
    )
    .await
}

async fn audit_rows(app: &TestApp, resource_type: &str) -> Vec<auth_audit_logs::Model> {
    auth_audit_logs::Entity::find()
        .filter(auth_audit_logs::Column::ResourceType.eq(resource_type))
        .order_by_asc(auth_audit_logs::Column::Id)
        .all(app.state.db())
        .await
        .unwrap()
}

async fn insert_document(app: &TestApp, patient_id: &str, kind: DocumentType, size: i64) -> i32 {
    let now = Utc::now();
    care_patient_documents::ActiveModel {
        patient_id: Set(patient_id.parse().unwrap()),
        document_type: Set(kind),
        file_name: Set(format!("{}.pdf", kind.as_str())),
        file_type: Set(FileType::Document),
        content_type: Set("application/pdf".into()),
        file_size: Set(size),
        file_path: Set(format!("documents/{}", uuid::Uuid::new_v4())),
        sha256: Set("0".repeat(64)),
        uploaded_by: Set(None),
        uploaded_at: Set(now),
        ..Default::default()
    }
    .insert(app.state.db())
    .await
    .unwrap()
    .id
}

fn ids(r: &Gql, field: &str) -> Vec<String> {
    r.data()[field]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn field_errors(r: &Gql) -> Value {
    assert_eq!(r.only_code(), "BAD_USER_INPUT", "{}", r.body);
    r.first_error()["extensions"]["fieldErrors"].clone()
}

#[tokio::test]
async fn a_hospital_records_the_seed_patient_and_reads_every_field_back() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let q = "mutation($input: CreatePatientRecordInput!) { createPatientRecord(input: $input) { id firstName lastName fullName email phone dateOfBirth age gender bloodGroup allergies medicalHistory currentMedications emergencyContactName emergencyContactPhone address city state country createdBy { username } createdAt updatedAt doctors { id } documents { id } } }";
    let r = app
        .gql_as(&w.hospital.1, q, json!({ "input": seed_patient() }))
        .await;
    let p = &r.data()["createPatientRecord"];
    assert_eq!(p["fullName"], "John Doe");
    assert_eq!(p["email"], "john.doe@email.com", "emails are lowercased");
    assert_eq!(
        p["phone"], "555-1234",
        "the seed's local number is accepted"
    );
    assert_eq!(p["dateOfBirth"], "1985-06-15");
    assert_eq!(p["gender"], "MALE");
    assert_eq!(p["bloodGroup"], "O_POSITIVE");
    assert_eq!(p["emergencyContactPhone"], "555-5678");
    assert_eq!(p["createdBy"]["username"], "hospital");
    assert_eq!(p["doctors"], json!([]));
    assert_eq!(p["documents"], json!([]));
    let today = Utc::now().date_naive();
    let mut age = today.year() - 1985;
    if (today.month(), today.day()) < (6, 15) {
        age -= 1;
    }
    assert_eq!(p["age"], age);

    // Stored as the seed's strings.
    let id: i32 = p["id"].as_str().unwrap().parse().unwrap();
    let stored = entity::care_patients::Entity::find_by_id(id)
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.blood_group.unwrap().as_str(), "O+");
    assert_eq!(stored.gender.unwrap().as_str(), "male");

    // Every blood group maps to its stored string.
    for (value, stored_as) in [
        ("A_POSITIVE", "A+"),
        ("A_NEGATIVE", "A-"),
        ("B_POSITIVE", "B+"),
        ("B_NEGATIVE", "B-"),
        ("AB_POSITIVE", "AB+"),
        ("AB_NEGATIVE", "AB-"),
        ("O_POSITIVE", "O+"),
        ("O_NEGATIVE", "O-"),
    ] {
        let mut input = patient("Blood", value);
        input["bloodGroup"] = json!(value);
        let id = create_patient(&app, &w.hospital.1, input).await;
        let stored = entity::care_patients::Entity::find_by_id(id.parse::<i32>().unwrap())
            .one(app.state.db())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.blood_group.unwrap().as_str(), stored_as);
    }

    let rows = audit_rows(&app, "patient_record").await;
    let created = rows
        .iter()
        .find(|a| {
            a.action == AuditAction::Create && a.resource_id.as_deref() == Some(&id.to_string())
        })
        .expect("create audit row");
    assert_eq!(created.user_id, Some(w.hospital.0));
    assert!(
        !created.details.to_string().contains("Penicillin"),
        "no medical details in the audit log"
    );
}

#[tokio::test]
async fn who_may_manage_and_see_patient_records() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mine = create_patient(&app, &w.hospital.1, seed_patient()).await;
    let theirs = create_patient(&app, &w.other_hospital.1, patient("Ann", "Other")).await;
    let managed = create_patient(&app, &w.manager.1, patient("Mo", "Managed")).await;

    // A PATIENT or MANUFACTURER is refused every care-management operation.
    for token in [&w.patient.1, &w.manufacturer.1] {
        for (q, vars) in [
            (CREATE_PATIENT, json!({ "input": seed_patient() })),
            (GET_PATIENT, json!({ "id": mine })),
            ("{ patientRecords { totalCount } }", json!({})),
            (
                "query($id: ID!) { patientSummary(id: $id) { doctorCount } }",
                json!({ "id": mine }),
            ),
            ("{ doctorAssignments { totalCount } }", json!({})),
            ("{ documentStats { total } }", json!({})),
            (
                UPDATE_PATIENT,
                json!({ "id": mine, "input": { "firstName": "X" } }),
            ),
            (DELETE_PATIENT, json!({ "id": mine })),
            (CREATE_DOCTOR, json!({ "input": seed_doctor("LIC-X") })),
        ] {
            let r = app.gql_as(token, q, vars).await;
            assert_eq!(r.only_code(), "FORBIDDEN", "{q}: {}", r.body);
            assert_eq!(
                r.first_error()["extensions"]["requiredPermission"],
                "care:manage"
            );
        }
    }
    // Anonymous callers are not even authenticated.
    let r = app.gql_with(None, GET_PATIENT, json!({ "id": mine })).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");

    // One hospital cannot see, change or delete another's records: FORBIDDEN when the
    // record exists, NOT_FOUND when it does not.
    let code = |r: Gql| r.only_code();
    for (q, vars) in [
        (GET_PATIENT, json!({ "id": mine })),
        (
            "query($id: ID!) { patientSummary(id: $id) { doctorCount } }",
            json!({ "id": mine }),
        ),
        (
            UPDATE_PATIENT,
            json!({ "id": mine, "input": { "firstName": "Hijack" } }),
        ),
        (DELETE_PATIENT, json!({ "id": mine })),
    ] {
        let r = app.gql_as(&w.other_hospital.1, q, vars.clone()).await;
        assert!(
            r.first_error()["extensions"]["reason"]
                .as_str()
                .unwrap()
                .contains("patient record"),
            "{}",
            r.body
        );
        assert_eq!(code(r), "FORBIDDEN", "{q}");
        let mut missing = vars;
        missing["id"] = json!("999999");
        assert_eq!(
            code(app.gql_as(&w.other_hospital.1, q, missing).await),
            "NOT_FOUND",
            "{q}"
        );
    }
    assert_eq!(
        code(
            app.gql_as(&w.hospital.1, GET_PATIENT, json!({ "id": "abc" }))
                .await
        ),
        "BAD_USER_INPUT"
    );
    // Nothing changed.
    let r = app
        .gql_as(&w.hospital.1, GET_PATIENT, json!({ "id": mine }))
        .await;
    assert_eq!(r.data()["patientRecord"]["firstName"], "John");

    // Lists hold only what the viewer may see, counts included.
    let list = "{ patientRecords(first: 100) { totalCount edges { node { id } } } }";
    let listed = |token: String| {
        let app = &app;
        async move {
            let r = app.gql_as(&token, list, json!({})).await;
            let mut v = ids(&r, "patientRecords");
            assert_eq!(
                r.data()["patientRecords"]["totalCount"].as_u64().unwrap() as usize,
                v.len()
            );
            v.sort();
            v
        }
    };
    assert_eq!(listed(w.hospital.1.clone()).await, vec![mine.clone()]);
    assert_eq!(
        listed(w.other_hospital.1.clone()).await,
        vec![theirs.clone()]
    );
    assert_eq!(
        listed(w.manager.1.clone()).await,
        vec![managed.clone()],
        "a care:manage holder sees the records they created"
    );
    let mut all = vec![mine.clone(), theirs.clone(), managed.clone()];
    all.sort();
    assert_eq!(listed(w.admin.1.clone()).await, all);

    // The care:manage holder edits their own record, not others'.
    let r = app
        .gql_as(
            &w.manager.1,
            UPDATE_PATIENT,
            json!({ "id": managed, "input": { "firstName": "Moe" } }),
        )
        .await;
    assert_eq!(r.data()["updatePatientRecord"]["firstName"], "Moe");
    let r = app
        .gql_as(&w.manager.1, GET_PATIENT, json!({ "id": mine }))
        .await;
    assert_eq!(r.only_code(), "FORBIDDEN");

    // Only reads by someone other than the creator are audited as views: the creators'
    // reads above wrote none; the admin's list wrote one row naming the three records.
    let views: Vec<_> = audit_rows(&app, "patient_record")
        .await
        .into_iter()
        .filter(|a| a.action == AuditAction::View)
        .collect();
    assert_eq!(views.len(), 1, "{views:?}");
    assert_eq!(views[0].user_id, Some(w.admin.0));
    assert_eq!(views[0].resource_id, None);
    let mut viewed: Vec<String> = views[0].details["patientIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    viewed.sort();
    assert_eq!(viewed, all);

    // An admin reads and changes any record; the single read is a view row.
    let r = app
        .gql_as(&w.admin.1, GET_PATIENT, json!({ "id": theirs }))
        .await;
    assert_eq!(r.data()["patientRecord"]["firstName"], "Ann");
    let views: Vec<_> = audit_rows(&app, "patient_record")
        .await
        .into_iter()
        .filter(|a| a.action == AuditAction::View)
        .collect();
    assert_eq!(views.len(), 2);
    assert!(
        views
            .iter()
            .any(|v| v.resource_id.as_deref() == Some(theirs.as_str()))
    );
    let r = app
        .gql_as(
            &w.admin.1,
            UPDATE_PATIENT,
            json!({ "id": theirs, "input": { "firstName": "Anne" } }),
        )
        .await;
    assert_eq!(r.data()["updatePatientRecord"]["firstName"], "Anne");
    let r = app
        .gql_as(&w.admin.1, DELETE_PATIENT, json!({ "id": theirs }))
        .await;
    assert_eq!(r.data()["deletePatientRecord"], theirs.as_str());
    assert_eq!(
        code(
            app.gql_as(&w.other_hospital.1, GET_PATIENT, json!({ "id": theirs }))
                .await
        ),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn patient_validation_reports_every_field_at_once() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let tomorrow = (Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    let mut input = seed_patient();
    input["firstName"] = json!("   ");
    input["lastName"] = json!("x".repeat(101));
    input["email"] = json!("not-an-email");
    input["phone"] = json!("12-34");
    input["dateOfBirth"] = json!(tomorrow);
    input["emergencyContactName"] = json!("n".repeat(201));
    input["emergencyContactPhone"] = json!("call me");
    input["allergies"] = json!("a".repeat(10_001));
    input["medicalHistory"] = json!("h".repeat(10_001));
    input["currentMedications"] = json!("m".repeat(10_001));
    input["address"] = json!("a".repeat(501));
    input["city"] = json!("c".repeat(101));
    input["state"] = json!("s".repeat(101));
    input["country"] = json!("c".repeat(101));
    let r = app
        .gql_as(&w.hospital.1, CREATE_PATIENT, json!({ "input": input }))
        .await;
    let fe = field_errors(&r);
    for field in [
        "firstName",
        "lastName",
        "email",
        "phone",
        "dateOfBirth",
        "emergencyContactName",
        "emergencyContactPhone",
        "allergies",
        "medicalHistory",
        "currentMedications",
        "address",
        "city",
        "state",
        "country",
    ] {
        assert!(fe.get(field).is_some(), "{field} missing from {fe}");
    }
    assert_eq!(fe.as_object().unwrap().len(), 14, "{fe}");
    assert!(fe["dateOfBirth"][0].as_str().unwrap().contains("future"));

    // Dates before 1900; a contact phone without a contact name.
    let mut input = seed_patient();
    input["dateOfBirth"] = json!("1899-12-31");
    let fe = field_errors(
        &app.gql_as(&w.hospital.1, CREATE_PATIENT, json!({ "input": input }))
            .await,
    );
    assert!(fe["dateOfBirth"][0].as_str().unwrap().contains("1900"));
    let mut input = seed_patient();
    input["emergencyContactName"] = json!("  ");
    let fe = field_errors(
        &app.gql_as(&w.hospital.1, CREATE_PATIENT, json!({ "input": input }))
            .await,
    );
    assert!(fe.get("emergencyContactName").is_some(), "{fe}");

    // Boundaries that pass: exactly 100 characters, 1900-01-01, today, lenient phones.
    let today = Utc::now().date_naive().to_string();
    for (dob, phone) in [
        ("1900-01-01", "+91 98765 43210"),
        (today.as_str(), "(020) 7946-0958"),
    ] {
        let mut input = patient(&"f".repeat(100), &"l".repeat(100));
        input["dateOfBirth"] = json!(dob);
        input["phone"] = json!(phone);
        input["email"] = json!("  ");
        let r = app
            .gql_as(&w.hospital.1, CREATE_PATIENT, json!({ "input": input }))
            .await;
        r.data();
    }

    // Choices are enforced by the schema: the seed's single-letter codes are not values.
    let mut input = seed_patient();
    input["gender"] = json!("M");
    let r = app
        .gql_as(&w.hospital.1, CREATE_PATIENT, json!({ "input": input }))
        .await;
    assert!(!r.errors().is_empty());
    let mut input = seed_patient();
    input["bloodGroup"] = json!("O+");
    let r = app
        .gql_as(&w.hospital.1, CREATE_PATIENT, json!({ "input": input }))
        .await;
    assert!(!r.errors().is_empty());

    // Updates: required fields cannot be cleared, reported with the other problems.
    let id = create_patient(&app, &w.hospital.1, seed_patient()).await;
    let r = app
        .gql_as(
            &w.hospital.1,
            UPDATE_PATIENT,
            json!({ "id": id, "input": { "firstName": null, "lastName": "", "email": "bad", "dateOfBirth": tomorrow } }),
        )
        .await;
    let fe = field_errors(&r);
    assert!(fe["firstName"][0].as_str().unwrap().contains("cleared"));
    for field in ["lastName", "email", "dateOfBirth"] {
        assert!(fe.get(field).is_some(), "{field} missing from {fe}");
    }
    // Clearing the contact's name while their phone stays is refused.
    let r = app
        .gql_as(
            &w.hospital.1,
            UPDATE_PATIENT,
            json!({ "id": id, "input": { "emergencyContactName": null } }),
        )
        .await;
    assert!(field_errors(&r).get("emergencyContactName").is_some());
    // Nothing was written by the refused updates.
    let updates = audit_rows(&app, "patient_record")
        .await
        .into_iter()
        .filter(|a| a.action == AuditAction::Update)
        .count();
    assert_eq!(updates, 0);
}

#[tokio::test]
async fn updates_are_partial_null_clears_and_only_changes_are_audited() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let id = create_patient(&app, &w.hospital.1, seed_patient()).await;
    let r = app
        .gql_as(
            &w.hospital.1,
            UPDATE_PATIENT,
            json!({ "id": id, "input": {
                "email": null,
                "phone": "+1 (555) 123-4567",
                "gender": "UNDISCLOSED",
                "bloodGroup": null,
                "dateOfBirth": null,
                "emergencyContactName": null,
                "emergencyContactPhone": null,
                "firstName": "John"
            } }),
        )
        .await;
    let p = &r.data()["updatePatientRecord"];
    assert_eq!(p["firstName"], "John");
    assert_eq!(p["email"], Value::Null);
    assert_eq!(p["phone"], "+1 (555) 123-4567");
    assert_eq!(p["gender"], "UNDISCLOSED");
    assert_eq!(p["bloodGroup"], Value::Null);
    assert_eq!(p["dateOfBirth"], Value::Null);
    assert_eq!(p["age"], Value::Null);
    assert_eq!(p["emergencyContactPhone"], Value::Null);
    // Fields not given are unchanged.
    let r = app
        .gql_as(
            &w.hospital.1,
            "query($id: ID!) { patientRecord(id: $id) { lastName allergies city } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r.data()["patientRecord"]["allergies"], "Penicillin");
    assert_eq!(r.data()["patientRecord"]["city"], "Chicago");

    let updates: Vec<_> = audit_rows(&app, "patient_record")
        .await
        .into_iter()
        .filter(|a| a.action == AuditAction::Update)
        .collect();
    assert_eq!(updates.len(), 1);
    let mut changed: Vec<&str> = updates[0].details["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    changed.sort();
    assert_eq!(
        changed,
        vec![
            "bloodGroup",
            "dateOfBirth",
            "email",
            "emergencyContactName",
            "emergencyContactPhone",
            "gender",
            "phone"
        ],
        "firstName was given but did not change"
    );
    assert!(!updates[0].details.to_string().contains("555"));

    // An update that changes nothing writes nothing.
    let before = updates[0].clone();
    let r = app
        .gql_as(
            &w.hospital.1,
            UPDATE_PATIENT,
            json!({ "id": id, "input": { "firstName": " John ", "city": "Chicago" } }),
        )
        .await;
    r.data();
    let updates = audit_rows(&app, "patient_record")
        .await
        .into_iter()
        .filter(|a| a.action == AuditAction::Update)
        .count();
    assert_eq!(updates, 1, "after {before:?}");

    // Delete is audited with what went with the record.
    let r = app
        .gql_as(&w.hospital.1, DELETE_PATIENT, json!({ "id": id }))
        .await;
    assert_eq!(r.data()["deletePatientRecord"], id.as_str());
    let deleted: Vec<_> = audit_rows(&app, "patient_record")
        .await
        .into_iter()
        .filter(|a| a.action == AuditAction::Delete)
        .collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].resource_id.as_deref(), Some(id.as_str()));
}

/// A birth date `years` years before today plus `days_younger` days (0: the birthday
/// is today, so the person is `years` old; 1: they turn `years` tomorrow).
fn born(years: u32, days_younger: i64) -> String {
    let today = Utc::now().date_naive();
    (today.checked_sub_months(Months::new(12 * years)).unwrap()
        + chrono::Duration::days(days_younger))
    .to_string()
}

#[tokio::test]
async fn patient_filters_search_gender_age_and_ordering_with_pagination() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mut make = Vec::new();
    // (first, last, email, gender, dob)
    for (first, last, email, gender, dob) in [
        (
            "Alice",
            "adams",
            Some("alice@clinic.org"),
            Some("FEMALE"),
            Some(born(30, 0)),
        ),
        (
            "Bob",
            "Baker",
            Some("bob@Example.org"),
            Some("MALE"),
            Some(born(18, 1)),
        ),
        ("Carol", "carter", None, Some("OTHER"), Some(born(18, 0))),
        (
            "Dan",
            "Davis",
            Some("dan@clinic.org"),
            Some("MALE"),
            Some(born(65, 0)),
        ),
        ("Eve", "Evans_x", None, Some("UNDISCLOSED"), None),
        (
            "Zoe",
            "Zimmer",
            Some("zoe@clinic.org"),
            None,
            Some(born(67, 1)),
        ),
    ] {
        let mut input = patient(first, last);
        input["email"] = json!(email);
        input["gender"] = json!(gender);
        input["dateOfBirth"] = json!(dob);
        make.push((last, create_patient(&app, &w.hospital.1, input).await));
    }
    // Someone else's record never shows up in the hospital's lists.
    create_patient(&app, &w.other_hospital.1, patient("Alice", "Adams")).await;
    let id_of = |last: &str| make.iter().find(|(l, _)| *l == last).unwrap().1.clone();

    let q = "query($f: PatientRecordFilter, $o: PatientRecordOrder, $first: Int, $after: String, $last: Int, $before: String) { patientRecords(filter: $f, orderBy: $o, first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id lastName age } } } }";
    let run = |vars: Value| {
        let app = &app;
        let token = w.hospital.1.clone();
        async move { app.gql_as(&token, q, vars).await }
    };
    let names = |r: &Gql| -> Vec<String> {
        r.data()["patientRecords"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["lastName"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_name = json!({ "field": "LAST_NAME" });

    // Search: name or email, case-insensitive, LIKE wildcards literal.
    let r = run(json!({ "f": { "search": "ALI" }, "o": by_name })).await;
    assert_eq!(names(&r), vec!["adams"]);
    let r = run(json!({ "f": { "search": "clinic.ORG" }, "o": by_name })).await;
    assert_eq!(names(&r), vec!["adams", "Davis", "Zimmer"]);
    let r = run(json!({ "f": { "search": "example" }, "o": by_name })).await;
    assert_eq!(names(&r), vec!["Baker"]);
    let r = run(json!({ "f": { "search": "_x" }, "o": by_name })).await;
    assert_eq!(names(&r), vec!["Evans_x"], "_ is not a wildcard");
    let r = run(json!({ "f": { "search": "dan davis" }, "o": by_name })).await;
    assert_eq!(names(&r), vec!["Davis"], "every word must match");
    // Gender list.
    let r = run(json!({ "f": { "gender": ["MALE", "OTHER"] }, "o": by_name })).await;
    assert_eq!(names(&r), vec!["Baker", "carter", "Davis"]);
    // Age range, inclusive, birthdays exact: Baker turns 18 tomorrow, carter today.
    let r = run(json!({ "f": { "ageMin": 18, "ageMax": 65 }, "o": by_name })).await;
    assert_eq!(names(&r), vec!["adams", "carter", "Davis"]);
    let ages: Vec<i64> = r.data()["patientRecords"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["age"].as_i64().unwrap())
        .collect();
    assert_eq!(ages, vec![30, 18, 65]);
    let r = run(json!({ "f": { "ageMax": 17 }, "o": by_name })).await;
    assert_eq!(names(&r), vec!["Baker"]);
    let r = run(json!({ "f": { "ageMin": 65 }, "o": by_name })).await;
    assert_eq!(names(&r), vec!["Davis", "Zimmer"]);
    let r = run(json!({ "f": { "ageMin": 66, "ageMax": 66 }, "o": by_name })).await;
    assert_eq!(names(&r), vec!["Zimmer"], "66 today, 67 tomorrow");
    let r = run(json!({ "f": { "ageMin": 67 }, "o": by_name })).await;
    assert_eq!(names(&r), Vec::<String>::new());
    // Combined with search and gender.
    let r = run(json!({ "f": { "ageMin": 18, "gender": ["MALE"], "search": "clinic" } })).await;
    assert_eq!(names(&r), vec!["Davis"]);
    // Bad ranges.
    let r = run(json!({ "f": { "ageMin": 40, "ageMax": 30 } })).await;
    assert!(field_errors(&r).get("ageMax").is_some());
    let r = run(json!({ "f": { "ageMin": -1, "ageMax": 151 } })).await;
    let fe = field_errors(&r);
    assert!(fe.get("ageMin").is_some() && fe.get("ageMax").is_some());
    let r = run(json!({ "f": { "search": "s".repeat(201) } })).await;
    assert!(field_errors(&r).get("search").is_some());
    let r = run(json!({ "first": 101 })).await;
    assert!(field_errors(&r).get("first").is_some());

    // Ordering by last name is case-insensitive, and pages walk it both ways.
    let all = vec!["adams", "Baker", "carter", "Davis", "Evans_x", "Zimmer"];
    let r = run(json!({ "o": by_name })).await;
    assert_eq!(names(&r), all);
    let mut walked = Vec::new();
    let mut after = Value::Null;
    loop {
        let r = run(json!({ "o": by_name, "first": 2, "after": after })).await;
        assert_eq!(r.data()["patientRecords"]["totalCount"], 6);
        walked.extend(names(&r));
        let info = &r.data()["patientRecords"]["pageInfo"];
        assert_eq!(info["hasPreviousPage"], walked.len() > 2);
        if info["hasNextPage"] == false {
            break;
        }
        after = info["endCursor"].clone();
    }
    assert_eq!(walked, all);
    let r = run(json!({ "o": { "field": "LAST_NAME", "direction": "DESC" }, "first": 2 })).await;
    assert_eq!(names(&r), vec!["Zimmer", "Evans_x"]);
    let before = r.data()["patientRecords"]["pageInfo"]["endCursor"].clone();
    // A cursor is bound to its ordering.
    let r = run(json!({ "o": by_name, "after": before })).await;
    assert!(field_errors(&r).get("after").is_some());
    let r = run(json!({ "o": by_name, "last": 2 })).await;
    assert_eq!(names(&r), vec!["Evans_x", "Zimmer"]);
    let start = r.data()["patientRecords"]["pageInfo"]["startCursor"].clone();
    assert_eq!(
        r.data()["patientRecords"]["pageInfo"]["hasPreviousPage"],
        true
    );
    let r = run(json!({ "o": by_name, "last": 2, "before": start })).await;
    assert_eq!(names(&r), vec!["carter", "Davis"]);

    // Date of birth: records without one come last in both directions.
    let by_dob = |dir: &str| json!({ "field": "DATE_OF_BIRTH", "direction": dir });
    let r = run(json!({ "o": by_dob("ASC") })).await;
    assert_eq!(
        names(&r),
        vec!["Zimmer", "Davis", "adams", "carter", "Baker", "Evans_x"]
    );
    let r = run(json!({ "o": by_dob("DESC") })).await;
    assert_eq!(
        names(&r),
        vec!["Baker", "carter", "adams", "Davis", "Zimmer", "Evans_x"]
    );
    let mut walked = Vec::new();
    let mut after = Value::Null;
    loop {
        let r = run(json!({ "o": by_dob("DESC"), "first": 4, "after": after })).await;
        walked.extend(names(&r));
        if r.data()["patientRecords"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = r.data()["patientRecords"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        walked,
        vec!["Baker", "carter", "adams", "Davis", "Zimmer", "Evans_x"]
    );
    // Default: newest first.
    let r = run(json!({})).await;
    let newest: Vec<String> = ids(&r, "patientRecords");
    let mut expected: Vec<String> = make.iter().map(|(_, id)| id.clone()).collect();
    expected.reverse();
    assert_eq!(newest, expected);
    assert_eq!(id_of("adams"), make[0].1);
}

#[tokio::test]
async fn the_doctor_directory_is_read_by_everyone_and_changed_by_its_creator_or_an_admin() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let q = "mutation($input: CreateDoctorInput!) { createDoctor(input: $input) { id firstName lastName displayName email phone specialization licenseNumber yearsOfExperience qualification bio consultationFee isAvailable hospitalName city state country createdBy { username } createdAt updatedAt } }";
    let r = app
        .gql_as(
            &w.hospital.1,
            q,
            json!({ "input": seed_doctor("LIC-2024-007") }),
        )
        .await;
    let d = &r.data()["createDoctor"];
    assert_eq!(d["displayName"], "Dr. Emily Chen");
    assert_eq!(d["specialization"], "NEUROLOGY");
    assert_eq!(d["consultationFee"], "250.00");
    assert_eq!(d["email"], "dr.emily@hospital.com");
    assert_eq!(d["createdBy"]["username"], "hospital");
    let id = d["id"].as_str().unwrap().to_owned();

    // Defaults.
    let minimal = create_doctor(&app, &w.manager.1, doctor("Raj", "Patel", "LIC-MIN")).await;
    let r = app
        .gql_as(
            &w.patient.1,
            "query($id: ID!) { doctor(id: $id) { yearsOfExperience consultationFee isAvailable email } }",
            json!({ "id": minimal }),
        )
        .await;
    assert_eq!(
        r.data()["doctor"],
        json!({ "yearsOfExperience": 0, "consultationFee": "0.00", "isAvailable": true, "email": null })
    );

    // Every signed-in user reads the directory; anonymous callers do not.
    for token in [
        &w.patient.1,
        &w.manufacturer.1,
        &w.other_hospital.1,
        &w.admin.1,
    ] {
        let r = app
            .gql_as(
                token,
                "{ doctors { totalCount edges { node { displayName } } } }",
                json!({}),
            )
            .await;
        assert_eq!(r.data()["doctors"]["totalCount"], 2);
    }
    let r = app.gql("{ doctors { totalCount } }").await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    let r = app
        .gql_as(
            &w.patient.1,
            "query { doctor(id: \"999999\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(r.only_code(), "NOT_FOUND");

    // Only HOSPITAL, ADMIN and care:manage add doctors.
    for token in [&w.patient.1, &w.manufacturer.1] {
        let r = app
            .gql_as(
                token,
                CREATE_DOCTOR,
                json!({ "input": seed_doctor("LIC-NO") }),
            )
            .await;
        assert_eq!(r.only_code(), "FORBIDDEN");
    }
    // A licence number is unique.
    let r = app
        .gql_as(
            &w.other_hospital.1,
            CREATE_DOCTOR,
            json!({ "input": seed_doctor("LIC-2024-007") }),
        )
        .await;
    assert_eq!(r.only_code(), "CONFLICT");
    assert!(
        r.first_error()["extensions"]["fieldErrors"]
            .get("licenseNumber")
            .is_some()
    );

    // Another hospital (or care:manage holder) cannot change or remove the entry.
    for token in [&w.other_hospital.1, &w.manager.1] {
        let r = app
            .gql_as(
                token,
                UPDATE_DOCTOR,
                json!({ "id": id, "input": { "firstName": "Hijack" } }),
            )
            .await;
        assert_eq!(r.only_code(), "FORBIDDEN");
        assert!(
            r.first_error()["extensions"]["reason"]
                .as_str()
                .unwrap()
                .contains("only the user who created this doctor or an ADMIN")
        );
        let r = app.gql_as(token, DELETE_DOCTOR, json!({ "id": id })).await;
        assert_eq!(r.only_code(), "FORBIDDEN");
    }
    let r = app
        .gql_as(
            &w.patient.1,
            UPDATE_DOCTOR,
            json!({ "id": id, "input": {} }),
        )
        .await;
    assert_eq!(r.only_code(), "FORBIDDEN");
    let r = app
        .gql_as(
            &w.hospital.1,
            UPDATE_DOCTOR,
            json!({ "id": "999999", "input": { "firstName": "X" } }),
        )
        .await;
    assert_eq!(r.only_code(), "NOT_FOUND");

    // The creator updates partially; an admin may too.
    let r = app
        .gql_as(
            &w.hospital.1,
            UPDATE_DOCTOR,
            json!({ "id": id, "input": { "isAvailable": false, "email": null, "consultationFee": "300.5" } }),
        )
        .await;
    assert_eq!(
        r.data()["updateDoctor"],
        json!({ "id": id, "firstName": "Emily", "consultationFee": "300.50", "yearsOfExperience": 15, "isAvailable": false, "email": null })
    );
    let r = app
        .gql_as(
            &w.admin.1,
            UPDATE_DOCTOR,
            json!({ "id": id, "input": { "yearsOfExperience": 16 } }),
        )
        .await;
    assert_eq!(r.data()["updateDoctor"]["yearsOfExperience"], 16);
    // Licence conflicts on update too.
    let r = app
        .gql_as(
            &w.manager.1,
            UPDATE_DOCTOR,
            json!({ "id": minimal, "input": { "licenseNumber": "LIC-2024-007" } }),
        )
        .await;
    assert_eq!(r.only_code(), "CONFLICT");

    let rows = audit_rows(&app, "doctor").await;
    let actions: Vec<AuditAction> = rows.iter().map(|a| a.action).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::Create,
            AuditAction::Create,
            AuditAction::Update,
            AuditAction::Update
        ]
    );
    assert_eq!(rows[2].user_id, Some(w.hospital.0));
    assert_eq!(rows[3].user_id, Some(w.admin.0));

    // Deleting: the creator, or an admin.
    let r = app
        .gql_as(&w.hospital.1, DELETE_DOCTOR, json!({ "id": id }))
        .await;
    assert_eq!(r.data()["deleteDoctor"], id.as_str());
    let r = app
        .gql_as(&w.admin.1, DELETE_DOCTOR, json!({ "id": minimal }))
        .await;
    assert_eq!(r.data()["deleteDoctor"], minimal.as_str());
    let deletes = audit_rows(&app, "doctor")
        .await
        .into_iter()
        .filter(|a| a.action == AuditAction::Delete)
        .count();
    assert_eq!(deletes, 2);
    let r = app
        .gql_as(
            &w.patient.1,
            "query($id: ID!) { doctor(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r.only_code(), "NOT_FOUND");
}

#[tokio::test]
async fn doctor_validation_reports_every_field_at_once() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mut input = seed_doctor(&"L".repeat(51));
    input["firstName"] = json!("");
    input["lastName"] = json!("x".repeat(101));
    input["email"] = json!("dr@");
    input["phone"] = json!("123");
    input["yearsOfExperience"] = json!(71);
    input["consultationFee"] = json!("-0.01");
    input["qualification"] = json!("q".repeat(201));
    input["bio"] = json!("b".repeat(10_001));
    input["hospitalName"] = json!("h".repeat(201));
    input["city"] = json!("c".repeat(101));
    input["state"] = json!("s".repeat(101));
    input["country"] = json!("c".repeat(101));
    let fe = field_errors(
        &app.gql_as(&w.hospital.1, CREATE_DOCTOR, json!({ "input": input }))
            .await,
    );
    for field in [
        "firstName",
        "lastName",
        "licenseNumber",
        "email",
        "phone",
        "yearsOfExperience",
        "consultationFee",
        "qualification",
        "bio",
        "hospitalName",
        "city",
        "state",
        "country",
    ] {
        assert!(fe.get(field).is_some(), "{field} missing from {fe}");
    }
    assert_eq!(fe.as_object().unwrap().len(), 13, "{fe}");

    for (years, fee, bad) in [
        (
            json!(-1),
            json!("1.005"),
            vec!["consultationFee", "yearsOfExperience"],
        ),
        (json!(70), json!("100000000.00"), vec!["consultationFee"]),
        (json!(0), json!("-1"), vec!["consultationFee"]),
    ] {
        let mut input = seed_doctor("LIC-B");
        input["yearsOfExperience"] = years;
        input["consultationFee"] = fee;
        let fe = field_errors(
            &app.gql_as(&w.hospital.1, CREATE_DOCTOR, json!({ "input": input }))
                .await,
        );
        let mut keys: Vec<&str> = fe.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, bad);
    }
    // The bounds themselves pass.
    let mut input = seed_doctor("LIC-EDGE");
    input["yearsOfExperience"] = json!(70);
    input["consultationFee"] = json!("99999999.99");
    let r = app
        .gql_as(&w.hospital.1, CREATE_DOCTOR, json!({ "input": input }))
        .await;
    assert_eq!(r.data()["createDoctor"]["consultationFee"], "99999999.99");
    let id = r.data()["createDoctor"]["id"].as_str().unwrap().to_owned();
    // Only the seed's 22 specializations exist.
    let mut input = seed_doctor("LIC-S");
    input["specialization"] = json!("ASTROLOGY");
    let r = app
        .gql_as(&w.hospital.1, CREATE_DOCTOR, json!({ "input": input }))
        .await;
    assert!(!r.errors().is_empty());

    // Updates: required fields cannot be cleared.
    let r = app
        .gql_as(
            &w.hospital.1,
            UPDATE_DOCTOR,
            json!({ "id": id, "input": {
                "licenseNumber": null, "specialization": null, "consultationFee": null,
                "yearsOfExperience": 80, "isAvailable": null, "firstName": null, "bio": null
            } }),
        )
        .await;
    let fe = field_errors(&r);
    let mut keys: Vec<&str> = fe.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "consultationFee",
            "firstName",
            "isAvailable",
            "licenseNumber",
            "specialization",
            "yearsOfExperience"
        ]
    );
}

#[tokio::test]
async fn consultation_fees_round_trip_exactly_on_both_databases() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let cases = [
        (json!("0.10"), "0.10"),
        (json!("19.99"), "19.99"),
        (json!("1250.50"), "1250.50"),
        (json!("250"), "250.00"),
        (json!("0"), "0.00"),
        (json!("0.07"), "0.07"),
        (json!("99999999.99"), "99999999.99"),
        (json!("12345678.91"), "12345678.91"),
        (json!(19.99), "19.99"),
        (json!(42), "42.00"),
    ];
    let mut made = Vec::new();
    for (i, (fee, expected)) in cases.iter().enumerate() {
        let mut input = doctor("Fee", &format!("Case{i:02}"), &format!("FEE-{i}"));
        input["consultationFee"] = fee.clone();
        let r = app
            .gql_as(&w.hospital.1, CREATE_DOCTOR, json!({ "input": input }))
            .await;
        assert_eq!(
            r.data()["createDoctor"]["consultationFee"],
            *expected,
            "{fee}"
        );
        made.push((
            r.data()["createDoctor"]["id"].as_str().unwrap().to_owned(),
            *expected,
        ));
    }
    // Read back one by one and as a list, after a round trip through the database.
    for (id, expected) in &made {
        let r = app
            .gql_as(
                &w.patient.1,
                "query($id: ID!) { doctor(id: $id) { consultationFee } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(r.data()["doctor"]["consultationFee"], *expected);
    }
    let r = app
        .gql_as(
            &w.patient.1,
            "{ doctors(first: 100) { edges { node { id consultationFee } } } }",
            json!({}),
        )
        .await;
    for edge in r.data()["doctors"]["edges"].as_array().unwrap() {
        let (_, expected) = made
            .iter()
            .find(|(id, _)| *id == edge["node"]["id"].as_str().unwrap())
            .unwrap();
        assert_eq!(edge["node"]["consultationFee"], *expected);
    }
    // Updating to the same amount (in another spelling) is no change.
    let (id, _) = &made[1];
    let r = app
        .gql_as(
            &w.hospital.1,
            UPDATE_DOCTOR,
            json!({ "id": id, "input": { "consultationFee": "19.990" } }),
        )
        .await;
    assert_eq!(r.data()["updateDoctor"]["consultationFee"], "19.99");
    assert_eq!(
        audit_rows(&app, "doctor")
            .await
            .iter()
            .filter(|a| a.action == AuditAction::Update)
            .count(),
        0
    );
    let r = app
        .gql_as(
            &w.hospital.1,
            UPDATE_DOCTOR,
            json!({ "id": id, "input": { "consultationFee": "0.10" } }),
        )
        .await;
    assert_eq!(r.data()["updateDoctor"]["consultationFee"], "0.10");
}

#[tokio::test]
async fn doctor_filters_ordering_and_pagination() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    for (first, last, spec, hospital, city, available, years) in [
        (
            "Emily",
            "Chen",
            "NEUROLOGY",
            "City Medical Center",
            "San Francisco",
            true,
            15,
        ),
        (
            "Arun",
            "mehta",
            "CARDIOLOGY",
            "Apollo Hospital",
            "Chennai",
            true,
            22,
        ),
        (
            "Sara",
            "Okafor",
            "CARDIOLOGY",
            "St. Mary's",
            "san francisco",
            false,
            5,
        ),
        (
            "Li",
            "Zhang",
            "INFECTIOUS_DISEASE",
            "Apollo Hospital",
            "Mumbai",
            true,
            9,
        ),
        (
            "Omar",
            "Bakr",
            "OBSTETRICS_GYNECOLOGY",
            "Women's Care",
            "SAN FRANCISCO ",
            true,
            30,
        ),
    ] {
        let mut input = doctor(first, last, &format!("LIC-{last}"));
        input["specialization"] = json!(spec);
        input["hospitalName"] = json!(hospital);
        input["city"] = json!(city);
        input["isAvailable"] = json!(available);
        input["yearsOfExperience"] = json!(years);
        create_doctor(&app, &w.hospital.1, input).await;
    }
    let q = "query($f: DoctorFilter, $o: DoctorOrder, $first: Int, $after: String) { doctors(filter: $f, orderBy: $o, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { lastName displayName } } } }";
    let run = |vars: Value| {
        let app = &app;
        let token = w.patient.1.clone();
        async move { app.gql_as(&token, q, vars).await }
    };
    let names = |r: &Gql| -> Vec<String> {
        r.data()["doctors"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["lastName"].as_str().unwrap().to_owned())
            .collect()
    };
    // Default order: last name, case-insensitive.
    let r = run(json!({})).await;
    assert_eq!(names(&r), vec!["Bakr", "Chen", "mehta", "Okafor", "Zhang"]);
    // Search by name or hospital; "Dr." is ignored.
    let r = run(json!({ "f": { "search": "apollo" } })).await;
    assert_eq!(names(&r), vec!["mehta", "Zhang"]);
    let r = run(json!({ "f": { "search": "Dr. Emily Chen" } })).await;
    assert_eq!(names(&r), vec!["Chen"]);
    let r = run(json!({ "f": { "search": "MEHTA" } })).await;
    assert_eq!(names(&r), vec!["mehta"]);
    // Specialization list, availability, city (case-insensitive).
    let r =
        run(json!({ "f": { "specialization": ["CARDIOLOGY", "OBSTETRICS_GYNECOLOGY"] } })).await;
    assert_eq!(names(&r), vec!["Bakr", "mehta", "Okafor"]);
    let r = run(json!({ "f": { "isAvailable": false } })).await;
    assert_eq!(names(&r), vec!["Okafor"]);
    let r = run(json!({ "f": { "city": "San Francisco" } })).await;
    assert_eq!(names(&r), vec!["Bakr", "Chen", "Okafor"]);
    let r = run(json!({ "f": { "city": "san francisco", "isAvailable": true, "specialization": ["NEUROLOGY"] } })).await;
    assert_eq!(names(&r), vec!["Chen"]);
    assert_eq!(r.data()["doctors"]["totalCount"], 1);
    // Other orderings.
    let r = run(json!({ "o": { "field": "YEARS_OF_EXPERIENCE" } })).await;
    assert_eq!(names(&r), vec!["Bakr", "mehta", "Chen", "Zhang", "Okafor"]);
    let r = run(json!({ "o": { "field": "LAST_NAME", "direction": "DESC" } })).await;
    assert_eq!(names(&r), vec!["Zhang", "Okafor", "mehta", "Chen", "Bakr"]);
    let r = run(json!({ "o": { "field": "CREATED_AT", "direction": "ASC" } })).await;
    assert_eq!(names(&r), vec!["Chen", "mehta", "Okafor", "Zhang", "Bakr"]);
    // Pages.
    let mut walked = Vec::new();
    let mut after = Value::Null;
    loop {
        let r = run(json!({ "o": { "field": "YEARS_OF_EXPERIENCE", "direction": "ASC" }, "first": 2, "after": after })).await;
        walked.extend(names(&r));
        if r.data()["doctors"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = r.data()["doctors"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(walked, vec!["Okafor", "Zhang", "Chen", "mehta", "Bakr"]);
}

#[tokio::test]
async fn assignments_keep_one_primary_refuse_duplicates_and_follow_record_visibility() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let p = create_patient(&app, &w.hospital.1, seed_patient()).await;
    let d1 = create_doctor(&app, &w.hospital.1, seed_doctor("LIC-1")).await;
    let d2 = create_doctor(&app, &w.other_hospital.1, doctor("Arun", "Mehta", "LIC-2")).await;
    let d3 = create_doctor(&app, &w.admin.1, doctor("Sara", "Okafor", "LIC-3")).await;

    let r = app
        .gql_as(
            &w.hospital.1,
            ASSIGN,
            json!({ "input": { "patientId": p, "doctorId": d1, "isPrimary": true, "notes": "Referred for cardiac evaluation" } }),
        )
        .await;
    let a1 = &r.data()["assignDoctor"];
    assert_eq!(a1["isPrimary"], true);
    assert_eq!(a1["notes"], "Referred for cardiac evaluation");
    assert_eq!(a1["doctor"]["displayName"], "Dr. Emily Chen");
    assert_eq!(a1["assignedBy"]["username"], "hospital");
    let a1 = a1["id"].as_str().unwrap().to_owned();
    // Any doctor of the directory may be assigned; isPrimary defaults to false.
    let r = app
        .gql_as(
            &w.hospital.1,
            ASSIGN,
            json!({ "input": { "patientId": p, "doctorId": d3 } }),
        )
        .await;
    assert_eq!(r.data()["assignDoctor"]["isPrimary"], false);
    let a3 = r.data()["assignDoctor"]["id"].as_str().unwrap().to_owned();
    // A new primary demotes the old one.
    let r = assign(&app, &w.hospital.1, &p, &d2, true).await;
    let a2 = r.data()["assignDoctor"]["id"].as_str().unwrap().to_owned();
    let q = "query($id: ID!) { patientRecord(id: $id) { doctors { id isPrimary doctor { licenseNumber } } } }";
    let r = app.gql_as(&w.hospital.1, q, json!({ "id": p })).await;
    let doctors = r.data()["patientRecord"]["doctors"]
        .as_array()
        .unwrap()
        .clone();
    let flags: Vec<(String, bool)> = doctors
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_owned(),
                d["isPrimary"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        vec![(a2.clone(), true), (a1.clone(), false), (a3.clone(), false)],
        "primary first, then oldest first"
    );

    // Duplicate pair: CONFLICT, and a duplicate that asked to be primary leaves the
    // current primary alone.
    let r = assign(&app, &w.hospital.1, &p, &d1, true).await;
    assert_eq!(r.only_code(), "CONFLICT");
    assert!(
        r.first_error()["extensions"]["fieldErrors"]
            .get("doctorId")
            .is_some()
    );
    let primaries = care_patient_doctors::Entity::find()
        .filter(care_patient_doctors::Column::IsPrimary.eq(true))
        .all(app.state.db())
        .await
        .unwrap();
    assert_eq!(primaries.len(), 1);
    assert_eq!(primaries[0].id.to_string(), a2);

    // Unknown ids, malformed ids, long notes.
    let r = assign(&app, &w.hospital.1, "999999", &d1, false).await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    let p2 = create_patient(&app, &w.hospital.1, patient("Second", "Patient")).await;
    let r = assign(&app, &w.hospital.1, &p2, "999999", false).await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    let r = assign(&app, &w.hospital.1, "x", "y", false).await;
    let fe = field_errors(&r);
    assert!(fe.get("patientId").is_some() && fe.get("doctorId").is_some());
    let r = app
        .gql_as(
            &w.hospital.1,
            ASSIGN,
            json!({ "input": { "patientId": p2, "doctorId": d1, "notes": "n".repeat(2001) } }),
        )
        .await;
    assert!(field_errors(&r).get("notes").is_some());

    // Another hospital can neither assign to nor unassign from this record, nor list
    // its assignments; a PATIENT is refused outright.
    let r = assign(&app, &w.other_hospital.1, &p, &d3, false).await;
    assert_eq!(r.only_code(), "FORBIDDEN");
    let r = app
        .gql_as(&w.other_hospital.1, UNASSIGN, json!({ "id": a1 }))
        .await;
    assert_eq!(r.only_code(), "FORBIDDEN");
    let r = assign(&app, &w.patient.1, &p, &d3, false).await;
    assert_eq!(r.only_code(), "FORBIDDEN");

    let list = "query($f: DoctorAssignmentFilter) { doctorAssignments(filter: $f, first: 100) { totalCount edges { node { id isPrimary patient { id } doctor { id } } } } }";
    let listed = |token: String, f: Value| {
        let app = &app;
        async move {
            let r = app.gql_as(&token, list, json!({ "f": f })).await;
            let v = ids(&r, "doctorAssignments");
            assert_eq!(
                r.data()["doctorAssignments"]["totalCount"]
                    .as_u64()
                    .unwrap() as usize,
                v.len()
            );
            v
        }
    };
    assert_eq!(
        listed(w.hospital.1.clone(), json!({})).await,
        vec![a2.clone(), a3.clone(), a1.clone()],
        "newest first"
    );
    assert_eq!(
        listed(w.other_hospital.1.clone(), json!({})).await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(w.other_hospital.1.clone(), json!({ "patientId": p })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(w.hospital.1.clone(), json!({ "isPrimary": true })).await,
        vec![a2.clone()]
    );
    assert_eq!(
        listed(w.hospital.1.clone(), json!({ "doctorId": d1 })).await,
        vec![a1.clone()]
    );
    assert_eq!(
        listed(
            w.hospital.1.clone(),
            json!({ "patientId": p, "isPrimary": false })
        )
        .await,
        vec![a3.clone(), a1.clone()]
    );
    assert_eq!(
        listed(w.hospital.1.clone(), json!({ "patientId": p2 })).await,
        Vec::<String>::new()
    );
    let r = app
        .gql_as(&w.hospital.1, list, json!({ "f": { "patientId": "nope" } }))
        .await;
    assert!(field_errors(&r).get("patientId").is_some());
    // An admin sees them all; reading records through them is a view.
    assert_eq!(listed(w.admin.1.clone(), json!({})).await.len(), 3);
    let views: Vec<_> = audit_rows(&app, "patient_record")
        .await
        .into_iter()
        .filter(|a| a.action == AuditAction::View)
        .collect();
    assert_eq!(views.len(), 1);
    assert_eq!(
        views[0].details["patientIds"],
        json!([p.parse::<i32>().unwrap()])
    );

    // Unassigning the primary leaves the patient without one.
    let r = app
        .gql_as(&w.hospital.1, UNASSIGN, json!({ "id": a2 }))
        .await;
    assert_eq!(r.data()["unassignDoctor"], a2.as_str());
    let r = app
        .gql_as(&w.hospital.1, UNASSIGN, json!({ "id": a2 }))
        .await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    assert_eq!(
        listed(w.hospital.1.clone(), json!({ "isPrimary": true })).await,
        Vec::<String>::new()
    );

    // Every change is audited.
    let rows = audit_rows(&app, "doctor_assignment").await;
    let actions: Vec<AuditAction> = rows.iter().map(|a| a.action).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::Create,
            AuditAction::Create,
            AuditAction::Create,
            AuditAction::Delete
        ]
    );
    assert_eq!(
        rows[2].details["demotedAssignmentId"],
        json!(a1.parse::<i32>().unwrap())
    );
}

#[tokio::test]
async fn concurrent_primary_assignments_leave_exactly_one_primary() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let doctors: Vec<String> = {
        let mut v = Vec::new();
        for i in 0..3 {
            v.push(
                create_doctor(
                    &app,
                    &w.hospital.1,
                    doctor("Doc", &format!("Tor{i}"), &format!("LIC-C{i}")),
                )
                .await,
            );
        }
        v
    };
    for round in 0..6 {
        let p = create_patient(
            &app,
            &w.hospital.1,
            patient("Race", &format!("Round{round}")),
        )
        .await;
        // Every other round starts with a primary already set.
        if round % 2 == 1 {
            assign(&app, &w.hospital.1, &p, &doctors[2], true)
                .await
                .data();
        }
        let (a, b) = tokio::join!(
            assign(&app, &w.hospital.1, &p, &doctors[0], true),
            assign(&app, &w.admin.1, &p, &doctors[1], true),
        );
        for r in [&a, &b] {
            let codes = r.codes();
            assert!(
                codes.is_empty() || codes == ["CONFLICT"],
                "round {round}: {}",
                r.body
            );
        }
        assert!(
            a.codes().is_empty() || b.codes().is_empty(),
            "one of them wins"
        );
        let rows = care_patient_doctors::Entity::find()
            .filter(care_patient_doctors::Column::PatientId.eq(p.parse::<i32>().unwrap()))
            .all(app.state.db())
            .await
            .unwrap();
        let primaries: Vec<_> = rows.iter().filter(|r| r.is_primary).collect();
        assert_eq!(primaries.len(), 1, "round {round}: {rows:?}");
        // The primary is one of the racers (the old primary, if any, was demoted).
        assert_ne!(primaries[0].doctor_id.to_string(), doctors[2]);
        let winners: Vec<&Gql> = [&a, &b]
            .into_iter()
            .filter(|r| r.codes().is_empty())
            .collect();
        assert!(
            winners
                .iter()
                .any(|r| r.data()["assignDoctor"]["id"] == json!(primaries[0].id.to_string())),
            "round {round}"
        );
    }
}

#[tokio::test]
async fn deleting_records_and_doctors_cascades_to_their_rows() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let p = create_patient(&app, &w.hospital.1, seed_patient()).await;
    let keep = create_patient(&app, &w.hospital.1, patient("Keep", "Me")).await;
    let d1 = create_doctor(&app, &w.hospital.1, seed_doctor("LIC-1")).await;
    let d2 = create_doctor(&app, &w.hospital.1, doctor("Arun", "Mehta", "LIC-2")).await;
    for (patient_id, doctor_id, primary) in [
        (&p, &d1, true),
        (&p, &d2, false),
        (&keep, &d1, false),
        (&keep, &d2, true),
    ] {
        assign(&app, &w.hospital.1, patient_id, doctor_id, primary)
            .await
            .data();
    }
    insert_document(&app, &p, DocumentType::LabResult, 100).await;
    insert_document(&app, &p, DocumentType::Imaging, 200).await;
    insert_document(&app, &keep, DocumentType::Imaging, 300).await;
    let db = app.state.db();
    let count_assignments = || async {
        care_patient_doctors::Entity::find()
            .count(db)
            .await
            .unwrap()
    };
    let count_documents = || async {
        care_patient_documents::Entity::find()
            .count(db)
            .await
            .unwrap()
    };
    assert_eq!((count_assignments().await, count_documents().await), (4, 3));

    let r = app
        .gql_as(&w.hospital.1, DELETE_PATIENT, json!({ "id": p }))
        .await;
    assert_eq!(r.data()["deletePatientRecord"], p.as_str());
    assert_eq!((count_assignments().await, count_documents().await), (2, 1));
    let delete_row = audit_rows(&app, "patient_record")
        .await
        .into_iter()
        .find(|a| a.action == AuditAction::Delete)
        .unwrap();
    assert_eq!(delete_row.details["assignmentsRemoved"], 2);
    assert_eq!(delete_row.details["documentsRemoved"], 2);

    // Deleting a doctor removes its assignments, nothing else.
    let r = app
        .gql_as(&w.hospital.1, DELETE_DOCTOR, json!({ "id": d2 }))
        .await;
    assert_eq!(r.data()["deleteDoctor"], d2.as_str());
    let left = care_patient_doctors::Entity::find().all(db).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].doctor_id.to_string(), d1);
    assert!(!left[0].is_primary, "the primary went with its doctor");
    assert_eq!(count_documents().await, 1);
    let r = app
        .gql_as(&w.hospital.1, GET_PATIENT, json!({ "id": keep }))
        .await;
    r.data();
    let delete_row = audit_rows(&app, "doctor")
        .await
        .into_iter()
        .find(|a| a.action == AuditAction::Delete)
        .unwrap();
    assert_eq!(delete_row.details["assignmentsRemoved"], 1);
}

#[tokio::test]
async fn patient_summary_counts_doctors_and_documents() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let p = create_patient(&app, &w.hospital.1, seed_patient()).await;
    let q = "query($id: ID!) { patientSummary(id: $id) { patient { id fullName } doctorCount primaryDoctor { displayName } documentCount lastUpdatedAt } }";
    let r = app.gql_as(&w.hospital.1, q, json!({ "id": p })).await;
    let s = r.data()["patientSummary"].clone();
    assert_eq!(s["patient"]["fullName"], "John Doe");
    assert_eq!(s["doctorCount"], 0);
    assert_eq!(s["primaryDoctor"], Value::Null);
    assert_eq!(s["documentCount"], 0);
    let first_update = s["lastUpdatedAt"].as_str().unwrap().to_owned();

    let d1 = create_doctor(&app, &w.hospital.1, seed_doctor("LIC-1")).await;
    let d2 = create_doctor(&app, &w.hospital.1, doctor("Arun", "Mehta", "LIC-2")).await;
    assign(&app, &w.hospital.1, &p, &d1, false).await.data();
    assign(&app, &w.hospital.1, &p, &d2, true).await.data();
    insert_document(&app, &p, DocumentType::Prescription, 10).await;
    let r = app.gql_as(&w.hospital.1, q, json!({ "id": p })).await;
    let s = &r.data()["patientSummary"];
    assert_eq!(s["doctorCount"], 2);
    assert_eq!(s["primaryDoctor"]["displayName"], "Dr. Arun Mehta");
    assert_eq!(s["documentCount"], 1);
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    assert!(parse(s["lastUpdatedAt"].as_str().unwrap()) > parse(&first_update));

    let r = app.gql_as(&w.other_hospital.1, q, json!({ "id": p })).await;
    assert_eq!(r.only_code(), "FORBIDDEN");
    let r = app
        .gql_as(&w.hospital.1, q, json!({ "id": "999999" }))
        .await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    let r = app.gql_as(&w.admin.1, q, json!({ "id": p })).await;
    assert_eq!(r.data()["patientSummary"]["doctorCount"], 2);
    let views = audit_rows(&app, "patient_record")
        .await
        .into_iter()
        .filter(|a| a.action == AuditAction::View)
        .count();
    assert_eq!(
        views, 1,
        "the admin's read is a view; the creator's are not"
    );
}

#[tokio::test]
async fn document_stats_cover_the_records_the_viewer_may_see() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mine = create_patient(&app, &w.hospital.1, seed_patient()).await;
    let mine2 = create_patient(&app, &w.hospital.1, patient("Two", "Mine")).await;
    let theirs = create_patient(&app, &w.other_hospital.1, patient("Not", "Mine")).await;
    insert_document(&app, &mine, DocumentType::LabResult, 1_000).await;
    insert_document(&app, &mine2, DocumentType::LabResult, 3_000_000_000).await;
    insert_document(&app, &mine, DocumentType::Imaging, 500).await;
    insert_document(&app, &theirs, DocumentType::Insurance, 7).await;
    let q = "{ documentStats { total totalBytes byType { documentType count totalBytes } } }";
    let r = app.gql_as(&w.hospital.1, q, json!({})).await;
    assert_eq!(
        r.data()["documentStats"],
        json!({
            "total": 3,
            "totalBytes": 3_000_001_500_i64,
            "byType": [
                { "documentType": "LAB_RESULT", "count": 2, "totalBytes": 3_000_001_000_i64 },
                { "documentType": "IMAGING", "count": 1, "totalBytes": 500 }
            ]
        })
    );
    let r = app.gql_as(&w.other_hospital.1, q, json!({})).await;
    assert_eq!(r.data()["documentStats"]["total"], 1);
    assert_eq!(
        r.data()["documentStats"]["byType"][0]["documentType"],
        "INSURANCE"
    );
    let r = app.gql_as(&w.manager.1, q, json!({})).await;
    assert_eq!(
        r.data()["documentStats"],
        json!({ "total": 0, "totalBytes": 0, "byType": [] })
    );
    let r = app.gql_as(&w.admin.1, q, json!({})).await;
    assert_eq!(r.data()["documentStats"]["total"], 4);

    // The documents themselves come with their record.
    let r = app
        .gql_as(
            &w.hospital.1,
            "query($id: ID!) { patientRecord(id: $id) { documents { id documentType fileName fileType fileSize contentType sha256 uploadedAt } } }",
            json!({ "id": mine }),
        )
        .await;
    let docs = r.data()["patientRecord"]["documents"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["documentType"], "LAB_RESULT");
    assert_eq!(docs[0]["fileType"], "DOCUMENT");
    assert_eq!(docs[0]["fileSize"], 1_000);
    assert_eq!(docs[1]["documentType"], "IMAGING");
}

#[tokio::test]
async fn a_page_of_records_with_relations_costs_the_same_for_5_and_30_records() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let d1 = create_doctor(&app, &w.hospital.1, seed_doctor("LIC-1")).await;
    let d2 = create_doctor(&app, &w.other_hospital.1, doctor("Arun", "Mehta", "LIC-2")).await;
    let q = "{ patientRecords(first: 50) { edges { node { doctors { doctor { displayName } } documents { fileName } createdBy { username } } } } }";
    app.warm(&w.hospital.1).await;
    app.warm(&w.admin.1).await;
    let mut costs = Vec::new();
    let mut made = 0;
    for batch in [5, 30] {
        while made < batch {
            let p = create_patient(&app, &w.hospital.1, patient("N", &format!("Plus{made}"))).await;
            assign(&app, &w.hospital.1, &p, &d1, made % 2 == 0)
                .await
                .data();
            assign(&app, &w.hospital.1, &p, &d2, made % 2 == 1)
                .await
                .data();
            insert_document(&app, &p, DocumentType::LabResult, 10).await;
            made += 1;
        }
        for token in [&w.hospital.1, &w.admin.1] {
            let before = app.state.statements().get();
            let r = app.gql_as(token, q, json!({})).await;
            let after = app.state.statements().get();
            let edges = r.data()["patientRecords"]["edges"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(edges.len(), batch);
            assert!(
                edges
                    .iter()
                    .all(|e| e["node"]["doctors"].as_array().unwrap().len() == 2
                        && e["node"]["documents"].as_array().unwrap().len() == 1
                        && e["node"]["createdBy"]["username"] == "hospital")
            );
            costs.push(after - before);
        }
    }
    // [hospital@5, admin@5, hospital@30, admin@30]
    assert_eq!(
        costs[0], costs[2],
        "5 and 30 records cost the same: {costs:?}"
    );
    assert_eq!(
        costs[1], costs[3],
        "5 and 30 records cost the same: {costs:?}"
    );
    assert!(costs[2] <= 10, "a small constant: {costs:?}");
}

#[tokio::test]
async fn care_filters_can_use_an_index_on_postgres() {
    if !crate::common::on_postgres() {
        // The plans below are PostgreSQL's; SQLite has the same indexes.
        return;
    }
    use rakshaayan::services::{
        care::{assignments, doctors, patients},
        pagination::Direction,
    };
    use sea_orm::{
        ConnectionTrait, DbBackend, QuerySelect, QueryTrait, Statement, TransactionTrait,
    };
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let viewer = |id: i32, t: UserType| {
        rakshaayan::auth::viewer::Viewer::new(id, 1, t, Default::default(), None)
    };
    let hospital = viewer(w.hospital.0, UserType::Hospital);
    let admin = viewer(w.admin.0, UserType::Admin);
    let today = Utc::now().date_naive();
    let by_name = |direction| {
        patients::ordering(
            patients::PatientOrderField::LastName,
            direction,
            DbBackend::Postgres,
        )
    };
    let doctor_by_name = doctors::ordering(
        doctors::DoctorOrderField::LastName,
        Direction::Asc,
        DbBackend::Postgres,
    );
    let mut cases: Vec<(&str, sea_orm::Statement)> = vec![
        (
            "own records",
            patients::select(&hospital, &Default::default(), today)
                .unwrap()
                .build(DbBackend::Postgres),
        ),
        (
            "gender",
            patients::select(
                &admin,
                &patients::PatientFilter {
                    gender: vec![entity::enums::Gender::Female],
                    ..Default::default()
                },
                today,
            )
            .unwrap()
            .build(DbBackend::Postgres),
        ),
        (
            "age range",
            patients::select(
                &admin,
                &patients::PatientFilter {
                    age_min: Some(30),
                    age_max: Some(40),
                    ..Default::default()
                },
                today,
            )
            .unwrap()
            .build(DbBackend::Postgres),
        ),
        ("records by last name", {
            let o = by_name(Direction::Asc);
            patients::select(&admin, &Default::default(), today)
                .unwrap()
                .order_by(o.sort.clone(), sea_orm::Order::Asc)
                .order_by(o.id.clone(), sea_orm::Order::Asc)
                .limit(21)
                .build(DbBackend::Postgres)
        }),
        (
            "specialization",
            doctors::select(&doctors::DoctorFilter {
                specialization: vec![entity::enums::Specialization::Oncology],
                ..Default::default()
            })
            .unwrap()
            .build(DbBackend::Postgres),
        ),
        (
            "availability",
            doctors::select(&doctors::DoctorFilter {
                is_available: Some(false),
                ..Default::default()
            })
            .unwrap()
            .build(DbBackend::Postgres),
        ),
        (
            "city",
            doctors::select(&doctors::DoctorFilter {
                city: Some("Chennai".into()),
                ..Default::default()
            })
            .unwrap()
            .build(DbBackend::Postgres),
        ),
        (
            "doctors by last name",
            doctors::select(&Default::default())
                .unwrap()
                .order_by(doctor_by_name.sort.clone(), sea_orm::Order::Asc)
                .order_by(doctor_by_name.id.clone(), sea_orm::Order::Asc)
                .limit(21)
                .build(DbBackend::Postgres),
        ),
        (
            "assignments of a patient",
            assignments::select(
                &admin,
                &assignments::AssignmentFilter {
                    patient_id: Some(1),
                    ..Default::default()
                },
            )
            .build(DbBackend::Postgres),
        ),
        (
            "assignments of a doctor",
            assignments::select(
                &hospital,
                &assignments::AssignmentFilter {
                    doctor_id: Some(1),
                    ..Default::default()
                },
            )
            .build(DbBackend::Postgres),
        ),
    ];
    for (name, sql) in cases.drain(..) {
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
            plan.iter().any(|l| l.contains("Index")),
            "{name} does not use an index:\n{}",
            plan.join("\n")
        );
    }
}
