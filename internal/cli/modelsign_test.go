package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// runModel runs `bulwark model …` with the model commands registered
// under a root built here, mapping errors to exit codes as Run does
// (a notVerifiedError is exit 1).
func runModel(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, logger: slog.New(slog.DiscardHandler)}
	root := &cobra.Command{Use: "bulwark", SilenceUsage: true, SilenceErrors: true}
	model := &cobra.Command{Use: "model"}
	model.AddCommand(newModelSign(e), newModelVerify(e))
	root.AddCommand(model)
	root.SetArgs(append([]string{"model"}, args...))
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	err := root.ExecuteContext(context.Background())
	code := ExitOK
	switch {
	case err == nil:
	case errors.As(err, new(notVerifiedError)):
		errb.WriteString("bulwark: " + err.Error() + "\n")
		code = ExitFindings
	default:
		errb.WriteString("bulwark: " + err.Error() + "\n")
		code = ExitUsage
	}
	return code, out.String(), errb.String()
}

func mtCorpus(t *testing.T) string {
	t.Helper()
	c, ok := testcorpus.Find()
	dir := filepath.Join(c, "models", "model-transparency")
	if _, err := os.Stat(dir); !ok || err != nil {
		t.Skip("reference OMS bundles: ../shared/corpus/models absent")
	}
	return dir
}

// TestModelVerifyReferenceBundles runs verify on every reference bundle.
func TestModelVerifyReferenceBundles(t *testing.T) {
	dir := mtCorpus(t)
	pub := filepath.Join(dir, "keys", "certificate", "signing-key-pub.pem")
	ca := filepath.Join(dir, "keys", "certificate", "ca-cert.pem")
	tests := []struct {
		bundle, model string
		trust         []string
		wantCode      int
		wantOut       string
	}{
		{"v0.2.0-certificate", "", []string{"--certificate-root", ca}, ExitOK, "2 files signed by certificate"},
		{"v0.3.1-certificate", "", []string{"--certificate-root", ca}, ExitOK, "2 files"},
		{"v1.0.0-certificate", "", []string{"--certificate-root", ca}, ExitOK, "2 files"},
		{"v1.0.1-certificate", "", []string{"--certificate-root", ca}, ExitOK, "2 files"},
		{"v1.1.0-certificate", "", []string{"--certificate-root", ca}, ExitOK, "2 files"},
		{"v0.3.1-elliptic-key", "signme-1", []string{"--key", pub}, ExitOK, "1 file signed by key"},
		{"v1.0.0-elliptic-key", "signme-1", []string{"--key", pub}, ExitOK, "1 file signed by key"},
		{"v1.0.1-elliptic-key", "", []string{"--key", pub}, ExitOK, "2 files signed by key"},
		{"v1.1.0-elliptic-key", "", []string{"--key", pub}, ExitOK, "2 files signed by key e8450dec"},
		{"v1.1.0-elliptic-key", "", []string{"--certificate-root", ca}, ExitFindings, ""},
		{"v0.3.1-sigstore", "", []string{"--certificate-root", ca}, ExitUsage, ""},
		{"v1.1.0-sigstore", "", []string{"--certificate-root", ca}, ExitUsage, ""},
	}
	for _, tt := range tests {
		name := tt.bundle + " " + tt.trust[0]
		t.Run(name, func(t *testing.T) {
			folder := filepath.Join(dir, tt.bundle)
			args := append([]string{"verify", filepath.Join(folder, tt.model), "--signature", filepath.Join(folder, "model.sig"),
				"--ignore-paths", filepath.Join(folder, "ignore-me")}, tt.trust...)
			code, stdout, stderr := runModel(t, args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", stdout, tt.wantOut)
			}
			if tt.wantCode == ExitUsage && !strings.Contains(stderr, "unsupported") {
				t.Errorf("stderr %q does not say unsupported", stderr)
			}
		})
	}
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// keyFiles writes a fresh key pair and returns the private and public PEM paths.
func keyFiles(t *testing.T, dir string, c elliptic.Curve, name string) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	privPath, pubPath := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-pub.pem")
	writePEM(t, privPath, "PRIVATE KEY", priv)
	writePEM(t, pubPath, "PUBLIC KEY", pub)
	return privPath, pubPath
}

