//! Test harness: every test starts the real server on an ephemeral port with its own
//! fresh database — a temporary SQLite file, or, when `TEST_DATABASE_URL` is set, a new
//! PostgreSQL database created for the test and dropped afterwards.

#![allow(dead_code)]

use std::{collections::HashMap, net::SocketAddr, path::PathBuf};

use rakshaayan::{App, auth::request::ClientInfo, config::Config, state::AppState};
use reqwest::{StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// The JWT secret every test server uses.
pub const TEST_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";
/// A password that passes the policy.
pub const STRONG_PASSWORD: &str = "Tr1cky!Harbour";

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Bound address.
    pub addr: SocketAddr,
    /// The server's state (database, keys).
    pub state: AppState,
    /// HTTP client (no cookie store).
    pub client: reqwest::Client,
    /// Temporary directory holding the SQLite file, outbox and storage.
    pub dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    pg: Option<PgDatabase>,
}

/// A PostgreSQL database created for one test.
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop cannot be async; use a private runtime on a plain thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                use sea_orm::ConnectionTrait;
                if let Ok(db) = sea_orm::Database::connect(&admin_url).await {
                    let _ = db
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = db.close().await;
                }
            });
        })
        .join();
    }
}

/// The response of one GraphQL request.
#[derive(Debug)]
pub struct Gql {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Parsed body.
    pub body: Value,
}

impl Gql {
    /// `data`, failing the test when there are errors.
    #[track_caller]
    pub fn data(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        &self.body["data"]
    }

    /// The `errors` array (empty when none).
    pub fn errors(&self) -> Vec<Value> {
        self.body["errors"].as_array().cloned().unwrap_or_default()
    }

    /// `extensions.code` of every error.
    pub fn codes(&self) -> Vec<String> {
        self.errors()
            .iter()
            .map(|e| {
                e["extensions"]["code"]
                    .as_str()
                    .unwrap_or("<none>")
                    .to_owned()
            })
            .collect()
    }

    /// The first error, failing the test when there is none.
    #[track_caller]
    pub fn first_error(&self) -> Value {
        self.errors()
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("expected an error, got {}", self.body))
    }

    /// The code of the only error, failing when there is not exactly one.
    #[track_caller]
    pub fn only_code(&self) -> String {
        let codes = self.codes();
        assert_eq!(codes.len(), 1, "expected one error, got {}", self.body);
        codes[0].clone()
    }
}

/// The database URL for a new test database, and its guard when on PostgreSQL.
pub async fn fresh_database(dir: &tempfile::TempDir) -> (String, Option<PgDatabase>) {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin_url) => {
            use sea_orm::ConnectionTrait;
            let name = format!("rk_test_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(&admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let (base, _) = admin_url
                .rsplit_once('/')
                .expect("TEST_DATABASE_URL ends with /<database>");
            let query = admin_url
                .split_once('?')
                .map(|(_, q)| format!("?{q}"))
                .unwrap_or_default();
            (
                format!("{base}/{name}{query}"),
                Some(PgDatabase { admin_url, name }),
            )
        }
        None => {
            let path = dir.path().join("test.db");
            (format!("sqlite://{}?mode=rwc", path.display()), None)
        }
    }
}

/// Whether the suite runs on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())
}

