//! Typed configuration, read once from the environment (and a `.env` file when one is
//! present) and validated before anything starts.
//!
//! Nothing past this module calls `std::env::var`: every setting the server uses is a
//! field here, documented, with the default SPEC §11 names. `.env.example` lists the
//! same variables with the same defaults; keep the two in step.

use std::{collections::HashMap, net::SocketAddr, path::PathBuf, time::Duration};

use secrecy::{ExposeSecret, SecretString};

/// Where the server runs. Production turns every unsafe development convenience off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local development: random JWT secret allowed, OTPs may go to the log.
    Development,
    /// Production: strict settings, no internal details in responses.
    Production,
}

/// How OTP codes reach their recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpDelivery {
    /// Written to the server log (development only).
    Log,
    /// Appended to a JSON-lines file (development and tests only).
    Outbox,
    /// POSTed as JSON to an SMS gateway.
    Webhook,
    /// Sent as an email over SMTP.
    Smtp,
}

/// TLS mode for SMTP delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS at all: only for a local development sink.
    None,
}

/// Where uploaded files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageBackend {
    /// A local directory (`STORAGE_DIR`).
    Local,
    /// An S3-compatible object store.
    S3,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, coloured lines.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// GraphQL document limits (SPEC §4), close to GraphQL Armor's defaults.
#[derive(Debug, Clone)]
pub struct GraphqlLimits {
    /// Maximum field nesting depth; leaves count (`{ me { id } }` is 2).
    pub max_depth: usize,
    /// Maximum number of fields in the executed document (1 per field).
    pub max_complexity: usize,
    /// Maximum number of aliases over the whole document.
    pub max_aliases: usize,
    /// Maximum number of directives over the whole document.
    pub max_directives: usize,
    /// Maximum length of the query document, in characters.
    pub max_document_chars: usize,
    /// Maximum JSON request body, in bytes.
    pub max_body_bytes: usize,
    /// Whether a JSON array of operations is accepted in one request.
    pub batching: bool,
    /// Maximum operations in one batch when batching is on.
    pub max_batch: usize,
}

/// SMTP settings for email delivery.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Server host name.
    pub host: Option<String>,
    /// Server port.
    pub port: u16,
    /// Login name, if the server needs one.
    pub username: Option<String>,
    /// Password for `username`.
    pub password: Option<SecretString>,
    /// Sender address.
    pub from: Option<String>,
    /// Transport security.
    pub tls: SmtpTls,
}

/// S3-compatible object storage settings.
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    /// Endpoint URL (e.g. `http://127.0.0.1:9000`); empty means AWS.
    pub endpoint: Option<String>,
    /// Region name.
    pub region: Option<String>,
    /// Bucket holding every object.
    pub bucket: Option<String>,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<SecretString>,
}

/// OTP settings (SPEC §6).
#[derive(Debug, Clone)]
pub struct OtpConfig {
    /// Delivery for SMS codes.
    pub sms_delivery: OtpDelivery,
    /// Delivery for email codes.
    pub email_delivery: OtpDelivery,
    /// JSON-lines file used by the `outbox` delivery.
    pub outbox_path: PathBuf,
    /// How long a code stays valid.
    pub ttl: Duration,
    /// Minimum time between two codes for one target.
    pub resend_cooldown: Duration,
    /// Wrong attempts after which a code is burned.
    pub max_attempts: u32,
    /// Codes per target per hour.
    pub max_per_hour: u32,
    /// SMS gateway URL for the `webhook` delivery.
    pub sms_webhook_url: Option<String>,
    /// Value of the `Authorization` header sent to the SMS gateway.
    pub sms_webhook_auth_header: Option<SecretString>,
    /// SMTP settings for the `smtp` delivery.
    pub smtp: SmtpConfig,
}

