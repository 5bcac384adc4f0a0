//! Contacts in and out as CSV.
//!
//! Export (`GET /contacts/export`): the list's filters and sort, every page, as
//! `text/csv` with the columns [`COLUMNS`]. Import (`POST /contacts/import`, body
//! `text/csv`): a header row naming columns, then one contact per row. The export's
//! columns are all accepted, so an export imports back as it is: the ones the host or
//! CRM keeps (`contact_id`, `lifetime_value`, `last_order_date`, `created_at`,
//! `updated_at`) are read and ignored; any other unknown column refuses the file.
//! An empty cell is an absent field (the default applies).
//!
//! Every row is checked as a create checks a contact, plus e-mails repeated within
//! the file and e-mails the tenant already has. Errors are reported per row
//! (`row` counts records as a spreadsheet numbers lines: the header is row 1). Unless
//! `?partial=true`, one invalid row imports nothing (422); with it the valid rows are
//! imported and the invalid ones listed. At most [`MAX_IMPORT_ROWS`] rows, and the
//! host's body limit (1 MiB by default, 413 beyond) applies first.

use std::collections::{BTreeMap, BTreeSet};

use eoex_sdk::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::contacts::{self, FIELDS, READ_ONLY};
use crate::csv;

/// At most this many data rows per import: each is an insert with its audit row and
/// event, and the whole import must finish within one plugin call's time limit
/// (`EOEX_PLUGIN_TIMEOUT_MS`, 5 s by default). Larger files are split by the client.
pub const MAX_IMPORT_ROWS: usize = 2_000;

/// At most this many contacts per export: the whole file is built in the plugin's
/// memory (64 MiB by default) within its time limit.
pub const MAX_EXPORT_ROWS: u64 = 20_000;

/// Records fetched per store query while exporting: the JSON of one page is held
/// beside the CSV being built.
const EXPORT_PAGE: u32 = 200;

/// E-mails per lookup of existing contacts.
const EMAIL_BATCH: usize = 500;

/// The export's columns: the contact's id, its fields in the design's order, then the
/// fields CRM and the host keep.
pub const COLUMNS: [&str; 17] = [
    "contact_id",
    "first_name",
    "last_name",
    "company",
    "email",
    "phone",
    "mobile",
    "title",
    "department",
    "lead_source",
    "status",
    "assigned_to",
    "metadata",
    "lifetime_value",
    "last_order_date",
    "created_at",
    "updated_at",
];

pub fn export(request: &Request) -> Result<Response, Error> {
    // page and limit are checked but an export has every page.
    let listing = Listing::from_request(request, &contacts::SORTABLE, contacts::DEFAULT_SORT)?;
    let query = contacts::filtered(request)?;
    let total = query.count()?;
    if total > MAX_EXPORT_ROWS {
        return Err(Error::new(
            422,
            "export_too_large",
            format!(
                "{total} contacts match; an export has at most {MAX_EXPORT_ROWS}: narrow the filters"
            ),
        ));
    }
    let query = listing.apply(query).offset(0).limit(EXPORT_PAGE);
    let mut out = String::new();
    csv::write_record(&mut out, COLUMNS);
    let mut page = query.fetch::<Map<String, Value>>()?;
    loop {
        for contact in &page.records {
            let cells: Vec<String> = COLUMNS
                .iter()
                .map(|column| csv::defuse(&cell(contact.get(*column))))
                .collect();
            csv::write_record(&mut out, cells.iter().map(String::as_str));
        }
        match page.next_cursor {
            Some(cursor) => page = query.clone().cursor(cursor).fetch()?,
            None => break,
        }
    }
    Ok(Response::csv(out).with_header(
        "content-disposition",
        "attachment; filename=\"contacts.csv\"",
    ))
}

/// A field as a CSV cell: text as is, null empty, numbers and JSON as JSON.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// One problem with one row.
#[derive(Debug, Serialize, PartialEq)]
struct RowError {
    row: usize,
    /// Null when the problem is the row itself (its number of cells).
    field: Option<String>,
    message: String,
}

