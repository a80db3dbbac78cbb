package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Opener opens values sealed under the master key; *envelope.Keyring is one.
type Opener interface {
	Open(sealed []byte, aad string) ([]byte, error)
}

// Sealer seals and opens values under the master key; *envelope.Keyring
// is one.
type Sealer interface {
	Seal(plaintext []byte, aad string) ([]byte, error)
	Opener
}

// ErrKeyMismatch means a stored signing key's public half is not the one
// its sealed private half derives: the key table was altered.
var ErrKeyMismatch = errors.New("stored audit public key does not match its sealed private key")

// Signer signs checkpoints.
type Signer struct {
	ID  string // KeyID of the public key
	Key ed25519.PrivateKey
}

// String names the signer without its private key, so that printing
// Options never prints the key.
func (s Signer) String() string { return "audit.Signer(" + s.ID + ")" }

// GoString is String, for %#v.
func (s Signer) GoString() string { return s.String() }

// LogValue logs the key id only.
func (s Signer) LogValue() slog.Value { return slog.StringValue(s.ID) }

// NewSigner returns the signer of key, identified by KeyID.
func NewSigner(key ed25519.PrivateKey) Signer {
	return Signer{ID: KeyID(key.Public().(ed25519.PublicKey)), Key: key}
}

// Sign makes the checkpoint of the record at seq with hash h, at time t
// (kept to the millisecond).
func (s Signer) Sign(seq int64, h Hash, t time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, Hash: h, Time: time.UnixMilli(t.UnixMilli()).UTC(), KeyID: s.ID}
	c.Signature = ed25519.Sign(s.Key, c.Message())
	return c
}

// KeyID identifies a public key: lowercase hex of the first 8 bytes of the
// SHA-256 of its 32 bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// KeyAAD is the associated data an audit signing key is sealed with.
func KeyAAD(id string) string { return "audit-key:" + id }

// LoadOrCreateSigner returns the newest stored signing key, opened with
// sealer. With none stored, it generates an Ed25519 key and stores it,
// sealed. Two gateways starting at once on an empty database may each
// store a key; each then signs with its own, and Verify accepts both.
func LoadOrCreateSigner(ctx context.Context, ks KeyStore, sealer Sealer) (Signer, error) {
	keys, err := ks.AuditKeys(ctx)
	if err != nil {
		return Signer{}, fmt.Errorf("audit keys: %w", err)
	}
	if len(keys) > 0 {
		k := keys[len(keys)-1]
		priv, err := openKey(k, sealer)
		if err != nil {
			return Signer{}, err
		}
		return Signer{ID: k.ID, Key: priv}, nil
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Signer{}, fmt.Errorf("generate audit key: %w", err)
	}
	id := KeyID(pub)
	sealed, err := sealer.Seal(priv.Seed(), KeyAAD(id))
	if err != nil {
		return Signer{}, fmt.Errorf("seal audit key: %w", err)
	}
	k := Key{ID: id, Public: pub, Sealed: sealed, CreatedAt: time.Now().UTC()}
	if err := ks.InsertAuditKey(ctx, k); err != nil {
		return Signer{}, fmt.Errorf("store audit key %s: %w", id, err)
	}
	return Signer{ID: id, Key: priv}, nil
}

// openKey opens a stored key and checks it against its id and public half.
func openKey(k Key, o Opener) (ed25519.PrivateKey, error) {
	seed, err := o.Open(k.Sealed, KeyAAD(k.ID))
	if err != nil {
		return nil, fmt.Errorf("open audit key %s: %w", k.ID, err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit key %s: sealed seed is %d bytes", k.ID, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	if KeyID(pub) != k.ID || !bytes.Equal(pub, k.Public) {
		return nil, fmt.Errorf("audit key %s: %w", k.ID, ErrKeyMismatch)
	}
	return priv, nil
}

// PublicKeys returns the verification keys of every stored signing key,
// by id. Each is derived from the sealed private key, not read from the
// public column, so that whoever can write the database but lacks the
// master key cannot substitute a key; a public column that disagrees is
// ErrKeyMismatch.
func PublicKeys(ctx context.Context, ks KeyStore, o Opener) (map[string]ed25519.PublicKey, error) {
	keys, err := ks.AuditKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit keys: %w", err)
	}
	out := make(map[string]ed25519.PublicKey, len(keys))
	for _, k := range keys {
		priv, err := openKey(k, o)
		if err != nil {
			return nil, err
		}
		out[k.ID] = priv.Public().(ed25519.PublicKey)
	}
	return out, nil
}

// ExportPublicKey encodes pub as a PEM "PUBLIC KEY" block (PKIX,
// RFC 8410), the file a third party verifies with.
func ExportPublicKey(pub ed25519.PublicKey) ([]byte, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("audit public key: %d bytes", len(pub))
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKey decodes the first PEM "PUBLIC KEY" block of data, which
// must hold an Ed25519 key.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	keys, err := parsePublicKeys(data, 1)
	if err != nil {
		return nil, err
	}
	return keys[0], nil
}

// ParsePublicKeys decodes every PEM block of data (for example exported
// keys concatenated in one file), each an Ed25519 "PUBLIC KEY", by KeyID.
func ParsePublicKeys(data []byte) (map[string]ed25519.PublicKey, error) {
	keys, err := parsePublicKeys(data, 0)
	if err != nil {
		return nil, err
	}
	out := make(map[string]ed25519.PublicKey, len(keys))
	for _, k := range keys {
		out[KeyID(k)] = k
	}
	return out, nil
}

// parsePublicKeys decodes up to limit (0: all) blocks.
func parsePublicKeys(data []byte, limit int) ([]ed25519.PublicKey, error) {
	var out []ed25519.PublicKey
	for n := 1; limit == 0 || len(out) < limit; n++ {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("audit public key: PEM block %d is %q, want \"PUBLIC KEY\"", n, b.Type)
		}
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("audit public key: PEM block %d: %w", n, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("audit public key: PEM block %d is a %T, want Ed25519", n, k)
		}
		out = append(out, pub)
	}
	if len(out) == 0 {
		return nil, errors.New("audit public key: no PEM block")
	}
	return out, nil
}
