-- EOEX core schema (PostgreSQL).
-- Source: customer design doc, core tables only. Module tables (crm_*, erp_*,
-- studio_*, support_*) and roles/grants/RLS are intentionally not part of this file.
-- Deviation from the seed throughout: every boolean and every column with a
-- default is NOT NULL, so the Rust structs can use non-Option types.

-- =============================================
-- updated_at maintenance
-- =============================================

CREATE OR REPLACE FUNCTION set_updated_at()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- =============================================
-- CORE TABLES - Multi-tenancy Foundation
-- =============================================

CREATE TABLE tenants (
    tenant_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_name VARCHAR(255) NOT NULL UNIQUE,
    tenant_domain VARCHAR(255) NOT NULL UNIQUE,
    tier VARCHAR(50) NOT NULL DEFAULT 'standard',
    -- CHECK added (not in seed).
    status VARCHAR(20) NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'suspended', 'deleted')),
    metadata JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    user_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    username VARCHAR(100) NOT NULL,
    email VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    phone VARCHAR(50),
    user_tier VARCHAR(50) NOT NULL DEFAULT 'user',
    -- CHECK added (not in seed).
    role VARCHAR(50) NOT NULL DEFAULT 'user'
        CHECK (role IN ('owner', 'admin', 'user', 'readonly')),
    is_active BOOLEAN NOT NULL DEFAULT true,
    last_login TIMESTAMPTZ,
    metadata JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_tenant_username UNIQUE (tenant_id, username)
);

CREATE INDEX idx_users_tenant ON users(tenant_id);
CREATE INDEX idx_users_email ON users(email);

-- =============================================
-- MODULAR SYSTEM TABLES
-- =============================================

