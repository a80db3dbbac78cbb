package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/store/sqlstore"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// testSigner is a fixed checkpoint key.
var testSigner = audit.NewSigner(ed25519.NewKeyFromSeed([]byte("bulwark audit test signing key!!")))

func testKeys() map[string]ed25519.PublicKey {
	return map[string]ed25519.PublicKey{testSigner.ID: testSigner.Key.Public().(ed25519.PublicKey)}
}

// testDB is a real database for the tests: the store, and a raw
// connection to tamper with it as an attacker with write access would.
type testDB struct {
	*sqlstore.DB
	raw    *sql.DB
	pg     bool
	reopen func(t *testing.T) *sqlstore.DB // opens the same database again
}

// exec runs raw SQL with ? placeholders.
func (d *testDB) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if d.pg {
		var b strings.Builder
		n := 0
		for _, r := range query {
			if r == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
		query = b.String()
	}
	if _, err := d.raw.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// count returns the result of a COUNT query.
func (d *testDB) count(t *testing.T, query string) int64 {
	t.Helper()
	var n int64
	if err := d.raw.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

type backend struct {
	name string
	open func(t testing.TB) *testDB
}

// backends is SQLite always, and PostgreSQL when BULWARK_TEST_POSTGRES is set.
func backends() []backend {
	bs := []backend{{"sqlite", openSQLite}}
	if os.Getenv("BULWARK_TEST_POSTGRES") != "" {
		bs = append(bs, backend{"postgres", openPostgres})
	}
	return bs
}

func openSQLite(t testing.TB) *testDB {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	db, err := sqlstore.Open(ctx, sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	d := &testDB{DB: db, raw: raw}
	d.reopen = func(t *testing.T) *sqlstore.DB {
		t.Helper()
		db, err := sqlstore.Open(ctx, sqlstore.SQLite, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	t.Cleanup(func() { raw.Close(); db.Close() })
	return d
}

func openPostgres(t testing.TB) *testDB {
	t.Helper()
	ctx := context.Background()
	dsn := os.Getenv("BULWARK_TEST_POSTGRES")
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "bulwark_audit_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sqlstore.Open(ctx, sqlstore.Postgres, u.String())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	d := &testDB{DB: db, raw: raw, pg: true}
	d.reopen = func(t *testing.T) *sqlstore.DB {
		t.Helper()
		db, err := sqlstore.Open(ctx, sqlstore.Postgres, u.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	t.Cleanup(func() {
		raw.Close()
		db.Close()
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	return d
}

// forEachBackend runs f as a subtest on each backend.
func forEachBackend(t *testing.T, f func(t *testing.T, open func(t testing.TB) *testDB)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { f(t, b.open) })
	}
}

// openLog opens a Log with the test signer; Close is the test's job, a
// cleanup closes it if the test did not.
func openLog(t testing.TB, s audit.ChainStore, o audit.Options) *audit.Log {
	t.Helper()
	if o.Signer.Key == nil {
		o.Signer = testSigner
	}
	l, err := audit.Open(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	return l
}

// counter is an Observer that counts.
type counter struct {
	written, checkpoints, failed, rejected, lost atomic.Int64
}

func (c *counter) Written(events, checkpoints int, _ time.Duration) {
	c.written.Add(int64(events))
	c.checkpoints.Add(int64(checkpoints))
}
func (c *counter) WriteFailed(error)     { c.failed.Add(1) }
func (c *counter) Rejected(error)        { c.rejected.Add(1) }
func (c *counter) Lost(n int64, _ error) { c.lost.Add(n) }

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func fixedNow() time.Time { return t0 }
