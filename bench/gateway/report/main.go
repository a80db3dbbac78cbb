// Command report turns the load generator's JSON lines into the
// benchmark's Markdown report: one table of every measurement (target ×
// mode × concurrency) compared with the direct baseline and the bare
// reverse proxy, the gateway's own X-Bulwark-Overhead-Ms as the load
// generator saw it, and the gateway's goals checked against the numbers.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		log.SetFlags(0)
		log.Fatalf("report: %v", err)
	}
}

// Target names as run.sh labels them.
const (
	direct  = "direct"
	bare    = "bare-proxy"
	bulwark = "bulwark"
	portkey = "portkey"
)

// The goals the gateway is judged against (DESIGN.md, and the brief of
// this benchmark).
const (
	goalOverheadP50 = 1.0  // ms added at p50
	goalOverheadP99 = 5.0  // ms added at p99
	goalRPS         = 5000 // non-streaming, on this machine
	goalVsBare      = 0.67 // share of the bare proxy's req/s
	goalVsPortkey   = 3.0  // times Portkey's req/s
)

type stats struct {
	P50, P90, P99, Max, Mean float64
	N                        int
}

type result struct {
	Target      string      `json:"target"`
	Mode        string      `json:"mode"`
	Concurrency int         `json:"concurrency"`
	Requests    int         `json:"requests"`
	Failed      int         `json:"failed"`
	Statuses    map[int]int `json:"statuses"`
	ErrorRate   float64     `json:"error_rate"`
	RPS         float64     `json:"rps"`
	Latency     stats       `json:"latency_ms"`
	TTFB        *stats      `json:"ttfb_ms"`
	Overhead    *stats      `json:"overhead_ms"`
	CPU         map[string]struct {
		Cores    float64 `json:"cores"`
		USPerReq float64 `json:"us_per_req"`
	} `json:"cpu"`
	FirstError string `json:"first_error"`
	Passed     bool   `json:"passed"`
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, "; ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	in := fs.String("in", "", "JSON lines from the load generator (default standard input)")
	var meta, notes listFlag
	fs.Var(&meta, "meta", "KEY=VALUE shown under the title (repeatable, in order)")
	fs.Var(&notes, "note", "a note shown under the tables (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r := stdin
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	results, err := read(r)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, render(results, meta, notes))
	return err
}

func read(r io.Reader) ([]result, error) {
	var out []result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var res result
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			return nil, fmt.Errorf("line %q: %w", truncate(line, 80), err)
		}
		out = append(out, res)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no results")
	}
	return out, nil
}

type key struct {
	target, mode string
	c            int
}

func index(results []result) map[key]result {
	m := map[key]result{}
	for _, r := range results {
		m[key{r.Target, r.Mode, r.Concurrency}] = r
	}
	return m
}

var targetOrder = []string{direct, bare, bulwark, portkey}

