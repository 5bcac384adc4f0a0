//! The registry's index of published packages (`packages`).

use chrono::{DateTime, Utc};
use eoex_abi::Manifest;
use sqlx::types::Json;

use crate::db::with_db;
use crate::{Db, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PackageRecord {
    pub package_name: String,
    pub version: String,
    pub digest: String,
    pub host_api: String,
    pub size: i64,
    pub manifest: Json<Manifest>,
    pub publisher_key: Option<String>,
    pub published_at: DateTime<Utc>,
    pub yanked: bool,
}

/// What recording a package did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    New,
    /// The same name, version and digest were already there: nothing changed.
    Unchanged,
    /// The version exists with other bytes (this digest): refused, nothing changed.
    Different {
        existing_digest: String,
    },
}

const COLUMNS: &str =
    "package_name, version, digest, host_api, size, manifest, publisher_key, published_at, yanked";

impl Db {
    /// Records a package version unless it exists; never overwrites one.
    pub async fn record_package(
        &self,
        manifest: &Manifest,
        digest: &str,
        size: usize,
        publisher_key: Option<&str>,
    ) -> Result<Recorded> {
        with_db!(self, |pool| {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO packages (package_name, version, digest, host_api, size, manifest, publisher_key, published_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (package_name, version) DO NOTHING",
            )
            .bind(&manifest.name)
            .bind(&manifest.version)
            .bind(digest)
            .bind(&manifest.host_api)
            .bind(size as i64)
            .bind(Json(manifest))
            .bind(publisher_key)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let outcome = if inserted == 1 {
                Recorded::New
            } else {
                let existing: String = sqlx::query_scalar(
                    "SELECT digest FROM packages WHERE package_name = $1 AND version = $2",
                )
                .bind(&manifest.name)
                .bind(&manifest.version)
                .fetch_one(&mut *tx)
                .await?;
                if existing == digest {
                    Recorded::Unchanged
                } else {
                    Recorded::Different {
                        existing_digest: existing,
                    }
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Every version of every package, by name then publication.
    pub async fn packages(&self) -> Result<Vec<PackageRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM packages ORDER BY package_name, published_at"
        ));
        Ok(with_db!(self, |pool| sqlx::query_as::<_, PackageRecord>(
            sql
        )
        .fetch_all(pool)
        .await)?)
    }

    pub async fn package_versions(&self, name: &str) -> Result<Vec<PackageRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM packages WHERE package_name = $1 ORDER BY published_at"
        ));
        Ok(with_db!(self, |pool| sqlx::query_as::<_, PackageRecord>(
            sql
        )
        .bind(name)
        .fetch_all(pool)
        .await)?)
    }

    pub async fn package(&self, name: &str, version: &str) -> Result<Option<PackageRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM packages WHERE package_name = $1 AND version = $2"
        ));
        Ok(with_db!(self, |pool| sqlx::query_as::<_, PackageRecord>(
            sql
        )
        .bind(name)
        .bind(version)
        .fetch_optional(pool)
        .await)?)
    }

    /// Marks a version yanked; false when there is no such version.
    pub async fn yank_package(&self, name: &str, version: &str) -> Result<bool> {
        let affected = with_db!(self, |pool| sqlx::query(
            "UPDATE packages SET yanked = $3 WHERE package_name = $1 AND version = $2"
        )
        .bind(name)
        .bind(version)
        .bind(true)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(affected == 1)
    }
}
