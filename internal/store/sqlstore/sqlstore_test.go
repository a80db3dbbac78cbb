package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/store/storetest"
)

// openSQLite opens a fresh SQLite database in a temporary directory.
func openSQLite(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), SQLite, filepath.Join(t.TempDir(), "bulwark.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens a fresh schema in the database of
// BULWARK_TEST_POSTGRES, or skips.
func openPostgres(t *testing.T) *DB {
	t.Helper()
	dsn := os.Getenv("BULWARK_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("BULWARK_TEST_POSTGRES not set: PostgreSQL tests skipped")
	}
	ctx := context.Background()
	admin, err := Open(ctx, Postgres, dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "bulwark_test_" + hex.EncodeToString(b)
	if _, err := admin.db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := Open(ctx, Postgres, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		admin.db.ExecContext(ctx, fmt.Sprintf("DROP SCHEMA %s CASCADE", schema))
		admin.Close()
	})
	return db
}

func TestIdentityContractSQLite(t *testing.T) {
	storetest.Identity(t, func(t *testing.T) identity.Store { return openSQLite(t) })
}

func TestIdentityContractPostgres(t *testing.T) {
	storetest.Identity(t, func(t *testing.T) identity.Store { return openPostgres(t) })
}

func TestMigrationsAreIdempotent(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *DB{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			if err := db.migrate(ctx); err != nil {
				t.Fatalf("second migration run: %v", err)
			}
			v, err := db.SchemaVersion(ctx)
			if err != nil || v < 1 {
				t.Errorf("schema version = %d, %v", v, err)
			}
		})
	}
}

func TestAppsContractSQLite(t *testing.T) {
	storetest.Apps(t, func(t *testing.T) storetest.AppStore { return openSQLite(t) })
}

func TestAppsContractPostgres(t *testing.T) {
	storetest.Apps(t, func(t *testing.T) storetest.AppStore { return openPostgres(t) })
}

func TestAuditContractSQLite(t *testing.T) {
	storetest.Audit(t, func(t *testing.T) audit.Store { return openSQLite(t) })
}

func TestAuditContractPostgres(t *testing.T) {
	storetest.Audit(t, func(t *testing.T) audit.Store { return openPostgres(t) })
}

// withUsers creates users of these ids in db and returns db: for contract
// suites whose tables reference users(id) and that name their users.
func withUsers(t *testing.T, db *DB, ids ...string) *DB {
	t.Helper()
	for _, id := range ids {
		u := identity.User{ID: id, Username: "user-" + id, PasswordHash: "h", Role: identity.RoleUser, CreatedAt: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
		if err := db.CreateUser(context.Background(), u); err != nil {
			t.Fatalf("create user %s: %v", id, err)
		}
	}
	return db
}
