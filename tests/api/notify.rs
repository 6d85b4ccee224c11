//! OTP delivery (SPEC §6, §11): SMTP against a local sink speaking just enough SMTP,
//! the SMS webhook against a local axum gateway (retries, timeouts, permanent
//! failures), the outbox format, and `Notifier::pretend`.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use chrono::Utc;
use rakshaayan::{
    config::Config,
    notify::{Channel, DeliveryOptions, Notifier, OtpMessage},
};
use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

use crate::common::test_env;

const CODE: &str = "482916";

/// A development config with `overrides` on top of the harness defaults.
fn config(overrides: &[(&str, &str)]) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = test_env(&dir, "sqlite::memory:", overrides);
    let config = Config::from_map(&env).expect("valid config");
    (dir, config)
}

fn message(channel: Channel, to: &str, purpose: &str) -> OtpMessage {
    OtpMessage {
        channel,
        to: to.to_owned(),
        purpose: purpose.to_owned(),
        code: CODE.to_owned(),
        created_at: Utc::now(),
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Asserts that neither form of `err` shows the code.
#[track_caller]
fn assert_no_code(err: &anyhow::Error) {
    let text = format!("{err:#} | {err:?}");
    assert!(!text.contains(CODE), "the error leaks the code: {text}");
}

// ---------------------------------------------------------------------------------
// SMTP
// ---------------------------------------------------------------------------------

/// One message as the sink received it.
#[derive(Debug, Clone, Default)]
struct Mail {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

type Mailbox = Arc<Mutex<Vec<Mail>>>;

/// Starts a local SMTP sink; returns its port and what it receives.
async fn smtp_sink() -> (u16, Mailbox) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mails = Mailbox::default();
    let store = mails.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve_smtp(socket, store.clone()));
        }
    });
    (port, mails)
}

/// Speaks the server side of one SMTP session.
async fn serve_smtp(socket: TcpStream, store: Mailbox) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut current = Mail::default();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']).to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test greets you\r\n250 HELP\r\n"
        } else if upper.starts_with("HELO") {
            b"250 sink.test\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            current = Mail {
                mail_from: command["MAIL FROM:".len()..].to_owned(),
                ..Mail::default()
            };
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            current.rcpt_to.push(command["RCPT TO:".len()..].to_owned());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write
                .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                // Undo dot-stuffing.
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            current.data = data;
            store.lock().unwrap().push(std::mem::take(&mut current));
            b"250 OK queued\r\n"
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 OK\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

fn smtp_config(port: u16) -> (tempfile::TempDir, Config) {
    let port = port.to_string();
    config(&[
        ("OTP_EMAIL_DELIVERY", "smtp"),
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &port),
        ("SMTP_TLS", "none"),
        ("SMTP_FROM", "Rakshaayan <no-reply@rakshaayan.test>"),
        ("OTP_TTL_SECONDS", "600"),
    ])
}

#[tokio::test]
async fn smtp_delivers_a_plain_text_email_with_the_code() {
    let (port, sink) = smtp_sink().await;
    let (_dir, config) = smtp_config(port);
    let notifier = Notifier::from_config(&config);

    let msg = message(Channel::Email, "asha@example.org", "email_verification");
    notifier.send(&msg).await.expect("delivered");

    let mails = sink.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert!(
        mail.mail_from.contains("<no-reply@rakshaayan.test>"),
        "{mail:?}"
    );
    assert_eq!(mail.rcpt_to.len(), 1, "{mail:?}");
    assert!(mail.rcpt_to[0].contains("<asha@example.org>"), "{mail:?}");

    let (headers, body) = mail.data.split_once("\r\n\r\n").expect("headers and body");
    let header = |name: &str| {
        headers
            .lines()
            .find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix(": "))
            })
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no {name} header in {headers}"))
    };
    assert!(
        header("From").contains("no-reply@rakshaayan.test"),
        "{headers}"
    );
    assert_eq!(header("To"), "asha@example.org");
    assert_eq!(header("Subject"), "Your Rakshaayan verification code");
    assert!(
        header("Content-Type").starts_with("text/plain"),
        "{headers}"
    );
    assert_eq!(
        header("Content-Transfer-Encoding"),
        "7bit",
        "readable as sent"
    );
    assert!(
        header("Message-ID").ends_with("@rakshaayan.test>"),
        "{headers}"
    );
    assert!(!headers.contains(CODE), "the code stays out of the headers");
    assert!(body.contains(CODE), "{body}");
    assert!(body.contains("verify your email address"), "{body}");
    assert!(body.contains("valid for 10 minutes"), "{body}");

    // A second code reuses the pooled transport.
    let reset = message(Channel::Email, "asha@example.org", "password_reset");
    notifier.send(&reset).await.expect("delivered again");
    let mails = sink.lock().unwrap().clone();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(
        mails[1].data.contains("reset your password"),
        "{:?}",
        mails[1]
    );
}

