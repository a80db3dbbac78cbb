-- Roles created through the admin API (internal/rbac): the role as JSON,
-- validated by the rbac service before it is stored. Configured and
-- built-in roles are never stored.
CREATE TABLE rbac_roles (
    name       TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
