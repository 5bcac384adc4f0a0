//! Notes: a module written only against `eoex-sdk`, as a third party would.

use eoex_sdk::prelude::*;
use serde::{Deserialize, Serialize};

struct Notes;

impl Plugin for Notes {
    fn manifest() -> Manifest {
        Manifest::new("notes", env!("CARGO_PKG_VERSION"))
            .description("Short notes, pinned ones first")
            .category("productivity")
            .entity(
                Entity::new("notes", "note_id")
                    .field(Field::text("title").required().max_length(200))
                    .field(Field::text("body"))
                    .field(Field::boolean("pinned").default(false))
                    .index(["pinned"]),
            )
    }

    fn router() -> Router {
        Router::new()
            .get("/notes", list)
            .summary("List notes, pinned first, newest first")
            .post("/notes", create)
            .summary("Write a note")
            .get("/notes/{note_id}", show)
            .summary("Read a note")
            .patch("/notes/{note_id}", edit)
            .summary("Change a note")
            .delete("/notes/{note_id}", remove)
            .summary("Delete a note")
    }
}

register_plugin!(Notes);

/// A note as stored; the host adds `note_id`, `created_at` and `updated_at`.
#[derive(Debug, Serialize, Deserialize)]
struct Note {
    note_id: String,
    title: String,
    body: Option<String>,
    pinned: bool,
    created_at: String,
    updated_at: String,
}

/// What a client sends to create (all of `title`) or edit (any subset) a note.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pinned: Option<bool>,
}

impl NoteInput {
    fn checked(mut self) -> Result<NoteInput, Error> {
        if let Some(title) = &self.title {
            let title = title.trim();
            if title.is_empty() {
                return Err(Error::validation("title", "title must not be empty"));
            }
            if title.chars().count() > 200 {
                return Err(Error::validation(
                    "title",
                    "title must be at most 200 characters",
                ));
            }
            self.title = Some(title.to_string());
        }
        Ok(self)
    }
}

fn list(request: &Request) -> Result<Response, Error> {
    let mut query = Query::new("notes")
        .sort_desc("pinned")
        .sort_desc("created_at")
        .limit(100);
    if let Some(pinned) = request.query("pinned") {
        query = query.filter(Filter::eq("pinned", pinned == "true"));
    }
    let notes: Page<Note> = query.fetch()?;
    Ok(Response::ok(&notes.records))
}

fn create(request: &Request) -> Result<Response, Error> {
    let input = request.json::<NoteInput>()?.checked()?;
    if input.title.is_none() {
        return Err(Error::validation("title", "title is required"));
    }
    let note: Note = store::insert("notes", &input)?;
    Ok(Response::created(&note))
}

fn show(request: &Request) -> Result<Response, Error> {
    let note: Option<Note> = store::get("notes", request.param("note_id"))?;
    note.map(|n| Response::ok(&n))
        .ok_or_else(|| Error::not_found("note"))
}

fn edit(request: &Request) -> Result<Response, Error> {
    let changes = request.json::<NoteInput>()?.checked()?;
    let note: Note = store::update("notes", request.param("note_id"), &changes)?;
    Ok(Response::ok(&note))
}

fn remove(request: &Request) -> Result<Response, Error> {
    if store::delete("notes", request.param("note_id"))? {
        Ok(Response::no_content())
    } else {
        Err(Error::not_found("note"))
    }
}

#[cfg(test)]
mod tests {
    use eoex_sdk::testing::TestHost;
    use serde_json::{Value, json};

    use super::*;

    fn titles(host: &TestHost, target: &str) -> Vec<String> {
        let notes: Vec<Note> = host.call::<Notes>("GET", target, None).body_json().unwrap();
        notes.into_iter().map(|n| n.title).collect()
    }

    #[test]
    fn write_read_edit_delete() {
        let host = TestHost::new();
        let created = host.call::<Notes>("POST", "/notes", Some(json!({"title": " Milk "})));
        assert_eq!(created.status(), 201);
        let note: Note = created.body_json().unwrap();
        assert_eq!((note.title.as_str(), note.pinned), ("Milk", false));

        let path = format!("/notes/{}", note.note_id);
        let edited = host.call::<Notes>("PATCH", &path, Some(json!({"pinned": true})));
        let edited: Note = edited.body_json().unwrap();
        assert!(edited.pinned);
        assert_eq!(edited.title, "Milk");

        assert_eq!(host.call::<Notes>("DELETE", &path, None).status(), 204);
        assert_eq!(host.call::<Notes>("GET", &path, None).status(), 404);
    }

    #[test]
    fn pinned_notes_come_first() {
        let host = TestHost::new();
        for (title, pinned) in [("a", false), ("b", true), ("c", false)] {
            let body = json!({"title": title, "pinned": pinned});
            assert_eq!(
                host.call::<Notes>("POST", "/notes", Some(body)).status(),
                201
            );
        }
        assert_eq!(titles(&host, "/notes"), ["b", "c", "a"]);
        assert_eq!(titles(&host, "/notes?pinned=false"), ["c", "a"]);
    }

    #[test]
    fn bad_input_is_refused_with_the_field() {
        let host = TestHost::new();
        for (body, field) in [
            (json!({}), "title"),
            (json!({"title": "  "}), "title"),
            (json!({"title": "x", "colour": "red"}), "colour"),
            (json!({"title": 7}), "title"),
        ] {
            let response = host.call::<Notes>("POST", "/notes", Some(body.clone()));
            assert_eq!(response.status(), 422, "{body}");
            let error: Value = response.body_json().unwrap();
            assert_eq!(error["error"]["field"], field, "{body}");
        }
        assert!(host.records("notes").is_empty());
        assert_eq!(
            host.call::<Notes>("GET", "/notes/not-an-id", None).status(),
            404
        );
    }
}
