-- EOEX core schema (SQLite). Mirrors migrations/postgres/0001_core.sql.
-- Type mapping: UUID -> BLOB (sqlx encodes uuid::Uuid as 16 bytes, ids are
-- supplied by the application), TIMESTAMPTZ -> TEXT (RFC 3339, UTC),
-- JSONB -> TEXT, INET -> TEXT, VARCHAR -> TEXT.
-- Not STRICT on purpose (BOOLEAN/declared types are used by sqlx).
-- Foreign keys require PRAGMA foreign_keys = ON, which the application sets.
-- Module tables (crm_*, erp_*, studio_*, support_*) are intentionally absent.

-- =============================================
-- CORE TABLES - Multi-tenancy Foundation
-- =============================================

CREATE TABLE tenants (
    tenant_id BLOB PRIMARY KEY NOT NULL,
    tenant_name TEXT NOT NULL UNIQUE CHECK (length(tenant_name) <= 255),
    tenant_domain TEXT NOT NULL UNIQUE CHECK (length(tenant_domain) <= 255),
    tier TEXT NOT NULL DEFAULT 'standard',
    -- CHECK added (not in seed).
    status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'suspended', 'deleted')),
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE users (
    user_id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    username TEXT NOT NULL CHECK (length(username) <= 100),
    email TEXT NOT NULL UNIQUE CHECK (length(email) <= 255),
    password_hash TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    phone TEXT,
    user_tier TEXT NOT NULL DEFAULT 'user',
    -- CHECK added (not in seed).
    role TEXT NOT NULL DEFAULT 'user'
        CHECK (role IN ('owner', 'admin', 'user', 'readonly')),
    is_active BOOLEAN NOT NULL DEFAULT 1,
    last_login TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT unique_tenant_username UNIQUE (tenant_id, username)
);

CREATE INDEX idx_users_tenant ON users(tenant_id);
CREATE INDEX idx_users_email ON users(email);

-- =============================================
-- MODULAR SYSTEM TABLES
-- =============================================

