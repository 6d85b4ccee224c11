//! Structured logging with `tracing`: pretty lines in development, JSON in production.
//! Passwords, tokens and OTP codes are never logged (they are not fields of any span or
//! event; secrets are `SecretString` and redact themselves in `Debug`).

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{Config, LogFormat};

/// Installs the global subscriber, writing to standard error (standard output is for
/// command results such as `migrate status` and `schema`). Safe to call more than once (later calls are no-ops),
/// which tests rely on.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.rust_log).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match config.log_format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(fmt::layer().compact().with_writer(std::io::stderr))
            .try_init(),
    };
    // Already installed (tests build many apps in one process): keep the first.
    drop(result);
}
