//! Accounts end to end: registration, login by any identifier, lockout, rate limits,
//! refresh rotation and reuse detection, logout, sessions, profile and password.

use std::time::{Duration, Instant};

use entity::{auth_audit_logs, auth_otps, auth_users};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder, Set};
use serde_json::{Value, json};

use crate::common::{STRONG_PASSWORD, TestApp, into_gql};

const REGISTER: &str = "mutation($input: RegisterInput!) { register(input: $input) { message user { id username email phoneNumber userType isPhoneVerified } } }";
const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt user { id username } } }";
const REFRESH: &str =
    "mutation($t: String) { refreshToken(refreshToken: $t) { accessToken refreshToken } }";
const ME: &str = "{ me { id username email isEmailVerified isPhoneVerified } }";

fn patient(username: &str, email: &str, phone: &str) -> Value {
    json!({ "input": {
        "username": username, "email": email, "phoneNumber": phone,
        "password": STRONG_PASSWORD, "userType": "PATIENT", "firstName": "Asha"
    }})
}

async fn register(app: &TestApp, username: &str, email: &str, phone: &str) -> crate::common::Gql {
    app.gql_with(None, REGISTER, patient(username, email, phone))
        .await
}

async fn login(app: &TestApp, login: &str, password: &str) -> crate::common::Gql {
    app.gql_with(
        None,
        LOGIN,
        json!({ "input": { "login": login, "password": password } }),
    )
    .await
}

/// Registers `asha` and logs in; returns (user id, access token, refresh token).
async fn signed_up(app: &TestApp) -> (String, String, String) {
    register(app, "asha", "asha@example.org", "+919811000001")
        .await
        .data();
    let r = login(app, "asha", STRONG_PASSWORD).await;
    let d = &r.data()["login"];
    (
        d["user"]["id"].as_str().unwrap().to_owned(),
        d["accessToken"].as_str().unwrap().to_owned(),
        d["refreshToken"].as_str().unwrap().to_owned(),
    )
}

fn outbox(app: &TestApp) -> Vec<Value> {
    std::fs::read_to_string(app.path("outbox.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn audit_rows(app: &TestApp) -> Vec<auth_audit_logs::Model> {
    auth_audit_logs::Entity::find()
        .order_by_asc(auth_audit_logs::Column::Id)
        .all(app.state.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn register_creates_a_patient_and_sends_a_phone_code_stored_only_as_a_digest() {
    let app = TestApp::spawn().await;
    let r = register(&app, "asha", "Asha@Example.org", "+91 98110-00001").await;
    let d = &r.data()["register"];
    assert_eq!(d["user"]["username"], "asha");
    assert_eq!(d["user"]["email"], "asha@example.org", "lowercased");
    assert_eq!(d["user"]["phoneNumber"], "+919811000001", "normalised");
    assert_eq!(d["user"]["userType"], "PATIENT");
    assert_eq!(d["user"]["isPhoneVerified"], false);
    assert!(d["message"].as_str().unwrap().contains("verification code"));

    let sent = outbox(&app);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["channel"], "sms");
    assert_eq!(sent[0]["to"], "+919811000001");
    assert_eq!(sent[0]["purpose"], "phone_verification");
    let code = sent[0]["code"].as_str().unwrap();
    assert!(code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()));
    let stored = auth_otps::Entity::find().all(app.state.db()).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].otp_code, code);
    assert!(
        !stored[0].otp_code.contains(code),
        "never the code in clear"
    );

    let rows = audit_rows(&app).await;
    assert!(
        rows.iter()
            .any(|a| a.action == entity::enums::AuditAction::Create && a.resource_type == "user")
    );
}

