package sqlstore

import (
	"context"
	"fmt"
)

// Kinds of sealed secrets, as RewrapSecrets names them.
const (
	SecretProviderKey = "provider_key" // key: the provider name
	SecretSigningKey  = "signing_key"  // key: the JWT signing key id
	SecretAuditKey    = "audit_key"    // key: the audit key id
)

// sealedColumns are the tables holding values sealed under the master key.
var sealedColumns = []struct {
	kind, table, key string
}{
	{SecretProviderKey, "provider_keys", "provider"},
	{SecretSigningKey, "signing_keys", "id"},
	{SecretAuditKey, "audit_keys", "id"},
}

// RewrapSecrets re-seals every stored secret in one transaction (master key
// rotation): rewrap gets each sealed value with its kind and key, and
// returns the value sealed under the new key. Nothing is written unless
// every value re-seals. It returns the number of values re-sealed.
func (s *DB) RewrapSecrets(ctx context.Context, rewrap func(kind, key string, sealed []byte) ([]byte, error)) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	n := 0
	for _, c := range sealedColumns {
		rows, err := tx.QueryContext(ctx, `SELECT `+c.key+`, sealed FROM `+c.table)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", c.table, err)
		}
		type row struct {
			key    string
			sealed []byte
		}
		var all []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.key, &r.sealed); err != nil {
				rows.Close()
				return 0, fmt.Errorf("%s: %w", c.table, err)
			}
			all = append(all, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("%s: %w", c.table, err)
		}
		for _, r := range all {
			fresh, err := rewrap(c.kind, r.key, r.sealed)
			if err != nil {
				return 0, fmt.Errorf("%s %s: %w", c.table, r.key, err)
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE `+c.table+` SET sealed = ? WHERE `+c.key+` = ?`), fresh, r.key); err != nil {
				return 0, fmt.Errorf("%s %s: %w", c.table, r.key, err)
			}
			n++
		}
	}
	return n, tx.Commit()
}
