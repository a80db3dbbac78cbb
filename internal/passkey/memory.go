package passkey

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/bulwark-security/bulwark/internal/store"
)

// DefaultMaxCeremonies bounds the ceremonies a Memory holds at once.
const DefaultMaxCeremonies = 100_000

// ErrFull means the memory store holds as many unexpired ceremonies as it
// may; the ceremony is refused rather than memory grown without bound.
var ErrFull = errors.New("passkey: too many ceremonies in progress")

// Memory is an in-memory Store for tests and a single gateway node, made
// by NewMemory. It is safe for concurrent use.
type Memory struct {
	mu         sync.Mutex
	creds      map[string]Credential // by string(ID)
	ceremonies map[string]Ceremony
	// MaxCeremonies bounds the ceremonies held; DefaultMaxCeremonies when 0.
	MaxCeremonies int
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{creds: map[string]Credential{}, ceremonies: map[string]Ceremony{}}
}

func cloneCredential(c Credential) Credential {
	c.ID, c.PublicKey, c.AAGUID = bytes.Clone(c.ID), bytes.Clone(c.PublicKey), bytes.Clone(c.AAGUID)
	c.Transports = slices.Clone(c.Transports)
	return c
}

// CreateCredential implements CredentialStore.
func (m *Memory) CreateCredential(_ context.Context, c Credential) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.creds[string(c.ID)]; ok {
		return store.ErrConflict
	}
	m.creds[string(c.ID)] = cloneCredential(c)
	return nil
}

// Credential implements CredentialStore.
func (m *Memory) Credential(_ context.Context, id []byte) (Credential, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.creds[string(id)]
	if !ok {
		return Credential{}, store.ErrNotFound
	}
	return cloneCredential(c), nil
}

// Credentials implements CredentialStore.
func (m *Memory) Credentials(_ context.Context, userID string) ([]Credential, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Credential
	for _, c := range m.creds {
		if c.UserID == userID {
			out = append(out, cloneCredential(c))
		}
	}
	slices.SortFunc(out, func(a, b Credential) int {
		if n := a.CreatedAt.Compare(b.CreatedAt); n != 0 {
			return n
		}
		return bytes.Compare(a.ID, b.ID)
	})
	return out, nil
}

// owned returns the credential id of userID, locked.
func (m *Memory) owned(userID string, id []byte) (Credential, bool) {
	c, ok := m.creds[string(id)]
	return c, ok && c.UserID == userID
}

// RenameCredential implements CredentialStore.
func (m *Memory) RenameCredential(_ context.Context, userID string, id []byte, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.owned(userID, id)
	if !ok {
		return store.ErrNotFound
	}
	c.Name = name
	m.creds[string(id)] = c
	return nil
}

// DeleteCredential implements CredentialStore.
func (m *Memory) DeleteCredential(_ context.Context, userID string, id []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.owned(userID, id); !ok {
		return store.ErrNotFound
	}
	delete(m.creds, string(id))
	return nil
}

// RecordUse implements CredentialStore.
func (m *Memory) RecordUse(_ context.Context, id []byte, prevCount, signCount uint32, backupState bool, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.creds[string(id)]
	if !ok {
		return false, store.ErrNotFound
	}
	if c.SignCount != prevCount {
		return false, nil
	}
	c.SignCount, c.BackupState, c.LastUsedAt = signCount, backupState, at
	m.creds[string(id)] = c
	return true, nil
}

// FlagClone implements CredentialStore.
func (m *Memory) FlagClone(_ context.Context, id []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.creds[string(id)]
	if !ok {
		return store.ErrNotFound
	}
	c.CloneWarning = true
	m.creds[string(id)] = c
	return nil
}

// PutCeremony implements CeremonyStore. When the store is full it first
// drops the ceremonies expired at c.CreatedAt, then refuses with ErrFull.
func (m *Memory) PutCeremony(_ context.Context, c Ceremony) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.ceremonies[c.ID]; ok {
		return store.ErrConflict
	}
	limit := m.MaxCeremonies
	if limit <= 0 {
		limit = DefaultMaxCeremonies
	}
	if len(m.ceremonies) >= limit {
		m.deleteExpired(c.CreatedAt)
		if len(m.ceremonies) >= limit {
			return ErrFull
		}
	}
	c.Data = bytes.Clone(c.Data)
	m.ceremonies[c.ID] = c
	return nil
}

// TakeCeremony implements CeremonyStore.
func (m *Memory) TakeCeremony(_ context.Context, id string) (Ceremony, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.ceremonies[id]
	if !ok {
		return Ceremony{}, store.ErrNotFound
	}
	delete(m.ceremonies, id)
	return c, nil
}

// DeleteExpiredCeremonies implements CeremonyStore.
func (m *Memory) DeleteExpiredCeremonies(_ context.Context, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.deleteExpired(now), nil
}

func (m *Memory) deleteExpired(now time.Time) int {
	n := 0
	for id, c := range m.ceremonies {
		if !c.ExpiresAt.After(now) {
			delete(m.ceremonies, id)
			n++
		}
	}
	return n
}