#[tokio::test]
async fn register_reports_every_invalid_field_at_once() {
    let app = TestApp::spawn().await;
    let r = app
        .gql_with(
            None,
            REGISTER,
            json!({ "input": { "username": "bad name", "email": "nope", "phoneNumber": "123",
                               "password": "short", "userType": "PATIENT", "firstName": "x".repeat(151) } }),
        )
        .await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT");
    let fe = &r.first_error()["extensions"]["fieldErrors"];
    for field in ["username", "email", "phoneNumber", "password", "firstName"] {
        assert!(fe[field].is_array(), "{field} missing in {fe}");
    }
    // Blank required strings are errors like missing ones.
    let r = app
        .gql_with(
            None,
            REGISTER,
            json!({ "input": { "username": "  ", "email": "", "phoneNumber": " ",
            "password": "", "userType": "PATIENT" } }),
        )
        .await;
    let fe = &r.first_error()["extensions"]["fieldErrors"];
    for field in ["username", "email", "phoneNumber", "password"] {
        assert_eq!(fe[field][0], "This field is required.", "{field}: {fe}");
    }
    assert!(
        auth_users::Entity::find()
            .all(app.state.db())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn each_password_rule_has_its_own_message() {
    let app = TestApp::spawn().await;
    let cases = [
        ("Sh0rt!", "8 characters"),
        ("alllower1!", "uppercase"),
        ("ALLUPPER1!", "lowercase"),
        ("NoDigits!!", "digit"),
        ("NoSpecial12", "special"),
        ("Ravindra#2024", "similar"),
        ("P@ssw0rd", "common"),
    ];
    for (password, expected) in cases {
        let r = app
            .gql_with(
                None,
                REGISTER,
                json!({ "input": { "username": "ravindra", "email": "ravi@example.org",
                "phoneNumber": "9811000002", "password": password, "userType": "PATIENT" } }),
            )
            .await;
        let message = r.first_error()["extensions"]["fieldErrors"]["password"][0]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(expected), "{password}: {message}");
    }
}

#[tokio::test]
async fn privileged_types_cannot_self_register_and_organisations_need_a_name() {
    let app = TestApp::spawn().await;
    for user_type in ["ADMIN", "COORDINATOR", "GOVERNMENT"] {
        let mut vars = patient("someone", "someone@example.org", "9811000003");
        vars["input"]["userType"] = json!(user_type);
        let r = app.gql_with(None, REGISTER, vars).await;
        assert_eq!(r.only_code(), "BAD_USER_INPUT");
        assert!(
            r.first_error()["extensions"]["fieldErrors"]["userType"].is_array(),
            "{user_type}"
        );
    }
    let mut vars = patient("medtech", "ops@medtech.example", "9811000004");
    vars["input"]["userType"] = json!("MANUFACTURER");
    let r = app.gql_with(None, REGISTER, vars.clone()).await;
    assert!(r.first_error()["extensions"]["fieldErrors"]["organizationName"].is_array());
    vars["input"]["organizationName"] = json!("MedTech Inc.");
    assert_eq!(
        app.gql_with(None, REGISTER, vars).await.data()["register"]["user"]["userType"],
        "MANUFACTURER"
    );
}

#[tokio::test]
async fn duplicate_username_email_and_phone_are_conflicts_and_leave_no_audit_row() {
    let app = TestApp::spawn().await;
    register(&app, "asha", "asha@example.org", "9811000005")
        .await
        .data();
    let before = audit_rows(&app).await.len();
    for (username, email, phone, field) in [
        ("asha", "other@example.org", "9811000006", "username"),
        ("other", "ASHA@example.org", "9811000007", "email"),
        ("other2", "other2@example.org", "98110-00005", "phoneNumber"),
    ] {
        let r = register(&app, username, email, phone).await;
        assert_eq!(r.only_code(), "CONFLICT", "{field}: {}", r.body);
        assert!(
            r.first_error()["extensions"]["fieldErrors"][field].is_array(),
            "{field}: {}",
            r.body
        );
    }
    assert_eq!(
        audit_rows(&app).await.len(),
        before,
        "failed registrations write no audit row"
    );
}

#[tokio::test]
async fn two_registrations_racing_for_one_email_one_wins() {
    let app = TestApp::spawn().await;
    let (a, b) = tokio::join!(
        register(&app, "racer1", "race@example.org", "9811000008"),
        register(&app, "racer2", "race@example.org", "9811000009"),
    );
    let mut codes = vec![a.codes(), b.codes()];
    codes.sort();
    assert_eq!(
        codes,
        vec![vec![], vec!["CONFLICT".to_owned()]],
        "{} / {}",
        a.body,
        b.body
    );
    let users = auth_users::Entity::find()
        .all(app.state.db())
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
}

#[tokio::test]
async fn login_works_with_username_email_or_phone() {
    let app = TestApp::spawn().await;
    register(&app, "asha", "asha@example.org", "+919811000010")
        .await
        .data();
    for identifier in ["asha", "ASHA@example.org", "+91 98110 00010"] {
        let r = login(&app, identifier, STRONG_PASSWORD).await;
        let d = &r.data()["login"];
        assert_eq!(d["user"]["username"], "asha", "{identifier}");
        let token = d["accessToken"].as_str().unwrap();
        let me = app.gql_as(token, ME, json!({})).await;
        assert_eq!(me.data()["me"]["username"], "asha");
        assert!(d["refreshToken"].as_str().unwrap().contains('.'));
    }
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_the_same_answer_in_similar_time() {
    let app = TestApp::spawn().await;
    register(&app, "asha", "asha@example.org", "9811000011")
        .await
        .data();
    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let w = login(&app, "asha", "Wrong#Passw0rd").await;
        wrong.push(t.elapsed());
        let t = Instant::now();
        let u = login(&app, "nobody", "Wrong#Passw0rd").await;
        unknown.push(t.elapsed());
        assert_eq!(w.only_code(), "UNAUTHENTICATED");
        assert_eq!(u.only_code(), "UNAUTHENTICATED");
        assert_eq!(w.first_error()["message"], u.first_error()["message"]);
        assert_eq!(w.first_error()["extensions"], u.first_error()["extensions"]);
    }
    wrong.sort();
    unknown.sort();
    // Without the dummy hash an unknown user answers many times faster.
    assert!(
        unknown[1] * 3 >= wrong[1],
        "unknown {:?} vs wrong {:?}: unknown users must pay for a hash too",
        unknown[1],
        wrong[1]
    );
}

#[tokio::test]
async fn five_failures_lock_the_account_until_the_lockout_expires() {
    let app = TestApp::spawn_with(&[
        ("LOGIN_LOCKOUT_SECONDS", "2"),
        ("AUTH_TARGET_RATE_LIMIT_PER_MINUTE", "100"),
    ])
    .await;
    register(&app, "asha", "asha@example.org", "9811000012")
        .await
        .data();
    for _ in 0..5 {
        assert_eq!(
            login(&app, "asha", "Wrong#Passw0rd").await.only_code(),
            "UNAUTHENTICATED"
        );
    }
    let locked = login(&app, "asha", STRONG_PASSWORD).await;
    assert_eq!(
        locked.only_code(),
        "UNAUTHENTICATED",
        "the right password does not open a locked account"
    );
    let user = auth_users::Entity::find()
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    assert!(user.locked_until.is_some());
    let rows = audit_rows(&app).await;
    assert!(rows.iter().any(|a| a.details["reason"] == "account_locked"));

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let ok = login(&app, "asha", STRONG_PASSWORD).await;
    assert!(ok.errors().is_empty(), "{}", ok.body);
    let user = auth_users::Entity::find()
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.failed_login_count, 0);
    assert!(user.locked_until.is_none());
}

