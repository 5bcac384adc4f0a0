//! Storage for the EOEX host: one [`Db`] handle over SQLite (the embedded default) or
//! PostgreSQL (production), the migrations, and the core repositories.
//!
//! Every repository function that reads or writes tenant data takes the tenant id and
//! binds it into the statement: callers cannot forget it, because there is no variant
//! without it. Every mutation that must be audited takes its [`audit::AuditEntry`] and
//! writes it in the same transaction as the change, so an audited change is never
//! half-written.

pub mod audit;
pub mod catalog;
pub mod dashboard;
mod db;
pub mod entities;
pub mod events;
pub mod packages;
pub mod rate_limit;
pub mod sessions;
pub mod tenants;
pub mod ui;
pub mod users;

pub use db::{Db, DbKind};
pub use sqlx::types::Json;

/// Errors of the storage layer. Constraint violations the API reports to callers are
/// their own variants; everything else is an opaque database failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint rejected the write; `field` names the column that clashed.
    #[error("{field} already exists")]
    Conflict { field: &'static str },
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A plugin's entity definitions cannot be applied to the existing tables.
    #[error("{0}")]
    Schema(String),
    #[error("unsupported database URL {0:?}: expected sqlite:… or postgres://…")]
    UnsupportedUrl(String),
    /// SQLite: a transaction begun to read could not start writing, because another
    /// writer holds or took the write lock since it read. Run again as a writer (which
    /// waits its turn), the same work succeeds.
    #[error("a read transaction lost the race for the write lock")]
    Contended,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a unique violation to [`StoreError::Conflict`] naming the first of `fields` that
/// the constraint mentions. PostgreSQL names the constraint (`users_email_key`), SQLite
/// names the columns in the message (`UNIQUE constraint failed: users.email`); both
/// contain the column name.
pub(crate) fn conflict_on(err: sqlx::Error, fields: &[&'static str]) -> StoreError {
    if let Some(db_err) = err.as_database_error()
        && db_err.is_unique_violation()
    {
        let haystack = format!(
            "{} {}",
            db_err.constraint().unwrap_or_default(),
            db_err.message()
        );
        if let Some(field) = fields.iter().find(|f| haystack.contains(*f)) {
            return StoreError::Conflict { field };
        }
    }
    StoreError::Database(err)
}

/// A page request: 1-based page number and page size, already validated by the caller.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u32,
    pub limit: u32,
}

impl PageRequest {
    pub fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.limit)
    }
}

/// One page of a list, with the total number of matching rows.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}
