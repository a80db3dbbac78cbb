package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/mfa"
	"github.com/bulwark-security/bulwark/internal/mfa/mfatest"
)

// mfaUsers are the users the mfa contract suite enrolls. The mfa tables
// reference users(id), so the store the suite gets has them already (and
// no mfa data: it is empty as far as mfa.Store can tell).
var mfaUsers = []string{"usr_1", "usr_2"}

var mfaT0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// withMFAUsers creates mfaUsers in db and returns db.
func withMFAUsers(t *testing.T, db *DB) *DB {
	t.Helper()
	return withUsers(t, db, mfaUsers...)
}

func TestMFAContractSQLite(t *testing.T) {
	mfatest.Store(t, func(t *testing.T) mfa.Store { return withMFAUsers(t, openSQLite(t)) })
}

func TestMFAContractPostgres(t *testing.T) {
	mfatest.Store(t, func(t *testing.T) mfa.Store { return withMFAUsers(t, openPostgres(t)) })
}

func mfaHashes(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		h := sha256.Sum256(fmt.Appendf(nil, "%s-%d", prefix, i))
		out[i] = h[:]
	}
	return out
}

// TestMFASQL covers what the contract suite cannot see: the schema's
// foreign keys, and the atomicity of concurrent writers of a set.
func TestMFASQL(t *testing.T) {
	ctx := context.Background()
	for name, open := range map[string]func(*testing.T) *DB{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Run("deleting a user deletes their enrollment, last step and recovery codes", func(t *testing.T) {
				db := withMFAUsers(t, open(t))
				e := mfa.Enrollment{ID: "mfa_a", UserID: "usr_1", Sealed: []byte("sealed"), Algorithm: mfa.SHA1,
					Digits: 6, Period: 30 * time.Second, State: mfa.StatePending, CreatedAt: mfaT0}
				if err := db.SavePending(ctx, e); err != nil {
					t.Fatal(err)
				}
				if err := db.Activate(ctx, "usr_1", "mfa_a", mfaHashes("a", 3), mfaT0); err != nil {
					t.Fatal(err)
				}
				if _, err := db.AcceptStep(ctx, "usr_1", 7); err != nil {
					t.Fatal(err)
				}
				if _, err := db.exec(ctx, `DELETE FROM users WHERE id = ?`, "usr_1"); err != nil {
					t.Fatalf("delete user: %v", err)
				}
				for _, table := range []string{"mfa_totp", "mfa_last_step", "mfa_recovery_codes"} {
					var n int
					if err := db.queryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE user_id = ?`, "usr_1").Scan(&n); err != nil {
						t.Fatal(err)
					}
					if n != 0 {
						t.Errorf("%s has %d rows of the deleted user, want 0", table, n)
					}
				}
			})

			t.Run("mfa data of a user who does not exist is refused", func(t *testing.T) {
				db := open(t)
				e := mfa.Enrollment{ID: "mfa_a", UserID: "usr_ghost", Sealed: []byte("sealed"), Algorithm: mfa.SHA1,
					Digits: 6, Period: 30 * time.Second, State: mfa.StatePending, CreatedAt: mfaT0}
				if err := db.SavePending(ctx, e); err == nil {
					t.Error("SavePending of an unknown user: err = nil, want a foreign key error")
				}
				if ok, err := db.AcceptStep(ctx, "usr_ghost", 1); err == nil {
					t.Errorf("AcceptStep of an unknown user = %v, nil; want a foreign key error", ok)
				}
				if err := db.ReplaceRecoveryCodes(ctx, "usr_ghost", mfaHashes("a", 1), mfaT0); err == nil {
					t.Error("ReplaceRecoveryCodes of an unknown user: err = nil, want a foreign key error")
				}
			})

			t.Run("a set with a hash given twice is refused and the old set kept", func(t *testing.T) {
				db := withMFAUsers(t, open(t))
				old := mfaHashes("old", 2)
				if err := db.ReplaceRecoveryCodes(ctx, "usr_1", old, mfaT0); err != nil {
					t.Fatal(err)
				}
				dup := mfaHashes("dup", 2)
				dup[1] = dup[0]
				if err := db.ReplaceRecoveryCodes(ctx, "usr_1", dup, mfaT0); err == nil {
					t.Error("ReplaceRecoveryCodes with a duplicate: err = nil, want an error")
				}
				if n, err := db.RecoveryCodesLeft(ctx, "usr_1"); err != nil || n != 2 {
					t.Errorf("RecoveryCodesLeft = %d, %v; want 2", n, err)
				}
				if ok, err := db.ConsumeRecoveryCode(ctx, "usr_1", old[1], mfaT0); err != nil || !ok {
					t.Errorf("consume of an old code = %v, %v; want true", ok, err)
				}
			})

			t.Run("concurrent replacements of the recovery codes leave one whole set", func(t *testing.T) {
				db := withMFAUsers(t, open(t))
				const writers, size = 8, 5
				sets := make([][][]byte, writers)
				for i := range sets {
					sets[i] = mfaHashes(fmt.Sprint("set", i), size)
				}
				for round := range 5 {
					var wg sync.WaitGroup
					errs := make(chan error, writers)
					for _, set := range sets {
						wg.Go(func() {
							if err := db.ReplaceRecoveryCodes(ctx, "usr_1", set, mfaT0); err != nil {
								errs <- err
							}
						})
					}
					wg.Wait()
					close(errs)
					for err := range errs {
						t.Fatal(err)
					}
					got := storedRecoveryHashes(t, db, "usr_1")
					if !slices.ContainsFunc(sets, func(set [][]byte) bool { return sameHashes(set, got) }) {
						t.Fatalf("round %d: %d stored hashes are not one of the sets written", round, len(got))
					}
				}
			})
		})
	}
}

// storedRecoveryHashes returns the user's stored recovery code hashes.
func storedRecoveryHashes(t *testing.T, db *DB, userID string) [][]byte {
	t.Helper()
	rows, err := db.query(context.Background(), `SELECT hash FROM mfa_recovery_codes WHERE user_id = ?`, userID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameHashes reports whether a and b hold the same hashes, in any order.
func sameHashes(a, b [][]byte) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, bytes.Compare)
	slices.SortFunc(b, bytes.Compare)
	return slices.EqualFunc(a, b, bytes.Equal)
}
