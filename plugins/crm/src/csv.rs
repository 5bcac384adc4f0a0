//! CSV as RFC 4180 has it: comma-separated cells, records ended by CRLF (LF is read
//! too), cells quoted with `"` when they hold a comma, a quote or a line break, and a
//! quote inside a quoted cell doubled.
//!
//! Written by hand rather than with the `csv` crate: this is all CRM needs, it keeps
//! the component small (the host instantiates it per request), and it adds nothing to
//! the guests' shared lockfile.
//!
//! Spreadsheets run a cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage
//! return) as a formula, so an exported cell like that is prefixed with `'`
//! ([`defuse`]), and an import takes that prefix off again ([`restore`]): what is
//! exported imports back unchanged.

use std::fmt;

/// Why a body is not CSV: the record (from 1) and what is wrong.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed {
    pub record: usize,
    pub message: &'static str,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.record, self.message)
    }
}

/// The records of `text`, each a list of cells. A final line break ends the last
/// record rather than starting an empty one; an empty line is a record of one empty
/// cell.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, Malformed> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let malformed = |records: &Vec<Vec<String>>, message| Malformed {
        record: records.len() + 1,
        message,
    };
    // Whether the current cell was quoted, and its closing quote seen.
    let mut quoted = false;
    let mut closed = false;
    while let Some(c) = chars.next() {
        if quoted && !closed {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => closed = true,
                c => cell.push(c),
            }
            continue;
        }
        match c {
            ',' => {
                record.push(std::mem::take(&mut cell));
                (quoted, closed) = (false, false);
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
                (quoted, closed) = (false, false);
            }
            '"' if cell.is_empty() && !quoted => quoted = true,
            _ if closed => {
                return Err(malformed(&records, "text after a closing quote"));
            }
            '"' => return Err(malformed(&records, "a quote inside an unquoted cell")),
            c => cell.push(c),
        }
    }
    if quoted && !closed {
        return Err(malformed(&records, "a quoted cell is not closed"));
    }
    if !cell.is_empty() || !record.is_empty() || quoted {
        record.push(cell);
        records.push(record);
    }
    Ok(records)
}

/// Appends one record to `out`, quoting the cells that need it, ended by CRLF.
pub fn write_record<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a spreadsheet would run `cell` as a formula once leading `'`s are gone.
fn is_formula_like(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// `cell` made safe to open in a spreadsheet: prefixed with `'` when it would start a
/// formula (or is already such a prefix, so [`restore`] gives it back exactly).
pub fn defuse(cell: &str) -> String {
    if is_formula_like(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The inverse of [`defuse`].
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if is_formula_like(cell) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|row| row.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn parses_rfc_4180() {
        let text = "a,b,c\r\n1,\"x, \"\"y\"\"\",\"multi\nline\"\r\n,,\n\"\",last\n";
        assert_eq!(
            parse(text).unwrap(),
            cells(&[
                &["a", "b", "c"],
                &["1", "x, \"y\"", "multi\nline"],
                &["", "", ""],
                &["", "last"],
            ])
        );
        assert_eq!(parse("a,b").unwrap(), cells(&[&["a", "b"]]));
        assert_eq!(parse("a\n\nb\n").unwrap(), cells(&[&["a"], &[""], &["b"]]));
        assert_eq!(parse("\"\"").unwrap(), cells(&[&[""]]));
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn refuses_malformed_quotes() {
        for (text, record, message) in [
            ("a\n\"open", 2, "a quoted cell is not closed"),
            ("a,b\"c", 1, "a quote inside an unquoted cell"),
            ("h\n\"x\"y,z", 2, "text after a closing quote"),
        ] {
            assert_eq!(parse(text), Err(Malformed { record, message }), "{text:?}");
        }
    }

    #[test]
    fn written_records_read_back() {
        let rows: [&[&str]; 3] = [
            &["plain", "with,comma", "with \"quote\""],
            &["line\r\nbreak", "", " spaced "],
            &["ünïcödé", "'quoted", "x"],
        ];
        let mut out = String::new();
        for row in rows {
            write_record(&mut out, row.iter().copied());
        }
        assert!(out.starts_with("plain,\"with,comma\",\"with \"\"quote\"\"\"\r\n"));
        assert_eq!(parse(&out).unwrap(), cells(&rows));
    }

    #[test]
    fn formulas_are_defused_and_restored() {
        for (cell, exported) in [
            ("=1+2", "'=1+2"),
            ("+44 20 7946 0000", "'+44 20 7946 0000"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("'=x", "''=x"),
            ("'plain", "'plain"),
            ("plain", "plain"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(defuse(cell), exported, "{cell:?}");
            assert_eq!(restore(exported), cell, "{exported:?}");
        }
    }
}
