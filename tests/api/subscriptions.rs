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
