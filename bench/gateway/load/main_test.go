package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPercentilesNearestRank(t *testing.T) {
	t.Parallel()
	v := make([]float64, 100)
	for i := range v {
		v[i] = float64(100 - i) // 100 … 1, unsorted
	}
	got := percentiles(v)
	want := stats{P50: 50, P90: 90, P99: 99, Max: 100, Mean: 50.5, N: 100}
	if got != want {
		t.Errorf("percentiles = %+v, want %+v", got, want)
	}
	if got := percentiles(nil); got != (stats{}) {
		t.Errorf("percentiles(nil) = %+v, want zero", got)
	}
}

func TestRun(t *testing.T) {
	var calls atomic.Int64
	var sawAuth atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/v1/auth/login":
			_, _ = io.WriteString(w, `{"access_token":"tok"}`)
			return
		case "/fail":
			if calls.Add(1)%2 == 0 {
				http.Error(w, "no", http.StatusTooManyRequests)
				return
			}
		}
		if r.Header.Get("Authorization") == "Bearer tok" && r.Header.Get("X-Extra") == "1" {
			sawAuth.Store(true)
		}
		w.Header().Set("X-Bulwark-Overhead-Ms", "0.250")
		if bytes.Contains(body, []byte(`"stream":true`)) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, "data: {\"choices\":[]}\n\n")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "data: [DONE]\n\n")
			return
		}
		_, _ = io.WriteString(w, `{"choices":[{"message":{"content":"hi"}}]}`)
	}))
	defer srv.Close()
	t.Setenv("BENCH_PASSWORD", "pw")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		check    func(t *testing.T, r result)
	}{
		{"non-streaming with login, header and overhead", []string{"-url", srv.URL + "/ok", "-login-url", srv.URL + "/v1/auth/login", "-username", "u", "-H", "X-Extra: 1",
			"-cpu-pid", "server=" + strconv.Itoa(os.Getpid())}, 0,
			func(t *testing.T, r result) {
				if _, ok := r.CPU["server"]; !ok {
					t.Errorf("cpu = %+v, want the server process", r.CPU)
				}
				if _, ok := r.CPU["load"]; !ok {
					t.Errorf("cpu = %+v, want the load generator itself", r.CPU)
				}
				if !sawAuth.Load() {
					t.Error("the server never saw the bearer token and extra header")
				}
				if r.Overhead == nil || r.Overhead.P50 != 0.25 {
					t.Errorf("overhead = %+v, want p50 0.25", r.Overhead)
				}
			}},
		{"streaming measures time to first byte", []string{"-url", srv.URL + "/ok", "-stream"}, 0,
			func(t *testing.T, r result) {
				if r.TTFB == nil || r.TTFB.N != r.Requests {
					t.Errorf("ttfb = %+v, want one per request (%d)", r.TTFB, r.Requests)
				}
			}},
		{"half the answers refused fails the run", []string{"-url", srv.URL + "/fail"}, 1,
			func(t *testing.T, r result) {
				if r.Passed || r.Non200 == 0 || r.Statuses[429] == 0 {
					t.Errorf("result = %+v, want failed with 429s counted", r)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"-c", "4", "-d", "200ms", "-warmup", "50ms"}, tt.args...)
			code := run(t.Context(), args, &out, &errOut)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantCode, errOut.String())
			}
			var r result
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("output %q: %v", out.String(), err)
			}
			if r.Requests == 0 && tt.wantCode == 0 {
				t.Fatalf("no requests measured: %+v", r)
			}
			tt.check(t, r)
		})
	}
}

func TestRefusesNonLoopbackTargets(t *testing.T) {
	t.Parallel()
	var errOut bytes.Buffer
	if code := run(t.Context(), []string{"-url", "http://192.0.2.1/v1/chat/completions"}, io.Discard, &errOut); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), "loopback") {
		t.Errorf("stderr = %q, want it to mention loopback", errOut.String())
	}
}