/// The base configuration of a test server, with `overrides` applied.
pub fn test_env(
    dir: &tempfile::TempDir,
    database_url: &str,
    overrides: &[(&str, &str)],
) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = [
        ("APP_ENV", "development".to_owned()),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
        ("DATABASE_URL", database_url.to_owned()),
        ("DATABASE_MAX_CONNECTIONS", "5".to_owned()),
        ("JWT_SECRET", TEST_SECRET.to_owned()),
        ("OTP_SMS_DELIVERY", "outbox".to_owned()),
        ("OTP_EMAIL_DELIVERY", "outbox".to_owned()),
        (
            "OTP_OUTBOX_PATH",
            dir.path().join("outbox.jsonl").display().to_string(),
        ),
        (
            "STORAGE_DIR",
            dir.path().join("storage").display().to_string(),
        ),
        ("RUST_LOG", "warn".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in overrides {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    env
}

impl TestApp {
    /// A server with the default test configuration.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// A server with some variables overridden.
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let (database_url, pg) = fresh_database(&dir).await;
        let env = test_env(&dir, &database_url, overrides);
        let config = Config::from_map(&env).expect("valid test config");
        rakshaayan::telemetry::init(&config);
        let app = App::build(config).await.expect("app builds");
        let addr = app.local_addr().expect("bound");
        let state = app.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.serve(async move {
            let _ = rx.await;
        }));
        Self {
            url: format!("http://{addr}"),
            addr,
            state,
            client: reqwest::Client::new(),
            dir,
            shutdown: Some(tx),
            server: Some(server),
            pg,
        }
    }

    /// A second server process on the same database (a replica behind the same load
    /// balancer). Dropping it leaves the database alone.
    pub async fn replica(&self) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut env = test_env(&dir, &self.state.config().database_url, &[]);
        env.insert(
            "OTP_OUTBOX_PATH".to_owned(),
            self.path("outbox.jsonl").display().to_string(),
        );
        let config = Config::from_map(&env).expect("valid test config");
        let app = App::build(config).await.expect("replica builds");
        let addr = app.local_addr().expect("bound");
        let state = app.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.serve(async move {
            let _ = rx.await;
        }));
        TestApp {
            url: format!("http://{addr}"),
            addr,
            state,
            client: reqwest::Client::new(),
            dir,
            shutdown: Some(tx),
            server: Some(server),
            pg: None,
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
    }

    /// The path of a file in the test's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// POSTs a GraphQL request (optionally with a bearer token).
    pub async fn gql_with(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        into_gql(request.send().await.expect("request sent")).await
    }

    /// POSTs an anonymous GraphQL request.
    pub async fn gql(&self, query: &str) -> Gql {
        self.gql_with(None, query, json!({})).await
    }

    /// POSTs a GraphQL request as `token`.
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Gql {
        self.gql_with(Some(token), query, variables).await
    }

    /// POSTs a raw JSON body.
    pub async fn post_json(&self, body: Value) -> Gql {
        let response = self
            .client
            .post(format!("{}/graphql", self.url))
            .json(&body)
            .send()
            .await
            .expect("request sent");
        into_gql(response).await
    }

    /// Creates an admin through the same service the `create-admin` command uses, opens
    /// a session for it and signs an access token with the test secret. (The real login
    /// mutation comes with the accounts module.)
    pub async fn admin_token(&self) -> (i32, String) {
        let user = rakshaayan::services::users::create_admin(
            self.state.db(),
            self.state.passwords(),
            rakshaayan::services::users::NewUserInput {
                username: "root.admin".to_owned(),
                email: "root.admin@rakshaayan.test".to_owned(),
                phone_number: "+919800000001".to_owned(),
                password: STRONG_PASSWORD.to_owned(),
                user_type: rakshaayan::auth::permission::UserType::Admin,
            },
        )
        .await
        .expect("admin created");
        let token = self.token_for(user.id).await;
        (user.id, token)
    }

    /// Creates an account of `user_type` named `username` (email `<username>@example.org`,
    /// a phone derived from a counter), granting `permissions` through a role of its own
    /// when any are given. Returns its id and an access token.
    pub async fn create_user(
        &self,
        username: &str,
        user_type: rakshaayan::auth::permission::UserType,
        permissions: &[rakshaayan::auth::permission::Permission],
    ) -> (i32, String) {
        use sea_orm::{ActiveModelTrait, Set};
        static PHONE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = PHONE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let valid = rakshaayan::services::users::validate_new_user(
            &rakshaayan::services::users::NewUserInput {
                username: username.to_owned(),
                email: format!("{username}@example.org"),
                phone_number: format!("+9170{:08}", n + std::process::id() as u64 % 1000 * 10_000),
                password: STRONG_PASSWORD.to_owned(),
                user_type,
            },
        )
        .expect("valid test user");
        let hash = self
            .state
            .passwords()
            .hash(STRONG_PASSWORD.to_owned())
            .await
            .expect("hash");
        let user = rakshaayan::services::users::insert(self.state.db(), &valid, hash)
            .await
            .expect("user inserted");
        if !permissions.is_empty() {
            let now = chrono::Utc::now();
            let role = entity::auth_roles::ActiveModel {
                name: Set(format!("role for {username}").replace(['.', '-', '@', '+'], " ")),
                description: Set(None),
                permissions: Set(json!(
                    permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>()
                )),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(self.state.db())
            .await
            .expect("role inserted");
            entity::auth_user_roles::ActiveModel {
                user_id: Set(user.id),
                role_id: Set(role.id),
                assigned_by: Set(None),
                assigned_at: Set(now),
                ..Default::default()
            }
            .insert(self.state.db())
            .await
            .expect("role assigned");
        }
        let token = self.token_for(user.id).await;
        (user.id, token)
    }

    /// Makes one authenticated request with `token`, so that its session is read (and,
    /// on PostgreSQL, cached) before a test counts the statements of the next ones.
    pub async fn warm(&self, token: &str) {
        let r = self.gql_as(token, "{ me { id } }", json!({})).await;
        assert!(
            r.errors().is_empty(),
            "warm-up request failed: {:?}",
            r.body
        );
    }

    /// Opens a session for `user_id` and signs an access token for it.
    pub async fn token_for(&self, user_id: i32) -> String {
        let now = chrono::Utc::now();
        let session = rakshaayan::services::sessions::create(
            self.state.db(),
            user_id,
            &ClientInfo::default(),
            std::time::Duration::from_secs(3600),
            now,
        )
        .await
        .expect("session created");
        let (token, _) = self
            .state
            .jwt()
            .sign(
                user_id,
                session.session.id,
                now,
                std::time::Duration::from_secs(900),
            )
            .expect("token signed");
        token
    }
}

/// Reads a response into a [`Gql`], requiring a JSON body.
pub async fn into_gql(response: reqwest::Response) -> Gql {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body read");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("response is not JSON ({e}): {status} {text}"));
    Gql {
        status,
        headers,
        body,
    }
}