#[tokio::test]
async fn deactivated_accounts_cannot_log_in() {
    let app = TestApp::spawn().await;
    register(&app, "asha", "asha@example.org", "9811000013")
        .await
        .data();
    let user = auth_users::Entity::find()
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    let mut active = user.into_active_model();
    active.is_active = Set(false);
    active.update(app.state.db()).await.unwrap();
    let r = login(&app, "asha", STRONG_PASSWORD).await;
    assert_eq!(r.only_code(), "UNAUTHENTICATED");
    assert_eq!(r.first_error()["message"], "Invalid login or password");
}

fn aliased_logins(n: usize, identifier: &str) -> String {
    let fields: String = (0..n)
        .map(|i| format!("a{i}: login(input: {{ login: \"{identifier}\", password: \"Wrong#Passw0rd\" }}) {{ accessToken }} "))
        .collect();
    format!("mutation {{ {fields} }}")
}

#[tokio::test]
async fn aliases_cannot_multiply_login_attempts() {
    let app = TestApp::spawn_with(&[("AUTH_RATE_LIMIT_PER_MINUTE", "3")]).await;
    let r = app.gql(&aliased_logins(6, "nobody")).await;
    let codes = r.codes();
    assert_eq!(
        codes.iter().filter(|c| *c == "UNAUTHENTICATED").count(),
        3,
        "{}",
        r.body
    );
    assert_eq!(
        codes.iter().filter(|c| *c == "RATE_LIMITED").count(),
        3,
        "{}",
        r.body
    );
    let limited = r
        .errors()
        .into_iter()
        .find(|e| e["extensions"]["code"] == "RATE_LIMITED")
        .unwrap();
    assert!(limited["extensions"]["retryAfterSeconds"].as_u64().unwrap() >= 1);
    // The next request from the same IP is limited too.
    assert_eq!(login(&app, "other", "x").await.only_code(), "RATE_LIMITED");
}

