//! Patient documents go through the attachment upload path: same validation, same
//! storage, signed downloads, cleanup on delete.

use entity::care_patient_documents as documents;
use rakshaayan::auth::permission::UserType;
use reqwest::{StatusCode, multipart};
use sea_orm::EntityTrait;
use serde_json::json;

use crate::{
    attachments::{pdf, png},
    common::{Gql, TestApp, into_gql},
};

const UPLOAD: &str = "mutation($p: ID!, $t: DocumentType!, $f: Upload!) { uploadPatientDocument(patientId: $p, documentType: $t, file: $f) { id documentType fileName fileType fileSize sha256 downloadUrl } }";

async fn upload(app: &TestApp, token: &str, patient: &str, name: &str, bytes: Vec<u8>) -> Gql {
    let operations =
        json!({ "query": UPLOAD, "variables": { "p": patient, "t": "LAB_RESULT", "f": null } });
    let form = multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", r#"{ "0": ["variables.f"] }"#)
        .part(
            "0",
            multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    into_gql(
        app.client
            .post(format!("{}/graphql", app.url))
            .bearer_auth(token)
            .header("apollo-require-preflight", "1")
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn record(app: &TestApp, token: &str) -> String {
    let r = app
        .gql_as(token, "mutation { createPatientRecord(input: { firstName: \"John\", lastName: \"Doe\" }) { id } }", json!({}))
        .await;
    r.data()["createPatientRecord"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn documents_upload_download_and_are_scoped_to_the_records_manager() {
    let app = TestApp::spawn().await;
    let (_, hospital) = app
        .create_user("city.hospital", UserType::Hospital, &[])
        .await;
    let (_, other_hospital) = app
        .create_user("other.hospital", UserType::Hospital, &[])
        .await;
    let (_, patient) = app.create_user("a.patient", UserType::Patient, &[]).await;
    let id = record(&app, &hospital).await;

    let r = upload(&app, &hospital, &id, "cbc.pdf", pdf()).await;
    let d = r.data()["uploadPatientDocument"].clone();
    assert_eq!(d["documentType"], "LAB_RESULT");
    assert_eq!(d["fileType"], "DOCUMENT");
    assert_eq!(d["fileSize"], pdf().len());
    let response = app
        .client
        .get(d["downloadUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.bytes().await.unwrap().to_vec(), pdf());

    assert_eq!(
        upload(&app, &other_hospital, &id, "x.pdf", pdf())
            .await
            .only_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        upload(&app, &patient, &id, "x.pdf", pdf())
            .await
            .only_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        upload(&app, &hospital, &id, "x.pdf", png())
            .await
            .only_code(),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        upload(&app, &hospital, "999999", "x.pdf", pdf())
            .await
            .only_code(),
        "NOT_FOUND"
    );

    let r = app
        .gql_as(
            &hospital,
            "query($id: ID!) { patientRecord(id: $id) { documents { fileName downloadUrl } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        r.data()["patientRecord"]["documents"][0]["fileName"],
        "cbc.pdf"
    );
}

#[tokio::test]
async fn deleting_a_document_or_its_record_removes_the_stored_files() {
    let app = TestApp::spawn().await;
    let (_, hospital) = app
        .create_user("city.hospital", UserType::Hospital, &[])
        .await;
    let (_, other_hospital) = app
        .create_user("other.hospital", UserType::Hospital, &[])
        .await;
    let id = record(&app, &hospital).await;
    let first = upload(&app, &hospital, &id, "a.pdf", pdf()).await.data()["uploadPatientDocument"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    upload(&app, &hospital, &id, "b.png", png()).await.data();
    let keys: Vec<String> = documents::Entity::find()
        .all(app.state.db())
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.file_path)
        .collect();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter()
            .all(|k| k.starts_with(&format!("documents/{id}/")))
    );

    let delete = "mutation($id: ID!) { deletePatientDocument(id: $id) }";
    assert_eq!(
        app.gql_as(&other_hospital, delete, json!({ "id": first }))
            .await
            .only_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_as(&hospital, delete, json!({ "id": first }))
            .await
            .data()["deletePatientDocument"],
        first
    );
    let mut gone = 0;
    for key in &keys {
        if !app.state.storage().exists(key).await.unwrap() {
            gone += 1;
        }
    }
    assert_eq!(gone, 1);
    app.gql_as(
        &hospital,
        "mutation($id: ID!) { deletePatientRecord(id: $id) }",
        json!({ "id": id }),
    )
    .await
    .data();
    for key in &keys {
        assert!(
            !app.state.storage().exists(key).await.unwrap(),
            "{key} removed with its record"
        );
    }
}
