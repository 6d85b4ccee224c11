//! Attachments: GraphQL multipart and REST uploads through one upload service, type
//! sniffing, size limits while streaming, signed downloads, deletion and the sweep.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use entity::patient_event_attachments as attachments;
use reqwest::{StatusCode, multipart};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    common::{Gql, TestApp, into_gql},
    events::{World, act, create, seed_event, world},
};

/// A real 1×1 PNG (valid chunks and CRCs).
pub fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(
        &hex::decode("0000000d49484452000000010000000108060000001f15c489").unwrap(),
    );
    v.extend_from_slice(
        &hex::decode("0000000d4944415478da63f8cfc0f01f0005000201a3bd5f4f").unwrap(),
    );
    v.extend_from_slice(&hex::decode("0000000049454e44ae426082").unwrap());
    v
}

/// A minimal JPEG (JFIF header, end of image).
fn jpeg() -> Vec<u8> {
    let mut v = hex::decode("ffd8ffe000104a46494600010101004800480000").unwrap();
    v.extend_from_slice(&[0xff, 0xd9]);
    v
}

/// A small but valid one-page PDF.
pub fn pdf() -> Vec<u8> {
    let body = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
    body.as_bytes().to_vec()
}

/// An MP3: an ID3v2 tag followed by an MPEG-1 Layer III frame header and silence.
fn mp3() -> Vec<u8> {
    let mut v = b"ID3\x03\x00\x00\x00\x00\x00\x00".to_vec();
    v.extend_from_slice(&[0xff, 0xfb, 0x90, 0x64]);
    v.extend(std::iter::repeat_n(0u8, 413));
    v
}

/// An MP4: `ftyp` (isom) and an empty `free` box.
fn mp4() -> Vec<u8> {
    let mut v = hex::decode("0000001c6674797069736f6d0000020069736f6d69736f326d703431").unwrap();
    v.extend_from_slice(&hex::decode("0000000866726565").unwrap());
    v
}

pub const UPLOAD: &str = "mutation($event: ID!, $file: Upload!) { uploadAttachment(eventId: $event, file: $file) { id fileName fileType fileSize contentType sha256 downloadUrl } }";

