package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/provider"
	"github.com/bulwark-security/bulwark/internal/store"
)

// AppStore is what the gateway keeps about apps and provider credentials.
type AppStore interface {
	apps.Store
	provider.KeyStore
}

// Apps runs the apps.Store and provider.KeyStore contracts.
func Apps(t *testing.T, newStore func(t *testing.T) AppStore) {
	ctx := context.Background()
	t.Run("apps: put, get, update keeps creation time, list, delete", func(t *testing.T) {
		s := newStore(t)
		a := apps.App{ID: "demo-app", Name: "Demo", Models: []string{"demo-chat"}, Routes: []string{apps.RouteChat}, KeepText: true,
			Limits:      &apps.Limits{User: &apps.ScopeLimits{RequestsPerMinute: 30, TokensPerDay: 1000}},
			Guards:      map[string]apps.GuardRule{"pii": {Action: "block"}, "injection": {Threshold: 0.7}},
			RouteGuards: map[string]map[string]apps.GuardRule{apps.RouteEmbeddings: {"pii": {Action: "off"}}},
			CreatedAt:   t0, UpdatedAt: t0}
		must(t, s.PutApp(ctx, a))
		got, err := s.App(ctx, "demo-app")
		if err != nil || got.Name != "Demo" || !got.KeepText || !got.AllowsRoute(apps.RouteChat) || got.AllowsRoute(apps.RouteEmbeddings) || got.Limits == nil || got.Limits.User.TokensPerDay != 1000 || !got.CreatedAt.Equal(t0) {
			t.Fatalf("App = %+v, %v", got, err)
		}
		if got.Guards["pii"].Action != "block" || got.Guards["injection"].Threshold != 0.7 || got.RouteGuards[apps.RouteEmbeddings]["pii"].Action != "off" {
			t.Errorf("guard settings did not survive the store: %+v, %+v", got.Guards, got.RouteGuards)
		}
		a.Name, a.Models, a.CreatedAt, a.UpdatedAt = "Demo 2", []string{"*"}, t0.Add(time.Hour), t0.Add(time.Hour)
		must(t, s.PutApp(ctx, a))
		got, _ = s.App(ctx, "demo-app")
		if got.Name != "Demo 2" || !got.Allows("anything") || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("updated app = %+v", got)
		}
		must(t, s.PutApp(ctx, apps.App{ID: "b-app", Name: "B", Models: []string{}, CreatedAt: t0, UpdatedAt: t0}))
		list, err := s.Apps(ctx)
		if err != nil || len(list) != 2 || list[0].ID != "b-app" {
			t.Errorf("Apps = %+v, %v", list, err)
		}
		must(t, s.DeleteApp(ctx, "b-app"))
		if _, err := s.App(ctx, "b-app"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted app: err = %v", err)
		}
		if err := s.DeleteApp(ctx, "b-app"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting twice: err = %v", err)
		}
	})
	t.Run("provider keys", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.ProviderKey(ctx, "openai"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing key: err = %v", err)
		}
		must(t, s.PutProviderKey(ctx, "openai", []byte{1, 2}, t0))
		must(t, s.PutProviderKey(ctx, "openai", []byte{3}, t0.Add(time.Minute)))
		got, err := s.ProviderKey(ctx, "openai")
		if err != nil || len(got) != 1 || got[0] != 3 {
			t.Errorf("ProviderKey = %v, %v; want the replaced value", got, err)
		}
	})
}
