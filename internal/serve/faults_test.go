package serve_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/gateway"
	"github.com/bulwark-security/bulwark/internal/serve"
)

func TestDatabaseDownAnswers503WithoutLeakingTheCause(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) { c.Audit.BlockTimeout, c.Audit.QueueSize = 100*time.Millisecond, 16 })
	tk := h.login(testUser, testApp, "pixel-8")
	h.brokenDB = true
	if err := h.srv.DB.Close(); err != nil {
		t.Fatal(err)
	}
	status, _, _ := h.call("GET", "/readyz", "", nil)
	if status != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database down: %d", status)
	}
	status, _, body := h.call("POST", "/v1/auth/login", "", map[string]string{"username": testUser, "password": testPassword, "app_id": "other-app"})
	if status != http.StatusServiceUnavailable {
		t.Fatalf("login with the database down: %d %s, want 503", status, body)
	}
	e := decodeError(t, body)
	if strings.Contains(strings.ToLower(e.Error.Message), "sql") || strings.Contains(e.Error.Message, "closed") {
		t.Errorf("the database's error reached the client: %q", e.Error.Message)
	}
	// A cached app and a cached verified token still identify the caller,
	// but the call cannot be recorded: refused, never served unrecorded.
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, _, body = h.call("POST", "/v1/chat/completions", tk.AccessToken, `{"model":"chat","messages":[{"role":"user","content":"x"}]}`)
		if status == http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
		// Until the audit queue fills up behind the failing database,
		// calls are accepted and their events wait in memory.
	}
	if status != http.StatusServiceUnavailable {
		t.Fatalf("chat with the audit log unable to write: %d %s, want 503", status, body)
	}
	if code := decodeError(t, body).Error.Code; code != "audit_unavailable" {
		t.Errorf("code = %q, want audit_unavailable", code)
	}
}

func TestServeTerminatesTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSigned(t, dir)
	h := newHarness(t) // for its configuration and users
	cfg := *h.cfg
	cfg.Server.Addr = "127.0.0.1:0"
	cfg.Server.TLSCertFile, cfg.Server.TLSKeyFile = certFile, keyFile
	cfg.Storage.DSN = filepath.Join(dir, "tls.db")
	srv, err := serve.Build(context.Background(), &cfg, serve.Options{Env: func(k string) string { return h.env[k] }, Argon2: fastArgon})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func(a string) { addrc <- a }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	addr := <-addrc
	pool := x509.NewCertPool()
	pemBytes, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(pemBytes)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("status %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	old := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost", MaxVersion: tls.VersionTLS11}}}
	if _, err := old.Get("https://" + addr + "/healthz"); err == nil {
		t.Error("a TLS 1.1 client was served")
	}
}

func writeSelfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

func TestOpsEndpointsOnTheirOwnListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opsAddr := ln.Addr().String()
	ln.Close()
	h := newHarness(t)
	cfg := *h.cfg
	cfg.Server.Addr, cfg.Server.OpsAddr = "127.0.0.1:0", opsAddr
	cfg.Storage.DSN = filepath.Join(t.TempDir(), "ops.db")
	srv, err := serve.Build(context.Background(), &cfg, serve.Options{Env: func(k string) string { return h.env[k] }, Argon2: fastArgon})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func(a string) { addrc <- a }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	addr := <-addrc
	get := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get("http://" + opsAddr + "/metrics"); st != 200 {
		t.Errorf("metrics on the ops listener: %d", st)
	}
	if st := get("http://" + addr + "/metrics"); st != 404 {
		t.Errorf("metrics on the apps' listener: %d, want 404", st)
	}
	if st := get("http://" + opsAddr + "/v1/models"); st != 404 {
		t.Errorf("the API on the ops listener: %d, want 404", st)
	}
}
