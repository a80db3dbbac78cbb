package audit_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/envelope"
)

func keyring(t testing.TB, seed byte) *envelope.Keyring {
	t.Helper()
	k, err := envelope.New(bytes.Repeat([]byte{seed}, envelope.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestLoadOrCreateSigner(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, open func(testing.TB) *testDB) {
		t.Run("the first call creates a key, later calls load it", func(t *testing.T) {
			db := open(t)
			kr := keyring(t, 1)
			s1, err := audit.LoadOrCreateSigner(ctx, db, kr)
			if err != nil {
				t.Fatal(err)
			}
			s2, err := audit.LoadOrCreateSigner(ctx, db, kr)
			if err != nil {
				t.Fatal(err)
			}
			if s1.ID != s2.ID || !s1.Key.Equal(s2.Key) {
				t.Errorf("second call returned key %s, want the stored %s", s2.ID, s1.ID)
			}
			if s1.ID != audit.KeyID(s1.Key.Public().(ed25519.PublicKey)) {
				t.Errorf("key id %s is not the key's fingerprint", s1.ID)
			}
			keys, err := db.AuditKeys(ctx)
			if err != nil || len(keys) != 1 {
				t.Fatalf("AuditKeys = %v, %v", keys, err)
			}
			if bytes.Contains(keys[0].Sealed, s1.Key.Seed()) {
				t.Error("the private key is stored in clear")
			}
			if _, err := audit.LoadOrCreateSigner(ctx, db, keyring(t, 2)); !errors.Is(err, envelope.ErrWrongKey) {
				t.Errorf("another master key: err = %v, want ErrWrongKey", err)
			}
		})
		t.Run("a concurrent first start ends with every node on a stored key", func(t *testing.T) {
			db := open(t)
			kr := keyring(t, 1)
			const nodes = 4
			signers := make([]audit.Signer, nodes)
			errs := make([]error, nodes)
			var wg sync.WaitGroup
			for i := range nodes {
				wg.Go(func() { signers[i], errs[i] = audit.LoadOrCreateSigner(ctx, db, kr) })
			}
			wg.Wait()
			pubs, err := audit.PublicKeys(ctx, db, kr)
			if err != nil {
				t.Fatal(err)
			}
			for i := range nodes {
				if errs[i] != nil {
					t.Fatalf("node %d: %v", i, errs[i])
				}
				pub, ok := pubs[signers[i].ID]
				if !ok || !pub.Equal(signers[i].Key.Public()) {
					t.Errorf("node %d signs with %s, which is not a stored key", i, signers[i].ID)
				}
			}
		})
	})
}

func TestPublicKeysComeFromTheSealedKeys(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	kr := keyring(t, 1)
	s, err := audit.LoadOrCreateSigner(ctx, db, kr)
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := audit.PublicKeys(ctx, db, kr)
	if err != nil || len(pubs) != 1 || !pubs[s.ID].Equal(s.Key.Public()) {
		t.Fatalf("PublicKeys = %v, %v", pubs, err)
	}

	t.Run("a substituted public key is refused", func(t *testing.T) {
		attacker, _, _ := ed25519.GenerateKey(rand.Reader)
		db.exec(t, `UPDATE audit_keys SET public_key = ?`, []byte(attacker))
		defer db.exec(t, `UPDATE audit_keys SET public_key = ?`, []byte(s.Key.Public().(ed25519.PublicKey)))
		if _, err := audit.PublicKeys(ctx, db, kr); !errors.Is(err, audit.ErrKeyMismatch) {
			t.Errorf("err = %v, want ErrKeyMismatch", err)
		}
	})
	t.Run("a key sealed under another master key is refused", func(t *testing.T) {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		id := audit.KeyID(pub)
		sealed, err := keyring(t, 9).Seal(priv.Seed(), "audit-key:"+id)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InsertAuditKey(ctx, audit.Key{ID: id, Public: pub, Sealed: sealed, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		defer db.exec(t, `DELETE FROM audit_keys WHERE id = ?`, id)
		if _, err := audit.PublicKeys(ctx, db, kr); !errors.Is(err, envelope.ErrWrongKey) {
			t.Errorf("err = %v, want ErrWrongKey", err)
		}
	})
	t.Run("a sealed key moved to another id is refused", func(t *testing.T) {
		keys, _ := db.AuditKeys(ctx)
		db.exec(t, `INSERT INTO audit_keys (id, public_key, sealed, created_at) VALUES ('0000000000000000', ?, ?, 1)`, []byte(keys[0].Public), keys[0].Sealed)
		defer db.exec(t, `DELETE FROM audit_keys WHERE id = '0000000000000000'`)
		if _, err := audit.PublicKeys(ctx, db, kr); !errors.Is(err, envelope.ErrCorrupt) {
			t.Errorf("err = %v, want ErrCorrupt (the aad names the id)", err)
		}
	})
}

func TestPublicKeyFilesVerifyAChain(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	writeChain(t, db, 120)
	pemBytes, err := audit.ExportPublicKey(testSigner.Key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pemBytes, []byte("-----BEGIN PUBLIC KEY-----\n")) {
		t.Errorf("exported key:\n%s", pemBytes)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	otherPEM, _ := audit.ExportPublicKey(other)
	keys, err := audit.ParsePublicKeys(append(otherPEM, pemBytes...))
	if err != nil || len(keys) != 2 {
		t.Fatalf("ParsePublicKeys = %v, %v", keys, err)
	}
	if _, err := audit.Verify(ctx, db, keys, audit.VerifyOptions{}); err != nil {
		t.Errorf("Verify with keys from PEM: %v", err)
	}
	one, err := audit.ParsePublicKey(pemBytes)
	if err != nil || !one.Equal(testSigner.Key.Public()) {
		t.Errorf("ParsePublicKey = %v, %v", one, err)
	}
}

func TestParsePublicKeyRefuses(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	for name, data := range map[string][]byte{
		"nothing":       nil,
		"not PEM":       []byte("hello"),
		"a private key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}),
		"not PKIX":      pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}),
		"an ECDSA key":  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}),
	} {
		if k, err := audit.ParsePublicKey(data); err == nil {
			t.Errorf("%s: ParsePublicKey = %x, want an error", name, k)
		}
		if k, err := audit.ParsePublicKeys(data); err == nil {
			t.Errorf("%s: ParsePublicKeys = %v, want an error", name, k)
		}
	}
}

func FuzzParsePublicKeys(f *testing.F) {
	good, _ := audit.ExportPublicKey(testSigner.Key.Public().(ed25519.PublicKey))
	f.Add(good)
	f.Add(append(bytes.Clone(good), good...))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := audit.ParsePublicKeys(data)
		if err != nil {
			return
		}
		for id, k := range keys {
			if len(k) != ed25519.PublicKeySize || audit.KeyID(k) != id {
				t.Fatalf("key %s: %x", id, k)
			}
		}
	})
}

func TestSignerNeverPrintsItsKey(t *testing.T) {
	seedHex := fmt.Sprintf("%x", testSigner.Key.Seed())
	for _, s := range []string{
		fmt.Sprint(audit.Options{Signer: testSigner}),
		fmt.Sprintf("%+v", audit.Options{Signer: testSigner}),
		fmt.Sprintf("%#v", audit.Options{Signer: testSigner}),
		fmt.Sprintf("%x", testSigner),
	} {
		if strings.Contains(s, seedHex) || strings.Contains(s, fmt.Sprint([]byte(testSigner.Key))) {
			t.Errorf("printed the private key: %s", s)
		}
	}
}