CREATE TABLE modules (
    module_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    module_name VARCHAR(100) NOT NULL UNIQUE,
    module_version VARCHAR(20) NOT NULL,
    description TEXT,
    category VARCHAR(50),
    is_pluggable BOOLEAN NOT NULL DEFAULT true,
    is_active BOOLEAN NOT NULL DEFAULT true,
    metadata JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE components (
    component_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    module_id UUID REFERENCES modules(module_id) ON DELETE CASCADE,
    component_name VARCHAR(100) NOT NULL,
    component_type VARCHAR(50) NOT NULL,
    description TEXT,
    metadata JSONB NOT NULL DEFAULT '{}',
    version VARCHAR(20) NOT NULL DEFAULT '1.0.0',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_module_component UNIQUE (module_id, component_name)
);

CREATE INDEX idx_components_module ON components(module_id);

CREATE TABLE features (
    feature_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    component_id UUID REFERENCES components(component_id) ON DELETE CASCADE,
    feature_name VARCHAR(100) NOT NULL,
    feature_key VARCHAR(100) NOT NULL UNIQUE,
    description TEXT,
    is_single_feature BOOLEAN NOT NULL DEFAULT true,
    metadata JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX idx_features_component ON features(component_id);

-- =============================================
-- TENANT MODULE CONFIGURATION
-- =============================================

CREATE TABLE tenant_modules (
    tenant_module_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    module_id UUID NOT NULL REFERENCES modules(module_id) ON DELETE CASCADE,
    is_enabled BOOLEAN NOT NULL DEFAULT true,
    configuration JSONB NOT NULL DEFAULT '{}',
    activated_at TIMESTAMPTZ,
    deactivated_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, module_id)
);

CREATE INDEX idx_tenant_modules_tenant ON tenant_modules(tenant_id);

-- =============================================
-- UI/UX CONFIGURATION TABLES
-- =============================================

CREATE TABLE ui_skins (
    skin_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    skin_name VARCHAR(100) NOT NULL UNIQUE,
    skin_type VARCHAR(50) NOT NULL,
    css_variables JSONB NOT NULL DEFAULT '{}',
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE ui_themes (
    theme_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    theme_name VARCHAR(100) NOT NULL UNIQUE,
    base_skin_id UUID REFERENCES ui_skins(skin_id),
    color_scheme JSONB NOT NULL DEFAULT '{}',
    typography JSONB NOT NULL DEFAULT '{}',
    spacing JSONB NOT NULL DEFAULT '{}',
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE user_ui_preferences (
    preference_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    theme_id UUID REFERENCES ui_themes(theme_id),
    skin_id UUID REFERENCES ui_skins(skin_id),
    layout_config JSONB NOT NULL DEFAULT '{}',
    shortcuts JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (user_id)
);

-- =============================================
-- API & INTEGRATION TABLES
-- =============================================

CREATE TABLE api_integrations (
    integration_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    integration_name VARCHAR(100) NOT NULL,
    service_type VARCHAR(50) NOT NULL,
    api_key VARCHAR(255),
    api_secret TEXT,
    base_url VARCHAR(255),
    configuration JSONB NOT NULL DEFAULT '{}',
    is_active BOOLEAN NOT NULL DEFAULT true,
    last_sync TIMESTAMPTZ,
    metadata JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_logs (
    log_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Deviation: ON DELETE SET NULL so logs survive removal of an integration.
    integration_id UUID REFERENCES api_integrations(integration_id) ON DELETE SET NULL,
    endpoint VARCHAR(255) NOT NULL,
    method VARCHAR(10) NOT NULL,
    status_code INTEGER,
    request_body TEXT,
    response_body TEXT,
    duration_ms INTEGER,
    error_message TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX idx_api_logs_created_at ON api_logs(created_at);

-- =============================================
-- AUDIT & LOGGING TABLES
-- =============================================

CREATE TABLE audit_logs (
    audit_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Deviation: ON DELETE SET NULL so audit rows outlive deleted tenants/users.
    tenant_id UUID REFERENCES tenants(tenant_id) ON DELETE SET NULL,
    user_id UUID REFERENCES users(user_id) ON DELETE SET NULL,
    action VARCHAR(100) NOT NULL,
    entity_type VARCHAR(50) NOT NULL,
    entity_id UUID,
    old_values JSONB,
    new_values JSONB,
    ip_address INET,
    user_agent TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX idx_audit_logs_created_at ON audit_logs(created_at);
CREATE INDEX idx_audit_logs_user ON audit_logs(user_id);
-- Not in seed: per-tenant audit listing ordered by time.
CREATE INDEX idx_audit_logs_tenant_created ON audit_logs(tenant_id, created_at);

CREATE TABLE system_logs (
    log_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- CHECK added (not in seed).
    log_level VARCHAR(20) NOT NULL
        CHECK (log_level IN ('trace', 'debug', 'info', 'warn', 'error')),
    module VARCHAR(100),
    message TEXT NOT NULL,
    details JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX idx_system_logs_created_at ON system_logs(created_at);

-- =============================================
-- DATA ARCHIVING & SCHEDULING
-- =============================================

CREATE TABLE archive_schedules (
    schedule_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    schedule_name VARCHAR(100) NOT NULL UNIQUE,
    table_name VARCHAR(100) NOT NULL,
    archive_condition TEXT,
    retention_days INTEGER NOT NULL,
    schedule_cron VARCHAR(50) NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT true,
    last_run TIMESTAMPTZ,
    next_run TIMESTAMPTZ,
    metadata JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE archived_data (
    archive_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    original_table VARCHAR(100) NOT NULL,
    original_id UUID NOT NULL,
    data JSONB NOT NULL,
    archived_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    delete_after TIMESTAMPTZ
);

CREATE TABLE scheduled_jobs (
    job_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    job_name VARCHAR(100) NOT NULL,
    job_type VARCHAR(50) NOT NULL,
    schedule_cron VARCHAR(50) NOT NULL,
    last_run TIMESTAMPTZ,
    next_run TIMESTAMPTZ,
    is_active BOOLEAN NOT NULL DEFAULT true,
    parameters JSONB NOT NULL DEFAULT '{}',
    metadata JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- =============================================
-- HOST TABLES (not in seed)
-- =============================================

-- Rotating refresh tokens; a family is revoked as a whole on reuse detection.
-- Only a hash of the token is stored.
CREATE TABLE refresh_tokens (
    token_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    family_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    tenant_id UUID NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX idx_refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX idx_refresh_tokens_user ON refresh_tokens(user_id);

-- Fixed-window rate limiter state, one row per bucket.
CREATE TABLE rate_limit_hits (
    bucket_key TEXT PRIMARY KEY NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    hits INTEGER NOT NULL
);

-- =============================================
-- updated_at TRIGGERS
-- =============================================

CREATE TRIGGER trg_tenants_updated_at
    BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TRIGGER trg_users_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TRIGGER trg_user_ui_preferences_updated_at
    BEFORE UPDATE ON user_ui_preferences
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TRIGGER trg_api_integrations_updated_at
    BEFORE UPDATE ON api_integrations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- =============================================
-- INITIAL DATA SEEDING
-- =============================================

INSERT INTO modules (module_id, module_name, module_version, description, category, is_pluggable) VALUES
(gen_random_uuid(), 'crm', '1.0.0', 'Customer Relationship Management', 'business', true),
(gen_random_uuid(), 'erp', '1.0.0', 'Enterprise Resource Planning', 'business', true),
(gen_random_uuid(), 'studio', '1.0.0', 'Marketing Studio', 'marketing', true),
(gen_random_uuid(), 'support', '1.0.0', 'Client Support System', 'support', true);

INSERT INTO ui_skins (skin_id, skin_name, skin_type, css_variables) VALUES
(gen_random_uuid(), 'light', 'standard', '{"--primary-color": "#3498db", "--bg-color": "#ffffff", "--text-color": "#333333"}'),
(gen_random_uuid(), 'dark', 'standard', '{"--primary-color": "#3498db", "--bg-color": "#1a1a1a", "--text-color": "#ffffff"}'),
(gen_random_uuid(), 'modern', 'premium', '{"--primary-color": "#9b59b6", "--bg-color": "#f8f9fa", "--text-color": "#2c3e50"}');

INSERT INTO ui_themes (theme_id, theme_name, base_skin_id, color_scheme)
SELECT
    gen_random_uuid(),
    'Default Light',
    skin_id,
    '{"primary": "#3498db", "secondary": "#2ecc71", "success": "#27ae60", "danger": "#e74c3c"}'
FROM ui_skins WHERE skin_name = 'light';

INSERT INTO archive_schedules (
    schedule_id,
    schedule_name,
    table_name,
    archive_condition,
    retention_days,
    schedule_cron,
    is_active
) VALUES (
    gen_random_uuid(),
    'audit_logs_monthly',
    'audit_logs',
    'created_at < CURRENT_DATE - INTERVAL ''90 days''',
    365,
    '0 2 1 * *', -- 2 AM on 1st day of month
    true
);
