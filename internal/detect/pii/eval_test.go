package pii

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadPresidio(t *testing.T) {
	t.Parallel()
	const array = `[
 {"full_text": "Mr. Émile Zola lives at 5 Rue X", "spans": [
   {"entity_type": "PERSON", "entity_value": "Émile Zola", "start_position": 4, "end_position": 14},
   {"entity_type": "STREET_ADDRESS", "entity_value": "5 Rue X", "start_position": 24, "end_position": 31}],
  "template_id": 7},
 {"full_text": "For Mrs. Ayers, see", "spans": [
   {"entity_type": "PERSON", "entity_value": "Ayers", "start_position": 8, "end_position": 13}], "template_id": "8"}
]`
	want := []Sample{
		{Text: "Mr. Émile Zola lives at 5 Rue X", Template: 7, Spans: []Span{{"PERSON", 4, 15}, {"STREET_ADDRESS", 25, 32}}},
		{Text: "For Mrs. Ayers, see", Template: 8, Spans: []Span{{"PERSON", 9, 14}}}, // offsets off by one in the data, moved
	}
	tests := []struct {
		name  string
		input string
	}{
		{"JSON array, code-point offsets become byte offsets", array},
		{"JSON lines", `{"full_text": "Mr. Émile Zola lives at 5 Rue X", "spans": [{"entity_type": "PERSON", "entity_value": "Émile Zola", "start_position": 4, "end_position": 14}, {"entity_type": "STREET_ADDRESS", "entity_value": "5 Rue X", "start_position": 24, "end_position": 31}], "template_id": 7}

{"full_text": "For Mrs. Ayers, see", "spans": [{"entity_type": "PERSON", "entity_value": "Ayers", "start_position": 8, "end_position": 13}], "template_id": 8}
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadPresidio(strings.NewReader(tc.input))
			if err != nil {
				t.Fatalf("ReadPresidio: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ReadPresidio mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadPresidioErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
	}{
		{"truncated array", `[{"full_text": "x", "spans": []`},
		{"not JSON", "hello"},
		{"bad line", "{\"full_text\": \"x\"}\n{oops}\n"},
		{"too large", "[" + strings.Repeat(" ", maxEvalBytes) + "]"},
		{"too many spans", `[{"full_text": "x", "spans": [` + strings.Repeat(`{"entity_type": "PERSON", "entity_value": "x", "start_position": 0, "end_position": 1},`, maxEvalSpans) + `{"entity_type": "PERSON", "entity_value": "x", "start_position": 0, "end_position": 1}]}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPresidio(strings.NewReader(tc.input))
			if !errors.Is(err, ErrEvalData) {
				t.Errorf("ReadPresidio error = %v, want ErrEvalData", err)
			}
		})
	}
	t.Run("a span whose value is nowhere near is dropped", func(t *testing.T) {
		got, err := ReadPresidio(strings.NewReader(`[{"full_text": "abc", "spans": [{"entity_type": "PERSON", "entity_value": "zz", "start_position": 0, "end_position": 2}, {"entity_type": "PERSON", "entity_value": "a", "start_position": 90, "end_position": 91}]}]`))
		if err != nil || len(got) != 1 || len(got[0].Spans) != 0 || got[0].Template != -1 {
			t.Errorf("ReadPresidio = %+v, %v; want one sample, no spans, no template", got, err)
		}
	})
}

func TestEvaluateScoring(t *testing.T) {
	t.Parallel()
	r := Default()
	text := "Mr. John Smith of Fernandez Inc. lives at 12 Baker Street, London. Call 212.555.0199."
	at := func(s string) (int, int) {
		i := strings.Index(text, s)
		return i, i + len(s)
	}
	span := func(typ, s string) Span {
		a, b := at(s)
		return Span{Type: typ, Start: a, End: b}
	}
	samples := []Sample{{Text: text, Template: 1, Spans: []Span{
		span("PERSON", "John Smith"),
		span("ORGANIZATION", "Fernandez Inc."),
		span("STREET_ADDRESS", "12 Baker Street"), // the data leaves the city to GPE
		span("GPE", "London"),
		span("EMAIL_ADDRESS", "Call"), // a label we miss on purpose
	}}}
	rep := Evaluate(r, samples)
	get := func(typ string) TypeScore {
		for _, ts := range rep.Types {
			if ts.Type == typ {
				return ts
			}
		}
		t.Fatalf("no row for %s in %+v", typ, rep.Types)
		return TypeScore{}
	}
	if p := get(Person); p.Overlap.TP != 1 || p.Overlap.FP != 0 || p.Exact.TP != 1 {
		t.Errorf("PERSON = %+v, want 1 exact hit", p)
	}
	if a := get(StreetAddress); a.Overlap.TP != 1 || a.Overlap.FP != 0 || a.Exact.TP != 0 {
		t.Errorf("STREET_ADDRESS = %+v, want an overlap hit that is not exact (the city is in our span)", a)
	}
	if e := get(Email); e.Overlap.FN != 1 || e.Overlap.Recall != 0 {
		t.Errorf("EMAIL_ADDRESS = %+v, want one miss", e)
	}
	if ph := get(Phone); ph.Predicted != 1 || ph.Overlap.FP != 1 {
		t.Errorf("PHONE_NUMBER = %+v, want one unlabelled prediction counted as a false positive", ph)
	}
	if rep.NotEvaluated["GPE"] != 1 || rep.NotEvaluated["ORGANIZATION"] != 1 {
		t.Errorf("NotEvaluated = %v, want GPE and ORGANIZATION counted", rep.NotEvaluated)
	}
	md := rep.Markdown()
	for _, want := range []string{"| PERSON |", "| STREET_ADDRESS |", "Not evaluated", "p99"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown() lacks %q:\n%s", want, md)
		}
	}
}

func TestEvaluateIgnoresPersonInOrganization(t *testing.T) {
	t.Parallel()
	text := "Dear Maria Garcia Holdings board,"
	rep := Evaluate(Default(), []Sample{{Text: text, Spans: []Span{{Type: "ORGANIZATION", Start: 5, End: 30}}}})
	for _, ts := range rep.Types {
		if ts.Type == Person && (ts.Overlap.FP != 0 || ts.Ignored != 1) {
			t.Errorf("PERSON = %+v, want the name inside the organization ignored", ts)
		}
	}
}

func TestCovered(t *testing.T) {
	t.Parallel()
	spans := func(s ...[2]int) func(func(int, int)) {
		return func(yield func(int, int)) {
			for _, x := range s {
				yield(x[0], x[1])
			}
		}
	}
	tests := []struct {
		name       string
		start, end int
		spans      func(func(int, int))
		want       bool
	}{
		{"exact", 0, 10, spans([2]int{0, 10}), true},
		{"half", 0, 10, spans([2]int{5, 20}), true},
		{"less than half", 0, 10, spans([2]int{6, 20}), false},
		{"union of fragments", 0, 10, spans([2]int{0, 2}, [2]int{1, 3}, [2]int{8, 9}), false},
		{"union reaching half", 0, 10, spans([2]int{0, 3}, [2]int{7, 10}), true},
		{"none", 0, 10, spans(), false},
		{"empty range", 5, 5, spans([2]int{0, 10}), false},
	}
	for _, tc := range tests {
		if got := covered(tc.start, tc.end, tc.spans); got != tc.want {
			t.Errorf("%s: covered = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestHoldOut(t *testing.T) {
	t.Parallel()
	var samples []Sample
	for i := range 200 {
		samples = append(samples, Sample{Text: "x", Template: i % 40})
	}
	dev, held := HoldOut(samples, "seed")
	if len(dev)+len(held) != len(samples) || len(dev) == 0 || len(held) == 0 {
		t.Fatalf("HoldOut split %d into %d and %d", len(samples), len(dev), len(held))
	}
	devT := map[int]bool{}
	for _, s := range dev {
		devT[s.Template] = true
	}
	for _, s := range held {
		if devT[s.Template] {
			t.Fatalf("template %d is on both sides", s.Template)
		}
	}
	dev2, _ := HoldOut(samples, "seed")
	if diff := cmp.Diff(dev, dev2); diff != "" {
		t.Errorf("HoldOut is not deterministic:\n%s", diff)
	}
	other, _ := HoldOut(samples, "another seed")
	if cmp.Equal(dev, other) {
		t.Error("HoldOut ignores its seed")
	}
}
