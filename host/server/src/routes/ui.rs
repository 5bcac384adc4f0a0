//! `/api/v1/ui/skins`, `/api/v1/ui/themes` and `/api/v1/me/preferences`: the web
//! console's skins and themes, and each user's choice among them.

use axum::extract::State;
use eoex_store::ui::{Skin, Theme, UiPreferences};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::nullable;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;

/// The largest `layout_config` or `shortcuts` object kept, serialised.
const MAX_SETTINGS_BYTES: usize = 8 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_skins))
        .routes(routes!(list_themes))
        .routes(routes!(get_preferences, put_preferences))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkinView {
    skin_id: Uuid,
    /// `light`, `dark`, `modern`…
    skin_name: String,
    skin_type: String,
    /// CSS custom properties (`--bg-color`…) the console sets when this skin is chosen.
    #[schema(value_type = Object)]
    css_variables: serde_json::Value,
    created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ThemeView {
    theme_id: Uuid,
    theme_name: String,
    /// The skin this theme colours.
    base_skin_id: Option<Uuid>,
    /// `primary`, `secondary`, `success`, `danger` colours over the base skin.
    #[schema(value_type = Object)]
    color_scheme: serde_json::Value,
    #[schema(value_type = Object)]
    typography: serde_json::Value,
    #[schema(value_type = Object)]
    spacing: serde_json::Value,
    created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkinList {
    items: Vec<SkinView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ThemeList {
    items: Vec<ThemeView>,
}

/// The caller's choice. `skin_id` and `theme_id` are null until chosen: the console then
/// follows the system's light or dark preference.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreferencesView {
    skin_id: Option<Uuid>,
    skin_name: Option<String>,
    theme_id: Option<Uuid>,
    theme_name: Option<String>,
    #[schema(value_type = Object)]
    layout_config: serde_json::Value,
    #[schema(value_type = Object)]
    shortcuts: serde_json::Value,
    /// When the caller last chose; null if never.
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The active skins of the console.
#[utoipa::path(get, path = "/api/v1/ui/skins", tag = "ui", security(("bearer" = [])),
    responses((status = 200, body = SkinList), (status = 401, body = ErrorBody)))]
async fn list_skins(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<SkinList>> {
    let items = state
        .db
        .ui_skins()
        .await?
        .into_iter()
        .map(skin_view)
        .collect();
    Ok(Json(SkinList { items }))
}

/// The active themes of the console.
#[utoipa::path(get, path = "/api/v1/ui/themes", tag = "ui", security(("bearer" = [])),
    responses((status = 200, body = ThemeList), (status = 401, body = ErrorBody)))]
async fn list_themes(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<ThemeList>> {
    let items = state
        .db
        .ui_themes()
        .await?
        .into_iter()
        .map(theme_view)
        .collect();
    Ok(Json(ThemeList { items }))
}

/// The caller's skin, theme and console settings.
#[utoipa::path(get, path = "/api/v1/me/preferences", tag = "ui", security(("bearer" = [])),
    responses((status = 200, body = PreferencesView), (status = 401, body = ErrorBody)))]
async fn get_preferences(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<PreferencesView>> {
    let preferences = state
        .db
        .ui_preferences(caller.tenant_id(), caller.user_id())
        .await?;
    preferences_view(&state, preferences).await.map(Json)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesRequest {
    /// An active skin; null to follow the system again. Left out: unchanged.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    skin_id: Option<Option<Uuid>>,
    /// An active theme; null for none. Left out: unchanged.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    theme_id: Option<Option<Uuid>>,
    /// Replaces the console's layout settings (at most 8 KiB). Left out: unchanged.
    layout_config: Option<serde_json::Map<String, serde_json::Value>>,
    /// Replaces the keyboard shortcuts (at most 8 KiB). Left out: unchanged.
    shortcuts: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Choose the caller's skin, theme or console settings. Any role may: it changes
/// nothing but the caller's own console.
#[utoipa::path(put, path = "/api/v1/me/preferences", tag = "ui", security(("bearer" = [])), request_body = PreferencesRequest,
    responses((status = 200, body = PreferencesView), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_preferences(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PreferencesRequest>,
) -> ApiResult<Json<PreferencesView>> {
    let (tenant, user) = (caller.tenant_id(), caller.user_id());
    let mut preferences = state.db.ui_preferences(tenant, user).await?;
    if let Some(skin_id) = req.skin_id {
        if let Some(id) = skin_id
            && !state.db.ui_skins().await?.iter().any(|s| s.skin_id == id)
        {
            return Err(ApiError::validation("skin_id", "no such skin"));
        }
        preferences.skin_id = skin_id;
    }
    if let Some(theme_id) = req.theme_id {
        if let Some(id) = theme_id
            && !state.db.ui_themes().await?.iter().any(|t| t.theme_id == id)
        {
            return Err(ApiError::validation("theme_id", "no such theme"));
        }
        preferences.theme_id = theme_id;
    }
    if let Some(layout) = req.layout_config {
        preferences.layout_config = eoex_store::Json(settings("layout_config", layout)?);
    }
    if let Some(shortcuts) = req.shortcuts {
        preferences.shortcuts = eoex_store::Json(settings("shortcuts", shortcuts)?);
    }
    let saved = state
        .db
        .set_ui_preferences(tenant, user, &preferences)
        .await?;
    preferences_view(&state, saved).await.map(Json)
}

fn settings(
    field: &str,
    value: serde_json::Map<String, serde_json::Value>,
) -> ApiResult<serde_json::Value> {
    let value = serde_json::Value::Object(value);
    if value.to_string().len() > MAX_SETTINGS_BYTES {
        return Err(ApiError::validation(
            field,
            format!("must be at most {MAX_SETTINGS_BYTES} bytes of JSON"),
        ));
    }
    Ok(value)
}

async fn preferences_view(state: &AppState, p: UiPreferences) -> ApiResult<PreferencesView> {
    let skin_name = match p.skin_id {
        Some(id) => state
            .db
            .ui_skins()
            .await?
            .into_iter()
            .find(|s| s.skin_id == id)
            .map(|s| s.skin_name),
        None => None,
    };
    let theme_name = match p.theme_id {
        Some(id) => state
            .db
            .ui_themes()
            .await?
            .into_iter()
            .find(|t| t.theme_id == id)
            .map(|t| t.theme_name),
        None => None,
    };
    Ok(PreferencesView {
        skin_id: p.skin_id,
        skin_name,
        theme_id: p.theme_id,
        theme_name,
        layout_config: p.layout_config.0,
        shortcuts: p.shortcuts.0,
        updated_at: p.updated_at,
    })
}

fn skin_view(s: Skin) -> SkinView {
    SkinView {
        skin_id: s.skin_id,
        skin_name: s.skin_name,
        skin_type: s.skin_type,
        css_variables: s.css_variables.0,
        created_at: s.created_at,
    }
}

fn theme_view(t: Theme) -> ThemeView {
    ThemeView {
        theme_id: t.theme_id,
        theme_name: t.theme_name,
        base_skin_id: t.base_skin_id,
        color_scheme: t.color_scheme.0,
        typography: t.typography.0,
        spacing: t.spacing.0,
        created_at: t.created_at,
    }
}
