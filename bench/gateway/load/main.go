// Command load is the gateway benchmark's closed-loop load generator: C
// workers, each sending the same chat request again as soon as the last
// one finished, over kept-alive connections, for a warm-up and then D
// seconds of measurement. It prints one JSON line: requests per second,
// latency percentiles, and for streams the time to the first body byte
// and to the end. Errors and non-200 answers are counted apart; more than
// -max-error-rate of them fails the run (exit status 1, after the line).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// headerFlags collects repeated -H "Name: value" flags.
type headerFlags []string

func (h *headerFlags) String() string { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error {
	name, _, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("header %q: want \"Name: value\"", v)
	}
	*h = append(*h, v)
	return nil
}

type options struct {
	url            string
	concurrency    int
	duration       time.Duration
	warmup         time.Duration
	timeout        time.Duration
	stream         bool
	model          string
	maxTokens      int
	token          string
	loginURL       string
	username       string
	passwordEnv    string
	app            string
	device         string
	headers        headerFlags
	overheadHeader string
	maxErrorRate   float64
	target         string
	cpuPIDs        pidFlags
}

// pidFlags collects repeated -cpu-pid NAME=PID flags: processes whose CPU
// time over the measured window is reported.
type pidFlags []namedPID

type namedPID struct {
	name string
	pid  int
}

func (p *pidFlags) String() string { return fmt.Sprint(*p) }
func (p *pidFlags) Set(v string) error {
	name, id, ok := strings.Cut(v, "=")
	pid, err := strconv.Atoi(id)
	if !ok || name == "" || err != nil || pid <= 0 {
		return fmt.Errorf("%q: want NAME=PID", v)
	}
	*p = append(*p, namedPID{name, pid})
	return nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "", "chat completions URL, e.g. http://127.0.0.1:9000/v1/chat/completions")
	fs.IntVar(&o.concurrency, "c", 32, "concurrent workers (closed loop)")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "measured duration")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before measuring (not recorded)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "bound of one request")
	fs.BoolVar(&o.stream, "stream", false, "send \"stream\":true and read the SSE answer")
	fs.StringVar(&o.model, "model", "bench-chat", "model name sent in the request")
	fs.IntVar(&o.maxTokens, "max-tokens", 64, "max_tokens sent in the request")
	fs.StringVar(&o.token, "token", "", "send Authorization: Bearer TOKEN")
	fs.StringVar(&o.loginURL, "login-url", "", "log in first (POST {username,password,app_id}) and use the access_token")
	fs.StringVar(&o.username, "username", "", "login username")
	fs.StringVar(&o.passwordEnv, "password-env", "BENCH_PASSWORD", "environment variable holding the login password")
	fs.StringVar(&o.app, "app", "bench-app", "login app_id")
	fs.StringVar(&o.device, "device", "bench-device", "login device_id (empty for none)")
	fs.Var(&o.headers, "H", "extra request header \"Name: value\" (repeatable)")
	fs.StringVar(&o.overheadHeader, "overhead-header", "X-Bulwark-Overhead-Ms", "response header with the gateway's own time in ms, collected when present")
	fs.Float64Var(&o.maxErrorRate, "max-error-rate", 0.01, "fail when more than this fraction of requests fail")
	fs.StringVar(&o.target, "target", "", "label echoed in the output")
	fs.Var(&o.cpuPIDs, "cpu-pid", "NAME=PID: report the CPU time of this process over the measured window (repeatable; Linux)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	u, err := url.Parse(o.url)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return o, fmt.Errorf("-url %q: want http(s)://host:port/path", o.url)
	case !isLoopback(u.Hostname()):
		return o, fmt.Errorf("-url %q: only loopback targets are allowed", o.url)
	case o.concurrency < 1 || o.concurrency > 4096:
		return o, fmt.Errorf("-c %d: want 1 to 4096", o.concurrency)
	case o.duration <= 0 || o.duration > 10*time.Minute:
		return o, fmt.Errorf("-d %s: want more than 0 and at most 10m", o.duration)
	case o.warmup < 0 || o.warmup > time.Minute:
		return o, fmt.Errorf("-warmup %s: want 0 to 1m", o.warmup)
	case o.timeout <= 0 || o.timeout > 5*time.Minute:
		return o, fmt.Errorf("-timeout %s: want more than 0 and at most 5m", o.timeout)
	case o.loginURL != "" && o.username == "":
		return o, errors.New("-login-url needs -username")
	}
	return o, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "load: %v\n", err)
		}
		return 2
	}
	// Everything is bounded: the whole run cannot outlast this.
	ctx, cancel := context.WithTimeout(ctx, o.warmup+o.duration+o.timeout+30*time.Second)
	defer cancel()

	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2*o.concurrency + 16,
		MaxIdleConnsPerHost: 2*o.concurrency + 16,
		IdleConnTimeout:     90 * time.Second,
		// No Accept-Encoding: every target sends the same plain bytes.
		DisableCompression: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: o.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	header := http.Header{"Content-Type": {"application/json"}}
	if o.stream {
		header.Set("Accept", "text/event-stream")
	}
	for _, h := range o.headers {
		name, value, _ := strings.Cut(h, ":")
		header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	token := o.token
	if o.loginURL != "" {
		token, err = login(ctx, client, o)
		if err != nil {
			// Still one line, so that the report shows the failure.
			res := summarize(o, nil, 0)
			res.FirstError = "login: " + err.Error()
			line, _ := json.Marshal(res)
			fmt.Fprintf(stdout, "%s\n", line)
			fmt.Fprintf(stderr, "load: FAILED %s: login: %v\n", o.target, err)
			return 1
		}
	}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	body, err := requestBody(o)
	if err != nil {
		fmt.Fprintf(stderr, "load: %v\n", err)
		return 2
	}

	res := measure(ctx, client, o, header, body)
	line, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintf(stderr, "load: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", line)
	if !res.Passed {
		fmt.Fprintf(stderr, "load: FAILED %s: %d of %d requests failed (%.2f%% > %.2f%%): %d transport errors, %d non-200 %v, %d bad bodies; first: %s\n",
			o.target, res.Failed, res.Requests+res.Failed, 100*res.ErrorRate, 100*o.maxErrorRate,
			res.Errors, res.Non200, res.Statuses, res.BadBody, res.FirstError)
		return 1
	}
	return 0
}

