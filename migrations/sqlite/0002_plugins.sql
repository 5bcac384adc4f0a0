-- Plugin runtime support: the version each tenant runs, per-tenant feature switches,
-- the entity schemas the host created from manifests, per-tenant sequences and the
-- event outbox.

ALTER TABLE tenant_modules ADD COLUMN version_requirement TEXT NOT NULL DEFAULT '*';
-- The version the tenant runs now (resolved from the requirement when it was set).
ALTER TABLE tenant_modules ADD COLUMN active_version TEXT;
ALTER TABLE tenant_modules ADD COLUMN updated_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00.000Z';
CREATE TRIGGER tenant_modules_set_updated_at AFTER UPDATE ON tenant_modules
    FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE tenant_modules SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE tenant_module_id = NEW.tenant_module_id;
END;

CREATE TABLE tenant_features (
    tenant_id BLOB NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    feature_id BLOB NOT NULL REFERENCES features(feature_id) ON DELETE CASCADE,
    is_enabled BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (tenant_id, feature_id)
);

-- One row per plugin entity table: the definition it was last migrated to.
CREATE TABLE entity_schemas (
    module_name TEXT NOT NULL,
    entity_name TEXT NOT NULL,
    table_name TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (module_name, entity_name)
);

CREATE TABLE plugin_sequences (
    tenant_id BLOB NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    module_name TEXT NOT NULL,
    sequence_name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, module_name, sequence_name)
);

-- Events are written in the publishing request's transaction and delivered after it
-- commits; undelivered rows survive a crash.
CREATE TABLE plugin_events (
    event_id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,
    module_name TEXT NOT NULL,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    delivered_at TEXT
);
CREATE INDEX idx_plugin_events_pending ON plugin_events(created_at) WHERE delivered_at IS NULL;
