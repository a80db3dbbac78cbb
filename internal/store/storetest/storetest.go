// Package storetest is the contract test suite of Bulwark's storage: every
// implementation (SQLite, PostgreSQL) runs the same tests, so that the
// consumers' expectations hold whatever database is configured.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/store"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// Identity runs the identity.Store contract. newStore returns an empty store.
func Identity(t *testing.T, newStore func(t *testing.T) identity.Store) {
	ctx := context.Background()
	t.Run("users: create, find, conflict, password", func(t *testing.T) {
		s := newStore(t)
		u := identity.User{ID: "usr_1", Username: "ada", PasswordHash: "h1", Role: identity.RoleUser, CreatedAt: t0}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, identity.User{ID: "usr_2", Username: "ada", PasswordHash: "h", Role: "user", CreatedAt: t0}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate username: err = %v, want ErrConflict", err)
		}
		got, err := s.UserByName(ctx, "ada")
		if err != nil || got != u {
			t.Errorf("UserByName = %+v, %v; want %+v", got, err, u)
		}
		if _, err := s.UserByID(ctx, "usr_missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing user: err = %v, want ErrNotFound", err)
		}
		if err := s.SetUserPassword(ctx, "usr_1", "h2"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.UserByID(ctx, "usr_1"); got.PasswordHash != "h2" {
			t.Errorf("password hash = %q, want h2", got.PasswordHash)
		}
		if err := s.SetUserPassword(ctx, "usr_missing", "h"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("password of a missing user: err = %v", err)
		}
		list, err := s.ListUsers(ctx)
		if err != nil || len(list) != 1 {
			t.Errorf("ListUsers = %v, %v", list, err)
		}
	})
	t.Run("sessions and refresh tokens", func(t *testing.T) {
		s := newStore(t)
		must(t, s.CreateUser(ctx, identity.User{ID: "usr_1", Username: "ada", PasswordHash: "h", Role: "user", CreatedAt: t0}))
		se := identity.Session{ID: "ses_1", UserID: "usr_1", AppID: "app", DeviceID: "dev", CreatedAt: t0}
		must(t, s.CreateSession(ctx, se))
		must(t, s.CreateSession(ctx, identity.Session{ID: "ses_2", UserID: "usr_1", AppID: "app", DeviceID: "dev2", CreatedAt: t0.Add(time.Second), DPoPJKT: "jkt-2"}))
		if got, err := s.Session(ctx, "ses_2"); err != nil || got.DPoPJKT != "jkt-2" {
			t.Errorf("a DPoP-bound session came back as %+v, %v", got, err)
		}
		rt := identity.RefreshToken{ID: "rtk_1", SessionID: "ses_1", Hash: bytes.Repeat([]byte{7}, 32), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		must(t, s.InsertRefreshToken(ctx, rt))
		got, err := s.RefreshTokenByHash(ctx, rt.Hash)
		if err != nil || got.ID != "rtk_1" || !got.ExpiresAt.Equal(rt.ExpiresAt) || !got.UsedAt.IsZero() {
			t.Fatalf("RefreshTokenByHash = %+v, %v", got, err)
		}
		if _, err := s.RefreshTokenByHash(ctx, bytes.Repeat([]byte{8}, 32)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown hash: err = %v", err)
		}
		if err := s.InsertRefreshToken(ctx, identity.RefreshToken{ID: "rtk_2", SessionID: "ses_1", Hash: rt.Hash, CreatedAt: t0, ExpiresAt: t0}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate hash: err = %v, want ErrConflict", err)
		}
		ok, err := s.UseRefreshToken(ctx, "rtk_1", t0.Add(time.Minute))
		if err != nil || !ok {
			t.Fatalf("first use = %v, %v; want true", ok, err)
		}
		ok, err = s.UseRefreshToken(ctx, "rtk_1", t0.Add(2*time.Minute))
		if err != nil || ok {
			t.Errorf("second use = %v, %v; want false (already used)", ok, err)
		}
		must(t, s.RevokeSession(ctx, "ses_1", "refresh_reuse", t0.Add(3*time.Minute)))
		must(t, s.RevokeSession(ctx, "ses_1", "later", t0.Add(4*time.Minute)))
		got1, _ := s.Session(ctx, "ses_1")
		if got1.RevokedReason != "refresh_reuse" || !got1.RevokedAt.Equal(t0.Add(3*time.Minute)) {
			t.Errorf("revoking twice changed the first revocation: %+v", got1)
		}
		if err := s.RevokeSession(ctx, "ses_missing", "x", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoking a missing session: err = %v", err)
		}
		ids, err := s.SessionsRevokedSince(ctx, t0)
		if err != nil || len(ids) != 1 || ids[0] != "ses_1" {
			t.Errorf("SessionsRevokedSince = %v, %v", ids, err)
		}
		revoked, err := s.RevokeUserSessions(ctx, "usr_1", "admin", t0.Add(5*time.Minute))
		if err != nil || len(revoked) != 1 || revoked[0] != "ses_2" {
			t.Errorf("RevokeUserSessions = %v, %v; want only the active ses_2", revoked, err)
		}
		list, _ := s.ListSessions(ctx, "usr_1")
		if len(list) != 2 || list[0].ID != "ses_2" {
			t.Errorf("ListSessions = %+v, want newest first", list)
		}
	})
	t.Run("refresh token use is atomic under concurrency", func(t *testing.T) {
		s := newStore(t)
		must(t, s.CreateUser(ctx, identity.User{ID: "usr_1", Username: "ada", PasswordHash: "h", Role: "user", CreatedAt: t0}))
		must(t, s.CreateSession(ctx, identity.Session{ID: "ses_1", UserID: "usr_1", AppID: "a", DeviceID: "d", CreatedAt: t0}))
		must(t, s.InsertRefreshToken(ctx, identity.RefreshToken{ID: "rtk_1", SessionID: "ses_1", Hash: []byte("h"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, err := s.UseRefreshToken(ctx, "rtk_1", t0); err == nil && ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d concurrent uses succeeded, want exactly 1", wins.Load())
		}
	})
	t.Run("signing keys", func(t *testing.T) {
		s := newStore(t)
		must(t, s.InsertSigningKey(ctx, identity.SigningKey{ID: "k2", Alg: "ES256", Sealed: []byte{2}, CreatedAt: t0.Add(time.Hour)}))
		must(t, s.InsertSigningKey(ctx, identity.SigningKey{ID: "k1", Alg: "ES256", Sealed: []byte{1}, CreatedAt: t0}))
		keys, err := s.SigningKeys(ctx)
		if err != nil || len(keys) != 2 || keys[0].ID != "k1" || !bytes.Equal(keys[1].Sealed, []byte{2}) {
			t.Errorf("SigningKeys = %+v, %v; want oldest first", keys, err)
		}
		if err := s.InsertSigningKey(ctx, identity.SigningKey{ID: "k1", Alg: "ES256", Sealed: []byte{1}, CreatedAt: t0}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate key id: err = %v", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
