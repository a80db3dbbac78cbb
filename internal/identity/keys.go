package identity

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/bulwark-security/bulwark/internal/envelope"
)

// SigningKey is a token signing key as stored: the private key sealed
// under the master key.
type SigningKey struct {
	ID        string
	Alg       string // "ES256" or "EdDSA"
	Sealed    []byte // PKCS#8 private key, sealed with aad "jwt-signing-key:<ID>"
	CreatedAt time.Time
}

// SigningKeyAAD is the associated data a signing key is sealed with.
func SigningKeyAAD(id string) string { return "jwt-signing-key:" + id }

// KeyStore is what the key manager needs from storage.
type KeyStore interface {
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	InsertSigningKey(ctx context.Context, k SigningKey) error
}

// Supported algorithms. Each key has exactly one; tokens naming another
// algorithm are refused before any signature check.
const (
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

type liveKey struct {
	SigningKey
	signer crypto.Signer
}

// keyManager creates, rotates and looks up signing keys.
type keyManager struct {
	store   KeyStore
	keyring *envelope.Keyring
	alg     string
	rotate  time.Duration // a key signs for this long
	keep    time.Duration // and verifies for this much longer (the longest token lifetime)
	now     func() time.Time

	mu       sync.RWMutex
	keys     []liveKey // oldest first
	lastLoad time.Time
}

func newKeyManager(store KeyStore, keyring *envelope.Keyring, alg string, rotate, keep time.Duration, now func() time.Time) (*keyManager, error) {
	if alg != AlgES256 && alg != AlgEdDSA {
		return nil, fmt.Errorf("signing algorithm %q: want ES256 or EdDSA", alg)
	}
	return &keyManager{store: store, keyring: keyring, alg: alg, rotate: rotate, keep: keep, now: now}, nil
}

// load reads every stored key and keeps those that can still verify.
func (m *keyManager) load(ctx context.Context) error {
	stored, err := m.store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	now := m.now()
	var keys []liveKey
	for _, k := range stored {
		if now.Sub(k.CreatedAt) > m.rotate+m.keep {
			continue // no unexpired token can carry it
		}
		der, err := m.keyring.Open(k.Sealed, SigningKeyAAD(k.ID))
		if err != nil {
			return fmt.Errorf("signing key %s: %w", k.ID, err)
		}
		pk, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return fmt.Errorf("signing key %s: %w", k.ID, err)
		}
		signer, ok := pk.(crypto.Signer)
		if !ok {
			return fmt.Errorf("signing key %s: not a signing key", k.ID)
		}
		keys = append(keys, liveKey{SigningKey: k, signer: signer})
	}
	slices.SortFunc(keys, func(a, b liveKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
	m.mu.Lock()
	m.keys, m.lastLoad = keys, now
	m.mu.Unlock()
	return nil
}

// active returns the newest key of the configured algorithm, creating one
// when none is younger than the rotation period.
func (m *keyManager) active(ctx context.Context) (liveKey, error) {
	now := m.now()
	m.mu.RLock()
	for i := len(m.keys) - 1; i >= 0; i-- {
		k := m.keys[i]
		if k.Alg == m.alg && now.Sub(k.CreatedAt) < m.rotate {
			m.mu.RUnlock()
			return k, nil
		}
	}
	m.mu.RUnlock()
	return m.create(ctx)
}

func (m *keyManager) create(ctx context.Context) (liveKey, error) {
	var (
		signer crypto.Signer
		err    error
	)
	switch m.alg {
	case AlgES256:
		signer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case AlgEdDSA:
		_, signer, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		return liveKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		return liveKey{}, err
	}
	idb := make([]byte, 8)
	if _, err := rand.Read(idb); err != nil {
		return liveKey{}, err
	}
	k := SigningKey{ID: hex.EncodeToString(idb), Alg: m.alg, CreatedAt: m.now().UTC().Truncate(time.Millisecond)}
	if k.Sealed, err = m.keyring.Seal(der, SigningKeyAAD(k.ID)); err != nil {
		return liveKey{}, err
	}
	if err := m.store.InsertSigningKey(ctx, k); err != nil {
		return liveKey{}, fmt.Errorf("store signing key: %w", err)
	}
	lk := liveKey{SigningKey: k, signer: signer}
	m.mu.Lock()
	m.keys = append(m.keys, lk)
	m.mu.Unlock()
	return lk, nil
}

// errUnknownKey is returned for a key id no stored key has.
var errUnknownKey = errors.New("unknown signing key")

// lookup returns the verification key of id, reloading from storage once
// in a while so that keys created by other gateway nodes are found.
func (m *keyManager) lookup(ctx context.Context, id string) (liveKey, error) {
	find := func() (liveKey, bool) {
		m.mu.RLock()
		defer m.mu.RUnlock()
		for _, k := range m.keys {
			if k.ID == id {
				return k, true
			}
		}
		return liveKey{}, false
	}
	if k, ok := find(); ok {
		return k, nil
	}
	m.mu.RLock()
	recent := m.now().Sub(m.lastLoad) < 10*time.Second
	m.mu.RUnlock()
	if recent {
		return liveKey{}, errUnknownKey
	}
	if err := m.load(ctx); err != nil {
		return liveKey{}, err
	}
	if k, ok := find(); ok {
		return k, nil
	}
	return liveKey{}, errUnknownKey
}

// jwks returns the public keys that can verify unexpired tokens.
func (m *keyManager) jwks() jose.JSONWebKeySet {
	m.mu.RLock()
	defer m.mu.RUnlock()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, k := range m.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.signer.Public(), KeyID: k.ID, Algorithm: k.Alg, Use: "sig"})
	}
	return set
}
