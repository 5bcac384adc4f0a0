-- The daily dashboard (host/store/src/dashboard.rs) counts a tenant's creations per
-- day from the audit log. With the action before the timestamp, each kind of creation
-- it counts is one range of this index, and the index alone answers the query (the
-- existing (tenant_id, created_at) index would read every audit row of the window
-- from the table to check its action).
CREATE INDEX idx_audit_logs_tenant_action_created ON audit_logs(tenant_id, action, created_at);