/// Every setting of the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// `development` or `production`.
    pub environment: Environment,
    /// Listen address.
    pub bind_addr: SocketAddr,
    /// Base of absolute URLs handed to clients (download links).
    pub public_base_url: String,
    /// True when `PUBLIC_BASE_URL` was not set and is derived from the bound address.
    pub public_base_url_derived: bool,
    /// SQLite or PostgreSQL connection URL.
    pub database_url: String,
    /// Maximum pooled database connections.
    pub database_max_connections: u32,
    /// How long a cached live session is trusted before it is read again (PostgreSQL
    /// only; zero turns the session cache off). Invalidation is by notification; this is
    /// the backstop.
    pub session_cache_ttl: Duration,
    /// How many live sessions the cache holds (least recently used evicted).
    pub session_cache_capacity: usize,
    /// HMAC key for access tokens; OTP and download keys derive from it.
    pub jwt_secret: SecretString,
    /// True when the secret was generated at start-up (development only).
    pub jwt_secret_generated: bool,
    /// Lifetime of an access token.
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh-token session.
    pub refresh_token_ttl: Duration,
    /// Consecutive failed logins before the account is locked.
    pub login_max_failures: u32,
    /// How long a locked account stays locked.
    pub login_lockout: Duration,
    /// Attempts per client IP per minute over the public mutations.
    pub auth_rate_limit_per_minute: u32,
    /// Attempts per target account (login identifier, phone, email, session) per minute.
    pub auth_target_rate_limit_per_minute: u32,
    /// Redis URL for rate-limit state shared across replicas.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key this deployment writes.
    pub redis_key_prefix: String,
    /// Take the client IP from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// Origins allowed by CORS.
    pub cors_allowed_origins: Vec<String>,
    /// Where uploads are stored.
    pub storage_backend: StorageBackend,
    /// Directory for the local storage back-end.
    pub storage_dir: PathBuf,
    /// S3 settings for the `s3` back-end.
    pub s3: S3Config,
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: u64,
    /// Lifetime of a signed download URL.
    pub download_url_ttl: Duration,
    /// Uploads streamed to storage at the same time (each holds one chunk in memory).
    pub max_concurrent_uploads: usize,
    /// OTP settings.
    pub otp: OtpConfig,
    /// GraphQL document limits.
    pub graphql_limits: GraphqlLimits,
    /// Whether introspection queries are answered.
    pub graphql_introspection: bool,
    /// Whether `GET /graphql` serves the playground.
    pub graphql_playground: bool,
    /// Phone-unverified accounts older than this are purged.
    pub unverified_account_ttl: Duration,
    /// How often the purge runs.
    pub unverified_purge_interval: Duration,
    /// Log output format.
    pub log_format: LogFormat,
    /// `tracing` filter directives.
    pub rust_log: String,
    /// Password for `create-admin` (read by that command only).
    pub admin_password: Option<SecretString>,
}

/// A configuration error: the message says which variable and why.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

/// Reads variables from a map so that tests can build a config without touching the
/// process environment.
struct Vars<'a>(&'a HashMap<String, String>);

impl Vars<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn parse<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .map_err(|_| ConfigError(format!("{name}={raw:?} is not a valid value"))),
        }
    }

    fn flag(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => Ok(true),
            Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => Ok(false),
            Some(v) => Err(ConfigError(format!("{name}={v:?} must be true or false"))),
        }
    }

    fn seconds(&self, name: &str, default: u64) -> Result<Duration, ConfigError> {
        let secs: u64 = self.parse(name, default)?;
        if secs == 0 {
            return Err(ConfigError(format!("{name} must be greater than 0")));
        }
        Ok(Duration::from_secs(secs))
    }
}

fn parse_delivery(name: &str, raw: Option<String>) -> Result<OtpDelivery, ConfigError> {
    match raw.as_deref().unwrap_or("log") {
        "log" => Ok(OtpDelivery::Log),
        "outbox" => Ok(OtpDelivery::Outbox),
        "webhook" => Ok(OtpDelivery::Webhook),
        "smtp" => Ok(OtpDelivery::Smtp),
        other => Err(ConfigError(format!(
            "{name}={other:?}: expected log, outbox, webhook or smtp"
        ))),
    }
}

