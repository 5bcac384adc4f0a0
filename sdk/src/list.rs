//! The conventions every collection of a module follows, so clients learn them once:
//! `?page=` (from 1), `?limit=` (1 to [`MAX_LIMIT`], default [`DEFAULT_LIMIT`]),
//! `?sort=field` or `?sort=-field` (descending) over the fields the module allows, and
//! the answer `{"items": [...], "total": n, "page": p, "limit": l}`.
//!
//! ```no_run
//! # use eoex_sdk::prelude::*;
//! fn list(request: &Request) -> Result<Response, Error> {
//!     let listing = Listing::from_request(request, &["name", "created_at"], "-created_at")?;
//!     let query = Query::new("accounts");
//!     listing.respond(query)
//! }
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::store::Query;
use crate::{Error, Request, Response};

pub const MAX_LIMIT: u32 = 200;
pub const DEFAULT_LIMIT: u32 = 50;

/// A list request's page, page size and sort, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub page: u32,
    pub limit: u32,
    /// The field and whether descending.
    pub sort: (String, bool),
}

/// One page of a list, as answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub limit: u32,
}

impl Listing {
    /// Reads `page`, `limit` and `sort` (one of `sortable`, `default_sort` when absent);
    /// 422 naming the parameter when one is out of range or unknown.
    pub fn from_request(
        request: &Request,
        sortable: &[&str],
        default_sort: &str,
    ) -> Result<Listing, Error> {
        let page = query_number(request, "page", 1, u32::MAX)?.unwrap_or(1);
        let limit = query_number(request, "limit", 1, MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
        if (page - 1).checked_mul(limit).is_none() {
            return Err(Error::validation("page", "page is too large"));
        }
        let sort = request.query("sort").unwrap_or(default_sort);
        let (field, descending) = match sort.strip_prefix('-') {
            Some(field) => (field, true),
            None => (sort, false),
        };
        if !sortable.contains(&field) {
            return Err(Error::validation(
                "sort",
                format!(
                    "sort by one of {}, with - for descending",
                    sortable.join(", ")
                ),
            ));
        }
        Ok(Listing {
            page,
            limit,
            sort: (field.to_owned(), descending),
        })
    }

    /// `query` narrowed to this page, in this order (ties broken by creation).
    pub fn apply(&self, query: Query) -> Query {
        let (field, descending) = &self.sort;
        let query = if *descending {
            query.sort_desc(field)
        } else {
            query.sort_asc(field)
        };
        let query = if field == "created_at" {
            query
        } else {
            query.sort_asc("created_at")
        };
        query.limit(self.limit).offset((self.page - 1) * self.limit)
    }

    /// The page of `query` (filters applied, sort and paging from the request) and the
    /// total number of matches.
    pub fn fetch<T: DeserializeOwned>(&self, query: Query) -> Result<Listed<T>, Error> {
        let total = query.count()?;
        let items = self.apply(query).fetch::<T>()?.records;
        Ok(Listed {
            items,
            total,
            page: self.page,
            limit: self.limit,
        })
    }

    /// [`fetch`](Listing::fetch) answered as 200.
    pub fn respond(&self, query: Query) -> Result<Response, Error> {
        Ok(Response::ok(&self.fetch::<Value>(query)?))
    }
}

impl<T> Listed<T> {
    /// The same page with each item transformed (e.g. computed fields added).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Listed<U> {
        Listed {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            limit: self.limit,
        }
    }
}

/// A whole-number query parameter within `min..=max`; 422 naming it otherwise.
pub fn query_number(
    request: &Request,
    name: &str,
    min: u32,
    max: u32,
) -> Result<Option<u32>, Error> {
    let Some(raw) = request.query(name) else {
        return Ok(None);
    };
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .map(Some)
        .ok_or_else(|| {
            let range = if max == u32::MAX {
                format!("at least {min}")
            } else {
                format!("from {min} to {max}")
            };
            Error::validation(name, format!("{name} must be a whole number {range}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(target: &str) -> Result<Listing, Error> {
        Listing::from_request(
            &Request::new("GET", target),
            &["name", "created_at"],
            "-created_at",
        )
    }

    #[test]
    fn defaults_and_parameters() {
        assert_eq!(
            listing("/x").unwrap(),
            Listing {
                page: 1,
                limit: DEFAULT_LIMIT,
                sort: ("created_at".into(), true)
            }
        );
        assert_eq!(
            listing("/x?page=3&limit=200&sort=name").unwrap(),
            Listing {
                page: 3,
                limit: 200,
                sort: ("name".into(), false)
            }
        );
    }

    #[test]
    fn bad_parameters_name_themselves() {
        for (target, field) in [
            ("/x?page=0", "page"),
            ("/x?page=x", "page"),
            ("/x?page=4294967295&limit=200", "page"),
            ("/x?limit=0", "limit"),
            ("/x?limit=201", "limit"),
            ("/x?sort=secret", "sort"),
            ("/x?sort=-", "sort"),
        ] {
            let error = listing(target).unwrap_err();
            assert_eq!(
                (error.status(), error.field()),
                (422, Some(field)),
                "{target}"
            );
        }
    }
}