func requestBody(o options) ([]byte, error) {
	req := map[string]any{
		"model":      o.model,
		"messages":   []map[string]string{{"role": "user", "content": "Say hello to the benchmark in one short sentence."}},
		"max_tokens": o.maxTokens,
	}
	if o.stream {
		req["stream"] = true
	}
	return json.Marshal(req)
}

// login gets an access token from the gateway.
func login(ctx context.Context, client *http.Client, o options) (string, error) {
	password := os.Getenv(o.passwordEnv)
	if password == "" {
		return "", fmt.Errorf("no password in $%s", o.passwordEnv)
	}
	b, _ := json.Marshal(map[string]string{"username": o.username, "password": password, "app_id": o.app, "device_id": o.device})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.loginURL, bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, truncate(string(data), 300))
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("no access_token in the answer (%v)", err)
	}
	return out.AccessToken, nil
}

// sample is one measured request.
type sample struct {
	total    time.Duration
	ttfb     time.Duration
	overhead float64 // ms; NaN when the header was absent
}

// tally is one worker's record; merged at the end.
type tally struct {
	samples  []sample
	errors   int
	non200   int
	badBody  int
	statuses map[int]int
	first    string
}

func (t *tally) fail(msg string) {
	if t.first == "" {
		t.first = truncate(msg, 300)
	}
}

func measure(ctx context.Context, client *http.Client, o options, header http.Header, body []byte) result {
	start := time.Now()
	measureFrom := start.Add(o.warmup)
	end := measureFrom.Add(o.duration)
	tallies := make([]tally, o.concurrency)
	var wg sync.WaitGroup
	for i := range tallies {
		tallies[i] = tally{statuses: map[int]int{}, samples: make([]sample, 0, 4096)}
		wg.Add(1)
		go func(t *tally) {
			defer wg.Done()
			w := worker{client: client, o: o, header: header, body: body, buf: new(bytes.Buffer)}
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				s, ok := w.do(ctx, t)
				if ok && !t0.Before(measureFrom) {
					t.samples = append(t.samples, s)
				}
			}
		}(&tallies[i])
	}
	// CPU time is sampled when the warm-up ends and when the last worker
	// is done.
	before := make(chan cpuSample, 1)
	go func() {
		select {
		case <-time.After(time.Until(measureFrom)):
		case <-ctx.Done():
		}
		before <- sampleCPU(o.cpuPIDs)
	}()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	elapsed := time.Since(measureFrom)
	after := sampleCPU(o.cpuPIDs)
	if elapsed > o.duration+o.timeout {
		elapsed = o.duration
	}
	r := summarize(o, tallies, elapsed)
	var b cpuSample
	select {
	case b = <-before:
	case <-time.After(time.Second):
	}
	r.CPU = cpuUse(b, after, elapsed, r.Requests)
	return r
}

