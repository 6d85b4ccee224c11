//! The `webhook` delivery for SMS: POSTs
//! `{"channel":"sms","to":…,"purpose":…,"code":…,"createdAt":…,"message":…}` to
//! `SMS_WEBHOOK_URL`, with `Authorization: <SMS_WEBHOOK_AUTH_HEADER>` when set.
//!
//! Each attempt has a time limit. Connection errors, timeouts and 5xx answers are
//! retried a bounded number of times with a short, doubling pause (a duplicate text is
//! harmless: it carries the same code); 4xx and 3xx answers are final. Redirects are
//! not followed, so the code and the credential only ever go to the configured URL.

use std::time::Duration;

use reqwest::{
    StatusCode, Url,
    header::{AUTHORIZATION, HeaderValue},
};
use secrecy::ExposeSecret;
use serde::Serialize;

use super::{DeliveryOptions, OtpMessage, error_chain, sms_text};
use crate::config::OtpConfig;

/// The SMS gateway client: one `reqwest::Client` (one connection pool) for the process.
pub(super) struct Webhook {
    client: reqwest::Client,
    url: Url,
    authorization: Option<HeaderValue>,
    ttl: Duration,
    timeout: Duration,
    attempts: u32,
    backoff: Duration,
}

/// The JSON body: the outbox fields plus the text to send.
#[derive(Serialize)]
struct Payload<'a> {
    #[serde(flatten)]
    otp: &'a OtpMessage,
    message: String,
}

/// Why one attempt failed, and whether another attempt may help.
enum Failure {
    Retryable(String),
    Final(String),
}

impl Webhook {
    /// Builds the client; no network I/O.
    pub(super) fn new(
        otp: &OtpConfig,
        options: &DeliveryOptions,
        production: bool,
    ) -> anyhow::Result<Self> {
        let raw_url = otp
            .sms_webhook_url
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("OTP_SMS_DELIVERY=webhook needs SMS_WEBHOOK_URL"))?;
        let url = Url::parse(raw_url)
            .map_err(|e| anyhow::anyhow!("SMS_WEBHOOK_URL is not a valid URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            anyhow::bail!("SMS_WEBHOOK_URL must be an http:// or https:// URL");
        }
        if production && url.scheme() == "http" {
            tracing::warn!("SMS_WEBHOOK_URL is plain http: codes travel unencrypted");
        }
        let authorization = match &otp.sms_webhook_auth_header {
            None => None,
            Some(secret) => {
                let mut value = HeaderValue::from_str(secret.expose_secret()).map_err(|_| {
                    anyhow::anyhow!("SMS_WEBHOOK_AUTH_HEADER is not a valid header value")
                })?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(options.webhook_timeout)
            .user_agent(concat!("rakshaayan/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| anyhow::anyhow!("building the SMS webhook client: {}", error_chain(&e)))?;
        Ok(Self {
            client,
            url,
            authorization,
            ttl: otp.ttl,
            timeout: options.webhook_timeout,
            attempts: options.webhook_attempts.max(1),
            backoff: options.webhook_backoff,
        })
    }

    /// Delivers `message`, retrying transient failures.
    pub(super) async fn deliver(&self, message: &OtpMessage) -> anyhow::Result<()> {
        let payload = Payload {
            otp: message,
            message: sms_text(message, self.ttl),
        };
        let body = serde_json::to_vec(&payload)?;
        let mut pause = self.backoff;
        for attempt in 1..=self.attempts {
            match self.attempt(&body).await {
                Ok(()) => return Ok(()),
                Err(Failure::Final(reason)) => {
                    anyhow::bail!("SMS webhook refused the message (not retried): {reason}")
                }
                Err(Failure::Retryable(reason)) if attempt == self.attempts => {
                    anyhow::bail!(
                        "SMS webhook failed after {attempt} attempt{}: {reason}",
                        if attempt == 1 { "" } else { "s" }
                    )
                }
                Err(Failure::Retryable(reason)) => {
                    tracing::warn!(
                        attempt,
                        attempts = self.attempts,
                        "SMS webhook attempt failed, retrying: {reason}"
                    );
                    tokio::time::sleep(pause).await;
                    pause = pause.saturating_mul(2);
                }
            }
        }
        unreachable!("the loop returns on its last attempt")
    }

    async fn attempt(&self, body: &[u8]) -> Result<(), Failure> {
        let mut request = self
            .client
            .post(self.url.clone())
            .timeout(self.timeout)
            .header(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )
            .body(body.to_vec());
        if let Some(value) = &self.authorization {
            request = request.header(AUTHORIZATION, value.clone());
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                // The body is not read: a gateway may echo the request, code included.
                drop(response);
                classify(status)
            }
            Err(err) if err.is_timeout() => Err(Failure::Retryable(format!(
                "no answer within {} ms",
                self.timeout.as_millis()
            ))),
            // `without_url`: the URL may carry a gateway token in its query.
            Err(err) => Err(Failure::Retryable(error_chain(&err.without_url()))),
        }
    }
}

fn classify(status: StatusCode) -> Result<(), Failure> {
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() {
        Err(Failure::Retryable(format!("the gateway answered {status}")))
    } else {
        Err(Failure::Final(format!("the gateway answered {status}")))
    }
}
