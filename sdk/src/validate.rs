//! Checks modules make on their input, the same way in every module.

/// `local@domain.tld`, no spaces: typos, not RFC 5322, are what this catches.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !s.chars().any(char::is_whitespace)
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

/// A UUID in its hyphenated form, as the host writes ids.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A calendar date `YYYY-MM-DD` that exists (no 30 February).
pub fn is_date(s: &str) -> bool {
    s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// An RFC 3339 timestamp (`2026-11-26T09:30:00Z`).
pub fn is_timestamp(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// The UTC date and time now: `today()` is `YYYY-MM-DD`, `now()` RFC 3339.
pub mod clock {
    pub fn today() -> String {
        chrono::Utc::now().format("%Y-%m-%d").to_string()
    }

    pub fn now() -> String {
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    pub fn year() -> i32 {
        chrono::Datelike::year(&chrono::Utc::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("ada@example.com"));
        for bad in [
            "",
            "ada",
            "a@b",
            "a b@c.com",
            "@c.com",
            "a@@c.com",
            "a@c..com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn dates_and_ids() {
        assert!(is_date("2024-02-29"));
        for bad in ["2023-02-29", "2024-13-01", "24-01-01", "2024-1-1", "today"] {
            assert!(!is_date(bad), "{bad}");
        }
        assert!(is_uuid("6f1c2a44-0a1b-4c2d-8e3f-123456789abc"));
        assert!(!is_uuid("6f1c2a44-0a1b-4c2d-8e3f-123456789abz"));
        assert!(is_timestamp("2026-11-26T09:30:00Z"));
        assert!(!is_timestamp("2026-11-26"));
        assert_eq!(clock::today().len(), 10);
    }
}