// cpuSample is the CPU time (user + system) of each named process, and
// of this one under "load".
type cpuSample map[string]time.Duration

func sampleCPU(pids pidFlags) cpuSample {
	s := cpuSample{}
	if d, err := processCPU("self"); err == nil {
		s["load"] = d
	}
	for _, p := range pids {
		if d, err := processCPU(strconv.Itoa(p.pid)); err == nil {
			s[p.name] = d
		}
	}
	if busy, steal, err := machineCPU(); err == nil {
		s["machine"], s["steal"] = busy, steal
	}
	return s
}

// machineCPU reads the time all CPUs were busy (everything but idle,
// iowait and steal) and stolen by the hypervisor, from /proc/stat.
func machineCPU() (busy, steal time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, errors.New("unexpected /proc/stat format")
	}
	// user nice system idle iowait irq softirq steal
	var v [8]int64
	for i := range v {
		if v[i], err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
			return 0, 0, err
		}
	}
	tick := 10 * time.Millisecond
	return time.Duration(v[0]+v[1]+v[2]+v[5]+v[6]) * tick, time.Duration(v[7]) * tick, nil
}

// processCPU reads utime and stime from /proc/PID/stat, in clock ticks
// of 1/100 s (USER_HZ, fixed on Linux).
func processCPU(pid string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is parenthesized and may hold spaces:
	// count fields after its closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc stat format")
	}
	f := strings.Fields(string(b[i+1:]))
	// After ")": state is field 3, so utime (14) and stime (15) are at 11, 12.
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc stat format")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("unexpected /proc stat format")
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// cpu is one process's use of the CPUs over the measured window.
type cpu struct {
	Cores     float64 `json:"cores"`      // CPU seconds per second
	USPerReq  float64 `json:"us_per_req"` // CPU microseconds per measured request
	CPUMillis float64 `json:"cpu_ms"`
}

func cpuUse(before, after cpuSample, elapsed time.Duration, requests int) map[string]cpu {
	out := map[string]cpu{}
	for name, a := range after {
		b, ok := before[name]
		if !ok || elapsed <= 0 {
			continue
		}
		d := a - b
		c := cpu{Cores: round3(d.Seconds() / elapsed.Seconds()), CPUMillis: round3(ms(d))}
		if requests > 0 {
			c.USPerReq = round3(float64(d.Microseconds()) / float64(requests))
		}
		out[name] = c
	}
	return out
}

type worker struct {
	client *http.Client
	o      options
	header http.Header
	body   []byte
	buf    *bytes.Buffer
	chunk  [32 << 10]byte
}

var (
	doneMarker  = []byte("data: [DONE]")
	choicesMark = []byte(`"choices"`)
)

