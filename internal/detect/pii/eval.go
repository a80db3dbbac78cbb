package pii

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Evaluation against labelled data in the format of microsoft/presidio-
// research (synth_dataset_v2.json and the like): a JSON array, or JSON lines,
// of {"full_text", "spans": [{"entity_type", "entity_value",
// "start_position", "end_position"}], "template_id"}. Positions there count
// Unicode code points; Sample converts them to byte offsets.

// Sample is one labelled text.
type Sample struct {
	Text string
	// Spans are the labelled entities, with the data's own type names.
	Spans []Span
	// Template is the id of the template the text was generated from, or
	// -1; HoldOut splits on it so that no template is on both sides.
	Template int
}

// Span is one labelled entity of a Sample.
type Span struct {
	Type       string // the data's label, e.g. "PERSON"
	Start, End int    // byte offsets in Sample.Text, End exclusive
}

// Bounds of ReadPresidio.
const (
	maxEvalBytes   = 64 << 20
	maxEvalSamples = 200_000
	maxEvalSpans   = 1_000
)

// ErrEvalData is wrapped by the errors of ReadPresidio about its input.
var ErrEvalData = errors.New("pii: bad evaluation data")

type presidioSpan struct {
	EntityType    string `json:"entity_type"`
	EntityValue   string `json:"entity_value"`
	StartPosition int    `json:"start_position"`
	EndPosition   int    `json:"end_position"`
}

type presidioSample struct {
	FullText   string          `json:"full_text"`
	Spans      []presidioSpan  `json:"spans"`
	TemplateID json.RawMessage `json:"template_id"`
}

// ReadPresidio reads labelled samples in presidio-research's JSON format: a
// JSON array of samples or one sample per line (JSONL). It reads at most 64
// MiB and 200,000 samples. Spans whose offsets do not hold their value are
// moved to the nearest place that does, within a few characters, or
// dropped when there is none.
func ReadPresidio(r io.Reader) ([]Sample, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxEvalBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read presidio data: %w", err)
	}
	if len(data) > maxEvalBytes {
		return nil, fmt.Errorf("read presidio data: more than %d bytes: %w", maxEvalBytes, ErrEvalData)
	}
	data = bytes.TrimSpace(data)
	var raw []presidioSample
	if len(data) > 0 && data[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(data))
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("read presidio data: %w: %w", ErrEvalData, err)
		}
		for dec.More() {
			if len(raw) == maxEvalSamples {
				return nil, fmt.Errorf("read presidio data: more than %d samples: %w", maxEvalSamples, ErrEvalData)
			}
			var s presidioSample
			if err := dec.Decode(&s); err != nil {
				return nil, fmt.Errorf("read presidio data: sample %d: %w: %w", len(raw), ErrEvalData, err)
			}
			raw = append(raw, s)
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 64<<10), maxEvalBytes)
		for line := 1; sc.Scan(); line++ {
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			if len(raw) == maxEvalSamples {
				return nil, fmt.Errorf("read presidio data: more than %d samples: %w", maxEvalSamples, ErrEvalData)
			}
			var s presidioSample
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, fmt.Errorf("read presidio data: line %d: %w: %w", line, ErrEvalData, err)
			}
			raw = append(raw, s)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read presidio data: %w: %w", ErrEvalData, err)
		}
	}
	out := make([]Sample, 0, len(raw))
	for i, s := range raw {
		if len(s.Spans) > maxEvalSpans {
			return nil, fmt.Errorf("read presidio data: sample %d: more than %d spans: %w", i, maxEvalSpans, ErrEvalData)
		}
		out = append(out, convertSample(s))
	}
	return out, nil
}

// convertSample turns code-point offsets into byte offsets.
func convertSample(s presidioSample) Sample {
	smp := Sample{Text: s.FullText, Template: -1}
	if n, err := strconv.Atoi(strings.Trim(string(s.TemplateID), `"`)); err == nil {
		smp.Template = n
	}
	// byteAt[i] is the byte offset of code point i (and len at the end).
	byteAt := make([]int, 0, len(s.FullText)+1)
	for i := range s.FullText {
		byteAt = append(byteAt, i)
	}
	byteAt = append(byteAt, len(s.FullText))
	for _, sp := range s.Spans {
		start, end, ok := locate(s.FullText, byteAt, sp)
		if !ok {
			continue
		}
		smp.Spans = append(smp.Spans, Span{Type: sp.EntityType, Start: start, End: end})
	}
	slices.SortFunc(smp.Spans, func(a, b Span) int { return a.Start - b.Start })
	return smp
}

// locate finds the span's value at its code-point offsets, or within four
// code points of them.
func locate(text string, byteAt []int, sp presidioSpan) (int, int, bool) {
	n := utf8.RuneCountInString(sp.EntityValue)
	for _, delta := range []int{0, -1, 1, -2, 2, -3, 3, -4, 4} {
		s := sp.StartPosition + delta
		if s < 0 || s+n >= len(byteAt) || n == 0 {
			continue
		}
		b, e := byteAt[s], byteAt[s+n]
		if text[b:e] == sp.EntityValue {
			return b, e, true
		}
	}
	return 0, 0, false
}

