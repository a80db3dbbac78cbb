package sqlstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/passkey"
	"github.com/bulwark-security/bulwark/internal/passkey/passkeytest"
	"github.com/bulwark-security/bulwark/internal/store"
)

// passkeyUsers are the users the passkey contract suite registers
// credentials for. passkey_credentials references users(id), so the store
// the suite gets has them already (and no passkey data: it is empty as far
// as passkey.Store can tell).
var passkeyUsers = []string{"usr_a", "usr_b"}

var passkeyT0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// withPasskeyUsers creates passkeyUsers in db and returns db.
func withPasskeyUsers(t *testing.T, db *DB) *DB {
	t.Helper()
	return withUsers(t, db, passkeyUsers...)
}

func TestPasskeyContractSQLite(t *testing.T) {
	passkeytest.Store(t, func(t *testing.T) passkey.Store { return withPasskeyUsers(t, openSQLite(t)) })
}

func TestPasskeyContractPostgres(t *testing.T) {
	passkeytest.Store(t, func(t *testing.T) passkey.Store { return withPasskeyUsers(t, openPostgres(t)) })
}

func passkeyCredential(id byte, user string) passkey.Credential {
	return passkey.Credential{
		ID: []byte{id, 0xc0, 0xde}, UserID: user, Name: "key", PublicKey: []byte{0xa5, 1, 2, 3, 0x26},
		AttestationType: "none", AttestationFormat: "none", AAGUID: make([]byte, 16),
		Transports: []string{"internal"}, SignCount: 1, UserVerified: true, CreatedAt: passkeyT0,
	}
}

// TestPasskeySQL covers what the contract suite cannot see: the schema's
// foreign key, and values at the edges of their columns.
func TestPasskeySQL(t *testing.T) {
	ctx := context.Background()
	for name, open := range map[string]func(*testing.T) *DB{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Run("deleting a user deletes their credentials", func(t *testing.T) {
				db := withPasskeyUsers(t, open(t))
				c := passkeyCredential(1, "usr_a")
				if err := db.CreateCredential(ctx, c); err != nil {
					t.Fatal(err)
				}
				if _, err := db.exec(ctx, `DELETE FROM users WHERE id = ?`, "usr_a"); err != nil {
					t.Fatalf("delete user: %v", err)
				}
				if _, err := db.Credential(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("credential of a deleted user: err = %v, want store.ErrNotFound", err)
				}
			})

			t.Run("a credential of a user who does not exist is refused", func(t *testing.T) {
				db := open(t)
				err := db.CreateCredential(ctx, passkeyCredential(1, "usr_ghost"))
				if err == nil || errors.Is(err, store.ErrConflict) {
					t.Errorf("CreateCredential of an unknown user: err = %v, want a foreign key error", err)
				}
			})

			t.Run("extreme values survive the round trip", func(t *testing.T) {
				db := withPasskeyUsers(t, open(t))
				tests := []struct {
					name string
					edit func(*passkey.Credential)
				}{
					{"no transports", func(c *passkey.Credential) { c.Transports = nil }},
					{"transports holding commas and quotes", func(c *passkey.Credential) { c.Transports = []string{"a,b", `"c"`, ""} }},
					{"the largest signature counter", func(c *passkey.Credential) { c.SignCount = 1<<32 - 1 }},
					{"every flag set and a last use", func(c *passkey.Credential) {
						c.UserVerified, c.BackupEligible, c.BackupState, c.CloneWarning = true, true, true, true
						c.LastUsedAt = passkeyT0.Add(time.Hour)
					}},
				}
				for i, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						c := passkeyCredential(byte(i+1), "usr_a")
						tt.edit(&c)
						if err := db.CreateCredential(ctx, c); err != nil {
							t.Fatal(err)
						}
						got, err := db.Credential(ctx, c.ID)
						if err != nil {
							t.Fatal(err)
						}
						if diff := cmp.Diff(c, got); diff != "" {
							t.Errorf("stored credential (-want +got):\n%s", diff)
						}
					})
				}
			})

			t.Run("the largest signature counter is compared and set", func(t *testing.T) {
				db := withPasskeyUsers(t, open(t))
				c := passkeyCredential(1, "usr_a")
				c.SignCount = 1<<32 - 2
				if err := db.CreateCredential(ctx, c); err != nil {
					t.Fatal(err)
				}
				if ok, err := db.RecordUse(ctx, c.ID, 1<<32-2, 1<<32-1, false, passkeyT0); err != nil || !ok {
					t.Errorf("RecordUse to the largest counter = %v, %v; want true", ok, err)
				}
				if ok, err := db.RecordUse(ctx, c.ID, 1<<32-2, 1<<32-1, false, passkeyT0); err != nil || ok {
					t.Errorf("RecordUse with the old counter = %v, %v; want false", ok, err)
				}
			})
		})
	}
}
