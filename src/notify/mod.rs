//! Delivery of one-time codes, chosen per channel by configuration (SPEC §6, §11):
//! `log` (development only), `outbox` (a JSON-lines file that developers and tests
//! read), `webhook` for SMS (POST JSON to a gateway) and `smtp` for email.
//!
//! A delivery failure is returned to the caller (never a silent success); the OTP
//! service then removes the code it stored, so no usable code is left behind. Error
//! messages never contain the code: each delivery leaves it out, and [`Notifier::send`]
//! scrubs it from whatever a server echoed back, as a second line of defence.
//!
//! Building a [`Notifier`] does no network I/O, so the server starts while the SMS
//! gateway or the mail server is down; the first `send` finds out.

mod log;
mod outbox;
mod smtp;
mod webhook;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{Config, OtpDelivery};

use self::{outbox::Outbox, smtp::Smtp, webhook::Webhook};

/// The channel a code travels on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Text message to a phone number.
    Sms,
    /// Email.
    Email,
}

/// One code to deliver.
///
/// `Debug` hides the code, so logging a message by accident does not leak it.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OtpMessage {
    /// `sms` or `email`.
    pub channel: Channel,
    /// Phone number or email address.
    pub to: String,
    /// `phone_verification`, `email_verification` or `password_reset`.
    pub purpose: String,
    /// The code in clear (only ever here, on its way to the recipient).
    pub code: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for OtpMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpMessage")
            .field("channel", &self.channel)
            .field("to", &self.to)
            .field("purpose", &self.purpose)
            .field("code", &"<redacted>")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// Tunables of the network deliveries. [`Default`] is what the server uses;
/// tests shorten the timeouts.
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// Limit on one webhook attempt, connection included.
    pub webhook_timeout: Duration,
    /// Webhook attempts in all (at least 1). Connection errors, timeouts and 5xx
    /// answers are retried; 4xx answers are not.
    pub webhook_attempts: u32,
    /// Pause before the first retry; it doubles before each further one.
    pub webhook_backoff: Duration,
    /// Limit on each SMTP network operation (connect, each command). The whole
    /// exchange is capped at three times this.
    pub smtp_timeout: Duration,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            webhook_timeout: Duration::from_secs(5),
            webhook_attempts: 3,
            webhook_backoff: Duration::from_millis(250),
            smtp_timeout: Duration::from_secs(10),
        }
    }
}

/// How one channel delivers.
#[derive(Clone)]
enum Delivery {
    Log,
    Outbox(Arc<Outbox>),
    Webhook(Arc<Webhook>),
    Smtp(Arc<Smtp>),
    /// The configuration names a delivery whose settings cannot work (an invalid
    /// address, URL or header): every send fails with this reason.
    Misconfigured(Arc<str>),
}

/// Delivers codes on both channels.
#[derive(Clone)]
pub struct Notifier {
    sms: Delivery,
    email: Delivery,
    latency: Arc<Latency>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notifier")
    }
}

impl Notifier {
    /// The deliveries the configuration asks for, with the default timeouts.
    ///
    /// Never fails and never touches the network: a delivery whose settings are
    /// unusable is logged now and fails every send (see [`Notifier::try_from_config`]
    /// to refuse to start instead).
    pub fn from_config(config: &Config) -> Self {
        Self::with_options(config, DeliveryOptions::default())
    }

    /// Like [`Notifier::from_config`], but an unusable delivery setting (an invalid
    /// `SMTP_FROM`, `SMS_WEBHOOK_URL` or `SMS_WEBHOOK_AUTH_HEADER`, …) is an error.
    pub fn try_from_config(config: &Config) -> anyhow::Result<Self> {
        let options = DeliveryOptions::default();
        Ok(Self::assemble(
            build(config, Channel::Sms, &options)?,
            build(config, Channel::Email, &options)?,
        ))
    }

    /// The deliveries the configuration asks for, with explicit tunables.
    pub fn with_options(config: &Config, options: DeliveryOptions) -> Self {
        let pick = |channel: Channel| {
            build(config, channel, &options).unwrap_or_else(|err| {
                let reason = format!("{err:#}");
                tracing::error!(
                    ?channel,
                    "OTP delivery is misconfigured; every code on this channel will fail: {reason}"
                );
                Delivery::Misconfigured(reason.into())
            })
        };
        Self::assemble(pick(Channel::Sms), pick(Channel::Email))
    }

    fn assemble(sms: Delivery, email: Delivery) -> Self {
        let latency = Latency {
            sms: Mutex::new(Ewma::seeded(seed_latency(&sms))),
            email: Mutex::new(Ewma::seeded(seed_latency(&email))),
        };
        Self {
            sms,
            email,
            latency: Arc::new(latency),
        }
    }