impl RowError {
    fn new(row: usize, field: Option<&str>, message: impl Into<String>) -> RowError {
        RowError {
            row,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}

pub fn import(request: &Request) -> Result<Response, Error> {
    let content_type = request.header("content-type").unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("text/csv") {
        return Err(Error::new(
            415,
            "unsupported_media_type",
            "send the contacts as text/csv",
        ));
    }
    let partial = match request.query("partial") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(Error::validation("partial", "partial is true or false")),
    };
    let text = std::str::from_utf8(request.body())
        .map_err(|_| Error::bad_request("the CSV is not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = csv::parse(text).map_err(|e| Error::bad_request(format!("not CSV: {e}")))?;
    let Some((header, rows)) = records.split_first() else {
        return Err(Error::validation("header", "the CSV has no header row"));
    };
    let columns = columns(header)?;
    // Blank lines are not rows, but keep their numbers for the others.
    let rows: Vec<(usize, &Vec<String>)> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| (i + 2, row))
        .filter(|(_, row)| row.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(Error::new(
            413,
            "too_many_rows",
            format!(
                "{} rows; an import has at most {MAX_IMPORT_ROWS}",
                rows.len()
            ),
        ));
    }

    let mut errors = Vec::new();
    let mut valid: Vec<(usize, Map<String, Value>)> = Vec::new();
    let mut first_row_of_email: BTreeMap<String, usize> = BTreeMap::new();
    let mut members: BTreeMap<String, bool> = BTreeMap::new();
    for (number, cells) in rows {
        if cells.len() != header.len() {
            errors.push(RowError::new(
                number,
                None,
                format!(
                    "the row has {} cells, the header {}",
                    cells.len(),
                    header.len()
                ),
            ));
            continue;
        }
        let before = errors.len();
        let contact = checked_row(number, &columns, cells, &mut members, &mut errors)?;
        if errors.len() > before {
            continue;
        }
        let email = contact["email"].as_str().unwrap_or_default().to_owned();
        if let Some(first) = first_row_of_email.get(&email) {
            errors.push(RowError::new(
                number,
                Some("email"),
                format!("{email} is already in row {first}"),
            ));
            continue;
        }
        first_row_of_email.insert(email, number);
        valid.push((number, contact));
    }

    let emails: Vec<&str> = valid
        .iter()
        .filter_map(|(_, c)| c["email"].as_str())
        .collect();
    let existing = existing_emails(&emails)?;
    valid.retain(|(number, contact)| {
        let email = contact["email"].as_str().unwrap_or_default();
        let taken = existing.contains(email);
        if taken {
            errors.push(RowError::new(
                *number,
                Some("email"),
                format!("a contact with the e-mail {email} already exists"),
            ));
        }
        !taken
    });
    errors.sort_by_key(|e| e.row);

    if !errors.is_empty() && !partial {
        let error = Error::new(
            422,
            "validation_error",
            format!(
                "{} rows are invalid; nothing was imported (?partial=true imports the valid ones)",
                errors.iter().map(|e| e.row).collect::<BTreeSet<_>>().len()
            ),
        );
        return Ok(crate::error_with(
            &error,
            json!({"imported": 0, "errors": errors}),
        ));
    }
    for (_, contact) in &valid {
        contacts::insert(contact)?;
    }
    let status = if valid.is_empty() { 200 } else { 201 };
    Ok(Response::json(
        status,
        &json!({"imported": valid.len(), "errors": errors}),
    ))
}

/// What each header cell names: a contact field (`Some`) or a column CRM keeps and an
/// import ignores (`None`). An unknown, repeated or missing required column is 422
/// naming the column.
fn columns(header: &[String]) -> Result<Vec<Option<&'static str>>, Error> {
    let mut seen = Vec::new();
    let mut columns = Vec::new();
    for name in header.iter().map(|h| h.trim()) {
        if seen.contains(&name) {
            return Err(Error::validation(
                name,
                format!("the column {name} appears twice"),
            ));
        }
        seen.push(name);
        if READ_ONLY.iter().any(|(field, _)| *field == name) {
            columns.push(None);
        } else if let Some(spec) = FIELDS.iter().find(|s| s.name == name) {
            columns.push(Some(spec.name));
        } else {
            return Err(Error::validation(
                name,
                format!(
                    "unknown column {name:?}: the columns are {}",
                    COLUMNS.join(", ")
                ),
            ));
        }
    }
    if let Some(missing) = FIELDS
        .iter()
        .find(|s| s.required && !columns.contains(&Some(s.name)))
    {
        return Err(Error::validation(
            missing.name,
            format!("the column {} is required", missing.name),
        ));
    }
    Ok(columns)
}

/// The row as a contact, checked field by field as a create would; every problem is
/// added to `errors`. `members` remembers which assignees are active users.
fn checked_row(
    number: usize,
    columns: &[Option<&'static str>],
    cells: &[String],
    members: &mut BTreeMap<String, bool>,
    errors: &mut Vec<RowError>,
) -> Result<Map<String, Value>, Error> {
    let mut contact = Map::new();
    for spec in &FIELDS {
        let cell = columns
            .iter()
            .position(|column| *column == Some(spec.name))
            .map(|i| csv::restore(&cells[i]))
            .filter(|cell| !cell.trim().is_empty());
        let Some(cell) = cell else {
            if spec.required {
                let message = format!("{} is required", spec.name);
                errors.push(RowError::new(number, Some(spec.name), message));
            }
            continue;
        };
        let value = if spec.name == "metadata" {
            match serde_json::from_str(cell) {
                Ok(value) => value,
                Err(_) => {
                    let message = "metadata must be a JSON object";
                    errors.push(RowError::new(number, Some(spec.name), message));
                    continue;
                }
            }
        } else {
            Value::String(cell.to_owned())
        };
        match spec.check(value) {
            Ok(value) => {
                contact.insert(spec.name.to_owned(), value);
            }
            Err(error) => errors.push(RowError::new(number, Some(spec.name), error.message())),
        }
    }
    if let Some(Value::String(user_id)) = contact.get("assigned_to") {
        let active = match members.get(user_id) {
            Some(active) => *active,
            None => {
                let active = users::is_active_member(user_id)?;
                members.insert(user_id.clone(), active);
                active
            }
        };
        if !active {
            errors.push(RowError::new(
                number,
                Some("assigned_to"),
                "assigned_to must be an active user of this tenant",
            ));
        }
    }
    Ok(contact)
}

/// Which of `emails` the tenant's contacts already have.
fn existing_emails(emails: &[&str]) -> Result<BTreeSet<String>, Error> {
    let mut existing = BTreeSet::new();
    for batch in emails.chunks(EMAIL_BATCH) {
        let found: Page<Value> = Query::new("contacts")
            .filter(Filter::in_list("email", batch.iter().copied()))
            .limit(EMAIL_BATCH as u32)
            .fetch()?;
        for contact in found.records {
            if let Some(email) = contact["email"].as_str() {
                existing.insert(email.to_owned());
            }
        }
    }
    Ok(existing)
}

#[cfg(test)]
mod tests {
    use eoex_sdk::prelude::*;
    use eoex_sdk::testing::TestHost;
    use serde_json::{Value, json};

    use super::{COLUMNS, MAX_IMPORT_ROWS};
    use crate::Crm;
    use crate::csv;
    use crate::test_support::*;

    fn import(host: &TestHost, target: &str, body: &str) -> (u16, Value) {
        let request = Request::new("POST", target)
            .with_header("content-type", "text/csv; charset=utf-8")
            .with_body(body);
        let response = host.send::<Crm>(request);
        (
            response.status(),
            response.body_json().unwrap_or(Value::Null),
        )
    }

    fn export(host: &TestHost, target: &str) -> (Response, Vec<Vec<String>>) {
        let response = host.call::<Crm>("GET", target, None);
        let rows = match response.status() {
            200 => csv::parse(std::str::from_utf8(response.body()).unwrap()).unwrap(),
            _ => Vec::new(),
        };
        (response, rows)
    }

    const HEADER: &str = "first_name,last_name,email,company,phone,status,metadata";

    #[test]
    fn a_valid_file_imports_every_row() {
        let host = TestHost::new();
        let body = format!(
            "{HEADER}\r\nAda,Lovelace,ADA@example.com,\"Analytical, Ltd\",'+44 1,qualified,\"{{\"\"tier\"\":1}}\"\r\n\r\nAlan,Turing,alan@example.com,,,,\r\n"
        );
        let (status, report) = import(&host, "/contacts/import", &body);
        assert_eq!(status, 201, "{report}");
        assert_eq!(report, json!({"imported": 2, "errors": []}));
        let contacts = host.records("contacts");
        assert_eq!(contacts[0]["email"], "ada@example.com");
        assert_eq!(contacts[0]["company"], "Analytical, Ltd");
        assert_eq!(
            contacts[0]["phone"], "+44 1",
            "the formula guard is taken off"
        );
        assert_eq!(contacts[0]["metadata"], json!({"tier": 1}));
        assert_eq!(
            contacts[1]["status"], "new",
            "an empty cell takes the default"
        );
        assert_eq!(contacts[1]["company"], Value::Null);
        assert_eq!(host.events().len(), 2, "each imported contact is announced");
    }

    #[test]
    fn one_invalid_row_imports_nothing_unless_partial() {
        let host = TestHost::new();
        create_contact(&host, contact("Old", "Timer", "old@example.com"));
        let body = format!(
            "{HEADER}\nAda,Lovelace,ada@example.com,,,,\n,Nameless,bad-email,,,won,\nAda,Again,ADA@example.com,,,,\nOld,Timer,old@example.com,,,,\nshort,row\nGrace,Hopper,grace@example.com,,,,[1]\nAlan,Turing,alan@example.com,,,,\n"
        );
        let expected_errors = json!([
            {"row": 3, "field": "first_name", "message": "first_name is required"},
            {"row": 3, "field": "email", "message": "\"bad-email\" is not an e-mail address"},
            {"row": 3, "field": "status", "message": "status must be one of new, contacted, qualified, converted, lost"},
            {"row": 4, "field": "email", "message": "ada@example.com is already in row 2"},
            {"row": 5, "field": "email", "message": "a contact with the e-mail old@example.com already exists"},
            {"row": 6, "field": null, "message": "the row has 2 cells, the header 7"},
            {"row": 7, "field": "metadata", "message": "metadata must be a JSON object"},
        ]);
        let (status, report) = import(&host, "/contacts/import", &body);
        assert_eq!(status, 422, "{report}");
        assert_eq!(report["error"]["code"], "validation_error");
        assert_eq!(report["imported"], 0);
        assert_eq!(report["errors"], expected_errors);
        assert_eq!(host.records("contacts").len(), 1);

        let (status, report) = import(&host, "/contacts/import?partial=true", &body);
        assert_eq!(status, 201, "{report}");
        assert_eq!(report["imported"], 2);
        assert_eq!(report["errors"], expected_errors);
        let emails: Vec<Value> = host
            .records("contacts")
            .iter()
            .map(|c| c["email"].clone())
            .collect();
        assert_eq!(
            emails,
            [
                json!("old@example.com"),
                json!("ada@example.com"),
                json!("alan@example.com")
            ]
        );

        // Nothing valid left: 200, nothing imported.
        let (status, report) = import(&host, "/contacts/import?partial=true", &body);
        assert_eq!((status, report["imported"].as_u64()), (200, Some(0)));
    }

    #[test]
    fn assignees_must_be_active_users() {
        let host = TestHost::new();
        add_user(&host, INACTIVE, false);
        let body = format!(
            "first_name,last_name,email,assigned_to\na,a,a@example.com,{OWNER}\nb,b,b@example.com,{INACTIVE}\nc,c,c@example.com,{STRANGER}\nd,d,d@example.com,nobody\n"
        );
        let (status, report) = import(&host, "/contacts/import?partial=true", &body);
        assert_eq!(status, 201, "{report}");
        assert_eq!(report["imported"], 1);
        let fields: Vec<(u64, &str)> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["row"].as_u64().unwrap(), e["field"].as_str().unwrap()))
            .collect();
        assert_eq!(
            fields,
            [(3, "assigned_to"), (4, "assigned_to"), (5, "assigned_to")]
        );
    }

