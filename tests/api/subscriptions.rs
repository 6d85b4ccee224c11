//! `/graphql/ws` speaks graphql-transport-ws and authenticates in `connection_init`.

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::{
    Message, client::IntoClientRequest, protocol::frame::coding::CloseCode,
};

use crate::common::TestApp;

async fn connect(
    app: &TestApp,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

async fn next_message(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Message {
    tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
        .await
        .expect("a message within 10 s")
        .expect("stream open")
        .expect("valid frame")
}

#[tokio::test]
async fn connection_init_without_a_valid_token_is_closed_with_4403() {
    let app = TestApp::spawn().await;
    for payload in [json!({}), json!({ "Authorization": "Bearer not-a-token" })] {
        let mut socket = connect(&app).await;
        socket
            .send(Message::text(
                json!({ "type": "connection_init", "payload": payload }).to_string(),
            ))
            .await
            .unwrap();
        match next_message(&mut socket).await {
            Message::Close(Some(frame)) => {
                assert_eq!(frame.code, CloseCode::from(4403), "{payload}");
                assert_eq!(frame.reason.as_str(), "Forbidden");
            }
            other => panic!("expected a 4403 close, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn connection_init_with_a_token_is_acknowledged() {
    let app = TestApp::spawn().await;
    let (_, token) = app.admin_token().await;
    let mut socket = connect(&app).await;
    socket
        .send(Message::text(
            json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })
                .to_string(),
        ))
        .await
        .unwrap();
    match next_message(&mut socket).await {
        Message::Text(text) => {
            let msg: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(msg["type"], "connection_ack");
        }
        other => panic!("expected connection_ack, got {other:?}"),
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A subscribed socket on `app` for `adverseEventStatusChanged(eventId)`.
async fn subscribe(app: &TestApp, token: &str, event_id: &str) -> Socket {
    let mut socket = connect(app).await;
    socket
        .send(Message::text(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }).to_string()))
        .await
        .unwrap();
    match next_message(&mut socket).await {
        Message::Text(t) => assert!(t.contains("connection_ack"), "{t}"),
        other => panic!("expected ack, got {other:?}"),
    }
    socket
        .send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": {
                "query": "subscription($id: ID!) { adverseEventStatusChanged(eventId: $id) { id status witnesses patient { username } } }",
                "variables": { "id": event_id } } })
            .to_string(),
        ))
        .await
        .unwrap();
    // Let the server register the subscription before anything changes.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    socket
}

