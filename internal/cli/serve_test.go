package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/envelope"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `bulwark serve args…` until the test ends and returns
// the gateway's URL and the command's stdout.
func startServe(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- Run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), &stdout, &stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != ExitOK {
				t.Errorf("serve exited with %d: %s", code, stderr.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20 s of its context ending")
		}
	})
	addr := regexp.MustCompile(`(?:listening on |gateway listening on )(http://)?(127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := addr.FindStringSubmatch(stdout.String() + stderr.String()); m != nil {
			return "http://" + m[2], &stdout
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s%s", code, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start: %s%s", stdout.String(), stderr.String())
	return "", nil
}

func TestServeDemoAnswersTheCopyPasteExample(t *testing.T) {
	dir := t.TempDir()
	url, stdout := startServe(t, "--demo", "--addr", "127.0.0.1:0", "--data-dir", dir)
	m := regexp.MustCompile(`"username":"(demo@example.com)","password":"([^"]+)"`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no login example in the banner:\n%s", stdout.String())
	}
	body := fmt.Sprintf(`{"username":%q,"password":%q,"app_id":"demo-app","device_id":"ci"}`, m[1], m[2])
	resp, err := http.Post(url+"/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var tk struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tk)
	resp.Body.Close()
	if resp.StatusCode != 200 || tk.AccessToken == "" {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", url+"/v1/chat/completions", strings.NewReader(`{"model":"demo-chat","messages":[{"role":"user","content":"Hello, gateway!"}]}`))
	req.Header.Set("Authorization", "Bearer "+tk.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Choices) == 0 || !strings.Contains(out.Choices[0].Message.Content, "Hello, gateway!") {
		t.Fatalf("chat: %d %+v %v", resp.StatusCode, out, err)
	}
	for _, f := range []string{"bulwark.db", "master.key", "demo-credentials"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v: others can read it", f, st.Mode().Perm())
		}
	}
}