    #[test]
    fn the_file_itself_is_checked() {
        let host = TestHost::new();
        for (body, status, field) in [
            ("", 422, Some("header")),
            ("first_name,last_name\n", 422, Some("email")),
            (
                "first_name,last_name,email,shoe_size\n",
                422,
                Some("shoe_size"),
            ),
            ("first_name,last_name,email,email\n", 422, Some("email")),
            ("first_name,last_name,email\n\"unclosed\n", 400, None),
        ] {
            let (got, report) = import(&host, "/contacts/import", body);
            assert_eq!(got, status, "{body:?}: {report}");
            assert_eq!(report["error"]["field"].as_str(), field, "{body:?}");
        }
        let (status, _) = import(
            &host,
            "/contacts/import?partial=maybe",
            "first_name,last_name,email\n",
        );
        assert_eq!(status, 422);
        let json = host.call::<Crm>("POST", "/contacts/import", Some(json!({"first_name": "x"})));
        assert_eq!(json.status(), 415);

        let mut big = String::from("first_name,last_name,email\n");
        for i in 0..=MAX_IMPORT_ROWS {
            big.push_str(&format!("a,b,c{i}@example.com\n"));
        }
        assert_eq!(import(&host, "/contacts/import", &big).0, 413);
        assert!(host.records("contacts").is_empty());
    }

