package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/provider"
)

var (
	_ apps.Store        = (*DB)(nil)
	_ provider.KeyStore = (*DB)(nil)
)

// appSettings is the JSON column of an app.
type appSettings struct {
	Models []string                  `json:"models"`
	Routes []string                  `json:"routes,omitempty"`
	Guards map[string]apps.GuardRule `json:"guards,omitempty"`
	// RouteGuards: route → guard → setting.
	RouteGuards  map[string]map[string]apps.GuardRule `json:"route_guards,omitempty"`
	Limits       *apps.Limits                         `json:"limits,omitempty"`
	KeepText     bool                                 `json:"keepText,omitempty"`
	RequireDPoP  bool                                 `json:"requireDPoP,omitempty"`
	RequireMFA   bool                                 `json:"requireMFA,omitempty"`
	RedirectURIs []string                             `json:"redirectURIs,omitempty"`
}

// App implements apps.Store.
func (s *DB) App(ctx context.Context, id string) (apps.App, error) {
	var a apps.App
	var settings string
	var created, updated int64
	err := s.queryRow(ctx, `SELECT id, name, settings, created_at, updated_at FROM apps WHERE id = ?`, id).
		Scan(&a.ID, &a.Name, &settings, &created, &updated)
	if err != nil {
		return apps.App{}, notFound(err)
	}
	return decodeApp(a, settings, created, updated)
}

func decodeApp(a apps.App, settings string, created, updated int64) (apps.App, error) {
	var st appSettings
	if err := json.Unmarshal([]byte(settings), &st); err != nil {
		return apps.App{}, err
	}
	a.Models, a.Routes, a.Guards, a.RouteGuards, a.Limits, a.KeepText, a.RequireDPoP, a.RequireMFA, a.RedirectURIs = st.Models, st.Routes, st.Guards, st.RouteGuards, st.Limits, st.KeepText, st.RequireDPoP, st.RequireMFA, st.RedirectURIs
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return a, nil
}

// Apps implements apps.Store.
func (s *DB) Apps(ctx context.Context) ([]apps.App, error) {
	rows, err := s.query(ctx, `SELECT id, name, settings, created_at, updated_at FROM apps ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []apps.App
	for rows.Next() {
		var a apps.App
		var settings string
		var created, updated int64
		if err := rows.Scan(&a.ID, &a.Name, &settings, &created, &updated); err != nil {
			return nil, err
		}
		a, err := decodeApp(a, settings, created, updated)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PutApp implements apps.Store: it creates the app or replaces its
// name and settings, keeping its creation time.
func (s *DB) PutApp(ctx context.Context, a apps.App) error {
	settings, err := json.Marshal(appSettings{Models: a.Models, Routes: a.Routes, Guards: a.Guards, RouteGuards: a.RouteGuards, Limits: a.Limits, KeepText: a.KeepText, RequireDPoP: a.RequireDPoP, RequireMFA: a.RequireMFA, RedirectURIs: a.RedirectURIs})
	if err != nil {
		return err
	}
	now := ms(a.UpdatedAt)
	if now == 0 {
		now = time.Now().UnixMilli()
	}
	created := ms(a.CreatedAt)
	if created == 0 {
		created = now
	}
	_, err = s.exec(ctx, `INSERT INTO apps (id, name, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, settings = excluded.settings, updated_at = excluded.updated_at`,
		a.ID, a.Name, string(settings), created, now)
	return err
}

// DeleteApp implements apps.Store.
func (s *DB) DeleteApp(ctx context.Context, id string) error {
	return affected(s.exec(ctx, `DELETE FROM apps WHERE id = ?`, id))
}

// ProviderKey implements provider.KeyStore.
func (s *DB) ProviderKey(ctx context.Context, provider string) ([]byte, error) {
	var sealed []byte
	err := s.queryRow(ctx, `SELECT sealed FROM provider_keys WHERE provider = ?`, provider).Scan(&sealed)
	if err != nil {
		return nil, notFound(err)
	}
	return sealed, nil
}

// PutProviderKey implements provider.KeyStore.
func (s *DB) PutProviderKey(ctx context.Context, provider string, sealed []byte, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO provider_keys (provider, sealed, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (provider) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`, provider, sealed, ms(at))
	return err
}
