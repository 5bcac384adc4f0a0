-- The registry's index: one row per published package version. The component bytes
-- live in the content-addressed blob store (by digest), not in the database.
CREATE TABLE packages (
    package_name TEXT NOT NULL,
    version TEXT NOT NULL,
    digest TEXT NOT NULL,
    host_api TEXT NOT NULL,
    size BIGINT NOT NULL,
    manifest JSONB NOT NULL,
    -- ed25519 public key (hex) that signed it; NULL only for packages accepted in
    -- development mode.
    publisher_key TEXT,
    published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    yanked BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (package_name, version)
);
CREATE INDEX idx_packages_digest ON packages(digest);
GRANT SELECT, INSERT, UPDATE, DELETE ON packages TO eoex_app;