    #[test]
    fn export_has_the_filtered_sorted_list_safe_for_spreadsheets() {
        let host = TestHost::new();
        for (first, status, phone) in [
            ("Ada", "new", "+44 20"),
            ("Grace", "qualified", "=HYPERLINK(\"x\")"),
            ("Alan", "new", "1, 2"),
        ] {
            let mut body = contact(first, "X", &format!("{first}@example.com"));
            body["status"] = json!(status);
            body["phone"] = json!(phone);
            create_contact(&host, body);
        }
        let (response, rows) = export(&host, "/contacts/export?status=new&sort=first_name&limit=1");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.header("content-type"),
            Some("text/csv; charset=utf-8")
        );
        assert_eq!(
            response.header("content-disposition"),
            Some("attachment; filename=\"contacts.csv\"")
        );
        assert_eq!(rows[0], COLUMNS);
        let firsts: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
        assert_eq!(firsts, ["Ada", "Alan"], "every page, in the list's order");
        assert_eq!(rows[1][5], "'+44 20");
        assert_eq!(rows[2][5], "1, 2");
        assert_eq!(rows[1][12], "{}");
        assert_eq!(rows[1][13], "0");

        let (_, all) = export(&host, "/contacts/export?sort=-first_name");
        assert_eq!(all.len(), 4);
        assert_eq!(all[1][5], "'=HYPERLINK(\"x\")");
        let (response, _) = export(&host, "/contacts/export?sort=phone");
        assert_eq!(response.status(), 422);
        let (response, _) = export(&host, "/contacts/export?status=won");
        assert_eq!(response.status(), 422);
    }

    #[test]
    fn an_export_imports_back_as_it_was() {
        let source = TestHost::new();
        let mut ada = contact("Ada", "Lovelace", "ada@example.com");
        ada["phone"] = json!("+44 20 7946 0000");
        ada["company"] = json!("=cmd|' /C calc'!A0");
        ada["metadata"] = json!({"tags": ["vip"], "note": "line\nbreak, \"quoted\""});
        ada["status"] = json!("qualified");
        create_contact(&source, ada);
        create_contact(&source, contact("Alan", "Turing", "alan@example.com"));
        let body = String::from_utf8(
            source
                .call::<Crm>("GET", "/contacts/export", None)
                .body()
                .to_vec(),
        )
        .unwrap();
        let fields = |host: &TestHost| -> Vec<Value> {
            let (_, list) = call(host, "GET", "/contacts?sort=email", None);
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    for kept in ["contact_id", "created_at", "updated_at"] {
                        c.as_object_mut().unwrap().remove(kept);
                    }
                    c
                })
                .collect()
        };
        let expected = fields(&source);

        let target = TestHost::new();
        let (status, report) = import(&target, "/contacts/import", &body);
        assert_eq!(status, 201, "{report}");
        assert_eq!(fields(&target), expected);
    }
}
