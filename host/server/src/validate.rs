//! Input rules shared by the handlers; each failure is a 422 naming the field.

use crate::error::ApiError;

/// A trimmed, lower-cased e-mail address of plausible shape.
pub fn email(field: &str, value: &str) -> Result<String, ApiError> {
    let value = value.trim().to_lowercase();
    let valid = value.len() <= 255
        && !value.chars().any(char::is_whitespace)
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        });
    if valid {
        Ok(value)
    } else {
        Err(ApiError::validation(
            field,
            "must be a valid e-mail address",
        ))
    }
}

/// A trimmed, non-empty text of at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::validation(field, "must not be empty"));
    }
    optional_text(field, Some(value), max).map(|v| v.unwrap_or_default())
}

/// Trimmed; empty becomes `None`; at most `max` characters.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > max => Err(ApiError::validation(
            field,
            format!("must be at most {max} characters"),
        )),
        Some(v) if v.chars().any(char::is_control) => Err(ApiError::validation(
            field,
            "must not contain control characters",
        )),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// A DNS-style domain: lower-case labels of letters, digits and hyphens.
pub fn domain(field: &str, value: &str) -> Result<String, ApiError> {
    let value = value.trim().trim_end_matches('.').to_lowercase();
    let valid = !value.is_empty()
        && value.len() <= 253
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if valid {
        Ok(value)
    } else {
        Err(ApiError::validation(
            field,
            "must be a domain name such as acme.example",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email("email", " Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "a@.com",
            "a@b..com",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn domains() {
        assert_eq!(domain("d", "Acme.Example.").unwrap(), "acme.example");
        assert_eq!(domain("d", "acme").unwrap(), "acme");
        for bad in ["", "-acme.com", "ac me.com", "acme..com", "acme_.com"] {
            assert!(domain("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn texts() {
        assert!(required_text("n", "   ", 10).is_err());
        assert_eq!(required_text("n", " x ", 10).unwrap(), "x");
        assert!(required_text("n", "abcdefghijk", 10).is_err());
        assert_eq!(optional_text("n", Some(""), 10).unwrap(), None);
        assert!(optional_text("n", Some("a\u{0}b"), 10).is_err());
    }
}
