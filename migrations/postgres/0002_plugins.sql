-- Plugin runtime support: the version each tenant runs, per-tenant feature switches,
-- the entity schemas the host created from manifests, per-tenant sequences and the
-- event outbox. Plus the unprivileged role the server works as.

ALTER TABLE tenant_modules ADD COLUMN version_requirement TEXT NOT NULL DEFAULT '*';
-- The version the tenant runs now (resolved from the requirement when it was set).
ALTER TABLE tenant_modules ADD COLUMN active_version TEXT;
ALTER TABLE tenant_modules ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now();
CREATE TRIGGER tenant_modules_set_updated_at BEFORE UPDATE ON tenant_modules
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE tenant_features (
    tenant_id UUID NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    feature_id UUID NOT NULL REFERENCES features(feature_id) ON DELETE CASCADE,
    is_enabled BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, feature_id)
);

-- One row per plugin entity table: the definition it was last migrated to.
CREATE TABLE entity_schemas (
    module_name TEXT NOT NULL,
    entity_name TEXT NOT NULL,
    table_name TEXT NOT NULL UNIQUE,
    definition JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (module_name, entity_name)
);

CREATE TABLE plugin_sequences (
    tenant_id UUID NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    module_name TEXT NOT NULL,
    sequence_name TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, module_name, sequence_name)
);

-- Events are written in the publishing request's transaction and delivered after it
-- commits; undelivered rows survive a crash.
CREATE TABLE plugin_events (
    event_id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    module_name TEXT NOT NULL,
    topic TEXT NOT NULL,
    payload JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at TIMESTAMPTZ
);
CREATE INDEX idx_plugin_events_pending ON plugin_events(created_at) WHERE delivered_at IS NULL;

-- The server runs its queries as eoex_app: no login, no BYPASSRLS, not the owner of
-- any table, so row-level security on plugin tables applies to it. Migrations and the
-- DDL for plugin tables run as the connecting (owner) role.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eoex_app') THEN
        CREATE ROLE eoex_app NOLOGIN NOBYPASSRLS;
    END IF;
END
$$;
GRANT eoex_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO eoex_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO eoex_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO eoex_app;