#[tokio::test]
async fn the_per_target_limit_holds_across_ips_budget() {
    let app = TestApp::spawn_with(&[
        ("AUTH_RATE_LIMIT_PER_MINUTE", "100"),
        ("AUTH_TARGET_RATE_LIMIT_PER_MINUTE", "2"),
    ])
    .await;
    assert_eq!(
        login(&app, "victim", "x").await.only_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        login(&app, "VICTIM", "x").await.only_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(login(&app, "victim", "x").await.only_code(), "RATE_LIMITED");
    assert_eq!(
        login(&app, "someone-else", "x").await.only_code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn rate_limits_are_shared_through_redis() {
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let settings = [
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
        ("AUTH_RATE_LIMIT_PER_MINUTE", "4"),
    ];
    let replica_a = TestApp::spawn_with(&settings).await;
    let replica_b = TestApp::spawn_with(&settings).await;
    let r = replica_a.gql(&aliased_logins(3, "nobody")).await;
    assert!(
        r.codes().iter().all(|c| c == "UNAUTHENTICATED"),
        "{}",
        r.body
    );
    // The other replica sees the same budget: one attempt left, then limited.
    let r = replica_b.gql(&aliased_logins(2, "nobody")).await;
    let mut codes = r.codes();
    codes.sort();
    assert_eq!(codes, vec!["RATE_LIMITED", "UNAUTHENTICATED"], "{}", r.body);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_session() {
    let app = TestApp::spawn().await;
    let (_, access, refresh) = signed_up(&app).await;
    let r = app.gql_with(None, REFRESH, json!({ "t": refresh })).await;
    let rotated = r.data()["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_access = r.data()["refreshToken"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(rotated, refresh);
    assert!(
        app.gql_as(&new_access, ME, json!({}))
            .await
            .errors()
            .is_empty()
    );

    // Replaying the old token: reuse detected, the whole session dies.
    let replay = app.gql_with(None, REFRESH, json!({ "t": refresh })).await;
    assert_eq!(replay.only_code(), "UNAUTHENTICATED");
    assert!(
        replay.first_error()["message"]
            .as_str()
            .unwrap()
            .contains("reuse")
    );
    assert_eq!(
        app.gql_with(None, REFRESH, json!({ "t": rotated }))
            .await
            .only_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.gql_as(&new_access, ME, json!({})).await.only_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.gql_as(&access, ME, json!({})).await.only_code(),
        "UNAUTHENTICATED"
    );

    for bad in ["garbage", "12", "999999.abcdef", ""] {
        let r = app.gql_with(None, REFRESH, json!({ "t": bad })).await;
        assert_eq!(r.only_code(), "UNAUTHENTICATED", "{bad}");
    }
}

#[tokio::test]
async fn cookie_mode_sets_http_only_cookies_and_refreshes_from_the_cookie() {
    let app = TestApp::spawn().await;
    register(&app, "asha", "asha@example.org", "9811000014")
        .await
        .data();
    let response = app
        .client
        .post(format!("{}/graphql", app.url))
        .json(&json!({ "query": LOGIN, "variables": { "input": { "login": "asha", "password": STRONG_PASSWORD } } }))
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for c in &cookies {
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
        assert!(!c.contains("Secure"), "no Secure flag in development: {c}");
    }
    let refresh_cookie = cookies
        .iter()
        .find(|c| c.starts_with("refresh_token="))
        .unwrap();
    let value = refresh_cookie.split(';').next().unwrap().to_owned();
    let r = into_gql(
        app.client
            .post(format!("{}/graphql", app.url))
            .header("cookie", value)
            .json(&json!({ "query": "mutation { refreshToken { accessToken } }" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(r.data()["refreshToken"]["accessToken"].is_string());
    let new_cookies = r.headers.get_all("set-cookie").iter().count();
    assert_eq!(new_cookies, 2, "refresh sets both cookies again");
}

#[tokio::test]
async fn production_cookies_are_secure() {
    let app = TestApp::spawn_with(&[
        ("APP_ENV", "production"),
        ("OTP_SMS_DELIVERY", "webhook"),
        ("SMS_WEBHOOK_URL", "http://127.0.0.1:9/sms"),
        ("OTP_EMAIL_DELIVERY", "smtp"),
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_FROM", "noreply@rakshaayan.test"),
    ])
    .await;
    app.admin_token().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.url))
        .json(&json!({ "query": LOGIN, "variables": { "input": { "login": "root.admin", "password": STRONG_PASSWORD } } }))
        .send()
        .await
        .unwrap();
    let cookies: Vec<_> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(cookies.len(), 2);
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn logout_kills_the_access_and_refresh_tokens_at_once() {
    let app = TestApp::spawn().await;
    let (_, access, refresh) = signed_up(&app).await;
    let r = app
        .gql_as(
            &access,
            "mutation { logout { success message } }",
            json!({}),
        )
        .await;
    assert_eq!(r.data()["logout"]["success"], true);
    assert!(
        r.headers
            .get_all("set-cookie")
            .iter()
            .all(|c| c.to_str().unwrap().contains("Max-Age=0"))
    );
    assert_eq!(
        app.gql_as(&access, ME, json!({})).await.only_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.gql_with(None, REFRESH, json!({ "t": refresh }))
            .await
            .only_code(),
        "UNAUTHENTICATED"
    );
    let rows = audit_rows(&app).await;
    let logout = rows
        .iter()
        .find(|a| a.action == entity::enums::AuditAction::Logout)
        .unwrap();
    assert_eq!(logout.ip_address.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn sessions_are_listed_and_revocable_and_logout_all_ends_them_all() {
    let app = TestApp::spawn().await;
    let (_, first, _) = signed_up(&app).await;
    let second = login(&app, "asha", STRONG_PASSWORD).await.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let third = login(&app, "asha", STRONG_PASSWORD).await.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = app
        .gql_as(
            &first,
            "{ mySessions { id current ipAddress createdAt lastUsedAt } }",
            json!({}),
        )
        .await;
    let sessions = r.data()["mySessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(sessions.iter().all(|s| s["ipAddress"] == "127.0.0.1"));

    let second_sid = app.state.jwt().verify(&second).unwrap().sid;
    let r = app
        .gql_as(
            &first,
            "mutation($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": second_sid.to_string() }),
        )
        .await;
    assert_eq!(r.data()["revokeSession"], true);
    assert_eq!(
        app.gql_as(&second, ME, json!({})).await.only_code(),
        "UNAUTHENTICATED"
    );
    let again = app
        .gql_as(
            &first,
            "mutation($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": second_sid.to_string() }),
        )
        .await;
    assert_eq!(again.only_code(), "NOT_FOUND");
    let bad = app
        .gql_as(&first, "mutation { revokeSession(id: \"abc\") }", json!({}))
        .await;
    assert_eq!(bad.only_code(), "BAD_USER_INPUT");

    // Someone else's session is NOT_FOUND, not revoked.
    let (_, other) = app.admin_token().await;
    let other_sid = app.state.jwt().verify(&other).unwrap().sid;
    let r = app
        .gql_as(
            &first,
            "mutation($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": other_sid.to_string() }),
        )
        .await;
    assert_eq!(r.only_code(), "NOT_FOUND");
    assert!(app.gql_as(&other, ME, json!({})).await.errors().is_empty());

    let r = app
        .gql_as(&third, "mutation { logoutAll }", json!({}))
        .await;
    assert_eq!(r.data()["logoutAll"], 2);
    assert_eq!(
        app.gql_as(&first, ME, json!({})).await.only_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.gql_as(&third, ME, json!({})).await.only_code(),
        "UNAUTHENTICATED"
    );
}

const UPDATE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { email phoneNumber isEmailVerified isPhoneVerified firstName address } }";

#[tokio::test]
async fn update_profile_resets_verification_when_contact_details_change() {
    let app = TestApp::spawn().await;
    let (_, access, _) = signed_up(&app).await;
    let user = auth_users::Entity::find()
        .one(app.state.db())
        .await
        .unwrap()
        .unwrap();
    let mut active = user.into_active_model();
    active.is_email_verified = Set(true);
    active.is_phone_verified = Set(true);
    active.update(app.state.db()).await.unwrap();

    let r = app
        .gql_as(
            &access,
            UPDATE,
            json!({ "input": { "firstName": "Asha R.", "address": "4 Hill Rd" } }),
        )
        .await;
    let d = &r.data()["updateProfile"];
    assert_eq!(
        d["isEmailVerified"], true,
        "unchanged contact details keep their flags"
    );
    assert_eq!(d["firstName"], "Asha R.");

    let r = app
        .gql_as(
            &access,
            UPDATE,
            json!({ "input": { "email": "NEW@example.org", "address": null } }),
        )
        .await;
    let d = &r.data()["updateProfile"];
    assert_eq!(d["email"], "new@example.org");
    assert_eq!(d["isEmailVerified"], false);
    assert_eq!(d["isPhoneVerified"], true);
    assert!(d["address"].is_null(), "null clears an optional field");

    let r = app
        .gql_as(
            &access,
            UPDATE,
            json!({ "input": { "phoneNumber": "+91 98110 00099" } }),
        )
        .await;
    assert_eq!(r.data()["updateProfile"]["isPhoneVerified"], false);

    let r = app
        .gql_as(
            &access,
            UPDATE,
            json!({ "input": { "email": "broken", "phoneNumber": null } }),
        )
        .await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT");

    let (_, _) = app
        .create_user(
            "taken",
            rakshaayan::auth::permission::UserType::Patient,
            &[],
        )
        .await;
    let r = app
        .gql_as(
            &access,
            UPDATE,
            json!({ "input": { "email": "taken@example.org" } }),
        )
        .await;
    assert_eq!(r.only_code(), "CONFLICT");
    assert!(r.first_error()["extensions"]["fieldErrors"]["email"].is_array());
}

const CHANGE: &str =
    "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { success message } }";

#[tokio::test]
async fn change_password_checks_the_old_one_and_revokes_other_sessions() {
    let app = TestApp::spawn().await;
    let (_, current, _) = signed_up(&app).await;
    let other = login(&app, "asha", STRONG_PASSWORD).await.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = app.gql_as(&current, CHANGE, json!({ "input": { "oldPassword": "Wrong#Passw0rd", "newPassword": "N3w!Passphrase" } })).await;
    assert_eq!(r.only_code(), "BAD_USER_INPUT");
    assert!(r.first_error()["extensions"]["fieldErrors"]["oldPassword"].is_array());
    let r = app
        .gql_as(
            &current,
            CHANGE,
            json!({ "input": { "oldPassword": STRONG_PASSWORD, "newPassword": "weak" } }),
        )
        .await;
    assert!(r.first_error()["extensions"]["fieldErrors"]["newPassword"].is_array());

    let r = app
        .gql_as(
            &current,
            CHANGE,
            json!({ "input": { "oldPassword": STRONG_PASSWORD, "newPassword": "N3w!Passphrase" } }),
        )
        .await;
    assert_eq!(r.data()["changePassword"]["success"], true);
    assert!(
        app.gql_as(&current, ME, json!({}))
            .await
            .errors()
            .is_empty(),
        "the current session survives"
    );
    assert_eq!(
        app.gql_as(&other, ME, json!({})).await.only_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        login(&app, "asha", STRONG_PASSWORD).await.only_code(),
        "UNAUTHENTICATED"
    );
    assert!(
        login(&app, "asha", "N3w!Passphrase")
            .await
            .errors()
            .is_empty()
    );
}

#[tokio::test]
async fn tampered_and_unsigned_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let (_, access, _) = signed_up(&app).await;
    let mut parts: Vec<String> = access.split('.').map(str::to_owned).collect();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&engine.decode(&parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("1");
    parts[1] = engine.encode(claims.to_string());
    let tampered = parts.join(".");
    assert_eq!(
        app.gql_as(&tampered, ME, json!({})).await.only_code(),
        "UNAUTHENTICATED"
    );

    let header = engine.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{header}.{}.", parts[1]);
    assert_eq!(
        app.gql_as(&unsigned, ME, json!({})).await.only_code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn login_audit_rows_carry_ip_user_agent_and_reason() {
    let app = TestApp::spawn().await;
    register(&app, "asha", "asha@example.org", "9811000015")
        .await
        .data();
    for password in ["Wrong#Passw0rd", STRONG_PASSWORD] {
        let response = app
            .client
            .post(format!("{}/graphql", app.url))
            .header("user-agent", "AuditTest/1.0")
            .json(&json!({ "query": LOGIN, "variables": { "input": { "login": "asha", "password": password } } }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let logins: Vec<_> = audit_rows(&app)
        .await
        .into_iter()
        .filter(|a| a.action == entity::enums::AuditAction::Login)
        .collect();
    assert_eq!(logins.len(), 2);
    assert_eq!(logins[0].details["success"], false);
    assert_eq!(logins[0].details["reason"], "wrong_password");
    assert_eq!(logins[1].details["success"], true);
    for row in &logins {
        assert_eq!(row.ip_address.as_deref(), Some("127.0.0.1"));
        assert_eq!(row.user_agent.as_deref(), Some("AuditTest/1.0"));
        assert!(row.user_id.is_some());
        assert!(!row.details.to_string().contains(STRONG_PASSWORD));
    }
}

#[tokio::test]
async fn my_permissions_is_the_union_of_type_and_roles() {
    let app = TestApp::spawn().await;
    use rakshaayan::auth::permission::{Permission, UserType};
    let (_, patient) = app
        .create_user("reviewer", UserType::Patient, &[Permission::EventsReview])
        .await;
    let r = app
        .gql_as(
            &patient,
            "{ myPermissions { userType permissions } }",
            json!({}),
        )
        .await;
    assert_eq!(r.data()["myPermissions"]["userType"], "PATIENT");
    assert_eq!(
        r.data()["myPermissions"]["permissions"],
        json!(["events:review"])
    );
    let (_, admin) = app.admin_token().await;
    let r = app
        .gql_as(&admin, "{ myPermissions { permissions } }", json!({}))
        .await;
    assert_eq!(
        r.data()["myPermissions"]["permissions"]
            .as_array()
            .unwrap()
            .len(),
        Permission::ALL.len()
    );
}

#[tokio::test]
async fn user_sessions_are_private_to_the_user_admins_and_users_read() {
    use rakshaayan::auth::permission::{Permission, UserType};
    let app = TestApp::spawn().await;
    let (id, own) = app.create_user("owner", UserType::Patient, &[]).await;
    let r = app
        .gql_as(&own, "{ me { sessions { id current } } }", json!({}))
        .await;
    let sessions = r.data()["me"]["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["current"], true);

    let (_, admin) = app.admin_token().await;
    let (_, reader) = app
        .create_user("reader", UserType::Hospital, &[Permission::UsersRead])
        .await;
    let query = "query($id: ID!) { user(id: $id) { username sessions { id current } } }";
    for token in [&admin, &reader] {
        let r = app
            .gql_as(token, query, json!({ "id": id.to_string() }))
            .await;
        let s = r.data()["user"]["sessions"].as_array().unwrap().clone();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0]["current"], false, "not the viewer's session");
    }
}

#[tokio::test]
async fn a_login_storm_does_not_stall_other_requests() {
    let app = TestApp::spawn_with(&[
        ("AUTH_RATE_LIMIT_PER_MINUTE", "1000"),
        ("AUTH_TARGET_RATE_LIMIT_PER_MINUTE", "1000"),
    ])
    .await;
    register(&app, "asha", "asha@example.org", "9811000016")
        .await
        .data();
    let storm =
        futures_util::future::join_all((0..24).map(|_| login(&app, "asha", "Wrong#Passw0rd")));
    let probe = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let t = Instant::now();
        let r = app.gql("{ __typename }").await;
        assert_eq!(r.data()["__typename"], "Query");
        t.elapsed()
    };
    let (_, probe_time) = tokio::join!(storm, probe);
    assert!(
        probe_time < Duration::from_millis(500),
        "a cheap request waited {probe_time:?} behind the hashing"
    );
}