async fn next_payload(socket: &mut Socket) -> serde_json::Value {
    loop {
        match next_message(socket).await {
            Message::Text(t) => {
                let msg: serde_json::Value = serde_json::from_str(&t).unwrap();
                match msg["type"].as_str() {
                    Some("next") => return msg["payload"].clone(),
                    Some("ping") | Some("pong") => continue,
                    _ => panic!("unexpected message {msg}"),
                }
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_patient_sees_status_changes_made_by_the_coordinator() {
    let app = TestApp::spawn().await;
    let w = crate::events::world(&app).await;
    let id = crate::events::create(&app, &w.patient.1, crate::events::seed_event()).await;
    let mut patient = subscribe(&app, &w.patient.1, &id).await;
    let mut regulator_socket = None;
    crate::events::act(&app, &w.patient.1, "submit", &id)
        .await
        .data();
    let p = next_payload(&mut patient).await;
    assert_eq!(
        p["data"]["adverseEventStatusChanged"]["status"],
        "SUBMITTED"
    );
    assert_eq!(
        p["data"]["adverseEventStatusChanged"]["patient"]["username"],
        "patient"
    );

    // A regulator may subscribe once it is submitted; the same field guards apply.
    regulator_socket.replace(subscribe(&app, &w.government.1, &id).await);
    crate::events::act(&app, &w.coordinator.1, "start", &id)
        .await
        .data();
    let p = next_payload(&mut patient).await;
    assert_eq!(
        p["data"]["adverseEventStatusChanged"]["status"],
        "UNDER_REVIEW"
    );
    let mut regulator = regulator_socket.unwrap();
    let g = next_payload(&mut regulator).await;
    assert_eq!(
        g["data"]["adverseEventStatusChanged"]["status"],
        "UNDER_REVIEW"
    );
    assert!(g["data"]["adverseEventStatusChanged"]["patient"].is_null());
    assert_eq!(g["errors"][0]["extensions"]["code"], "FORBIDDEN");
    crate::events::act(&app, &w.coordinator.1, "approve", &id)
        .await
        .data();
    assert_eq!(
        next_payload(&mut patient).await["data"]["adverseEventStatusChanged"]["status"],
        "APPROVED"
    );
}

#[tokio::test]
async fn subscribing_to_an_event_you_cannot_see_is_refused() {
    let app = TestApp::spawn().await;
    let w = crate::events::world(&app).await;
    let id = crate::events::create(&app, &w.patient.1, crate::events::seed_event()).await;
    for (token, code) in [
        (&w.other_patient.1, "FORBIDDEN"),
        (&w.coordinator.1, "FORBIDDEN"),
    ] {
        let mut socket = subscribe(&app, token, &id).await;
        let msg = loop {
            if let Message::Text(t) = next_message(&mut socket).await {
                break serde_json::from_str::<serde_json::Value>(&t).unwrap();
            }
        };
        // An execution error: a `next` carrying the error at the field's path.
        assert_eq!(msg["type"], "next", "{msg}");
        assert_eq!(
            msg["payload"]["errors"][0]["extensions"]["code"], code,
            "{msg}"
        );
        assert_eq!(
            msg["payload"]["errors"][0]["path"][0],
            "adverseEventStatusChanged"
        );
    }
    let mut socket = subscribe(&app, &w.patient.1, "999999").await;
    let msg = loop {
        if let Message::Text(t) = next_message(&mut socket).await {
            break serde_json::from_str::<serde_json::Value>(&t).unwrap();
        }
    };
    assert_eq!(
        msg["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{msg}"
    );
}

#[tokio::test]
async fn a_change_made_on_another_replica_reaches_the_subscriber() {
    if !crate::common::on_postgres() {
        // Replicas share state through PostgreSQL; on SQLite there is one process.
        return;
    }
    let app = TestApp::spawn().await;
    let replica = app.replica().await;
    let w = crate::events::world(&app).await;
    let id = crate::events::create(&app, &w.patient.1, crate::events::seed_event()).await;
    let mut patient = subscribe(&app, &w.patient.1, &id).await;
    // The patient submits and the coordinator reviews through the other replica.
    crate::events::act(&replica, &w.patient.1, "submit", &id)
        .await
        .data();
    assert_eq!(
        next_payload(&mut patient).await["data"]["adverseEventStatusChanged"]["status"],
        "SUBMITTED"
    );
    crate::events::act(&replica, &w.coordinator.1, "start", &id)
        .await
        .data();
    assert_eq!(
        next_payload(&mut patient).await["data"]["adverseEventStatusChanged"]["status"],
        "UNDER_REVIEW"
    );
}

#[tokio::test]
async fn a_signed_out_subscriber_receives_nothing_more() {
    let app = TestApp::spawn().await;
    let w = crate::events::world(&app).await;
    let id = crate::events::create(&app, &w.patient.1, crate::events::seed_event()).await;
    let mut patient = subscribe(&app, &w.patient.1, &id).await;
    crate::events::act(&app, &w.patient.1, "submit", &id)
        .await
        .data();
    assert_eq!(
        next_payload(&mut patient).await["data"]["adverseEventStatusChanged"]["status"],
        "SUBMITTED"
    );
    app.gql_as(&w.patient.1, "mutation { logout { success } }", json!({}))
        .await
        .data();
    crate::events::act(&app, &w.coordinator.1, "start", &id)
        .await
        .data();
    let msg = loop {
        if let Message::Text(t) = next_message(&mut patient).await {
            break serde_json::from_str::<serde_json::Value>(&t).unwrap();
        }
    };
    assert_eq!(
        msg["type"], "complete",
        "the subscription ends instead of delivering: {msg}"
    );
}
