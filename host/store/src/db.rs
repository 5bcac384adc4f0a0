use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::{Result, StoreError};

/// The database the host runs on. SQL shared by both backends is written once with
/// `$n` placeholders (which sqlx's SQLite driver also accepts) and run through
/// `with_db!`, which expands the body for each concrete pool type.
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pools: Pools,
}

#[derive(Clone, Debug)]
pub(crate) enum Pools {
    Sqlite(SqlitePool),
    /// `app` works as the unprivileged `eoex_app` role (row-level security applies to
    /// it); `owner`, the connecting role, runs migrations and plugin-table DDL.
    Postgres {
        app: PgPool,
        owner: PgPool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgresql",
        }
    }
}

/// Runs `$body` with `$pool` bound to the concrete (serving) pool of a [`Db`].
macro_rules! with_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match &$db.pools {
            $crate::db::Pools::Sqlite($pool) => $body,
            $crate::db::Pools::Postgres { app: $pool, .. } => $body,
        }
    };
}
pub(crate) use with_db;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Db {
    /// Opens a pool for `url` (`sqlite:PATH` creating the file if needed, or
    /// `postgres://…`).
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let owner = PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options.clone())
                .await?;
            // Lazy: the role exists only once the migrations have run.
            let app = PgPoolOptions::new()
                .max_connections(20)
                .acquire_timeout(Duration::from_secs(5))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::Executor::execute(&mut *conn, "SET ROLE eoex_app")
                            .await
                            .map(|_| ())
                    })
                })
                .connect_lazy_with(options);
            Ok(Db {
                pools: Pools::Postgres { app, owner },
            })
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .foreign_keys(true)
                // WAL lets readers proceed while one writer commits; NORMAL is durable
                // across application crashes in WAL mode.
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Db {
                pools: Pools::Sqlite(pool),
            })
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// The URL of the embedded default database inside `data_dir`.
    pub fn sqlite_url_in(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("eoex.db").display())
    }

    pub fn kind(&self) -> DbKind {
        match &self.pools {
            Pools::Sqlite(_) => DbKind::Sqlite,
            Pools::Postgres { .. } => DbKind::Postgres,
        }
    }

    /// Applies the pending migrations of this backend.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pools::Postgres { owner, .. } => POSTGRES_MIGRATIONS.run(owner).await?,
        }
        Ok(())
    }

    /// True when a trivial query succeeds within the pool's acquire timeout.
    pub async fn ping(&self) -> bool {
        with_db!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .is_ok())
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite(pool) => pool.close().await,
            Pools::Postgres { app, owner } => {
                app.close().await;
                owner.close().await;
            }
        }
    }
}