    /// Delivers `message` on its channel.
    ///
    /// The error, if any, never contains the code.
    pub async fn send(&self, message: &OtpMessage) -> anyhow::Result<()> {
        let started = Instant::now();
        let result = match self.delivery(message.channel) {
            Delivery::Log => {
                log::deliver(message);
                Ok(())
            }
            Delivery::Outbox(outbox) => outbox.append(message).await,
            Delivery::Webhook(webhook) => webhook.deliver(message).await,
            Delivery::Smtp(smtp) => smtp.deliver(message).await,
            Delivery::Misconfigured(reason) => {
                Err(anyhow::anyhow!("OTP delivery is misconfigured: {reason}"))
            }
        };
        match result {
            Ok(()) => {
                self.latency.record(message.channel, started.elapsed());
                Ok(())
            }
            Err(err) => Err(without_code(err, &message.code)),
        }
    }

    /// Waits about as long as a real delivery on `channel` has recently taken,
    /// without sending anything.
    ///
    /// The OTP operations answer the same way whether or not the phone number or
    /// email address belongs to an account (SPEC §6), and they must not give the
    /// difference away through timing either: a request for a known target waits for
    /// the SMS gateway or mail server, so a request for an unknown one — which must
    /// never send anything — calls this instead. The wait is an exponentially
    /// weighted moving average of recent successful [`Notifier::send`] durations on
    /// that channel (seeded with a typical network delay for `webhook` and `smtp`,
    /// zero for `log` and `outbox`), with ±20 % random jitter so the two cases
    /// spread over the same range rather than one of them being suspiciously exact.
    pub async fn pretend(&self, channel: Channel) {
        let mean = self.recent_latency(channel);
        if mean.is_zero() {
            return;
        }
        let factor = {
            use rand::RngExt;
            rand::rng().random_range(0.8..=1.2)
        };
        tokio::time::sleep(mean.mul_f64(factor)).await;
    }

    /// The moving average that [`Notifier::pretend`] waits for (before jitter).
    pub fn recent_latency(&self, channel: Channel) -> Duration {
        self.latency.get(channel)
    }

    fn delivery(&self, channel: Channel) -> &Delivery {
        match channel {
            Channel::Sms => &self.sms,
            Channel::Email => &self.email,
        }
    }
}

/// Builds the delivery of one channel. No network I/O.
fn build(config: &Config, channel: Channel, options: &DeliveryOptions) -> anyhow::Result<Delivery> {
    let otp = &config.otp;
    let (delivery, variable) = match channel {
        Channel::Sms => (otp.sms_delivery, "OTP_SMS_DELIVERY"),
        Channel::Email => (otp.email_delivery, "OTP_EMAIL_DELIVERY"),
    };
    Ok(match (delivery, channel) {
        (OtpDelivery::Log, _) => Delivery::Log,
        (OtpDelivery::Outbox, _) => {
            Delivery::Outbox(Arc::new(Outbox::new(otp.outbox_path.clone())))
        }
        (OtpDelivery::Webhook, Channel::Sms) => Delivery::Webhook(Arc::new(Webhook::new(
            otp,
            options,
            config.is_production(),
        )?)),
        (OtpDelivery::Smtp, Channel::Email) => {
            Delivery::Smtp(Arc::new(Smtp::new(&otp.smtp, otp.ttl, options)?))
        }
        (OtpDelivery::Webhook, Channel::Email) => {
            anyhow::bail!("{variable}=webhook: email cannot go through the SMS webhook")
        }
        (OtpDelivery::Smtp, Channel::Sms) => {
            anyhow::bail!("{variable}=smtp: SMS cannot go through SMTP")
        }
    })
}

/// Until a delivery has been measured, `pretend` assumes a typical network round
/// trip for the network deliveries and nothing for the local ones.
fn seed_latency(delivery: &Delivery) -> Duration {
    match delivery {
        Delivery::Webhook(_) | Delivery::Smtp(_) => Duration::from_millis(50),
        Delivery::Log | Delivery::Outbox(_) | Delivery::Misconfigured(_) => Duration::ZERO,
    }
}

/// `err` flattened to text, with every occurrence of `code` replaced: a server may
/// echo the request (an SMS gateway's error body, an SMTP reply), and the caller logs
/// the error.
fn without_code(err: anyhow::Error, code: &str) -> anyhow::Error {
    let text = format!("{err:#}");
    if code.is_empty() || !text.contains(code) {
        return err;
    }
    anyhow::anyhow!(text.replace(code, "<code>"))
}

/// `err` and its sources, joined by `: `.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        // Some errors repeat their source in their own message.
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}

/// What the code is for, as the recipient reads it.
fn purpose_text(purpose: &str) -> &'static str {
    match purpose {
        "phone_verification" => "verify your phone number",
        "email_verification" => "verify your email address",
        "password_reset" => "reset your password",
        _ => "confirm it is you",
    }
}