#[tokio::test]
async fn smtp_to_a_closed_port_is_an_error_without_the_code() {
    let (_dir, config) = smtp_config(closed_port());
    let notifier = Notifier::from_config(&config);
    let started = Instant::now();
    let err = notifier
        .send(&message(
            Channel::Email,
            "asha@example.org",
            "email_verification",
        ))
        .await
        .expect_err("nobody listens");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_no_code(&err);
    assert!(format!("{err:#}").contains("SMTP"), "{err:#}");
}

#[test]
fn building_the_notifier_needs_no_network_and_no_runtime() {
    // Both servers are unreachable; building still succeeds at once, outside any
    // Tokio runtime.
    let url = format!("http://127.0.0.1:{}/sms", closed_port());
    let port = closed_port().to_string();
    let (_dir, config) = config(&[
        ("OTP_SMS_DELIVERY", "webhook"),
        ("SMS_WEBHOOK_URL", &url),
        ("OTP_EMAIL_DELIVERY", "smtp"),
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &port),
        ("SMTP_TLS", "starttls"),
        ("SMTP_FROM", "no-reply@rakshaayan.test"),
        ("SMTP_USERNAME", "mailer"),
        ("SMTP_PASSWORD", "hunter2"),
    ]);
    let started = Instant::now();
    Notifier::try_from_config(&config).expect("valid settings");
    let _ = Notifier::from_config(&config);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn unusable_smtp_settings_fail_at_start_or_on_send() {
    let (_dir, config) = config(&[
        ("OTP_EMAIL_DELIVERY", "smtp"),
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_TLS", "none"),
        ("SMTP_FROM", "not an address"),
    ]);
    let err = Notifier::try_from_config(&config).expect_err("SMTP_FROM is invalid");
    assert!(format!("{err:#}").contains("SMTP_FROM"), "{err:#}");

    let notifier = Notifier::from_config(&config);
    let err = notifier
        .send(&message(
            Channel::Email,
            "asha@example.org",
            "email_verification",
        ))
        .await
        .expect_err("misconfigured");
    assert!(format!("{err:#}").contains("SMTP_FROM"), "{err:#}");
    assert_no_code(&err);
}

// ---------------------------------------------------------------------------------
// Webhook
// ---------------------------------------------------------------------------------

/// A local SMS gateway: answers with the scripted statuses in turn (the last one
/// repeats), after `delay`, and records every request.
#[derive(Clone)]
struct Gateway {
    statuses: Arc<Mutex<VecDeque<u16>>>,
    delay: Duration,
    hits: Arc<Mutex<Vec<Hit>>>,
}

#[derive(Debug, Clone)]
struct Hit {
    authorization: Option<String>,
    content_type: Option<String>,
    body: Value,
}

