//! The wall clock: the one place the app reads it. The core and the store take dates
//! from their caller; the simulation only ever sees sim minutes.

use chrono::{DateTime, Utc};

/// Now, to the second (stored dates carry no sub-second noise).
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}
