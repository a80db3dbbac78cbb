package envelope

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, err := New(key(1))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("sk-proj-example-provider-key")
	sealed, err := k.Seal(secret, "provider-key:openai")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := k.Open(sealed, "provider-key:openai")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	again, _ := k.Seal(secret, "provider-key:openai")
	if bytes.Equal(again, sealed) {
		t.Error("two seals of the same secret are identical: nonces or data keys are reused")
	}
	t.Run("another purpose does not open", func(t *testing.T) {
		if _, err := k.Open(sealed, "provider-key:anthropic"); !errors.Is(err, ErrCorrupt) {
			t.Errorf("err = %v, want ErrCorrupt", err)
		}
	})
	t.Run("another master key is recognized", func(t *testing.T) {
		other, _ := New(key(2))
		if _, err := other.Open(sealed, "provider-key:openai"); !errors.Is(err, ErrWrongKey) {
			t.Errorf("err = %v, want ErrWrongKey", err)
		}
	})
	t.Run("every flipped bit is detected", func(t *testing.T) {
		for i := range sealed {
			bad := bytes.Clone(sealed)
			bad[i] ^= 0x10
			if _, err := k.Open(bad, "provider-key:openai"); err == nil {
				t.Fatalf("bit flip at byte %d not detected", i)
			}
		}
	})
	t.Run("truncation is detected", func(t *testing.T) {
		for n := range len(sealed) {
			if _, err := k.Open(sealed[:n], "provider-key:openai"); err == nil {
				t.Fatalf("truncated to %d bytes: no error", n)
			}
		}
	})
}

func TestRewrapRotatesTheMasterKey(t *testing.T) {
	t.Parallel()
	old, _ := New(key(1))
	next, _ := New(key(2))
	sealed, _ := old.Seal([]byte("secret"), "p")
	moved, err := next.Rewrap(old, sealed, "p")
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := SealedKeyID(moved); id != next.KeyID() {
		t.Errorf("key id after rewrap = %s, want %s", id, next.KeyID())
	}
	if got, err := next.Open(moved, "p"); err != nil || string(got) != "secret" {
		t.Errorf("Open after rewrap = %q, %v", got, err)
	}
	if _, err := old.Open(moved, "p"); !errors.Is(err, ErrWrongKey) {
		t.Errorf("old key still opens the rewrapped value: %v", err)
	}
}

func TestKeyFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "master.key")
	k1, err := GenerateKeyFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateKeyFile(p); err == nil {
		t.Error("GenerateKeyFile overwrote an existing key")
	}
	k2, err := LoadKeyFile(p)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("LoadKeyFile = %v", err)
	}
	os.Chmod(p, 0o644)
	if _, err := LoadKeyFile(p); err == nil {
		t.Error("a world-readable key file was accepted")
	}
	if _, err := ParseKey("too short"); err == nil {
		t.Error("short key accepted")
	}
}
