//! Timestamps as the store writes them: RFC 3339 in UTC. The store never reads the clock;
//! every time comes from its caller.

use chrono::{DateTime, SecondsFormat, Utc};

pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}
