//! Structured logging with `tracing`: pretty lines in development, JSON in production.
//! Passwords, tokens and OTP codes are never logged (they are not fields of any span or
//! event; secrets are `SecretString` and redact themselves in `Debug`).

use std::fmt::{self as stdfmt, Write as _};

use tracing::field::{Field, Visit};
use tracing_subscriber::{
    EnvFilter, Layer, Registry,
    field::RecordFields,
    filter::Targets,
    fmt::{self, FormatFields, FormattedFields, format::Writer},
    prelude::*,
    registry::LookupSpan,
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
                    .with_span_list(false)
                    .fmt_fields(SpanJson)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(fmt::layer().compact().with_writer(std::io::stderr))
            .try_init(),
    };
    // Already installed (tests build many apps in one process): keep the first.
    drop(result);
}

/// A span's fields as one JSON object, written straight into the span's field buffer
/// when the span opens: the object tracing-subscriber's `JsonFields` writes (the JSON
/// event formatter parses it back into the `span` of each event), without its
/// intermediate map and its byte-by-byte writes through an `io::Write` adaptor. For the
/// request span that every request opens that was ~6 % of a `me` query's instructions.
/// Keys keep their order and a repeated key is written twice, where `JsonFields` sorts
/// and keeps the last; both read back to the same object.
#[derive(Debug, Default, Clone, Copy)]
pub struct SpanJson;

impl<'writer> FormatFields<'writer> for SpanJson {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> stdfmt::Result {
        let mut object = JsonObject {
            out: &mut writer,
            empty: true,
            result: Ok(()),
        };
        fields.record(&mut object);
        object.finish()
    }

    /// Fields recorded after the span opened (`Span::record`; none of ours does): the
    /// object is read back, extended and written again.
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> stdfmt::Result {
        let mut more = String::new();
        self.format_fields(Writer::new(&mut more), fields)?;
        if current.fields.is_empty() {
            current.fields = more;
            return Ok(());
        }
        let parse = |s: &str| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(s);
        let (Ok(mut map), Ok(added)) = (parse(&current.fields), parse(&more)) else {
            return Err(stdfmt::Error);
        };
        map.extend(added);
        current.fields = serde_json::Value::Object(map).to_string();
        Ok(())
    }
}

/// Writes visited fields as the members of one JSON object.
struct JsonObject<'a, W: stdfmt::Write> {
    out: &'a mut W,
    empty: bool,
    result: stdfmt::Result,
}

impl<W: stdfmt::Write> JsonObject<'_, W> {
    /// Writes the key of the next member; `false` for fields `JsonFields` leaves out.
    fn key(&mut self, field: &Field) -> bool {
        let name = field.name();
        if name.starts_with("log.") || self.result.is_err() {
            return false;
        }
        let name = name.strip_prefix("r#").unwrap_or(name);
        let open = if self.empty { "{" } else { "," };
        self.empty = false;
        self.result = self
            .out
            .write_str(open)
            .and_then(|()| write_json_string(self.out, name))
            .and_then(|()| self.out.write_char(':'));
        self.result.is_ok()
    }

    fn raw(&mut self, field: &Field, value: impl stdfmt::Display) {
        if self.key(field) {
            self.result = write!(self.out, "{value}");
        }
    }

    fn finish(self) -> stdfmt::Result {
        self.result?;
        self.out.write_str(if self.empty { "{}" } else { "}" })
    }
}

impl<W: stdfmt::Write> Visit for JsonObject<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.key(field) {
            self.result = write_json_string(self.out, value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn stdfmt::Debug) {
        if self.key(field) {
            self.result = self
                .out
                .write_char('"')
                .and_then(|()| write!(JsonEscaped(&mut *self.out), "{value:?}"))
                .and_then(|()| self.out.write_char('"'));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.raw(field, value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.raw(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.raw(field, value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity; `JsonFields` writes them as null too.
        match serde_json::Number::from_f64(value) {
            Some(n) => self.raw(field, n),
            None => self.raw(field, "null"),
        }
    }
}

fn write_json_string(out: &mut impl stdfmt::Write, s: &str) -> stdfmt::Result {
    out.write_char('"')?;
    JsonEscaped(&mut *out).write_str(s)?;
    out.write_char('"')
}

/// Escapes what it is given as the inside of a JSON string (RFC 8259, section 7).
struct JsonEscaped<'a, W: stdfmt::Write>(&'a mut W);

impl<W: stdfmt::Write> stdfmt::Write for JsonEscaped<'_, W> {
    fn write_str(&mut self, s: &str) -> stdfmt::Result {
        let mut plain = 0;
        for (i, b) in s.bytes().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..0x20 => "",
                _ => continue,
            };
            self.0.write_str(&s[plain..i])?;
            if escape.is_empty() {
                write!(self.0, "\\u{b:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            plain = i + 1;
        }
        self.0.write_str(&s[plain..])
    }
}

#[cfg(test)]
mod tests {
    use super::{SpanJson, is_plain};
    use serde_json::{Value, json};
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::{fmt, fmt::MakeWriter, prelude::*};

    /// Log lines, collected.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;
        fn make_writer(&'a self) -> Lines {
            self.clone()
        }
    }

    /// The `span` object of each event logged inside spans of awkward fields, with
    /// our span field writer or tracing-subscriber's own.
    fn spans_of_events(ours: bool) -> Vec<Value> {
        let lines = Lines::default();
        let layer = fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(lines.clone());
        let dispatch: tracing::Dispatch = if ours {
            tracing_subscriber::registry()
                .with(layer.fmt_fields(SpanJson))
                .into()
        } else {
            tracing_subscriber::registry().with(layer).into()
        };
        tracing::dispatcher::with_default(&dispatch, || {
            let span = tracing::info_span!(
                "request",
                request_id = %"a\"b\\c\nd\re\tf\u{1}g\u{1f}é",
                method = "POST",
                n = 42u64,
                neg = -7i64,
                ok = true,
                ratio = 0.5f64,
                nan = f64::NAN,
                r#type = ?vec!["x", "y"],
                later = tracing::field::Empty,
            );
            span.in_scope(|| tracing::info!("before"));
            span.record("later", "set after");
            span.in_scope(|| tracing::info!("after"));
            tracing::info_span!("bare").in_scope(|| tracing::info!("bare"));
        });
        let out = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        out.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["span"].clone())
            .collect()
    }

    #[test]
    fn span_fields_read_back_as_tracing_subscribers_own() {
        let ours = spans_of_events(true);
        assert_eq!(ours, spans_of_events(false));
        assert_eq!(ours.len(), 3);
        assert_eq!(
            ours[0],
            json!({
                "name": "request",
                "request_id": "a\"b\\c\nd\re\tf\u{1}g\u{1f}é",
                "method": "POST",
                "n": 42,
                "neg": -7,
                "ok": true,
                "ratio": 0.5,
                "nan": null,
                "type": "[\"x\", \"y\"]",
            })
        );
        assert_eq!(ours[1]["later"], "set after");
        assert_eq!(ours[1]["request_id"], ours[0]["request_id"]);
        assert_eq!(ours[2], json!({ "name": "bare" }));
    }

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
