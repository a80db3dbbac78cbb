package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bulwark-security/bulwark/internal/rbac"
	"github.com/bulwark-security/bulwark/internal/store"
)

var _ rbac.Store = (*DB)(nil)

// Roles implements rbac.Store.
func (s *DB) Roles(ctx context.Context) ([]rbac.Role, error) {
	rows, err := s.query(ctx, `SELECT name, definition FROM rbac_roles ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rbac.Role
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, err
		}
		var r rbac.Role
		if err := json.Unmarshal([]byte(def), &r); err != nil {
			return nil, fmt.Errorf("role %q: stored definition: %w", name, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutRole implements rbac.Store.
func (s *DB) PutRole(ctx context.Context, r rbac.Role) error {
	def, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO rbac_roles (name, definition, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
		r.Name, string(def), ms(time.Now()))
	return err
}

// DeleteRole implements rbac.Store.
func (s *DB) DeleteRole(ctx context.Context, name string) error {
	res, err := s.exec(ctx, `DELETE FROM rbac_roles WHERE name = ?`, name)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
