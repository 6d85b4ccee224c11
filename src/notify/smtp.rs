//! The `smtp` delivery for email, with lettre: a plain-text message from `SMTP_FROM`
//! saying what the code is for and how long it is valid.
//!
//! `SMTP_TLS=starttls` upgrades a plain connection (port 587), `tls` speaks TLS from
//! the first byte (port 465; set `SMTP_PORT` to match), `none` sends in clear and is
//! only for a local development sink. Credentials are used when `SMTP_USERNAME` and
//! `SMTP_PASSWORD` are both set.

use std::{sync::OnceLock, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::{AsyncSmtpTransportBuilder, authentication::Credentials},
};
use secrecy::ExposeSecret;

use super::{DeliveryOptions, OtpMessage, email_text, error_chain};
use crate::config::{SmtpConfig, SmtpTls};

/// Subject of every code email (the code itself stays out of it: subjects show up in
/// notification previews and mail logs).
const SUBJECT: &str = "Your Rakshaayan verification code";

/// The mail server client.
pub(super) struct Smtp {
    /// Settings checked at start-up; turned into a transport on first use.
    builder: AsyncSmtpTransportBuilder,
    /// Built on the first send: the transport's connection pool spawns a clean-up task,
    /// which needs a running Tokio runtime, and building must not connect anyway.
    transport: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    ttl: Duration,
    timeout: Duration,
}

impl Smtp {
    /// Checks the settings; no network I/O.
    pub(super) fn new(
        config: &SmtpConfig,
        ttl: Duration,
        options: &DeliveryOptions,
    ) -> anyhow::Result<Self> {
        let host = config
            .host
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("OTP_EMAIL_DELIVERY=smtp needs SMTP_HOST"))?;
        let raw_from = config
            .from
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("OTP_EMAIL_DELIVERY=smtp needs SMTP_FROM"))?;
        let from: Mailbox = raw_from
            .parse()
            .map_err(|e| anyhow::anyhow!("SMTP_FROM={raw_from:?} is not a valid address: {e}"))?;
        let builder = match config.tls {
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                host,
            )),
        }
        .map_err(|e| anyhow::anyhow!("SMTP_HOST={host:?}: {}", error_chain(&e)))?;
        if config.tls == SmtpTls::Tls && config.port == 587 {
            tracing::warn!(
                "SMTP_TLS=tls with SMTP_PORT=587: implicit TLS usually listens on 465 \
                 (587 is for starttls)"
            );
        }
        let mut builder = builder
            .port(config.port)
            .timeout(Some(options.smtp_timeout));
        match (&config.username, &config.password) {
            (Some(username), Some(password)) => {
                builder = builder.credentials(Credentials::new(
                    username.clone(),
                    password.expose_secret().to_owned(),
                ));
            }
            (None, None) => {}
            (Some(_), None) => anyhow::bail!("SMTP_USERNAME is set but SMTP_PASSWORD is not"),
            (None, Some(_)) => anyhow::bail!("SMTP_PASSWORD is set but SMTP_USERNAME is not"),
        }
        Ok(Self {
            builder,
            transport: OnceLock::new(),
            from,
            ttl,
            timeout: options.smtp_timeout,
        })
    }

    /// Sends the code email.
    pub(super) async fn deliver(&self, message: &OtpMessage) -> anyhow::Result<()> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|_| anyhow::anyhow!("the recipient is not a valid email address"))?;
        // The id names the sender's domain rather than this machine's host name.
        let message_id = format!(
            "<{}@{}>",
            uuid::Uuid::new_v4().simple(),
            self.from.email.domain()
        );
        let email = Message::builder()
            .message_id(Some(message_id))
            .from(self.from.clone())
            .to(to)
            .subject(SUBJECT)
            .header(ContentType::TEXT_PLAIN)
            .body(email_text(message, self.ttl))
            .map_err(|e| anyhow::anyhow!("building the code email: {e}"))?;
        let transport = self.transport.get_or_init(|| self.builder.clone().build());
        // lettre's timeout bounds each network operation; this bounds the exchange.
        let limit = self.timeout.saturating_mul(3);
        match tokio::time::timeout(limit, transport.send(email)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(err)) => Err(anyhow::anyhow!(
                "SMTP delivery failed: {}",
                error_chain(&err)
            )),
            Err(_) => Err(anyhow::anyhow!(
                "SMTP delivery took longer than {} s",
                limit.as_secs_f32()
            )),
        }
    }
}
