//! The daily dashboard (the seed's `mv_daily_metrics`): per UTC day, the orders,
//! tickets and contacts (new leads) a tenant's modules created, counted from the audit
//! log. The host writes an audit row in the same transaction as every plugin insert,
//! so the log holds exactly the committed creations, whichever module version made
//! them, and it keeps them after the records themselves are deleted.
//!
//! One grouped query per request, on `idx_audit_logs_tenant_action_created`
//! (`0005_dashboard.sql`): the three creation actions of one tenant are three index
//! ranges on the timestamp, read from the index alone.

use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

use crate::db::Pools;
use crate::{Db, Result};

/// What the host's audit names a plugin insert: `<module>.<entity>.create`.
pub const ORDER_CREATED: &str = "erp.orders.create";
pub const TICKET_CREATED: &str = "support.tickets.create";
pub const CONTACT_CREATED: &str = "crm.contacts.create";

/// One day's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyCounts {
    pub date: NaiveDate,
    pub orders: i64,
    pub tickets: i64,
    pub new_leads: i64,
}

/// The statement [`Db::daily_counts`] runs on SQLite, where timestamps are RFC 3339
/// text: the day is its first ten characters, and `$2` is `YYYY-MM-DD`.
pub const SQLITE_SQL: &str = "SELECT substr(created_at, 1, 10) AS day, action, COUNT(*) AS n \
     FROM audit_logs WHERE tenant_id = $1 AND created_at >= $2 \
     AND action IN ('erp.orders.create', 'support.tickets.create', 'crm.contacts.create') \
     GROUP BY day, action";

/// The statement [`Db::daily_counts`] runs on PostgreSQL (`$2` a `timestamptz`).
pub const POSTGRES_SQL: &str = "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, action, COUNT(*) AS n \
     FROM audit_logs WHERE tenant_id = $1 AND created_at >= $2 \
     AND action IN ('erp.orders.create', 'support.tickets.create', 'crm.contacts.create') \
     GROUP BY day, action";

impl Db {
    /// The counts of each day from `from` to `to` (UTC, both included), oldest first,
    /// days without any creation included with zeros.
    pub async fn daily_counts(
        &self,
        tenant_id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyCounts>> {
        let rows: Vec<(String, String, i64)> = match &self.pools {
            Pools::Sqlite(pool) => {
                sqlx::query_as(SQLITE_SQL)
                    .bind(tenant_id)
                    .bind(from.format("%Y-%m-%d").to_string())
                    .fetch_all(pool)
                    .await?
            }
            Pools::Postgres { app, .. } => {
                sqlx::query_as(POSTGRES_SQL)
                    .bind(tenant_id)
                    .bind(from.and_time(NaiveTime::MIN).and_utc())
                    .fetch_all(app)
                    .await?
            }
        };
        let mut days: Vec<DailyCounts> = from
            .iter_days()
            .take_while(|day| *day <= to)
            .map(|date| DailyCounts {
                date,
                orders: 0,
                tickets: 0,
                new_leads: 0,
            })
            .collect();
        for (day, action, n) in rows {
            let Ok(date) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
                continue;
            };
            // Rows after `to` (a clock running ahead of the caller's) are not asked for.
            let Some(counts) = usize::try_from((date - from).num_days())
                .ok()
                .and_then(|i| days.get_mut(i))
            else {
                continue;
            };
            match action.as_str() {
                ORDER_CREATED => counts.orders += n,
                TICKET_CREATED => counts.tickets += n,
                CONTACT_CREATED => counts.new_leads += n,
                _ => {}
            }
        }
        Ok(days)
    }
}
