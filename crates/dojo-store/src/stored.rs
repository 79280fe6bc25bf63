//! The JSON the store keeps of the core's grading types (a session's grade and numbers,
//! a ticket's timing, a flagged pattern, a review): versioned, migrated forward on read,
//! and never silently dropped.
//!
//! Each value is written as `{"format": N, "value": …}`. On read, a value of an older
//! format is carried forward by the migrations below, one step per format, before it is
//! parsed; a value that still does not parse, or that comes from a newer format, is an
//! error naming what could not be read — never a silent `None` or a default. The log
//! every grade was computed from is stored beside it, so nothing is lost either way.
//!
//! Format 0 is the bare JSON the store wrote before values were versioned.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The format this build writes.
pub const FORMAT: u64 = 1;

/// `MIGRATIONS[n]` takes a value of format `n` to format `n + 1`.
const MIGRATIONS: &[fn(Value) -> Value] = &[
    // 0 → 1: the value itself did not change; only the envelope is new.
    |v| v,
];

/// The envelope around `value`.
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::json!({ "format": FORMAT, "value": value }).to_string()
}

/// Reads a stored value, migrating it from an older format; the error says why it
/// could not be read.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let raw: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let (format, mut value) = match raw {
        Value::Object(mut map)
            if map.len() == 2 && map.contains_key("format") && map.contains_key("value") =>
        {
            let format = map
                .get("format")
                .and_then(Value::as_u64)
                .ok_or("its `format` is not a number")?;
            (format, map.remove("value").unwrap_or(Value::Null))
        }
        bare => (0, bare),
    };
    if format > FORMAT {
        return Err(format!(
            "it was written in format {format} by a newer version (this one reads up to {FORMAT})"
        ));
    }
    for step in &MIGRATIONS[format as usize..] {
        value = step(value);
    }
    serde_json::from_value(value).map_err(|e| format!("format {FORMAT}: {e}"))
}