// do sends one request and reads the whole answer. ok is false when the
// request failed (counted in t, whether or not measuring has begun:
// failures in the warm-up are failures too).
func (w *worker) do(ctx context.Context, t *tally) (sample, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.o.url, bytes.NewReader(w.body))
	if err != nil {
		t.errors++
		t.fail(err.Error())
		return sample{}, false
	}
	req.Header = w.header.Clone()
	t0 := time.Now()
	resp, err := w.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return sample{}, false // the run's bound, not the target's failure
		}
		t.errors++
		t.fail(err.Error())
		return sample{}, false
	}
	defer resp.Body.Close()
	s := sample{overhead: math.NaN()}
	if v := resp.Header.Get(w.o.overheadHeader); v != "" && w.o.overheadHeader != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			s.overhead = f
		}
	}
	w.buf.Reset()
	for {
		n, err := resp.Body.Read(w.chunk[:])
		if n > 0 {
			if w.buf.Len() == 0 {
				s.ttfb = time.Since(t0)
			}
			if w.buf.Len() < 1<<20 {
				w.buf.Write(w.chunk[:n])
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return sample{}, false
			}
			t.errors++
			t.fail("read body: " + err.Error())
			return sample{}, false
		}
	}
	s.total = time.Since(t0)
	if resp.StatusCode != http.StatusOK {
		t.non200++
		t.statuses[resp.StatusCode]++
		t.fail(fmt.Sprintf("HTTP %d: %s", resp.StatusCode, w.buf.String()))
		return sample{}, false
	}
	t.statuses[resp.StatusCode]++
	b := w.buf.Bytes()
	if w.o.stream && !bytes.HasSuffix(bytes.TrimSpace(b), doneMarker) || !w.o.stream && !bytes.Contains(b, choicesMark) {
		t.badBody++
		t.fail("unexpected body: " + string(b))
		return sample{}, false
	}
	return s, true
}

// stats are percentiles in milliseconds.
type stats struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	N    int     `json:"n"`
}

type result struct {
	Target      string         `json:"target"`
	Mode        string         `json:"mode"`
	Concurrency int            `json:"concurrency"`
	DurationS   float64        `json:"duration_s"`
	Requests    int            `json:"requests"` // measured, successful
	Failed      int            `json:"failed"`   // warm-up included
	Errors      int            `json:"errors"`
	Non200      int            `json:"non_200"`
	BadBody     int            `json:"bad_body"`
	Statuses    map[int]int    `json:"statuses"`
	ErrorRate   float64        `json:"error_rate"`
	RPS         float64        `json:"rps"`
	Latency     stats          `json:"latency_ms"`
	TTFB        *stats         `json:"ttfb_ms,omitempty"`
	Overhead    *stats         `json:"overhead_ms,omitempty"`
	CPU         map[string]cpu `json:"cpu,omitempty"`
	FirstError  string         `json:"first_error,omitempty"`
	Passed      bool           `json:"passed"`
}

func summarize(o options, tallies []tally, elapsed time.Duration) result {
	r := result{Target: o.target, Mode: "non-stream", Concurrency: o.concurrency, DurationS: round3(elapsed.Seconds()), Statuses: map[int]int{}}
	if o.stream {
		r.Mode = "stream"
	}
	var total, ttfb, overhead []float64
	for _, t := range tallies {
		for _, s := range t.samples {
			total = append(total, ms(s.total))
			ttfb = append(ttfb, ms(s.ttfb))
			if !math.IsNaN(s.overhead) {
				overhead = append(overhead, s.overhead)
			}
		}
		r.Errors += t.errors
		r.Non200 += t.non200
		r.BadBody += t.badBody
		for k, v := range t.statuses {
			r.Statuses[k] += v
		}
		if r.FirstError == "" {
			r.FirstError = t.first
		}
	}
	r.Requests = len(total)
	r.Failed = r.Errors + r.Non200 + r.BadBody
	if n := r.Requests + r.Failed; n > 0 {
		r.ErrorRate = round3(float64(r.Failed) / float64(n))
	}
	if elapsed > 0 {
		r.RPS = round3(float64(r.Requests) / elapsed.Seconds())
	}
	r.Latency = percentiles(total)
	if o.stream {
		s := percentiles(ttfb)
		r.TTFB = &s
	}
	if len(overhead) > 0 {
		s := percentiles(overhead)
		r.Overhead = &s
	}
	r.Passed = r.Requests > 0 && r.ErrorRate <= o.maxErrorRate
	if r.Requests == 0 && r.FirstError == "" {
		r.FirstError = "no request completed in the measured window"
	}
	return r
}

// percentiles uses the nearest-rank method.
func percentiles(v []float64) stats {
	if len(v) == 0 {
		return stats{}
	}
	slices.Sort(v)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(v)))) - 1
		return round3(v[max(0, min(i, len(v)-1))])
	}
	var sum float64
	for _, x := range v {
		sum += x
	}
	return stats{P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: round3(v[len(v)-1]), Mean: round3(sum / float64(len(v))), N: len(v)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
