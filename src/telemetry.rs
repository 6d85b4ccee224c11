//! Structured logging with `tracing`: pretty lines in development, JSON in production.
//! Passwords, tokens and OTP codes are never logged (they are not fields of any span or
//! event; secrets are `SecretString` and redact themselves in `Debug`).

use tracing_subscriber::{
    EnvFilter, Layer, Registry, filter::Targets, fmt, prelude::*, registry::LookupSpan,
};

use crate::config::{Config, LogFormat};

/// The level filter for `RUST_LOG`. Plain `target=level` lists (the default `info`
/// included) become a [`Targets`] filter, decided once per call site; only directives
/// that need more (span or field filters, `[span{field=value}]=debug`) get an
/// [`EnvFilter`], which also takes a lock and a hash lookup at every enter and exit of a
/// span: hundreds per list page, whose row streams are polled inside the request span
/// (about 1 % of a 50-event page's instructions). An unreadable value falls back to
/// `info`, as before.
fn level_filter<S>(rust_log: &str) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    if is_plain(rust_log)
        && let Ok(targets) = rust_log.parse::<Targets>()
    {
        return Box::new(targets);
    }
    Box::new(EnvFilter::try_new(rust_log).unwrap_or_else(|_| EnvFilter::new("info")))
}

/// Whether `rust_log` is a plain list of `level`, `target` and `target=level`
/// directives, which both filters read alike (anything else, malformed values included,
/// is left to [`EnvFilter`] as before).
fn is_plain(rust_log: &str) -> bool {
    !rust_log.is_empty()
        && rust_log.split(',').all(|directive| {
            !directive.is_empty()
                && directive
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '=' | '-'))
        })
}

/// Installs the global subscriber, writing to standard error (standard output is for
/// command results such as `migrate status` and `schema`). Safe to call more than once (later calls are no-ops),
/// which tests rely on.
pub fn init(config: &Config) {
    let registry = tracing_subscriber::registry().with(level_filter::<Registry>(&config.rust_log));
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

#[cfg(test)]
mod tests {
    use super::is_plain;

    #[test]
    fn only_plain_level_lists_skip_the_env_filter() {
        for plain in [
            "info",
            "warn,rakshaayan=debug",
            "tower_http::trace=debug,INFO",
            "sqlx",
        ] {
            assert!(is_plain(plain), "{plain}");
        }
        for other in [
            "",
            "info,",
            "[request]=debug",
            "rakshaayan[{id}]=trace",
            "info, sqlx=warn",
            "not a level!!",
            "a.b=info",
        ] {
            assert!(!is_plain(other), "{other}");
        }
    }
}