// HoldOut splits samples into a development and a held-out half by template:
// a template goes to the held-out half when the FNV-1a hash of seed, "/" and
// its id is odd. Samples without a template are split on their index.
func HoldOut(samples []Sample, seed string) (dev, held []Sample) {
	for i, s := range samples {
		id := s.Template
		if id < 0 {
			id = -1 - i
		}
		h := fnv.New32a()
		h.Write([]byte(seed + "/" + strconv.Itoa(id)))
		if h.Sum32()%2 == 1 {
			held = append(held, s)
		} else {
			dev = append(dev, s)
		}
	}
	return dev, held
}

// labelTypes maps the data's labels to the entity types they are scored as.
var labelTypes = map[string]string{
	"PERSON":            Person,
	"STREET_ADDRESS":    StreetAddress,
	"ADDRESS":           StreetAddress,
	"CREDIT_CARD":       CreditCard,
	"PHONE_NUMBER":      Phone,
	"EMAIL_ADDRESS":     Email,
	"IBAN_CODE":         IBAN,
	"US_SSN":            USSSN,
	"IP_ADDRESS":        IPAddress,
	"US_DRIVER_LICENSE": NationalID,
	"DATE_OF_BIRTH":     DateOfBirth,
	"PASSPORT":          Passport,
	"NATIONAL_ID":       NationalID,
}

// ignoredUnder lists, per entity type, the data labels that a prediction of
// that type may fall on without counting as a false positive (nor as a
// hit): a PERSON inside an ORGANIZATION ("Fernandez Inc."), the city or ZIP
// code of an address that the data labels apart, a birth date that the data
// labels DATE_TIME.
var ignoredUnder = map[string][]string{
	Person:        {"ORGANIZATION"},
	StreetAddress: {"GPE", "ZIP_CODE", "LOCATION"},
	DateOfBirth:   {"DATE_TIME"},
}

// Score counts one entity type's hits and misses under one match rule.
type Score struct {
	TP, FP, FN int // labelled spans found, predictions wrong, labelled spans missed
	// Correct is the number of predictions that match a labelled span; with
	// the overlap rule several predictions can match one span, or one
	// prediction several spans, so Correct and TP may differ.
	Correct                   int
	Precision, Recall, F1, F2 float64
}

func (s *Score) finish() {
	if s.Correct+s.FP > 0 {
		s.Precision = float64(s.Correct) / float64(s.Correct+s.FP)
	}
	if s.TP+s.FN > 0 {
		s.Recall = float64(s.TP) / float64(s.TP+s.FN)
	}
	if p, r := s.Precision, s.Recall; p+r > 0 {
		s.F1 = 2 * p * r / (p + r)
		s.F2 = 5 * p * r / (4*p + r)
	}
}

// TypeScore is the result for one entity type.
type TypeScore struct {
	Type string
	// Labelled is the number of labelled spans of this type, Predicted the
	// number of predictions.
	Labelled, Predicted int
	// Overlap scores a labelled span found when predictions of its type
	// cover at least half of it, and a prediction right when labelled
	// spans of its type cover at least half of it. Exact requires the same
	// boundaries (white space and trailing punctuation trimmed).
	Overlap, Exact Score
	// Ignored counts predictions that fell on a label listed in ignoredUnder.
	Ignored int
}

// Report is the outcome of Evaluate.
type Report struct {
	Samples int
	Types   []TypeScore // sorted by type
	// NotEvaluated counts the labelled spans of labels we do not redact
	// (GPE, ORGANIZATION, DATE_TIME…): they are neither hits nor misses.
	NotEvaluated map[string]int
	// P50 and P99 are percentiles of the time Find took per sample; Bytes
	// is the mean sample length.
	P50, P99 time.Duration
	Bytes    int
}

// Evaluate runs r over the samples and scores its predictions against their
// labels, per entity type, under the overlap and the exact rules.
func Evaluate(r *Recognizers, samples []Sample) Report {
	rep := Report{Samples: len(samples), NotEvaluated: map[string]int{}}
	byType := map[string]*TypeScore{}
	ts := func(t string) *TypeScore {
		if byType[t] == nil {
			byType[t] = &TypeScore{Type: t}
		}
		return byType[t]
	}
	lat := make([]time.Duration, 0, len(samples))
	total := 0
	for _, s := range samples {
		t0 := time.Now()
		pred := r.Find(s.Text)
		lat = append(lat, time.Since(t0))
		total += len(s.Text)
		scoreSample(s, pred, ts, rep.NotEvaluated)
	}
	for _, t := range byType {
		t.Overlap.finish()
		t.Exact.finish()
		rep.Types = append(rep.Types, *t)
	}
	sort.Slice(rep.Types, func(i, j int) bool { return rep.Types[i].Type < rep.Types[j].Type })
	if len(lat) > 0 {
		slices.Sort(lat)
		rep.P50 = lat[len(lat)/2]
		rep.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
		rep.Bytes = total / len(lat)
	}
	return rep
}