/// A GraphQL multipart request (SPEC §4), with the CSRF-safe header unless told not to.
pub async fn upload(
    app: &TestApp,
    token: &str,
    event: &str,
    name: &str,
    bytes: Vec<u8>,
    csrf: bool,
) -> Gql {
    let operations = json!({ "query": UPLOAD, "variables": { "event": event, "file": null } });
    let form = multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", r#"{ "0": ["variables.file"] }"#)
        .part(
            "0",
            multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let mut request = app
        .client
        .post(format!("{}/graphql", app.url))
        .bearer_auth(token)
        .multipart(form);
    if csrf {
        request = request.header("apollo-require-preflight", "true");
    }
    into_gql(request.send().await.unwrap()).await
}

async fn draft(app: &TestApp, w: &World) -> String {
    create(app, &w.patient.1, seed_event()).await
}

#[tokio::test]
async fn real_files_upload_and_download_byte_for_byte() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let event = draft(&app, &w).await;
    let mut uploaded = Vec::new();
    for (name, bytes, kind, mime) in [
        ("scan.png", png(), "IMAGE", "image/png"),
        ("photo.jpg", jpeg(), "IMAGE", "image/jpeg"),
        ("report.pdf", pdf(), "DOCUMENT", "application/pdf"),
        ("voice.mp3", mp3(), "AUDIO", "audio/mpeg"),
        ("clip.mp4", mp4(), "VIDEO", "video/mp4"),
        (
            "readings.csv",
            b"time,value\n10:00,98\n".to_vec(),
            "DOCUMENT",
            "text/csv; charset=utf-8",
        ),
    ] {
        let r = upload(&app, &w.patient.1, &event, name, bytes.clone(), true).await;
        let a = r.data()["uploadAttachment"].clone();
        uploaded.push(a.clone());
        assert_eq!(a["fileName"], name);
        assert_eq!(a["fileType"], kind, "{name}");
        assert_eq!(a["contentType"], mime, "{name}");
        assert_eq!(a["fileSize"], bytes.len());
        assert_eq!(a["sha256"], hex::encode(Sha256::digest(&bytes)));
        let url = a["downloadUrl"].as_str().unwrap();
        assert!(
            url.starts_with(&app.url),
            "absolute URL from PUBLIC_BASE_URL: {url}"
        );
        let response = app.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let h = response.headers().clone();
        assert_eq!(h["content-type"], mime);
        assert_eq!(h["content-length"], bytes.len().to_string().as_str());
        assert!(
            h["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with(&format!("attachment; filename=\"{name}\""))
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(response.bytes().await.unwrap().to_vec(), bytes, "{name}");
    }
    // Read back through the event, singly and in a list page (where they are loaded
    // for the whole page at once), they are what the uploads answered, oldest first.
    const FIELDS: &str = "id eventId fileName fileType fileSize contentType sha256";
    let single = app
        .gql_as(
            &w.patient.1,
            &format!("query($id: ID!) {{ adverseEvent(id: $id) {{ attachments {{ {FIELDS} uploadedAt }} }} }}"),
            json!({ "id": event }),
        )
        .await;
    let read = single.data()["adverseEvent"]["attachments"]
        .as_array()
        .unwrap()
        .clone();
    let page = app
        .gql_as(
            &w.patient.1,
            &format!("{{ adverseEvents(first: 5) {{ edges {{ node {{ id attachments {{ {FIELDS} uploadedAt }} }} }} }} }}"),
            json!({}),
        )
        .await;
    let listed = page.data()["adverseEvents"]["edges"][0]["node"].clone();
    assert_eq!(listed["id"], json!(event));
    assert_eq!(
        listed["attachments"],
        json!(read),
        "list and single read agree"
    );
    assert_eq!(read.len(), uploaded.len());
    for (a, u) in read.iter().zip(&uploaded) {
        for key in FIELDS.split(' ').filter(|k| *k != "eventId") {
            assert_eq!(a[key], u[key], "{key} of {}", u["fileName"]);
        }
        assert_eq!(a["eventId"], json!(event));
        assert!(a["uploadedAt"].is_string());
    }

    // A page reads the summary fields its selection asks for (the union of every
    // occurrence), and those stay with its own nodes: in one document, two pages with
    // different attachment fields (an alias, a fragment) and a single read of all
    // fields each get exactly the stored values; an event without files lists none.
    let empty = draft(&app, &w).await;
    let mixed = app
        .gql_as(
            &w.patient.1,
            &format!(
                "query($id: ID!) {{
                    names: adverseEvents(first: 5) {{ edges {{ node {{ id attachments {{ fileName downloadUrl }} }} }} }}
                    hashes: adverseEvents(first: 5) {{ edges {{ node {{ id
                        attachments {{ id ...Hash }} sizes: attachments {{ fileSize }} }} }} }}
                    one: adverseEvent(id: $id) {{ attachments {{ {FIELDS} uploadedAt }} }} }}
                fragment Hash on EventAttachment {{ sha256 contentType }}"
            ),
            json!({ "id": event }),
        )
        .await;
    let data = mixed.data();
    assert_eq!(data["one"]["attachments"], json!(read), "{}", mixed.body);
    let node = |list: &str, id: &str| -> Value {
        data[list]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .find(|n| n["id"] == json!(id))
            .unwrap_or_else(|| panic!("{id} in {list}: {}", mixed.body))
    };
    for list in ["names", "hashes"] {
        assert_eq!(node(list, &empty)["attachments"], json!([]), "{list}");
    }
    let names = node("names", &event)["attachments"]
        .as_array()
        .unwrap()
        .clone();
    let hashes = node("hashes", &event);
    let sizes = hashes["sizes"].as_array().unwrap();
    let hashes = hashes["attachments"].as_array().unwrap();
    assert_eq!(
        (names.len(), hashes.len(), sizes.len()),
        (read.len(), read.len(), read.len())
    );
    for (i, full) in read.iter().enumerate() {
        assert_eq!(names[i]["fileName"], full["fileName"]);
        assert_eq!(hashes[i]["id"], full["id"]);
        assert_eq!(hashes[i]["sha256"], full["sha256"]);
        assert_eq!(hashes[i]["contentType"], full["contentType"]);
        assert_eq!(sizes[i]["fileSize"], full["fileSize"]);
        assert_eq!(
            names[i].as_object().unwrap().len(),
            2,
            "only what was asked"
        );
    }
    // The link of a narrow read (id only) downloads the right file.
    let url = names[2]["downloadUrl"].as_str().unwrap();
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().to_vec(), pdf());
}