impl Gateway {
    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

async fn gateway(statuses: &[u16], delay: Duration) -> (String, Gateway) {
    async fn handle(
        State(gw): State<Gateway>,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, String) {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let code = body["code"].as_str().unwrap_or_default().to_owned();
        gw.hits.lock().unwrap().push(Hit {
            authorization: header("authorization"),
            content_type: header("content-type"),
            body,
        });
        let status = {
            let mut statuses = gw.statuses.lock().unwrap();
            if statuses.len() > 1 {
                statuses.pop_front().unwrap()
            } else {
                statuses.front().copied().unwrap_or(200)
            }
        };
        tokio::time::sleep(gw.delay).await;
        // A careless gateway echoes the code in its errors; it must not reach ours.
        (
            StatusCode::from_u16(status).unwrap(),
            format!("status {status} for code {code}"),
        )
    }

    let gw = Gateway {
        statuses: Arc::new(Mutex::new(statuses.iter().copied().collect())),
        delay,
        hits: Arc::default(),
    };
    let app = Router::new()
        .route("/sms", post(handle))
        .with_state(gw.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    (format!("http://{addr}/sms"), gw)
}

fn webhook_config(url: &str, auth: Option<&str>) -> (tempfile::TempDir, Config) {
    let mut overrides = vec![
        ("OTP_SMS_DELIVERY", "webhook"),
        ("SMS_WEBHOOK_URL", url),
        ("OTP_TTL_SECONDS", "300"),
    ];
    if let Some(auth) = auth {
        overrides.push(("SMS_WEBHOOK_AUTH_HEADER", auth));
    }
    config(&overrides)
}

/// Short pauses so that retry tests stay fast.
fn quick(timeout: Duration) -> DeliveryOptions {
    DeliveryOptions {
        webhook_timeout: timeout,
        webhook_attempts: 3,
        webhook_backoff: Duration::from_millis(20),
        ..DeliveryOptions::default()
    }
}

#[tokio::test]
async fn webhook_posts_the_json_with_the_authorization_header() {
    let (url, gw) = gateway(&[200], Duration::ZERO).await;
    let (_dir, config) = webhook_config(&url, Some("Bearer sms-gateway-token"));
    let notifier = Notifier::from_config(&config);

    let msg = message(Channel::Sms, "+919876543210", "phone_verification");
    notifier.send(&msg).await.expect("delivered");

    let hits = gw.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(
        hit.authorization.as_deref(),
        Some("Bearer sms-gateway-token")
    );
    assert_eq!(hit.content_type.as_deref(), Some("application/json"));
    let body = hit.body.as_object().expect("a JSON object");
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["channel", "code", "createdAt", "message", "purpose", "to"]
    );
    assert_eq!(body["channel"], "sms");
    assert_eq!(body["to"], "+919876543210");
    assert_eq!(body["purpose"], "phone_verification");
    assert_eq!(body["code"], CODE);
    assert_eq!(
        body["createdAt"],
        serde_json::to_value(msg.created_at).unwrap()
    );
    let text = body["message"].as_str().expect("message text");
    assert!(text.contains(CODE), "{text}");
    assert!(text.contains("verify your phone number"), "{text}");
    assert!(text.contains("valid for 5 minutes"), "{text}");
}

#[tokio::test]
async fn webhook_without_an_auth_setting_sends_no_authorization() {
    let (url, gw) = gateway(&[204], Duration::ZERO).await;
    let (_dir, config) = webhook_config(&url, None);
    Notifier::from_config(&config)
        .send(&message(Channel::Sms, "+919876543210", "password_reset"))
        .await
        .expect("delivered");
    let hits = gw.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].authorization, None);
}

#[tokio::test]
async fn webhook_retries_a_server_error_then_succeeds() {
    let (url, gw) = gateway(&[500, 200], Duration::ZERO).await;
    let (_dir, config) = webhook_config(&url, None);
    let notifier = Notifier::with_options(&config, quick(Duration::from_secs(2)));
    notifier
        .send(&message(
            Channel::Sms,
            "+919876543210",
            "phone_verification",
        ))
        .await
        .expect("the second attempt succeeds");
    let hits = gw.hits();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].body, hits[1].body, "the same message is resent");
}

#[tokio::test]
async fn webhook_gives_up_after_the_last_server_error() {
    let (url, gw) = gateway(&[503], Duration::ZERO).await;
    let (_dir, config) = webhook_config(&url, None);
    let notifier = Notifier::with_options(&config, quick(Duration::from_secs(2)));
    let err = notifier
        .send(&message(
            Channel::Sms,
            "+919876543210",
            "phone_verification",
        ))
        .await
        .expect_err("always 503");
    assert_eq!(gw.hits().len(), 3, "three attempts in all");
    assert_no_code(&err);
    let text = format!("{err:#}");
    assert!(
        text.contains("3 attempts") && text.contains("503"),
        "{text}"
    );
}