func TestModelSignVerify(t *testing.T) {
	tmp := t.TempDir()
	priv, pub := keyFiles(t, tmp, elliptic.P384(), "k")
	_, otherPub := keyFiles(t, tmp, elliptic.P256(), "other")
	model := filepath.Join(tmp, "model")
	os.MkdirAll(filepath.Join(model, "weights"), 0o755)
	os.WriteFile(filepath.Join(model, "weights", "w.bin"), bytes.Repeat([]byte{7}, 10000), 0o644)
	os.WriteFile(filepath.Join(model, "config.json"), []byte(`{}`), 0o644)
	os.WriteFile(filepath.Join(model, "notes.txt"), []byte(`local notes`), 0o644)
	sig := filepath.Join(model, "model.sig") // inside the model: ignored automatically

	code, stdout, stderr := runModel(t, "sign", model, "--key", priv, "--signature", sig, "--ignore-paths", filepath.Join(model, "notes.txt"), "--shard-size", "4096")
	if code != ExitOK {
		t.Fatalf("sign: exit %d; %s %s", code, stdout, stderr)
	}
	verify := func(args ...string) (int, string, string) {
		return runModel(t, append([]string{"verify", model, "--signature", sig}, args...)...)
	}
	if code, stdout, stderr := verify("--key", pub); code != ExitOK || !strings.Contains(stdout, "4 shards") {
		t.Fatalf("verify: exit %d; stdout %q stderr %q", code, stdout, stderr)
	}
	tests := []struct {
		name       string
		change     func()
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"another key is not verified", func() {}, []string{"--key", otherPub}, ExitFindings, "signature does not verify"},
		{"a modified file is not verified and named", func() {
			os.WriteFile(filepath.Join(model, "config.json"), []byte(`{"x":1}`), 0o644)
		}, []string{"--key", pub}, ExitFindings, "modified: config.json"},
		{"an added file is named", func() {
			os.WriteFile(filepath.Join(model, "weights", "extra.pkl"), []byte(`x`), 0o644)
		}, []string{"--key", pub}, ExitFindings, "added: weights/extra.pkl"},
		{"key and root together are a usage error", func() {}, []string{"--key", pub, "--certificate-root", pub}, ExitUsage, "exactly one of"},
		{"no trust at all is a usage error", func() {}, nil, ExitUsage, "exactly one of"},
		{"a missing key file is an error", func() {}, []string{"--key", filepath.Join(tmp, "nope.pem")}, ExitUsage, "no such file"},
		{"a private key given as public key is an error", func() {}, []string{"--key", priv}, ExitUsage, "PUBLIC KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change()
			code, stdout, stderr := verify(tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d (want %d); stderr %q (want %q); stdout %q", code, tt.wantCode, stderr, tt.wantStderr, stdout)
			}
		})
	}
	t.Run("a missing signature file is an error", func(t *testing.T) {
		code, _, stderr := runModel(t, "verify", model, "--key", pub, "--signature", filepath.Join(tmp, "none.sig"))
		if code != ExitUsage || !strings.Contains(stderr, "--signature") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("sign without a key is a usage error", func(t *testing.T) {
		code, _, stderr := runModel(t, "sign", model)
		if code != ExitUsage || !strings.Contains(stderr, "--key is required") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("an unknown hash is a usage error", func(t *testing.T) {
		code, _, stderr := runModel(t, "sign", model, "--key", priv, "--hash", "md5")
		if code != ExitUsage || !strings.Contains(stderr, "--hash") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}

// TestModelSignWithReferenceCertificate signs with the reference's key and
// certificate chain; the result verifies against the reference's root.
func TestModelSignWithReferenceCertificate(t *testing.T) {
	dir := mtCorpus(t)
	keys := filepath.Join(dir, "keys", "certificate")
	tmp := t.TempDir()
	sig := filepath.Join(tmp, "ours.sig")
	model := filepath.Join(dir, "v1.1.0-certificate")
	ignore := filepath.Join(model, "ignore-me")
	code, _, stderr := runModel(t, "sign", model, "--key", filepath.Join(keys, "signing-key.pem"), "--signature", sig,
		"--certificate-chain", filepath.Join(keys, "int-ca-cert.pem"), "--certificate-chain", filepath.Join(keys, "signing-key-cert.pem"),
		"--ignore-paths", ignore, "--ignore-paths", filepath.Join(model, "model.sig"))
	if code != ExitOK {
		t.Fatalf("sign: exit %d; %s", code, stderr)
	}
	code, stdout, stderr := runModel(t, "verify", model, "--signature", sig, "--certificate-root", filepath.Join(keys, "ca-cert.pem"))
	if code != ExitOK || !strings.Contains(stdout, `certificate "CN=intermediate-ca"`) {
		t.Fatalf("verify: exit %d; stdout %q stderr %q", code, stdout, stderr)
	}
}