func TestServeRefusesAnInvalidConfigurationNamingTheField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulwark.yaml")
	os.WriteFile(path, []byte("server:\n  addr: nowhere\nauth:\n  access_token_ttl: 2h\nproviders:\n  - name: x\n    type: openai\n    base_url: http://api.example.com/v1\n"), 0o600)
	code, _, stderr := run(t, t.TempDir(), "serve", "--config", path)
	if code != ExitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, field := range []string{"server.addr", "auth.access_token_ttl", "providers[0].base_url"} {
		if !strings.Contains(stderr, field) {
			t.Errorf("error does not name %s:\n%s", field, stderr)
		}
	}
	code, _, stderr = run(t, t.TempDir(), "serve", "--config", writeFile(t, "server:\n  adress: x\n"))
	if code != ExitUsage || !strings.Contains(stderr, "adress") {
		t.Errorf("unknown key: exit %d: %s", code, stderr)
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "master.key")
	if _, err := envelope.GenerateKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "bulwark.db")
	cfg := writeFile(t, fmt.Sprintf(`server:
  addr: 127.0.0.1:0
storage:
  driver: sqlite
  dsn: %s
secrets:
  master_key_file: %s
providers:
  - name: demo
    type: demo
models:
  - name: chat
    provider: demo
    upstream: demo-1
apps:
  - id: demo-app
    models: ["*"]
    keep_text: true
audit:
  checkpoint_every: 2
log:
  level: warn
`, db, keyFile))
	url, _ := startServe(t, "--config", cfg)
	// A user made from the command line while the gateway runs (a second
	// writer of the same chain), then one kept-text call.
	var out0, err0 bytes.Buffer
	if code := Run(context.Background(), []string{"admin", "create-user", "ada", "--config", cfg}, strings.NewReader("a long enough password\n"), &out0, &err0); code != ExitOK {
		t.Fatalf("create-user: %d %s", code, err0.String())
	}
	resp, err := http.Post(url+"/v1/auth/login", "application/json", strings.NewReader(`{"username":"ada","password":"a long enough password","app_id":"demo-app"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tk struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tk)
	resp.Body.Close()
	req, _ := http.NewRequest("POST", url+"/v1/chat/completions", strings.NewReader(`{"model":"chat","messages":[{"role":"user","content":"the secret word is marmalade"}]}`))
	req.Header.Set("Authorization", "Bearer "+tk.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	requestID := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != 200 || requestID == "" {
		t.Fatalf("chat: %d", resp.StatusCode)
	}
	// A few events: failed logins.
	for range 5 {
		resp, err := http.Post(url+"/v1/auth/login", "application/json", strings.NewReader(`{"username":"nobody","password":"wrong password!","app_id":"demo-app"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Wait for the events, then verify while the gateway runs.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out, stderr := run(t, dir, "audit", "verify", "--config", cfg, "--json")
		if code != ExitOK {
			t.Fatalf("verify before tampering: exit %d %s %s", code, out, stderr)
		}
		var rep struct {
			Report struct{ Records int } `json:"report"`
		}
		_ = json.Unmarshal([]byte(out), &rep)
		if rep.Report.Records >= 8 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d records: %s", rep.Report.Records, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		code, out, stderr := run(t, dir, "audit", "show", "--config", cfg, "--request-id", requestID, "--text")
		if code == ExitOK {
			if !strings.Contains(out, "marmalade") {
				t.Errorf("show --text does not print the kept prompt: %s", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("show: exit %d %s %s", code, out, stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, out, stderr := run(t, dir, "audit", "show", "--config", cfg, "--request-id", "req_does_not_exist")
	if code != ExitUsage {
		t.Errorf("show of an unknown request: exit %d %s %s", code, out, stderr)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var victim int
	if err := raw.QueryRow(`SELECT MIN(seq) FROM audit_records WHERE decision = 'login_failed'`).Scan(&victim); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_records SET event = replace(event, '"status":401', '"status":200') WHERE seq = ?`, victim); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = run(t, dir, "audit", "verify", "--config", cfg)
	if code != ExitFindings || !strings.Contains(out, "TAMPERED") {
		t.Fatalf("verify after editing record %d: exit %d, %s %s; want 1 and a report", victim, code, out, stderr)
	}
	if !strings.Contains(out, fmt.Sprintf(`"seq":%d`, victim)) {
		t.Errorf("the report does not name record %d: %s", victim, out)
	}
}

func TestAdminCommandsAgainstTheDemo(t *testing.T) {
	dir := t.TempDir()
	url, _ := startServe(t, "--demo", "--addr", "127.0.0.1:0", "--data-dir", dir)
	creds, err := os.ReadFile(filepath.Join(dir, "demo-credentials"))
	if err != nil {
		t.Fatal(err)
	}
	password := regexp.MustCompile(`(?m)^admin admin (\S+)$`).FindSubmatch(creds)
	if password == nil {
		t.Fatalf("no admin in %s", creds)
	}
	admin := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"admin", "--url", url}, args...), strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, token, stderr := admin(string(password[1])+"\n", "login", "--username", "admin")
	if code != ExitOK || len(strings.TrimSpace(token)) < 100 {
		t.Fatalf("login: %d %q %s", code, token, stderr)
	}
	token = strings.TrimSpace(token)
	if code, _, stderr := admin("", "apps", "list"); code != ExitUsage || !strings.Contains(stderr, "BULWARK_ADMIN_TOKEN") {
		t.Errorf("without a token: exit %d %s", code, stderr)
	}
	steps := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"apps", "put", "kids-app", "--name", "Kids", "--model", "demo-chat", "--limits", `{"user":{"requests_per_minute":5}}`}, `"requests_per_minute": 5`},
		{"", []string{"apps", "list"}, "kids-app"},
		{"a long enough password\n", []string{"users", "create", "kid@example.com"}, `"username": "kid@example.com"`},
		{"", []string{"users", "list"}, "kid@example.com"},
		{"", []string{"providers", "list"}, "demo"},
		{"", []string{"audit", "query", "--decision", "admin"}, "put_app"},
		{"", []string{"audit", "verify"}, `"ok": true`},
	}
	for _, s := range steps {
		code, out, stderr := admin(s.stdin, append(s.args, "--token", token)...)
		if code != ExitOK || !strings.Contains(out, s.want) {
			t.Errorf("admin %v: exit %d, %q %s; want output with %q", s.args, code, out, stderr, s.want)
		}
	}
}