impl Config {
    /// Reads the process environment, after loading `.env` if it exists.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; a malformed one is worth refusing.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(ConfigError(format!(".env could not be read: {e}"))),
        }
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_map(&vars)
    }

    /// Builds the configuration from a map of variables, validating every setting.
    pub fn from_map(map: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let v = Vars(map);
        let environment = match v.get("APP_ENV").as_deref().unwrap_or("development") {
            "development" | "dev" => Environment::Development,
            "production" | "prod" => Environment::Production,
            other => {
                return Err(ConfigError(format!(
                    "APP_ENV={other:?}: expected development or production"
                )));
            }
        };
        let production = environment == Environment::Production;

        let bind_addr: SocketAddr =
            v.parse("BIND_ADDR", SocketAddr::from(([127, 0, 0, 1], 8000)))?;
        let public_base_url_derived = v.get("PUBLIC_BASE_URL").is_none();
        let public_base_url = v
            .get("PUBLIC_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind_addr}"))
            .trim_end_matches('/')
            .to_owned();

        let (jwt_secret, jwt_secret_generated) = match v.get("JWT_SECRET") {
            Some(s) if s.len() >= 32 => (SecretString::from(s), false),
            Some(_) => {
                return Err(ConfigError(
                    "JWT_SECRET must be at least 32 bytes long".to_owned(),
                ));
            }
            None if production => {
                return Err(ConfigError(
                    "JWT_SECRET is required when APP_ENV=production (at least 32 bytes)".to_owned(),
                ));
            }
            None => (SecretString::from(random_secret()), true),
        };

        let smtp_tls = match v.get("SMTP_TLS").as_deref().unwrap_or("starttls") {
            "starttls" => SmtpTls::StartTls,
            "tls" => SmtpTls::Tls,
            "none" => SmtpTls::None,
            other => {
                return Err(ConfigError(format!(
                    "SMTP_TLS={other:?}: expected starttls, tls or none"
                )));
            }
        };
        let otp = OtpConfig {
            sms_delivery: parse_delivery("OTP_SMS_DELIVERY", v.get("OTP_SMS_DELIVERY"))?,
            email_delivery: parse_delivery("OTP_EMAIL_DELIVERY", v.get("OTP_EMAIL_DELIVERY"))?,
            outbox_path: PathBuf::from(
                v.get("OTP_OUTBOX_PATH")
                    .unwrap_or_else(|| "otp-outbox.jsonl".to_owned()),
            ),
            ttl: v.seconds("OTP_TTL_SECONDS", 600)?,
            resend_cooldown: v.seconds("OTP_RESEND_COOLDOWN_SECONDS", 60)?,
            max_attempts: v.parse("OTP_MAX_ATTEMPTS", 5)?,
            max_per_hour: v.parse("OTP_MAX_PER_HOUR", 5)?,
            sms_webhook_url: v.get("SMS_WEBHOOK_URL"),
            sms_webhook_auth_header: v.get("SMS_WEBHOOK_AUTH_HEADER").map(SecretString::from),
            smtp: SmtpConfig {
                host: v.get("SMTP_HOST"),
                port: v.parse("SMTP_PORT", 587)?,
                username: v.get("SMTP_USERNAME"),
                password: v.get("SMTP_PASSWORD").map(SecretString::from),
                from: v.get("SMTP_FROM"),
                tls: smtp_tls,
            },
        };

        let storage_backend = match v.get("STORAGE_BACKEND").as_deref().unwrap_or("local") {
            "local" => StorageBackend::Local,
            "s3" => StorageBackend::S3,
            other => {
                return Err(ConfigError(format!(
                    "STORAGE_BACKEND={other:?}: expected local or s3"
                )));
            }
        };

        let log_format = match v.get("LOG_FORMAT").as_deref().unwrap_or(if production {
            "json"
        } else {
            "pretty"
        }) {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError(format!(
                    "LOG_FORMAT={other:?}: expected pretty or json"
                )));
            }
        };

        let config = Config {
            environment,
            bind_addr,
            public_base_url,
            public_base_url_derived,
            database_url: v
                .get("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://rakshaayan.db?mode=rwc".to_owned()),
            database_max_connections: v.parse("DATABASE_MAX_CONNECTIONS", 16)?,
            session_cache_ttl: v.seconds("SESSION_CACHE_TTL_SECONDS", 60)?,
            session_cache_capacity: v.parse("SESSION_CACHE_CAPACITY", 10_000)?,
            jwt_secret,
            jwt_secret_generated,
            access_token_ttl: v.seconds("ACCESS_TOKEN_TTL_SECONDS", 900)?,
            refresh_token_ttl: v.seconds("REFRESH_TOKEN_TTL_SECONDS", 604_800)?,
            login_max_failures: v.parse("LOGIN_MAX_FAILURES", 5)?,
            login_lockout: v.seconds("LOGIN_LOCKOUT_SECONDS", 900)?,
            auth_rate_limit_per_minute: v.parse("AUTH_RATE_LIMIT_PER_MINUTE", 30)?,
            auth_target_rate_limit_per_minute: v.parse("AUTH_TARGET_RATE_LIMIT_PER_MINUTE", 10)?,
            redis_url: v.get("REDIS_URL"),
            redis_key_prefix: v
                .get("REDIS_KEY_PREFIX")
                .unwrap_or_else(|| "rakshaayan".to_owned()),
            trust_proxy: v.flag("TRUST_PROXY", false)?,
            cors_allowed_origins: v
                .get("CORS_ALLOWED_ORIGINS")
                .unwrap_or_else(|| "http://localhost:3000".to_owned())
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            storage_backend,
            storage_dir: PathBuf::from(
                v.get("STORAGE_DIR").unwrap_or_else(|| "storage".to_owned()),
            ),
            s3: S3Config {
                endpoint: v.get("S3_ENDPOINT"),
                region: v.get("S3_REGION"),
                bucket: v.get("S3_BUCKET"),
                access_key_id: v.get("S3_ACCESS_KEY_ID"),
                secret_access_key: v.get("S3_SECRET_ACCESS_KEY").map(SecretString::from),
            },
            max_upload_bytes: v.parse("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)?,
            download_url_ttl: v.seconds("DOWNLOAD_URL_TTL_SECONDS", 300)?,
            max_concurrent_uploads: v.parse::<usize>("MAX_CONCURRENT_UPLOADS", 8)?.max(1),
            otp,
            graphql_limits: GraphqlLimits {
                max_depth: v.parse("GRAPHQL_MAX_DEPTH", 10)?,
                max_complexity: v.parse("GRAPHQL_MAX_COMPLEXITY", 1000)?,
                max_aliases: v.parse("GRAPHQL_MAX_ALIASES", 15)?,
                max_directives: v.parse("GRAPHQL_MAX_DIRECTIVES", 50)?,
                max_document_chars: v.parse("GRAPHQL_MAX_DOCUMENT_CHARS", 15_000)?,
                max_body_bytes: v.parse("GRAPHQL_MAX_BODY_BYTES", 1024 * 1024)?,
                batching: v.flag("GRAPHQL_BATCHING", false)?,
                max_batch: v.parse("GRAPHQL_MAX_BATCH", 10)?,
            },
            graphql_introspection: v.flag("GRAPHQL_INTROSPECTION", !production)?,
            graphql_playground: v.flag("GRAPHQL_PLAYGROUND", !production)?,
            unverified_account_ttl: Duration::from_secs(
                v.parse::<u64>("UNVERIFIED_ACCOUNT_TTL_HOURS", 24)?
                    .max(1)
                    .saturating_mul(3600),
            ),
            unverified_purge_interval: v.seconds("UNVERIFIED_PURGE_INTERVAL_SECONDS", 600)?,
            log_format,
            rust_log: v.get("RUST_LOG").unwrap_or_else(|| "info".to_owned()),
            admin_password: v.get("ADMIN_PASSWORD").map(SecretString::from),
        };
        config.validate()?;
        Ok(config)
    }

    /// Cross-field checks, and the production refusals of SPEC §2 and §11.
    fn validate(&self) -> Result<(), ConfigError> {
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError(
                "DATABASE_URL must be a sqlite: or postgres:// URL".to_owned(),
            ));
        }
        if self.auth_rate_limit_per_minute == 0 || self.auth_target_rate_limit_per_minute == 0 {
            return Err(ConfigError(
                "AUTH_RATE_LIMIT_PER_MINUTE and AUTH_TARGET_RATE_LIMIT_PER_MINUTE must be at least 1"
                    .to_owned(),
            ));
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError(
                "DATABASE_MAX_CONNECTIONS must be at least 1".to_owned(),
            ));
        }
        if self.otp.max_attempts == 0 || self.otp.max_per_hour == 0 {
            return Err(ConfigError(
                "OTP_MAX_ATTEMPTS and OTP_MAX_PER_HOUR must be at least 1".to_owned(),
            ));
        }
        if self.otp.sms_delivery == OtpDelivery::Smtp {
            return Err(ConfigError(
                "OTP_SMS_DELIVERY=smtp is not possible: SMS goes through log, outbox or webhook"
                    .to_owned(),
            ));
        }
        if self.otp.email_delivery == OtpDelivery::Webhook {
            return Err(ConfigError(
                "OTP_EMAIL_DELIVERY=webhook is not possible: email goes through log, outbox or smtp"
                    .to_owned(),
            ));
        }
        for (name, delivery) in [
            ("OTP_SMS_DELIVERY", self.otp.sms_delivery),
            ("OTP_EMAIL_DELIVERY", self.otp.email_delivery),
        ] {
            if self.is_production() && matches!(delivery, OtpDelivery::Log | OtpDelivery::Outbox) {
                return Err(ConfigError(format!(
                    "{name} must be webhook or smtp when APP_ENV=production (log and outbox would expose codes)"
                )));
            }
            match delivery {
                OtpDelivery::Webhook if self.otp.sms_webhook_url.is_none() => {
                    return Err(ConfigError(format!("{name}=webhook needs SMS_WEBHOOK_URL")));
                }
                OtpDelivery::Smtp
                    if self.otp.smtp.host.is_none() || self.otp.smtp.from.is_none() =>
                {
                    return Err(ConfigError(format!(
                        "{name}=smtp needs SMTP_HOST and SMTP_FROM"
                    )));
                }
                _ => {}
            }
        }
        if self.storage_backend == StorageBackend::S3 && self.s3.bucket.is_none() {
            return Err(ConfigError("STORAGE_BACKEND=s3 needs S3_BUCKET".to_owned()));
        }
        if self.max_upload_bytes == 0 {
            return Err(ConfigError(
                "MAX_UPLOAD_BYTES must be greater than 0".to_owned(),
            ));
        }
        let l = &self.graphql_limits;
        if l.max_depth == 0 || l.max_complexity == 0 || l.max_document_chars == 0 {
            return Err(ConfigError(
                "GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_COMPLEXITY and GRAPHQL_MAX_DOCUMENT_CHARS must be at least 1"
                    .to_owned(),
            ));
        }
        if self.is_production() && self.cors_allowed_origins.iter().any(|o| o == "*") {
            return Err(ConfigError(
                "CORS_ALLOWED_ORIGINS=* is refused in production: list the allowed origins"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// True in production.
    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// The JWT secret bytes (for key derivation).
    pub fn jwt_secret_bytes(&self) -> &[u8] {
        self.jwt_secret.expose_secret().as_bytes()
    }

    /// True when the database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// 48 random bytes, hex-encoded: the development JWT secret.
fn random_secret() -> String {
    use rand::RngExt;
    let bytes: [u8; 48] = rand::rng().random();
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_match_the_spec() {
        let c = Config::from_map(&map(&[])).expect("defaults are valid");
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8000");
        assert_eq!(c.public_base_url, "http://127.0.0.1:8000");
        assert_eq!(c.database_url, "sqlite://rakshaayan.db?mode=rwc");
        assert!(c.jwt_secret_generated);
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
        assert_eq!(c.refresh_token_ttl, Duration::from_secs(604_800));
        assert_eq!(c.graphql_limits.max_depth, 10);
        assert_eq!(c.graphql_limits.max_aliases, 15);
        assert!(c.graphql_introspection && c.graphql_playground);
        assert_eq!(c.cors_allowed_origins, vec!["http://localhost:3000"]);
    }

    #[test]
    fn production_refuses_missing_secret_and_log_delivery() {
        let err = Config::from_map(&map(&[("APP_ENV", "production")])).unwrap_err();
        assert!(err.0.contains("JWT_SECRET"), "{err}");
        let secret = "x".repeat(32);
        let err = Config::from_map(&map(&[("APP_ENV", "production"), ("JWT_SECRET", &secret)]))
            .unwrap_err();
        assert!(err.0.contains("OTP_SMS_DELIVERY"), "{err}");
    }

    #[test]
    fn short_secret_is_refused_everywhere() {
        let err = Config::from_map(&map(&[("JWT_SECRET", "short")])).unwrap_err();
        assert!(err.0.contains("32 bytes"), "{err}");
    }

    #[test]
    fn production_turns_introspection_and_playground_off() {
        let secret = "y".repeat(40);
        let c = Config::from_map(&map(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", &secret),
            ("OTP_SMS_DELIVERY", "webhook"),
            ("SMS_WEBHOOK_URL", "https://sms.example/send"),
            ("OTP_EMAIL_DELIVERY", "smtp"),
            ("SMTP_HOST", "smtp.example"),
            ("SMTP_FROM", "noreply@example.org"),
        ]))
        .expect("complete production config");
        assert!(!c.graphql_introspection && !c.graphql_playground);
        assert_eq!(c.log_format, LogFormat::Json);
    }
}

#[cfg(test)]
mod env_example_tests {
    /// Every variable this module reads is documented in `.env.example`.
    #[test]
    fn env_example_documents_every_variable() {
        let source = include_str!("config.rs");
        let example = include_str!("../.env.example");
        let re = regex::Regex::new(r#"(?:get|parse|flag|seconds|parse::<u64>)\(\s*"([A-Z0-9_]+)""#)
            .expect("regex");
        let names: Vec<&str> = re
            .captures_iter(source)
            .filter_map(|c| c.get(1).map(|m| m.as_str()))
            .collect();
        assert!(names.len() > 40, "found {} variables", names.len());
        for name in names {
            assert!(
                example.lines().any(|l| l.starts_with(&format!("{name}="))),
                "{name} is read by config.rs but missing from .env.example"
            );
        }
    }
}
