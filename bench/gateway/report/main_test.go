package main

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `
{"target":"direct","mode":"non-stream","concurrency":32,"requests":1000,"rps":20000,"latency_ms":{"p50":0.5,"p90":1,"p99":2,"max":3},"cpu":{"target":{"cores":0.8},"load":{"cores":0.9},"machine":{"cores":1.8}},"passed":true}
{"target":"bare-proxy","mode":"non-stream","concurrency":32,"requests":1000,"rps":8000,"latency_ms":{"p50":3,"p90":4,"p99":6,"max":9},"cpu":{"target":{"cores":0.9,"us_per_req":110}},"passed":true}
{"target":"bulwark","mode":"non-stream","concurrency":32,"requests":1000,"rps":6000,"latency_ms":{"p50":1.2,"p90":3,"p99":6.5,"max":12},"overhead_ms":{"p50":0.04,"p90":0.09,"p99":1.5,"max":4,"n":1000},"cpu":{"target":{"cores":1.1,"us_per_req":183},"mock":{"cores":0.2},"load":{"cores":0.3},"machine":{"cores":2}},"passed":true}
{"target":"portkey","mode":"non-stream","concurrency":32,"requests":10,"failed":5,"statuses":{"200":10,"502":5},"error_rate":0.333,"first_error":"HTTP 502: bad | gateway","passed":false}
`

func TestRender(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run([]string{"-meta", "commit=abc", "-note", "a note"}, strings.NewReader(sample), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"- commit: abc",
		"| bulwark | non-stream | 32 | 6000 | 1.200 |",
		"+0.700 / +4.500", // added vs direct
		"0.75×",           // 6000 / 8000
		"1.10 / 0.20 / 0.30 / 0.40 | 183 |",
		"0.80 / = / 0.90 / 0.10 |",
		"**FAILED**",
		`bad \| gateway`, // pipes escaped inside a cell
		"| non-stream | 32 | 0.040 |",
		"| ≥ 5000 req/s (non-stream, C=32, 2 cores shared with load and upstream) | 6000 req/s | met |",
		"| ≥ 0.67× the bare reverse proxy (non-stream, C=32) | 0.75× (6000 vs 8000 req/s) | met |",
		"| added latency p50 < 1 ms, p99 < 5 ms (non-stream, C=32), CPUs saturated: includes queueing for a CPU | p50 +0.700 ms, p99 +4.500 ms (bare proxy: +2.500 / +4.000) | met |",
		"by CPU time per request (non-stream, C=32; does not depend on how the CPUs were shared) | 0.60× (183 vs 110 µs/req) | **not met** |",
		"| ≥ 3× Portkey (non-stream, C=32) | Portkey not measured successfully in this run | n/a |",
		"**Warning: the machine was not quiet.**",
		"- a note",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

func TestRenderRejectsEmptyInput(t *testing.T) {
	t.Parallel()
	if err := run(nil, strings.NewReader("\n"), &bytes.Buffer{}); err == nil {
		t.Error("no results: got no error")
	}
}
