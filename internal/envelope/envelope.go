// Package envelope encrypts small secrets at rest (provider API keys,
// token signing keys, opted-in audit text) with AES-256-GCM envelope
// encryption: each secret has its own random data key, and the data key is
// wrapped by the master key. Rotating the master key re-wraps data keys
// without touching the secrets themselves.
package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the size of master and data keys: AES-256.
const KeySize = 32

// Errors callers act on.
var (
	// ErrWrongKey means the sealed value was made with another master key.
	ErrWrongKey = errors.New("sealed with a different master key")
	// ErrCorrupt means the sealed value was altered or is malformed.
	ErrCorrupt = errors.New("sealed value is corrupt or was tampered with")
)

// format is the version byte of sealed values.
const format = 1

// Keyring holds the master key. It never exposes the key.
type Keyring struct {
	kek   cipher.AEAD
	keyID string
}

// New builds a keyring from a 32-byte master key.
func New(master []byte) (*Keyring, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("master key: %d bytes, want %d", len(master), KeySize)
	}
	block, err := aes.NewCipher(master)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("bulwark master key id\x00"), master...))
	return &Keyring{kek: aead, keyID: hex.EncodeToString(sum[:4])}, nil
}

// KeyID identifies the master key (not secret: a digest prefix).
func (k *Keyring) KeyID() string { return k.keyID }

// ParseKey decodes a master key written as base64 (standard or URL) or hex.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, dec := range []func(string) ([]byte, error){
		base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hex.DecodeString,
	} {
		if b, err := dec(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("master key: want %d bytes as base64 or hex", KeySize)
}

// LoadKeyFile reads a master key file. It refuses files other users can read.
func LoadKeyFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s is readable by other users (mode %v): chmod 600", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseKey(string(b))
}

// GenerateKeyFile writes a new random master key to path (mode 0600) and
// fails if the file exists.
func GenerateKeyFile(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// Seal encrypts plaintext. aad binds the value to its purpose (for example
// "provider-key:openai"): a value sealed for one purpose does not open for
// another.
//
// Layout: version(1) | keyID(4) | wrapNonce(12) | wrappedDEK(48) | nonce(12) | ciphertext.
func (k *Keyring) Seal(plaintext []byte, aad string) ([]byte, error) {
	dek := make([]byte, KeySize)
	if _, err := rand.Read(dek); err != nil {
		return nil, err
	}
	kid, _ := hex.DecodeString(k.keyID)
	wrapNonce := make([]byte, k.kek.NonceSize())
	if _, err := rand.Read(wrapNonce); err != nil {
		return nil, err
	}
	header := append([]byte{format}, kid...)
	wrapped := k.kek.Seal(nil, wrapNonce, dek, append(header, aad...))
	block, err := aes.NewCipher(dek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append(header, wrapNonce...)
	out = append(out, wrapped...)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, []byte(aad)), nil
}

// Open decrypts a sealed value.
func (k *Keyring) Open(sealed []byte, aad string) ([]byte, error) {
	dek, rest, err := k.unwrap(sealed, aad)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(dek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	pt, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], []byte(aad))
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

const headerLen = 1 + 4

func (k *Keyring) unwrap(sealed []byte, aad string) (dek, rest []byte, err error) {
	ns := k.kek.NonceSize()
	wrappedLen := KeySize + k.kek.Overhead()
	if len(sealed) < headerLen+ns+wrappedLen || sealed[0] != format {
		return nil, nil, ErrCorrupt
	}
	if hex.EncodeToString(sealed[1:headerLen]) != k.keyID {
		return nil, nil, ErrWrongKey
	}
	header := sealed[:headerLen]
	wn := sealed[headerLen : headerLen+ns]
	wrapped := sealed[headerLen+ns : headerLen+ns+wrappedLen]
	dek, err = k.kek.Open(nil, wn, wrapped, append(append([]byte{}, header...), aad...))
	if err != nil {
		return nil, nil, ErrCorrupt
	}
	return dek, sealed[headerLen+ns+wrappedLen:], nil
}

// Rewrap moves a sealed value from the old keyring to k without decrypting
// the secret itself: only the data key is unwrapped and wrapped again.
func (k *Keyring) Rewrap(old *Keyring, sealed []byte, aad string) ([]byte, error) {
	dek, rest, err := old.unwrap(sealed, aad)
	if err != nil {
		return nil, err
	}
	kid, _ := hex.DecodeString(k.keyID)
	header := append([]byte{format}, kid...)
	wrapNonce := make([]byte, k.kek.NonceSize())
	if _, err := rand.Read(wrapNonce); err != nil {
		return nil, err
	}
	out := append(header, wrapNonce...)
	out = k.kek.Seal(out, wrapNonce, dek, append(append([]byte{}, header...), aad...))
	return append(out, rest...), nil
}

// SealedKeyID returns the master key id a value was sealed with.
func SealedKeyID(sealed []byte) (string, bool) {
	if len(sealed) < headerLen || sealed[0] != format {
		return "", false
	}
	return hex.EncodeToString(sealed[1:headerLen]), true
}