#[tokio::test]
async fn spoofed_types_and_active_content_are_refused() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let event = draft(&app, &w).await;
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00".to_vec();
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00".to_vec();
    for (name, bytes) in [
        ("report.pdf", elf.clone()),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00".to_vec()),
        ("page.html", b"<html><body>hi</body></html>".to_vec()),
        ("notes.txt", b"<script>alert(1)</script>".to_vec()),
        (
            "logo.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        ),
        ("bundle.pdf", zip.clone()),
        ("bundle.zip", zip),
        ("scan.png", pdf()),
        ("binary.txt", elf),
    ] {
        let r = upload(&app, &w.patient.1, &event, name, bytes, true).await;
        assert_eq!(r.only_code(), "BAD_USER_INPUT", "{name}: {}", r.body);
        assert!(r.first_error()["extensions"]["fieldErrors"]["file"].is_array());
    }
    assert!(
        attachments::Entity::find()
            .all(app.state.db())
            .await
            .unwrap()
            .is_empty(),
        "nothing stored"
    );
}

#[tokio::test]
async fn traversal_names_are_sanitised_and_keys_are_generated() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let event = draft(&app, &w).await;
    let r = upload(
        &app,
        &w.patient.1,
        &event,
        "../../etc/passwd.png",
        png(),
        true,
    )
    .await;
    assert_eq!(r.data()["uploadAttachment"]["fileName"], "passwd.png");
    let row = attachments::Entity::find()
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.file_path.starts_with(&format!("attachments/{event}/")),
        "{}",
        row.file_path
    );
    assert!(!row.file_path.contains("passwd") && !row.file_path.contains(".."));
}

#[tokio::test]
async fn uploads_need_the_csrf_header_the_owner_and_an_editable_event() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let event = draft(&app, &w).await;
    let r = upload(&app, &w.patient.1, &event, "scan.png", png(), false).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.only_code(), "BAD_REQUEST");
    assert_eq!(
        upload(&app, &w.other_patient.1, &event, "scan.png", png(), true)
            .await
            .only_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        upload(&app, &w.coordinator.1, &event, "scan.png", png(), true)
            .await
            .only_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        upload(&app, &w.patient.1, "999999", "scan.png", png(), true)
            .await
            .only_code(),
        "NOT_FOUND"
    );
    act(&app, &w.patient.1, "submit", &event).await.data();
    assert!(
        upload(&app, &w.patient.1, &event, "scan.png", png(), true)
            .await
            .errors()
            .is_empty(),
        "SUBMITTED is still editable"
    );
    act(&app, &w.coordinator.1, "start", &event).await.data();
    let r = upload(&app, &w.patient.1, &event, "scan.png", png(), true).await;
    assert_eq!(r.only_code(), "INVALID_STATE");
    assert_eq!(
        r.first_error()["extensions"]["currentStatus"],
        "UNDER_REVIEW"
    );
}

/// A request body that counts how much of it the server pulled.
fn counting_body(
    total: usize,
    pulled: Arc<AtomicUsize>,
    head: Vec<u8>,
    tail: Vec<u8>,
) -> reqwest::Body {
    let chunk = vec![0u8; 64 * 1024];
    let body_len = total;
    let stream = futures_util::stream::unfold(0usize, move |sent| {
        let pulled = pulled.clone();
        let chunk = chunk.clone();
        let head = head.clone();
        let tail = tail.clone();
        async move {
            if sent == usize::MAX {
                return None;
            }
            let piece: Vec<u8> = if sent == 0 {
                head
            } else if sent >= body_len {
                let t = tail;
                pulled.fetch_add(t.len(), Ordering::SeqCst);
                return Some((Ok::<_, std::io::Error>(t), usize::MAX));
            } else {
                chunk
            };
            pulled.fetch_add(piece.len(), Ordering::SeqCst);
            Some((Ok(piece.clone()), sent + piece.len().max(1)))
        }
    });
    reqwest::Body::wrap_stream(stream)
}