#[tokio::test]
async fn webhook_client_error_is_final_and_not_retried() {
    let (url, gw) = gateway(&[400, 200], Duration::ZERO).await;
    let (_dir, config) = webhook_config(&url, Some("Bearer t"));
    let notifier = Notifier::with_options(&config, quick(Duration::from_secs(2)));
    let err = notifier
        .send(&message(
            Channel::Sms,
            "+919876543210",
            "phone_verification",
        ))
        .await
        .expect_err("400 is permanent");
    assert_eq!(gw.hits().len(), 1, "no retry after a 4xx");
    assert_no_code(&err);
    assert!(format!("{err:#}").contains("400"), "{err:#}");
}

#[tokio::test]
async fn webhook_attempts_time_out() {
    let (url, gw) = gateway(&[200], Duration::from_secs(5)).await;
    let (_dir, config) = webhook_config(&url, None);
    let options = DeliveryOptions {
        webhook_attempts: 2,
        ..quick(Duration::from_millis(300))
    };
    let notifier = Notifier::with_options(&config, options);
    let started = Instant::now();
    let err = notifier
        .send(&message(
            Channel::Sms,
            "+919876543210",
            "phone_verification",
        ))
        .await
        .expect_err("the gateway is too slow");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert_eq!(gw.hits().len(), 2, "a timed-out attempt is retried");
    assert_no_code(&err);
    assert!(
        format!("{err:#}").contains("no answer within 300 ms"),
        "{err:#}"
    );
}

#[tokio::test]
async fn webhook_connection_errors_are_retried_then_reported() {
    let url = format!("http://127.0.0.1:{}/sms", closed_port());
    let (_dir, config) = webhook_config(&url, None);
    let notifier = Notifier::with_options(&config, quick(Duration::from_secs(1)));
    let err = notifier
        .send(&message(
            Channel::Sms,
            "+919876543210",
            "phone_verification",
        ))
        .await
        .expect_err("nobody listens");
    assert_no_code(&err);
    assert!(format!("{err:#}").contains("3 attempts"), "{err:#}");
}

// ---------------------------------------------------------------------------------
// Outbox and pretend
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn outbox_lines_keep_their_format() {
    let (dir, config) = config(&[]);
    let notifier = Notifier::from_config(&config);
    notifier
        .send(&message(
            Channel::Email,
            "asha@example.org",
            "password_reset",
        ))
        .await
        .expect("written");
    notifier
        .send(&message(
            Channel::Sms,
            "+919876543210",
            "phone_verification",
        ))
        .await
        .expect("written");
    let text = std::fs::read_to_string(dir.path().join("outbox.jsonl")).expect("outbox");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        let mut keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["channel", "code", "createdAt", "purpose", "to"]);
        assert_eq!(line["code"], CODE);
    }
    assert_eq!(lines[0]["channel"], "email");
    assert_eq!(lines[1]["channel"], "sms");
}

#[tokio::test]
async fn pretend_waits_about_as_long_as_recent_deliveries() {
    let (url, _gw) = gateway(&[200], Duration::from_millis(200)).await;
    let (_dir, config) = webhook_config(&url, None);
    let notifier = Notifier::from_config(&config);

    // Before any delivery: a typical network delay for the webhook, nothing for the
    // outbox.
    assert_eq!(
        notifier.recent_latency(Channel::Sms),
        Duration::from_millis(50)
    );
    assert_eq!(notifier.recent_latency(Channel::Email), Duration::ZERO);

    notifier
        .send(&message(
            Channel::Sms,
            "+919876543210",
            "phone_verification",
        ))
        .await
        .expect("delivered");
    let measured = notifier.recent_latency(Channel::Sms);
    assert!(measured >= Duration::from_millis(200), "{measured:?}");

    let started = Instant::now();
    notifier.pretend(Channel::Sms).await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(100) && waited < Duration::from_secs(2),
        "{waited:?}"
    );

    // Clones share the measurements (the server hands the notifier around).
    let clone = notifier.clone();
    assert_eq!(clone.recent_latency(Channel::Sms), measured);

    let started = Instant::now();
    notifier.pretend(Channel::Email).await;
    assert!(started.elapsed() < Duration::from_millis(50));
}