func scoreSample(s Sample, pred []Entity, ts func(string) *TypeScore, notEval map[string]int) {
	var gold []Span // labels mapped to our types
	for _, sp := range s.Spans {
		if t, ok := labelTypes[sp.Type]; ok {
			gold = append(gold, Span{Type: t, Start: sp.Start, End: sp.End})
			ts(t).Labelled++
		} else {
			notEval[sp.Type]++
		}
	}
	for _, g := range gold {
		t := ts(g.Type)
		if covered(g.Start, g.End, func(yield func(int, int)) {
			for _, p := range pred {
				if p.Type == g.Type {
					yield(p.Start, p.End)
				}
			}
		}) {
			t.Overlap.TP++
		} else {
			t.Overlap.FN++
		}
		gs, ge := trim(s.Text, g.Start, g.End)
		exact := false
		for _, p := range pred {
			ps, pe := trim(s.Text, p.Start, p.End)
			if p.Type == g.Type && ps == gs && pe == ge {
				exact = true
			}
		}
		if exact {
			t.Exact.TP++
		} else {
			t.Exact.FN++
		}
	}
	for _, p := range pred {
		t := ts(p.Type)
		t.Predicted++
		overlap := covered(p.Start, p.End, func(yield func(int, int)) {
			for _, g := range gold {
				if g.Type == p.Type {
					yield(g.Start, g.End)
				}
			}
		})
		if !overlap && ignorable(s, p) {
			t.Ignored++ // neither right nor wrong, under both rules
			continue
		}
		if overlap {
			t.Overlap.Correct++
		} else {
			t.Overlap.FP++
		}
		ps, pe := trim(s.Text, p.Start, p.End)
		exact := false
		for _, g := range gold {
			gs, ge := trim(s.Text, g.Start, g.End)
			if g.Type == p.Type && ps == gs && pe == ge {
				exact = true
			}
		}
		if exact {
			t.Exact.Correct++
		} else {
			t.Exact.FP++
		}
	}
}

// ignorable reports whether the prediction lies mostly on labels that
// ignoredUnder lists for its type (together with labels of its own type).
func ignorable(s Sample, p Entity) bool {
	ok := ignoredUnder[p.Type]
	if len(ok) == 0 {
		return false
	}
	return covered(p.Start, p.End, func(yield func(int, int)) {
		for _, sp := range s.Spans {
			if slices.Contains(ok, sp.Type) || labelTypes[sp.Type] == p.Type {
				yield(sp.Start, sp.End)
			}
		}
	})
}

// covered reports whether the spans that each yields cover at least half of
// [start,end).
func covered(start, end int, each func(yield func(int, int))) bool {
	if end <= start {
		return false
	}
	// Spans are few: collect, sort, and sum the clipped union.
	var sp [][2]int
	each(func(s, e int) {
		s, e = max(s, start), min(e, end)
		if s < e {
			sp = append(sp, [2]int{s, e})
		}
	})
	if len(sp) == 0 {
		return false
	}
	slices.SortFunc(sp, func(a, b [2]int) int { return a[0] - b[0] })
	got, cur := 0, sp[0]
	for _, x := range sp[1:] {
		if x[0] <= cur[1] {
			cur[1] = max(cur[1], x[1])
			continue
		}
		got += cur[1] - cur[0]
		cur = x
	}
	got += cur[1] - cur[0]
	return 2*got >= end-start
}

// trim narrows [start,end) past white space and punctuation at its ends.
func trim(text string, start, end int) (int, int) {
	isTrim := func(c byte) bool { return c <= ' ' || strings.IndexByte(".,;:!?\"'()[]", c) >= 0 }
	for start < end && isTrim(text[start]) {
		start++
	}
	for end > start && isTrim(text[end-1]) {
		end--
	}
	return start, end
}

// Markdown renders the report as a Markdown table, one row per entity type.
func (rep Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d samples, mean %d bytes; Find p50 %s, p99 %s.\n\n", rep.Samples, rep.Bytes, rep.P50, rep.P99)
	b.WriteString("| type | labelled | predicted | P | R | F1 | F2 | exact P | exact R | exact F1 | ignored |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range rep.Types {
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %d |\n", t.Type, t.Labelled, t.Predicted,
			ratio(t.Overlap.Precision, t.Overlap.Correct+t.Overlap.FP), ratio(t.Overlap.Recall, t.Labelled),
			ratio(t.Overlap.F1, t.Labelled+t.Predicted), ratio(t.Overlap.F2, t.Labelled+t.Predicted),
			ratio(t.Exact.Precision, t.Exact.Correct+t.Exact.FP), ratio(t.Exact.Recall, t.Labelled),
			ratio(t.Exact.F1, t.Labelled+t.Predicted), t.Ignored)
	}
	if len(rep.NotEvaluated) > 0 {
		keys := make([]string, 0, len(rep.NotEvaluated))
		for k := range rep.NotEvaluated {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString("\nNot evaluated (labels we do not redact):")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, " %s %d", k, rep.NotEvaluated[k])
		}
		b.WriteString(".\n")
	}
	return b.String()
}

// ratio formats v with two decimals, or "–" when its denominator is 0.
func ratio(v float64, denom int) string {
	if denom == 0 {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