#[tokio::test]
async fn an_oversized_upload_is_413_and_is_not_read_to_the_end() {
    let limit = 256 * 1024;
    let app = TestApp::spawn_with(&[("MAX_UPLOAD_BYTES", "262144")]).await;
    let w = world(&app).await;
    let event = draft(&app, &w).await;
    let total = 64 * 1024 * 1024;

    // REST route.
    let boundary = "XBOUNDARYX";
    let mut head = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
    head.extend_from_slice(&png());
    let tail = format!("\r\n--{boundary}--\r\n").into_bytes();
    let pulled = Arc::new(AtomicUsize::new(0));
    let response = app
        .client
        .post(format!(
            "{}/api/v1/patient/events/{event}/attachments/",
            app.url
        ))
        .bearer_auth(&w.patient.1)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(counting_body(total, pulled.clone(), head, tail))
        .send()
        .await;
    if let Ok(response) = response {
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "PAYLOAD_TOO_LARGE");
    }
    let read = pulled.load(Ordering::SeqCst);
    assert!(
        read < 16 * 1024 * 1024,
        "the server stopped reading near the limit ({limit} B): {read} B of {total} B were pulled"
    );

    // GraphQL multipart.
    let big: Vec<u8> = png()
        .into_iter()
        .chain(std::iter::repeat_n(0u8, 2 * limit))
        .collect();
    let r = upload(&app, &w.patient.1, &event, "big.png", big, true).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.only_code(), "PAYLOAD_TOO_LARGE");
    assert!(
        attachments::Entity::find()
            .all(app.state.db())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn download_tokens_are_bound_signed_and_expire() {
    let app = TestApp::spawn_with(&[("DOWNLOAD_URL_TTL_SECONDS", "1")]).await;
    let w = world(&app).await;
    let event = draft(&app, &w).await;
    let r = upload(&app, &w.patient.1, &event, "scan.png", png(), true).await;
    let url = r.data()["uploadAttachment"]["downloadUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = url.rsplit('/').next().unwrap().to_owned();
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [tampered.as_str(), "garbage", "a.b"] {
        let response = app
            .client
            .get(format!("{}/files/{bad}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{bad}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "expired");
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn the_rest_upload_matches_the_seeds_curl_example() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let event = draft(&app, &w).await;
    // curl -X POST …/api/v1/patient/events/<id>/attachments/ -H "Authorization: Bearer …" -F "file=@report.pdf"
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(pdf()).file_name("report.pdf"),
    );
    let response = app
        .client
        .post(format!(
            "{}/api/v1/patient/events/{event}/attachments/",
            app.url
        ))
        .bearer_auth(&w.patient.1)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["eventId"], event);
    assert_eq!(body["fileName"], "report.pdf");
    assert_eq!(body["fileType"], "DOCUMENT");
    assert_eq!(body["contentType"], "application/pdf");
    assert_eq!(body["sha256"], hex::encode(Sha256::digest(pdf())));
    for key in ["id", "fileSize", "uploadedAt", "downloadUrl"] {
        assert!(!body[key].is_null(), "{key}");
    }
    let bytes = app
        .client
        .get(body["downloadUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.to_vec(), pdf());

    let post = |token: Option<String>, event: String, name: &'static str, bytes: Vec<u8>| {
        let app = &app;
        async move {
            let form =
                multipart::Form::new().part("file", multipart::Part::bytes(bytes).file_name(name));
            let mut r = app
                .client
                .post(format!(
                    "{}/api/v1/patient/events/{event}/attachments/",
                    app.url
                ))
                .multipart(form);
            if let Some(t) = token {
                r = r.bearer_auth(t);
            } else {
                r = r.header("apollo-require-preflight", "1");
            }
            let response = r.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            (
                status,
                body["error"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
    };
    assert_eq!(
        post(None, event.clone(), "a.pdf", pdf()).await,
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED".into())
    );
    assert_eq!(
        post(
            Some(w.other_patient.1.clone()),
            event.clone(),
            "a.pdf",
            pdf()
        )
        .await,
        (StatusCode::FORBIDDEN, "FORBIDDEN".into())
    );
    assert_eq!(
        post(Some(w.patient.1.clone()), "424242".into(), "a.pdf", pdf()).await,
        (StatusCode::NOT_FOUND, "NOT_FOUND".into())
    );
    assert_eq!(
        post(Some(w.patient.1.clone()), event.clone(), "a.pdf", png()).await,
        (StatusCode::BAD_REQUEST, "BAD_USER_INPUT".into())
    );
}

#[tokio::test]
async fn deleting_removes_the_stored_object_and_the_sweep_removes_orphans() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let event = draft(&app, &w).await;
    let first = upload(&app, &w.patient.1, &event, "a.png", png(), true)
        .await
        .data()["uploadAttachment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    upload(&app, &w.patient.1, &event, "b.pdf", pdf(), true)
        .await
        .data();
    let rows = attachments::Entity::find()
        .all(app.state.db())
        .await
        .unwrap();
    let keys: Vec<String> = rows.iter().map(|r| r.file_path.clone()).collect();
    for key in &keys {
        assert!(app.state.storage().exists(key).await.unwrap());
    }
    let r = app
        .gql_as(
            &w.other_patient.1,
            "mutation($id: ID!) { deleteAttachment(id: $id) }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(r.only_code(), "FORBIDDEN");
    let r = app
        .gql_as(
            &w.patient.1,
            "mutation($id: ID!) { deleteAttachment(id: $id) }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(r.data()["deleteAttachment"], first);
    assert!(!app.state.storage().exists(&keys[0]).await.unwrap());
    assert!(app.state.storage().exists(&keys[1]).await.unwrap());

    // Deleting the draft removes the remaining object too.
    act(&app, &w.patient.1, "delete", &event).await.data();
    assert!(!app.state.storage().exists(&keys[1]).await.unwrap());

    // An object no row points to (a crash between storage and database) is swept.
    let mut writer = app
        .state
        .storage()
        .writer("attachments/999/orphan")
        .await
        .unwrap();
    writer
        .write(bytes::Bytes::from_static(b"left over"))
        .await
        .unwrap();
    writer.finish().await.unwrap();
    let other = draft(&app, &w).await;
    upload(&app, &w.patient.1, &other, "kept.png", png(), true)
        .await
        .data();
    let kept = attachments::Entity::find()
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap()
        .file_path;
    let removed = rakshaayan::services::attachments::sweep_orphans(
        &app.state,
        chrono::Duration::seconds(-60),
    )
    .await
    .unwrap();
    assert_eq!(removed, 1);
    assert!(
        !app.state
            .storage()
            .exists("attachments/999/orphan")
            .await
            .unwrap()
    );
    assert!(app.state.storage().exists(&kept).await.unwrap());
}

#[tokio::test]
async fn on_s3_uploads_download_and_deletes_clean_up() {
    let moto = crate::storage::Moto::start().await;
    moto.create_bucket("rk-attachments").await;
    let app = TestApp::spawn_with(&moto.env("rk-attachments")).await;
    assert_eq!(app.state.storage().backend_name(), "s3");
    let w = world(&app).await;
    let event = draft(&app, &w).await;
    let a = upload(&app, &w.patient.1, &event, "report.pdf", pdf(), true)
        .await
        .data()["uploadAttachment"]
        .clone();
    let bytes = app
        .client
        .get(a["downloadUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.to_vec(), pdf());
    let key = attachments::Entity::find()
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap()
        .file_path;
    let in_bucket = reqwest::get(format!("{}/rk-attachments/{key}", moto.url_for_tests()))
        .await
        .unwrap();
    assert!(
        in_bucket.status().is_success(),
        "the object is in the bucket"
    );
    let r = app
        .gql_as(
            &w.patient.1,
            "mutation($id: ID!) { deleteAttachment(id: $id) }",
            json!({ "id": a["id"] }),
        )
        .await;
    assert!(r.errors().is_empty());
    assert!(!app.state.storage().exists(&key).await.unwrap());
    upload(&app, &w.patient.1, &event, "scan.png", png(), true)
        .await
        .data();
    let key = attachments::Entity::find()
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap()
        .file_path;
    act(&app, &w.patient.1, "delete", &event).await.data();
    assert!(
        !app.state.storage().exists(&key).await.unwrap(),
        "deleting the draft removes its objects"
    );
}
