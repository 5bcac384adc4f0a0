//! Fixed-window counters in the database, so that every host behind a load balancer
//! counts the same attempts.

use chrono::{DateTime, Duration, Utc};

use crate::db::with_db;
use crate::{Db, Result};

/// The state of one counter's current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub hits: i64,
    pub started: DateTime<Utc>,
}

impl Db {
    /// Counts one hit on `key` in a window of length `window` and returns the window.
    pub async fn rate_limit_hit(&self, key: &str, window: Duration) -> Result<Window> {
        let now = Utc::now();
        let expired_before = now - window;
        let (hits, started): (i64, DateTime<Utc>) = with_db!(self, |pool| {
            sqlx::query_as(
            "INSERT INTO rate_limit_hits (bucket_key, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket_key) DO UPDATE SET \
               hits = CASE WHEN rate_limit_hits.window_start <= $3 THEN 1 ELSE rate_limit_hits.hits + 1 END, \
               window_start = CASE WHEN rate_limit_hits.window_start <= $3 THEN $2 ELSE rate_limit_hits.window_start END \
             RETURNING CAST(hits AS BIGINT), window_start"
        )
        .bind(key)
        .bind(now)
        .bind(expired_before)
        .fetch_one(pool)
        .await
        })?;
        Ok(Window { hits, started })
    }

    /// The live window of `key`, if any.
    pub async fn rate_limit_peek(&self, key: &str, window: Duration) -> Result<Option<Window>> {
        let expired_before = Utc::now() - window;
        let row: Option<(i64, DateTime<Utc>)> = with_db!(self, |pool| sqlx::query_as(
            "SELECT CAST(hits AS BIGINT), window_start FROM rate_limit_hits \
             WHERE bucket_key = $1 AND window_start > $2"
        )
        .bind(key)
        .bind(expired_before)
        .fetch_optional(pool)
        .await)?;
        Ok(row.map(|(hits, started)| Window { hits, started }))
    }

    pub async fn rate_limit_clear(&self, key: &str) -> Result<()> {
        with_db!(self, |pool| sqlx::query(
            "DELETE FROM rate_limit_hits WHERE bucket_key = $1"
        )
        .bind(key)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
