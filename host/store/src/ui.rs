//! The web console's look: skins (`ui_skins`, CSS variables), themes (`ui_themes`, a
//! colour scheme over a base skin) and each user's choice (`user_ui_preferences`).
//!
//! Skins and themes belong to the platform, not to a tenant. A user's preferences are
//! read and written with the user's tenant bound, like every other user's data.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::db::with_db;
use crate::{Db, Result, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Skin {
    pub skin_id: Uuid,
    pub skin_name: String,
    pub skin_type: String,
    pub css_variables: Json<Value>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Theme {
    pub theme_id: Uuid,
    pub theme_name: String,
    pub base_skin_id: Option<Uuid>,
    pub color_scheme: Json<Value>,
    pub typography: Json<Value>,
    pub spacing: Json<Value>,
    pub created_at: DateTime<Utc>,
}

/// A user's choice. `None` skin and theme: the console follows the system's
/// light/dark preference.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UiPreferences {
    pub skin_id: Option<Uuid>,
    pub theme_id: Option<Uuid>,
    pub layout_config: Json<Value>,
    pub shortcuts: Json<Value>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl UiPreferences {
    /// What a user who never chose anything has.
    pub fn unset() -> UiPreferences {
        UiPreferences {
            skin_id: None,
            theme_id: None,
            layout_config: Json(Value::Object(Default::default())),
            shortcuts: Json(Value::Object(Default::default())),
            updated_at: None,
        }
    }
}

const SKIN_COLUMNS: &str = "skin_id, skin_name, skin_type, css_variables, created_at";
const THEME_COLUMNS: &str =
    "theme_id, theme_name, base_skin_id, color_scheme, typography, spacing, created_at";
const PREFERENCE_COLUMNS: &str = "skin_id, theme_id, layout_config, shortcuts, updated_at";

impl Db {
    /// The active skins, by name.
    pub async fn ui_skins(&self) -> Result<Vec<Skin>> {
        let sql = format!("SELECT {SKIN_COLUMNS} FROM ui_skins WHERE is_active ORDER BY skin_name");
        with_db!(self, |pool| Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?))
    }

    /// The active themes, by name.
    pub async fn ui_themes(&self) -> Result<Vec<Theme>> {
        let sql =
            format!("SELECT {THEME_COLUMNS} FROM ui_themes WHERE is_active ORDER BY theme_name");
        with_db!(self, |pool| Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?))
    }

    /// The user's preferences ([`UiPreferences::unset`] if they never chose), or
    /// `NotFound` when the user is not one of the tenant's.
    pub async fn ui_preferences(&self, tenant_id: Uuid, user_id: Uuid) -> Result<UiPreferences> {
        let sql = format!(
            "SELECT {PREFERENCE_COLUMNS} FROM user_ui_preferences \
             WHERE user_id = (SELECT user_id FROM users WHERE user_id = $1 AND tenant_id = $2)"
        );
        with_db!(self, |pool| {
            let found: Option<UiPreferences> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(user_id)
                .bind(tenant_id)
                .fetch_optional(pool)
                .await?;
            if let Some(found) = found {
                return Ok(found);
            }
            let known: Option<i32> =
                sqlx::query_scalar("SELECT 1 FROM users WHERE user_id = $1 AND tenant_id = $2")
                    .bind(user_id)
                    .bind(tenant_id)
                    .fetch_optional(pool)
                    .await?;
            known
                .map(|_| UiPreferences::unset())
                .ok_or(StoreError::NotFound)
        })
    }

    /// Replaces the user's preferences. The skin and theme must exist (the caller
    /// checks they are active); `NotFound` when the user is not one of the tenant's.
    pub async fn set_ui_preferences(
        &self,
        tenant_id: Uuid,
        user_id: Uuid,
        preferences: &UiPreferences,
    ) -> Result<UiPreferences> {
        let now = Utc::now();
        // The INSERT's SELECT binds the tenant: a user of another tenant inserts nothing.
        let sql = format!(
            "INSERT INTO user_ui_preferences (preference_id, user_id, skin_id, theme_id, \
             layout_config, shortcuts, created_at, updated_at) \
             SELECT $1, u.user_id, $3, $4, $5, $6, $7, $7 FROM users u \
             WHERE u.user_id = $2 AND u.tenant_id = $8 \
             ON CONFLICT (user_id) DO UPDATE SET skin_id = $3, theme_id = $4, \
             layout_config = $5, shortcuts = $6, updated_at = $7 \
             RETURNING {PREFERENCE_COLUMNS}"
        );
        with_db!(self, |pool| {
            let saved: Option<UiPreferences> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(Uuid::now_v7())
                .bind(user_id)
                .bind(preferences.skin_id)
                .bind(preferences.theme_id)
                .bind(&preferences.layout_config)
                .bind(&preferences.shortcuts)
                .bind(now)
                .bind(tenant_id)
                .fetch_optional(pool)
                .await?;
            saved.ok_or(StoreError::NotFound)
        })
    }
}