CREATE TABLE modules (
    module_id BLOB PRIMARY KEY NOT NULL,
    module_name TEXT NOT NULL UNIQUE,
    module_version TEXT NOT NULL,
    description TEXT,
    category TEXT,
    is_pluggable BOOLEAN NOT NULL DEFAULT 1,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE components (
    component_id BLOB PRIMARY KEY NOT NULL,
    module_id BLOB REFERENCES modules(module_id) ON DELETE CASCADE,
    component_name TEXT NOT NULL,
    component_type TEXT NOT NULL,
    description TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    version TEXT NOT NULL DEFAULT '1.0.0',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT unique_module_component UNIQUE (module_id, component_name)
);

CREATE INDEX idx_components_module ON components(module_id);

CREATE TABLE features (
    feature_id BLOB PRIMARY KEY NOT NULL,
    component_id BLOB REFERENCES components(component_id) ON DELETE CASCADE,
    feature_name TEXT NOT NULL,
    feature_key TEXT NOT NULL UNIQUE,
    description TEXT,
    is_single_feature BOOLEAN NOT NULL DEFAULT 1,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX idx_features_component ON features(component_id);

-- =============================================
-- TENANT MODULE CONFIGURATION
-- =============================================

CREATE TABLE tenant_modules (
    tenant_module_id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    module_id BLOB NOT NULL REFERENCES modules(module_id) ON DELETE CASCADE,
    is_enabled BOOLEAN NOT NULL DEFAULT 1,
    configuration TEXT NOT NULL DEFAULT '{}',
    activated_at TEXT,
    deactivated_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (tenant_id, module_id)
);

CREATE INDEX idx_tenant_modules_tenant ON tenant_modules(tenant_id);

-- =============================================
-- UI/UX CONFIGURATION TABLES
-- =============================================

CREATE TABLE ui_skins (
    skin_id BLOB PRIMARY KEY NOT NULL,
    skin_name TEXT NOT NULL UNIQUE,
    skin_type TEXT NOT NULL,
    css_variables TEXT NOT NULL DEFAULT '{}',
    is_active BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE ui_themes (
    theme_id BLOB PRIMARY KEY NOT NULL,
    theme_name TEXT NOT NULL UNIQUE,
    base_skin_id BLOB REFERENCES ui_skins(skin_id),
    color_scheme TEXT NOT NULL DEFAULT '{}',
    typography TEXT NOT NULL DEFAULT '{}',
    spacing TEXT NOT NULL DEFAULT '{}',
    is_active BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE user_ui_preferences (
    preference_id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    theme_id BLOB REFERENCES ui_themes(theme_id),
    skin_id BLOB REFERENCES ui_skins(skin_id),
    layout_config TEXT NOT NULL DEFAULT '{}',
    shortcuts TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (user_id)
);

-- =============================================
-- API & INTEGRATION TABLES
-- =============================================

CREATE TABLE api_integrations (
    integration_id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    integration_name TEXT NOT NULL,
    service_type TEXT NOT NULL,
    api_key TEXT,
    api_secret TEXT,
    base_url TEXT,
    configuration TEXT NOT NULL DEFAULT '{}',
    is_active BOOLEAN NOT NULL DEFAULT 1,
    last_sync TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE api_logs (
    log_id BLOB PRIMARY KEY NOT NULL,
    -- Deviation: ON DELETE SET NULL so logs survive removal of an integration.
    integration_id BLOB REFERENCES api_integrations(integration_id) ON DELETE SET NULL,
    endpoint TEXT NOT NULL,
    method TEXT NOT NULL,
    status_code INTEGER,
    request_body TEXT,
    response_body TEXT,
    duration_ms INTEGER,
    error_message TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX idx_api_logs_created_at ON api_logs(created_at);

-- =============================================
-- AUDIT & LOGGING TABLES
-- =============================================

CREATE TABLE audit_logs (
    audit_id BLOB PRIMARY KEY NOT NULL,
    -- Deviation: ON DELETE SET NULL so audit rows outlive deleted tenants/users.
    tenant_id BLOB REFERENCES tenants(tenant_id) ON DELETE SET NULL,
    user_id BLOB REFERENCES users(user_id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id BLOB,
    old_values TEXT,
    new_values TEXT,
    ip_address TEXT,
    user_agent TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX idx_audit_logs_created_at ON audit_logs(created_at);
CREATE INDEX idx_audit_logs_user ON audit_logs(user_id);
-- Not in seed: per-tenant audit listing ordered by time.
CREATE INDEX idx_audit_logs_tenant_created ON audit_logs(tenant_id, created_at);

CREATE TABLE system_logs (
    log_id BLOB PRIMARY KEY NOT NULL,
    -- CHECK added (not in seed).
    log_level TEXT NOT NULL
        CHECK (log_level IN ('trace', 'debug', 'info', 'warn', 'error')),
    module TEXT,
    message TEXT NOT NULL,
    details TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX idx_system_logs_created_at ON system_logs(created_at);

-- =============================================
-- DATA ARCHIVING & SCHEDULING
-- =============================================

CREATE TABLE archive_schedules (
    schedule_id BLOB PRIMARY KEY NOT NULL,
    schedule_name TEXT NOT NULL UNIQUE,
    table_name TEXT NOT NULL,
    archive_condition TEXT,
    retention_days INTEGER NOT NULL,
    schedule_cron TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    last_run TEXT,
    next_run TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE archived_data (
    archive_id BLOB PRIMARY KEY NOT NULL,
    original_table TEXT NOT NULL,
    original_id BLOB NOT NULL,
    data TEXT NOT NULL,
    archived_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    delete_after TEXT
);

CREATE TABLE scheduled_jobs (
    job_id BLOB PRIMARY KEY NOT NULL,
    job_name TEXT NOT NULL,
    job_type TEXT NOT NULL,
    schedule_cron TEXT NOT NULL,
    last_run TEXT,
    next_run TEXT,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    parameters TEXT NOT NULL DEFAULT '{}',
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- =============================================
-- HOST TABLES (not in seed)
-- =============================================

-- Rotating refresh tokens; a family is revoked as a whole on reuse detection.
-- Only a hash of the token is stored.
CREATE TABLE refresh_tokens (
    token_id BLOB PRIMARY KEY NOT NULL,
    family_id BLOB NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    tenant_id BLOB NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX idx_refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX idx_refresh_tokens_user ON refresh_tokens(user_id);

-- Fixed-window rate limiter state, one row per bucket.
CREATE TABLE rate_limit_hits (
    bucket_key TEXT PRIMARY KEY NOT NULL,
    window_start TEXT NOT NULL,
    hits INTEGER NOT NULL
);

-- =============================================
-- updated_at TRIGGERS
-- =============================================
-- SQLite cannot modify NEW in a BEFORE trigger, so an AFTER trigger re-updates
-- the row. The WHEN guard stops recursion and keeps an explicitly set updated_at.

CREATE TRIGGER trg_tenants_updated_at
AFTER UPDATE ON tenants
FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE tenants SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE tenant_id = NEW.tenant_id;
END;

CREATE TRIGGER trg_users_updated_at
AFTER UPDATE ON users
FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE users SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE user_id = NEW.user_id;
END;

CREATE TRIGGER trg_user_ui_preferences_updated_at
AFTER UPDATE ON user_ui_preferences
FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE user_ui_preferences SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE preference_id = NEW.preference_id;
END;

CREATE TRIGGER trg_api_integrations_updated_at
AFTER UPDATE ON api_integrations
FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE api_integrations SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE integration_id = NEW.integration_id;
END;

-- =============================================
-- INITIAL DATA SEEDING (ids from randomblob(16))
-- =============================================

INSERT INTO modules (module_id, module_name, module_version, description, category, is_pluggable) VALUES
(randomblob(16), 'crm', '1.0.0', 'Customer Relationship Management', 'business', 1),
(randomblob(16), 'erp', '1.0.0', 'Enterprise Resource Planning', 'business', 1),
(randomblob(16), 'studio', '1.0.0', 'Marketing Studio', 'marketing', 1),
(randomblob(16), 'support', '1.0.0', 'Client Support System', 'support', 1);

INSERT INTO ui_skins (skin_id, skin_name, skin_type, css_variables) VALUES
(randomblob(16), 'light', 'standard', '{"--primary-color": "#3498db", "--bg-color": "#ffffff", "--text-color": "#333333"}'),
(randomblob(16), 'dark', 'standard', '{"--primary-color": "#3498db", "--bg-color": "#1a1a1a", "--text-color": "#ffffff"}'),
(randomblob(16), 'modern', 'premium', '{"--primary-color": "#9b59b6", "--bg-color": "#f8f9fa", "--text-color": "#2c3e50"}');

INSERT INTO ui_themes (theme_id, theme_name, base_skin_id, color_scheme)
SELECT
    randomblob(16),
    'Default Light',
    skin_id,
    '{"primary": "#3498db", "secondary": "#2ecc71", "success": "#27ae60", "danger": "#e74c3c"}'
FROM ui_skins WHERE skin_name = 'light';

-- archive_condition is stored verbatim from the seed (PostgreSQL syntax).
INSERT INTO archive_schedules (
    schedule_id,
    schedule_name,
    table_name,
    archive_condition,
    retention_days,
    schedule_cron,
    is_active
) VALUES (
    randomblob(16),
    'audit_logs_monthly',
    'audit_logs',
    'created_at < CURRENT_DATE - INTERVAL ''90 days''',
    365,
    '0 2 1 * *', -- 2 AM on 1st day of month
    1
);
