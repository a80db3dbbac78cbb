package guardeval

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-security/bulwark/internal/detect/injection"
)

// Counts is a confusion matrix.
type Counts struct {
	TP, FP, FN, TN int
}

// Add returns the sum of two matrices.
func (c Counts) Add(o Counts) Counts {
	return Counts{c.TP + o.TP, c.FP + o.FP, c.FN + o.FN, c.TN + o.TN}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// Precision is TP / (TP + FP).
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is the share of attacks caught: TP / (TP + FN).
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// FPR is the share of benign texts flagged: FP / (FP + TN).
func (c Counts) FPR() float64 { return ratio(c.FP, c.FP+c.TN) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

// Row is the result for one source (and language, and variant).
type Row struct {
	Source  string
	Kind    Kind
	Lang    string // "de" for German samples, reported apart
	Variant string // the obfuscation of generated samples
	Counts
}

// Name is the row's label in tables: "deepset", "deepset [de]",
// "obfuscated/base64".
func (r Row) Name() string {
	n := r.Source
	if r.Variant != "" {
		n += "/" + r.Variant
	}
	if r.Lang != "" {
		n += " [" + r.Lang + "]"
	}
	return n
}

// Latency holds per-text scoring times in microseconds.
type Latency struct {
	N             int
	P50, P90, P99 float64
	Max           float64
}

// Report is what an evaluation measured.
type Report struct {
	Title      string
	Threshold  float64 // for Direct samples
	ContentThr float64 // for Content samples
	Rows       []Row   // sorted by kind, then source
	// Direct and Content total the rows of each kind, excluding generated
	// (obfuscated) samples.
	Direct, Content Counts
	// LatencyDirect and LatencyContent are scoring times of Score and
	// ScoreContent over the samples.
	LatencyDirect, LatencyContent Latency
	Notes                         []string
}

// scored is one sample's score.
type scored struct {
	Sample
	score float64
	dur   time.Duration
	thr   float64 // the threshold that applies; 0: the report's
}

// EvaluateInjection scores every sample with d (Score for Direct samples,
// ScoreContent for Content ones) against the default thresholds, and
// reports per source and label.
func EvaluateInjection(d *injection.Detector, samples []Sample) Report {
	return buildReport(scoreAll(d, samples), injection.DefaultThreshold, injection.DefaultContentThreshold)
}

func scoreAll(d *injection.Detector, samples []Sample) []scored {
	out := make([]scored, len(samples))
	for i, s := range samples {
		start := time.Now()
		var r injection.Result
		if s.Kind == Content {
			r = d.ScoreContent(s.Text)
		} else {
			r = d.Score(s.Text)
		}
		out[i] = scored{Sample: s, score: r.Score, dur: time.Since(start)}
	}
	return out
}

func buildReport(ss []scored, thr, contentThr float64) Report {
	rep := Report{Threshold: thr, ContentThr: contentThr}
	type key struct {
		source, lang, variant string
		kind                  Kind
	}
	rows := map[key]*Row{}
	var durD, durC []float64
	for _, s := range ss {
		t := thr
		if s.Kind == Content {
			t = contentThr
		}
		if s.thr > 0 {
			t = s.thr
		}
		if s.Kind == Content {
			durC = append(durC, float64(s.dur.Nanoseconds())/1e3)
		} else {
			durD = append(durD, float64(s.dur.Nanoseconds())/1e3)
		}
		k := key{s.Source, s.Lang, s.Variant, s.Kind}
		r := rows[k]
		if r == nil {
			r = &Row{Source: s.Source, Kind: s.Kind, Lang: s.Lang, Variant: s.Variant}
			rows[k] = r
		}
		var c Counts
		flagged := s.score >= t
		switch {
		case s.Label == Attack && flagged:
			c.TP = 1
		case s.Label == Attack:
			c.FN = 1
		case flagged:
			c.FP = 1
		default:
			c.TN = 1
		}
		r.Counts = r.Counts.Add(c)
		if s.Variant == "" {
			if s.Kind == Content {
				rep.Content = rep.Content.Add(c)
			} else {
				rep.Direct = rep.Direct.Add(c)
			}
		}
	}
	for _, r := range rows {
		rep.Rows = append(rep.Rows, *r)
	}
	slices.SortFunc(rep.Rows, func(a, b Row) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return -c // direct before content
		}
		return strings.Compare(a.Name(), b.Name())
	})
	rep.LatencyDirect, rep.LatencyContent = latency(durD), latency(durC)
	return rep
}

func latency(us []float64) Latency {
	if len(us) == 0 {
		return Latency{}
	}
	slices.Sort(us)
	q := func(p float64) float64 { return us[min(len(us)-1, int(p*float64(len(us))))] }
	return Latency{N: len(us), P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: us[len(us)-1]}
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*v)
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.3f", v)
}

// Markdown renders the report as a Markdown section.
func (r Report) Markdown() string {
	var b strings.Builder
	if r.Title != "" {
		fmt.Fprintf(&b, "### %s\n\n", r.Title)
	}
	fmt.Fprintf(&b, "Thresholds: direct %.3f, content %.3f.\n\n", r.Threshold, r.ContentThr)
	b.WriteString("| source | kind | attacks | caught | benign | flagged | precision | F1 |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Rows {
		attacks, benign := row.TP+row.FN, row.FP+row.TN
		caught, flagged := "–", "–"
		if attacks > 0 {
			caught = pct(row.Recall())
		}
		if benign > 0 {
			flagged = pct(row.FPR())
		}
		prec, f1 := "–", "–"
		if attacks > 0 && benign > 0 {
			prec, f1 = num(row.Precision()), num(row.F1())
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %d | %s | %s | %s |\n", row.Name(), row.Kind, attacks, caught, benign, flagged, prec, f1)
	}
	if all := r.Direct.Add(r.Content); all != (Counts{}) { // totals leave generated samples out
		b.WriteString("\n| overall | attacks | caught | benign | flagged | precision | recall | F1 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, o := range []struct {
			name string
			c    Counts
		}{{"direct prompts", r.Direct}, {"content", r.Content}, {"all", all}} {
			c := o.c
			fmt.Fprintf(&b, "| %s | %d | %s | %d | %s | %s | %s | %s |\n", o.name, c.TP+c.FN, pct(c.Recall()), c.FP+c.TN, pct(c.FPR()), num(c.Precision()), num(c.Recall()), num(c.F1()))
		}
	}
	b.WriteString("\n| latency (µs per text) | n | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|---:|\n")
	for _, l := range []struct {
		name string
		l    Latency
	}{{"Score (direct)", r.LatencyDirect}, {"ScoreContent", r.LatencyContent}} {
		if l.l.N == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f | %.1f | %.1f | %.1f |\n", l.name, l.l.N, l.l.P50, l.l.P90, l.l.P99, l.l.Max)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	return b.String()
}