/// The text message sent by the SMS webhook.
fn sms_text(message: &OtpMessage, ttl: Duration) -> String {
    format!(
        "Your Rakshaayan code to {} is {}. It is valid for {}. Do not share it with anyone.",
        purpose_text(&message.purpose),
        message.code,
        validity_text(ttl),
    )
}

/// The plain-text body of the email: ASCII only and lines under 72 characters, so
/// lettre sends it as 7bit, readable as is (it turns the line ends into CRLF).
fn email_text(message: &OtpMessage, ttl: Duration) -> String {
    format!(
        "Your Rakshaayan verification code is {code}\n\
         \n\
         Use it to {purpose}.\n\
         It is valid for {validity} and works only once.\n\
         \n\
         If you did not ask for this code, you can ignore this email.\n\
         Never share the code with anyone: Rakshaayan staff will never\n\
         ask you for it.\n",
        code = message.code,
        purpose = purpose_text(&message.purpose),
        validity = validity_text(ttl),
    )
}

/// "10 minutes", "1 minute", "45 seconds".
fn validity_text(ttl: Duration) -> String {
    let secs = ttl.as_secs();
    let (n, unit) = if secs >= 60 {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// Per-channel moving averages of successful delivery durations.
struct Latency {
    sms: Mutex<Ewma>,
    email: Mutex<Ewma>,
}

impl Latency {
    fn slot(&self, channel: Channel) -> &Mutex<Ewma> {
        match channel {
            Channel::Sms => &self.sms,
            Channel::Email => &self.email,
        }
    }

    fn get(&self, channel: Channel) -> Duration {
        self.slot(channel)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .mean
    }

    fn record(&self, channel: Channel, sample: Duration) {
        self.slot(channel)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .record(sample);
    }
}

/// An exponentially weighted moving average of durations.
#[derive(Debug, Clone, Copy)]
struct Ewma {
    mean: Duration,
    measured: bool,
}

impl Ewma {
    /// Weight of the newest sample.
    const ALPHA: f64 = 0.2;
    /// Samples are capped so that one stuck delivery cannot make `pretend` hang.
    const MAX_SAMPLE: Duration = Duration::from_secs(10);

    fn seeded(seed: Duration) -> Self {
        Self {
            mean: seed,
            measured: false,
        }
    }

    fn record(&mut self, sample: Duration) {
        let sample = sample.min(Self::MAX_SAMPLE);
        self.mean = if self.measured {
            self.mean.mul_f64(1.0 - Self::ALPHA) + sample.mul_f64(Self::ALPHA)
        } else {
            // The seed is a guess; the first measurement replaces it.
            sample
        };
        self.measured = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_reads_naturally() {
        assert_eq!(validity_text(Duration::from_secs(600)), "10 minutes");
        assert_eq!(validity_text(Duration::from_secs(60)), "1 minute");
        assert_eq!(validity_text(Duration::from_secs(90)), "1 minute");
        assert_eq!(validity_text(Duration::from_secs(45)), "45 seconds");
    }

    #[test]
    fn ewma_replaces_the_seed_then_smooths() {
        let mut e = Ewma::seeded(Duration::from_millis(50));
        e.record(Duration::from_millis(200));
        assert_eq!(e.mean, Duration::from_millis(200));
        e.record(Duration::from_millis(100));
        assert_eq!(e.mean, Duration::from_millis(180));
        e.record(Duration::from_secs(3600));
        assert!(e.mean <= Duration::from_secs(3));
    }

    #[test]
    fn errors_lose_the_code() {
        let err = anyhow::anyhow!("gateway said: bad code 123456").context("SMS webhook");
        let clean = without_code(err, "123456");
        let text = format!("{clean:#} {clean:?}");
        assert!(!text.contains("123456"), "{text}");
        assert!(text.contains("SMS webhook"), "{text}");
    }

    #[test]
    fn email_body_is_short_ascii_lines() {
        let m = OtpMessage {
            channel: Channel::Email,
            to: "a@example.org".into(),
            purpose: "email_verification".into(),
            code: "123456".into(),
            created_at: Utc::now(),
        };
        let body = email_text(&m, Duration::from_secs(86_400 * 365));
        assert!(body.is_ascii());
        assert!(body.lines().all(|l| l.len() < 72), "{body}");
    }

    #[test]
    fn debug_hides_the_code() {
        let m = OtpMessage {
            channel: Channel::Sms,
            to: "+15550001111".into(),
            purpose: "phone_verification".into(),
            code: "654321".into(),
            created_at: Utc::now(),
        };
        assert!(!format!("{m:?}").contains("654321"));
    }
}
