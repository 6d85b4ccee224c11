//! One-time codes: every rule of SPEC §6 through the API, reading codes from the outbox.

use std::time::Duration;

use entity::auth_otps;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::common::{Gql, STRONG_PASSWORD, TestApp};

const REGISTER: &str =
    "mutation($input: RegisterInput!) { register(input: $input) { user { id } } }";
const REQUEST: &str =
    "mutation($input: RequestOtpInput!) { requestOtp(input: $input) { success message } }";
const VERIFY: &str =
    "mutation($input: VerifyOtpInput!) { verifyOtp(input: $input) { success message } }";
const RESET: &str =
    "mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { success message } }";
const LOGIN: &str = "mutation($l: String!, $p: String!) { login(input: { login: $l, password: $p }) { accessToken } }";
const PHONE: &str = "+919822000001";

async fn register(app: &TestApp) {
    app.gql_with(
        None,
        REGISTER,
        json!({ "input": {
        "username": "meera", "email": "meera@example.org", "phoneNumber": PHONE,
        "password": STRONG_PASSWORD, "userType": "PATIENT" } }),
    )
    .await
    .data();
}

fn outbox(app: &TestApp) -> Vec<Value> {
    std::fs::read_to_string(app.path("outbox.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The newest code sent to `to` for `purpose`.
fn last_code(app: &TestApp, to: &str, purpose: &str) -> String {
    outbox(app)
        .iter()
        .rev()
        .find(|m| m["to"] == to && m["purpose"] == purpose)
        .unwrap_or_else(|| panic!("no {purpose} code for {to} in {:?}", outbox(app)))["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn verify_phone(app: &TestApp, code: &str) -> Gql {
    app.gql_with(
        None,
        VERIFY,
        json!({ "input": { "phoneNumber": PHONE, "otpCode": code } }),
    )
    .await
}

async fn phone_verified(app: &TestApp) -> bool {
    entity::auth_users::Entity::find()
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap()
        .is_phone_verified
}

fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[tokio::test]
async fn the_registration_code_verifies_the_phone_once() {
    let app = TestApp::spawn().await;
    register(&app).await;
    let code = last_code(&app, PHONE, "phone_verification");
    assert!(!phone_verified(&app).await);
    let r = verify_phone(&app, &code).await;
    assert_eq!(r.data()["verifyOtp"]["success"], true);
    assert!(phone_verified(&app).await);
    let again = verify_phone(&app, &code).await;
    assert_eq!(again.only_code(), "BAD_USER_INPUT", "single use");
    assert!(again.first_error()["extensions"]["fieldErrors"]["otpCode"].is_array());
}

#[tokio::test]
async fn the_database_never_holds_a_delivered_code_in_clear() {
    let app = TestApp::spawn_with(&[("OTP_RESEND_COOLDOWN_SECONDS", "1")]).await;
    register(&app).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.gql_with(
        None,
        REQUEST,
        json!({ "input": { "email": "meera@example.org", "purpose": "EMAIL_VERIFICATION" } }),
    )
    .await
    .data();
    let codes: Vec<String> = outbox(&app)
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 2);
    let rows = auth_otps::Entity::find().all(app.state.db()).await.unwrap();
    for row in rows {
        assert_eq!(row.otp_code.len(), 64, "an HMAC-SHA256 digest");
        for code in &codes {
            assert!(!row.otp_code.contains(code.as_str()));
        }
    }
}

#[tokio::test]
async fn codes_expire() {
    let app = TestApp::spawn_with(&[("OTP_TTL_SECONDS", "1")]).await;
    register(&app).await;
    let code = last_code(&app, PHONE, "phone_verification");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        verify_phone(&app, &code).await.only_code(),
        "BAD_USER_INPUT"
    );
    assert!(!phone_verified(&app).await);
}

#[tokio::test]
async fn five_wrong_attempts_burn_the_code() {
    let app = TestApp::spawn_with(&[("AUTH_TARGET_RATE_LIMIT_PER_MINUTE", "100")]).await;
    register(&app).await;
    let code = last_code(&app, PHONE, "phone_verification");
    for _ in 0..5 {
        let r = verify_phone(&app, &wrong(&code)).await;
        assert_eq!(
            r.first_error()["extensions"]["fieldErrors"]["otpCode"][0],
            "The code is invalid or has expired."
        );
    }
    assert_eq!(
        verify_phone(&app, &code).await.only_code(),
        "BAD_USER_INPUT",
        "burned"
    );
    assert!(!phone_verified(&app).await);
}

#[tokio::test]
async fn four_wrong_attempts_still_leave_the_code_usable() {
    let app = TestApp::spawn_with(&[("AUTH_TARGET_RATE_LIMIT_PER_MINUTE", "100")]).await;
    register(&app).await;
    let code = last_code(&app, PHONE, "phone_verification");
    for _ in 0..4 {
        verify_phone(&app, &wrong(&code)).await;
    }
    assert!(verify_phone(&app, &code).await.errors().is_empty());
}

#[tokio::test]
async fn a_new_code_supersedes_the_old_one() {
    let app = TestApp::spawn_with(&[("OTP_RESEND_COOLDOWN_SECONDS", "1")]).await;
    register(&app).await;
    let first = last_code(&app, PHONE, "phone_verification");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.gql_with(
        None,
        REQUEST,
        json!({ "input": { "phoneNumber": PHONE, "purpose": "PHONE_VERIFICATION" } }),
    )
    .await
    .data();
    let second = last_code(&app, PHONE, "phone_verification");
    if first != second {
        assert_eq!(
            verify_phone(&app, &first).await.only_code(),
            "BAD_USER_INPUT"
        );
    }
    assert!(verify_phone(&app, &second).await.errors().is_empty());
}

#[tokio::test]
async fn the_cooldown_counts_the_registration_code_and_unknown_targets() {
    let app = TestApp::spawn().await;
    register(&app).await;
    let r = app
        .gql_with(
            None,
            REQUEST,
            json!({ "input": { "phoneNumber": PHONE, "purpose": "PASSWORD_RESET" } }),
        )
        .await;
    assert_eq!(r.only_code(), "RATE_LIMITED", "across purposes: {}", r.body);
    let retry = r.first_error()["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");

    let unknown =
        json!({ "input": { "phoneNumber": "+919822999999", "purpose": "PASSWORD_RESET" } });
    assert!(
        app.gql_with(None, REQUEST, unknown.clone())
            .await
            .errors()
            .is_empty()
    );
    assert_eq!(
        app.gql_with(None, REQUEST, unknown).await.only_code(),
        "RATE_LIMITED"
    );
}

#[tokio::test]
async fn the_hourly_cap_holds_after_the_cooldown() {
    let app = TestApp::spawn_with(&[
        ("OTP_RESEND_COOLDOWN_SECONDS", "1"),
        ("OTP_MAX_PER_HOUR", "2"),
    ])
    .await;
    register(&app).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let ask = json!({ "input": { "phoneNumber": PHONE, "purpose": "PHONE_VERIFICATION" } });
    assert!(
        app.gql_with(None, REQUEST, ask.clone())
            .await
            .errors()
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = app.gql_with(None, REQUEST, ask).await;
    assert_eq!(r.only_code(), "RATE_LIMITED");
    assert!(
        r.first_error()["extensions"]["retryAfterSeconds"]
            .as_u64()
            .unwrap()
            > 60,
        "waits for the hour: {}",
        r.body
    );
}

#[tokio::test]
async fn unknown_targets_get_the_identical_answer_and_no_code() {
    let app = TestApp::spawn_with(&[("OTP_RESEND_COOLDOWN_SECONDS", "1")]).await;
    register(&app).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = outbox(&app).len();
    let known = app
        .gql_with(
            None,
            REQUEST,
            json!({ "input": { "email": "meera@example.org", "purpose": "PASSWORD_RESET" } }),
        )
        .await;
    let unknown = app
        .gql_with(
            None,
            REQUEST,
            json!({ "input": { "email": "nobody@example.org", "purpose": "PASSWORD_RESET" } }),
        )
        .await;
    assert_eq!(known.body, unknown.body);
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        outbox(&app).len(),
        before + 1,
        "only the real account gets a code"
    );

    // Verifying against an unknown target fails exactly like a wrong code.
    let a = app.gql_with(None, VERIFY, json!({ "input": { "email": "nobody@example.org", "otpCode": "123456", "purpose": "PASSWORD_RESET" } })).await;
    let b = app.gql_with(None, VERIFY, json!({ "input": { "email": "meera@example.org", "otpCode": wrong(&last_code(&app, "meera@example.org", "password_reset")), "purpose": "PASSWORD_RESET" } })).await;
    assert_eq!(a.first_error()["extensions"], b.first_error()["extensions"]);
    assert_eq!(a.first_error()["message"], b.first_error()["message"]);
}

#[tokio::test]
async fn reset_password_end_to_end_kills_old_sessions() {
    let app = TestApp::spawn_with(&[("OTP_RESEND_COOLDOWN_SECONDS", "1")]).await;
    register(&app).await;
    let old = app
        .gql_with(None, LOGIN, json!({ "l": "meera", "p": STRONG_PASSWORD }))
        .await
        .data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.gql_with(
        None,
        REQUEST,
        json!({ "input": { "email": "MEERA@example.org", "purpose": "PASSWORD_RESET" } }),
    )
    .await
    .data();
    let code = last_code(&app, "meera@example.org", "password_reset");

    let weak = app.gql_with(None, RESET, json!({ "input": { "email": "meera@example.org", "otpCode": code, "newPassword": "weak" } })).await;
    assert!(weak.first_error()["extensions"]["fieldErrors"]["newPassword"].is_array());
    let wrong_code = app.gql_with(None, RESET, json!({ "input": { "email": "meera@example.org", "otpCode": wrong(&code), "newPassword": "Fr3sh!Start" } })).await;
    assert!(wrong_code.first_error()["extensions"]["fieldErrors"]["otpCode"].is_array());

    let r = app.gql_with(None, RESET, json!({ "input": { "email": "meera@example.org", "otpCode": code, "newPassword": "Fr3sh!Start" } })).await;
    assert_eq!(r.data()["resetPassword"]["success"], true);
    assert_eq!(
        app.gql_as(&old, "{ me { id } }", json!({}))
            .await
            .only_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.gql_with(None, LOGIN, json!({ "l": "meera", "p": STRONG_PASSWORD }))
            .await
            .only_code(),
        "UNAUTHENTICATED"
    );
    assert!(
        app.gql_with(None, LOGIN, json!({ "l": "meera", "p": "Fr3sh!Start" }))
            .await
            .errors()
            .is_empty()
    );
    let reuse = app.gql_with(None, RESET, json!({ "input": { "email": "meera@example.org", "otpCode": code, "newPassword": "An0ther!Start" } })).await;
    assert_eq!(reuse.only_code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_phone_code_cannot_verify_the_email_and_targets_are_checked() {
    let app = TestApp::spawn_with(&[("OTP_RESEND_COOLDOWN_SECONDS", "1")]).await;
    register(&app).await;
    let r = app
        .gql_with(
            None,
            REQUEST,
            json!({ "input": { "email": "meera@example.org", "purpose": "PHONE_VERIFICATION" } }),
        )
        .await;
    assert!(r.first_error()["extensions"]["fieldErrors"]["purpose"].is_array());
    let r = app.gql_with(None, REQUEST, json!({ "input": { "email": "meera@example.org", "phoneNumber": PHONE, "purpose": "PASSWORD_RESET" } })).await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT");
    let r = app
        .gql_with(
            None,
            REQUEST,
            json!({ "input": { "purpose": "PASSWORD_RESET" } }),
        )
        .await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT");
    let r = verify_phone(&app, "12ab56").await;
    assert_eq!(
        r.first_error()["extensions"]["fieldErrors"]["otpCode"][0],
        "Enter the 6-digit code."
    );

    // Email verification with an email code.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.gql_with(
        None,
        REQUEST,
        json!({ "input": { "email": "meera@example.org", "purpose": "EMAIL_VERIFICATION" } }),
    )
    .await
    .data();
    let code = last_code(&app, "meera@example.org", "email_verification");
    assert!(
        app.gql_with(
            None,
            VERIFY,
            json!({ "input": { "email": "meera@example.org", "otpCode": code } })
        )
        .await
        .errors()
        .is_empty()
    );
    let user = entity::auth_users::Entity::find()
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    assert!(user.is_email_verified);
    assert!(!user.is_phone_verified);
}

#[tokio::test]
async fn a_failed_delivery_is_an_error_and_leaves_no_usable_code() {
    // An SMS gateway nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/sms", closed.local_addr().unwrap());
    drop(closed);
    let app = TestApp::spawn_with(&[
        ("OTP_SMS_DELIVERY", "webhook"),
        ("SMS_WEBHOOK_URL", url.as_str()),
    ])
    .await;
    let (id, _) = app
        .create_user(
            "meera",
            rakshaayan::auth::permission::UserType::Patient,
            &[],
        )
        .await;
    let phone = entity::auth_users::Entity::find_by_id(id)
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap()
        .phone_number;
    let r = app
        .gql_with(
            None,
            REQUEST,
            json!({ "input": { "phoneNumber": phone, "purpose": "PHONE_VERIFICATION" } }),
        )
        .await;
    assert_eq!(
        r.only_code(),
        "INTERNAL_SERVER_ERROR",
        "not a silent success: {}",
        r.body
    );
    assert!(r.first_error()["extensions"]["correlationId"].is_string());
    let rows = auth_otps::Entity::find().all(app.state.db()).await.unwrap();
    assert!(
        rows.iter().all(|row| row.is_used || row.target != phone),
        "no usable code is left: {rows:?}"
    );
}
