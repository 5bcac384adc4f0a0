-- The registry's index: one row per published package version. The component bytes
-- live in the content-addressed blob store (by digest), not in the database.
CREATE TABLE packages (
    package_name TEXT NOT NULL,
    version TEXT NOT NULL,
    digest TEXT NOT NULL,
    host_api TEXT NOT NULL,
    size INTEGER NOT NULL,
    manifest TEXT NOT NULL,
    -- ed25519 public key (hex) that signed it; NULL only for packages accepted in
    -- development mode.
    publisher_key TEXT,
    published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    yanked BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (package_name, version)
);
CREATE INDEX idx_packages_digest ON packages(digest);
