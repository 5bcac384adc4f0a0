//! Timestamps as the store keeps them (RFC 3339, UTC) and the arithmetic SLAs need.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A timestamp from the store (or this module); `None` when absent or not RFC 3339.
pub fn parse(value: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn format(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `hours` after `start`, to the millisecond.
pub fn after_hours(start: DateTime<Utc>, hours: f64) -> DateTime<Utc> {
    start + TimeDelta::milliseconds((hours * 3_600_000.0).round() as i64)
}

/// The hours from `start` to `end`, to four decimals (0.36 s).
pub fn hours_between(start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
    let hours = (end - start).num_milliseconds() as f64 / 3_600_000.0;
    (hours * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_formats_and_adds() {
        let start = parse(Some("2026-03-01T23:30:00+01:00")).unwrap();
        assert_eq!(format(start), "2026-03-01T22:30:00.000000Z");
        assert_eq!(
            format(after_hours(start, 1.5)),
            "2026-03-02T00:00:00.000000Z"
        );
        assert_eq!(hours_between(start, after_hours(start, 72.0)), 72.0);
        assert_eq!(hours_between(start, after_hours(start, 0.0001)), 0.0001);
        assert_eq!(parse(Some("yesterday")), None);
        assert_eq!(parse(None), None);
    }
}