func render(results []result, meta, notes []string) string {
	by := index(results)
	var b strings.Builder
	b.WriteString("# Gateway benchmark\n\n")
	for _, m := range meta {
		k, v, _ := strings.Cut(m, "=")
		fmt.Fprintf(&b, "- %s: %s\n", k, v)
	}
	b.WriteString("\n## Results\n\n")
	b.WriteString("Closed loop: C workers send the same chat request back to back; times are milliseconds as the load generator saw them. " +
		"\"added\" is the target's percentile minus the direct-to-mock percentile of the same mode and concurrency; " +
		"\"× bare\" is the target's req/s over the bare reverse proxy's. " +
		"CPU is each process's user + system time over the measured window, in cores (of the machine's CPUs): the target, the mock upstream behind it, the load generator, and everything else the machine ran meanwhile " +
		"(other processes and kernel work charged to none; steal, time the hypervisor gave to other machines, is shown apart when there was any); " +
		"µs/req is the target's CPU time per request.\n\n")
	b.WriteString("| target | mode | C | req/s | p50 | p90 | p99 | max | added p50 / p99 vs direct | × bare proxy | TTFB p50 / p99 (streams) | CPU cores target / mock / load / others | target CPU µs/req |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	rows := slices.Clone(results)
	slices.SortStableFunc(rows, func(x, y result) int {
		if c := strings.Compare(modeRank(x.Mode), modeRank(y.Mode)); c != 0 {
			return c
		}
		if x.Concurrency != y.Concurrency {
			return y.Concurrency - x.Concurrency
		}
		return slices.Index(targetOrder, x.Target) - slices.Index(targetOrder, y.Target)
	})
	for _, r := range rows {
		if !r.Passed {
			fmt.Fprintf(&b, "| %s | %s | %d | **FAILED**: %d ok, %d failed (%.1f%%), statuses %v: %s | | | | | | | | | |\n",
				r.Target, r.Mode, r.Concurrency, r.Requests, r.Failed, 100*r.ErrorRate, r.Statuses, cell(r.FirstError))
			continue
		}
		added, ratio, ttfb := "—", "—", "—"
		if d, ok := by[key{direct, r.Mode, r.Concurrency}]; ok && d.Passed && r.Target != direct {
			added = fmt.Sprintf("%+.3f / %+.3f", r.Latency.P50-d.Latency.P50, r.Latency.P99-d.Latency.P99)
		}
		if p, ok := by[key{bare, r.Mode, r.Concurrency}]; ok && p.Passed && p.RPS > 0 && r.Target != bare {
			ratio = fmt.Sprintf("%.2f×", r.RPS/p.RPS)
		}
		if r.TTFB != nil {
			ttfb = fmt.Sprintf("%.3f / %.3f", r.TTFB.P50, r.TTFB.P99)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %.0f | %.3f | %.3f | %.3f | %.3f | %s | %s | %s | %s | %s |\n",
			r.Target, r.Mode, r.Concurrency, r.RPS, r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max, added, ratio, ttfb,
			cpuCores(r), cpuPerReq(r))
	}

	var over []result
	for _, r := range rows {
		if r.Target == bulwark && r.Passed && r.Overhead != nil {
			over = append(over, r)
		}
	}
	if len(over) > 0 {
		b.WriteString("\n### Bulwark's own time (X-Bulwark-Overhead-Ms)\n\n")
		b.WriteString("The gateway stamps each answer with the time the request spent in it, upstream excluded, up to the response headers; " +
			"it does not see the time a request waits in the kernel or for a CPU before the handler runs, which \"added vs direct\" does.\n\n")
		b.WriteString("| mode | C | p50 ms | p90 ms | p99 ms | max ms | answers with the header |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, r := range over {
			o := r.Overhead
			fmt.Fprintf(&b, "| %s | %d | %.3f | %.3f | %.3f | %.3f | %d of %d |\n", r.Mode, r.Concurrency, o.P50, o.P90, o.P99, o.Max, o.N, r.Requests)
		}
	}

	var noisy []string
	worst := 0.0
	for _, r := range rows {
		if o, ok := others(r); ok && o > busyOthers {
			noisy = append(noisy, fmt.Sprintf("%s %s C=%d", r.Target, r.Mode, r.Concurrency))
			worst = max(worst, o)
		}
	}
	if len(noisy) > 0 {
		fmt.Fprintf(&b, "\n**Warning: the machine was not quiet.** Other processes used more than %.2f cores (up to %.2f) during %d measurement(s): %s. "+
			"Their numbers are lower than this machine can reach; run again when nothing else runs.\n",
			busyOthers, worst, len(noisy), strings.Join(noisy, ", "))
	}

	b.WriteString("\n## Goals\n\n| goal | measured | verdict |\n|---|---|---|\n")
	for _, g := range goals(by) {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", g.name, g.measured, g.verdict)
	}
	if len(notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

func modeRank(m string) string {
	if m == "non-stream" {
		return "0"
	}
	return "1" + m
}

// cpuCores shows target / mock / load / others cores ("—" for what was
// not sampled; direct has no separate mock). Others is the machine's busy
// time less the three: other processes, and kernel work charged to none.
func cpuCores(r result) string {
	if len(r.CPU) == 0 {
		return "—"
	}
	var parts []string
	for _, name := range []string{"target", "mock", "load"} {
		c, ok := r.CPU[name]
		switch {
		case ok:
			parts = append(parts, fmt.Sprintf("%.2f", c.Cores))
		case name == "mock" && r.Target == direct:
			parts = append(parts, "=")
		default:
			parts = append(parts, "—")
		}
	}
	if o, ok := others(r); ok {
		parts = append(parts, fmt.Sprintf("%.2f", o))
	} else {
		parts = append(parts, "—")
	}
	out := strings.Join(parts, " / ")
	if st, ok := r.CPU["steal"]; ok && st.Cores >= 0.01 {
		out += fmt.Sprintf(" (steal %.2f)", st.Cores)
	}
	return out
}

// others is the CPU the machine spent on anything but the target, the
// mock and the load generator during a measurement.
func others(r result) (float64, bool) {
	m, ok := r.CPU["machine"]
	if !ok {
		return 0, false
	}
	o := m.Cores
	for _, name := range []string{"target", "mock", "load"} {
		o -= r.CPU[name].Cores
	}
	return max(o, 0), true
}

// busyOthers is the threshold above which a measurement is flagged as
// taken on a machine that was not quiet.
const busyOthers = 0.25

func cpuPerReq(r result) string {
	c, ok := r.CPU["target"]
	if !ok || r.Requests == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", c.USPerReq)
}

type goal struct{ name, measured, verdict string }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func goals(by map[key]result) []goal {
	get := func(target, mode string, c int) (result, bool) {
		r, ok := by[key{target, mode, c}]
		return r, ok && r.Passed
	}
	var cs []int
	for k := range by {
		if !slices.Contains(cs, k.c) {
			cs = append(cs, k.c)
		}
	}
	slices.Sort(cs)
	var gs []goal
	if len(cs) == 0 {
		return gs
	}
	hi := cs[len(cs)-1]
	for _, mode := range []string{"non-stream", "stream"} {
		for _, c := range cs {
			g, okG := get(bulwark, mode, c)
			d, okD := get(direct, mode, c)
			if !okG || !okD {
				continue
			}
			p50, p99 := g.Latency.P50-d.Latency.P50, g.Latency.P99-d.Latency.P99
			measured := fmt.Sprintf("p50 %+.3f ms, p99 %+.3f ms", p50, p99)
			if b, ok := get(bare, mode, c); ok {
				// For scale: what one bare hop adds under the same load.
				measured += fmt.Sprintf(" (bare proxy: %+.3f / %+.3f)", b.Latency.P50-d.Latency.P50, b.Latency.P99-d.Latency.P99)
			}
			name := fmt.Sprintf("added latency p50 < %.0f ms, p99 < %.0f ms (%s, C=%d)", goalOverheadP50, goalOverheadP99, mode, c)
			if c > 1 {
				name += ", CPUs saturated: includes queueing for a CPU"
			}
			gs = append(gs, goal{name, measured, verdict(p50 < goalOverheadP50 && p99 < goalOverheadP99)})
		}
	}
	for _, mode := range []string{"non-stream", "stream"} {
		g, okG := get(bulwark, mode, hi)
		if !okG {
			continue
		}
		if mode == "non-stream" {
			gs = append(gs, goal{fmt.Sprintf("≥ %d req/s (%s, C=%d, 2 cores shared with load and upstream)", goalRPS, mode, hi),
				fmt.Sprintf("%.0f req/s", g.RPS), verdict(g.RPS >= goalRPS)})
		}
		if p, ok := get(bare, mode, hi); ok && p.RPS > 0 {
			gs = append(gs, goal{fmt.Sprintf("≥ %.2f× the bare reverse proxy (%s, C=%d)", goalVsBare, mode, hi),
				fmt.Sprintf("%.2f× (%.0f vs %.0f req/s)", g.RPS/p.RPS, g.RPS, p.RPS), verdict(g.RPS/p.RPS >= goalVsBare)})
			if x, ok := efficiency(g, p); ok {
				gs = append(gs, goal{fmt.Sprintf("≥ %.2f× the bare reverse proxy by CPU time per request (%s, C=%d; does not depend on how the CPUs were shared)", goalVsBare, mode, hi),
					fmt.Sprintf("%.2f× (%.0f vs %.0f µs/req)", x, g.CPU["target"].USPerReq, p.CPU["target"].USPerReq), verdict(x >= goalVsBare)})
			}
		}
		if p, ok := get(portkey, mode, hi); ok && p.RPS > 0 {
			gs = append(gs, goal{fmt.Sprintf("≥ %.0f× Portkey (%s, C=%d)", goalVsPortkey, mode, hi),
				fmt.Sprintf("%.1f× (%.0f vs %.0f req/s)", g.RPS/p.RPS, g.RPS, p.RPS), verdict(g.RPS/p.RPS >= goalVsPortkey)})
			if x, ok := efficiency(g, p); ok {
				gs = append(gs, goal{fmt.Sprintf("≥ %.0f× Portkey by CPU time per request (%s, C=%d)", goalVsPortkey, mode, hi),
					fmt.Sprintf("%.1f× (%.0f vs %.0f µs/req)", x, g.CPU["target"].USPerReq, p.CPU["target"].USPerReq), verdict(x >= goalVsPortkey)})
			}
		} else {
			gs = append(gs, goal{fmt.Sprintf("≥ %.0f× Portkey (%s, C=%d)", goalVsPortkey, mode, hi), "Portkey not measured successfully in this run", "n/a"})
		}
	}
	if len(gs) == 0 {
		gs = append(gs, goal{"all", "Bulwark or the direct baseline was not measured successfully", "n/a"})
	}
	return gs
}

// efficiency is how many requests the gateway serves for the CPU time
// the other target spends on one: other's µs/req over the gateway's.
func efficiency(gw, other result) (float64, bool) {
	g, okG := gw.CPU["target"]
	o, okO := other.CPU["target"]
	if !okG || !okO || g.USPerReq <= 0 || o.USPerReq <= 0 {
		return 0, false
	}
	return o.USPerReq / g.USPerReq, true
}

// cell makes text safe inside a table cell.
func cell(s string) string {
	s = strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
	return truncate(s, 200)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
