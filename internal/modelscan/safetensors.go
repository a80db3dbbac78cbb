package modelscan

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// safetensors (huggingface/safetensors, facts): an 8-byte little-endian
// header length N, N bytes of JSON (tensor name → {dtype, shape,
// data_offsets: [begin, end] relative to the data section}, and an
// optional "__metadata__" object of strings), then the data section. The
// reference implementation refuses headers above 100 MB and requires the
// tensors to tile the data section exactly: sorted by offset, each begins
// where the previous ended, the first at 0 and the last at its end, each
// with end − begin = elements × dtype size.

// safetensors rules.
const (
	ruleSTHeaderTooLarge = "safetensors-header-too-large"
	ruleSTInvalidHeader  = "safetensors-invalid-header"
	ruleSTOutOfRange     = "safetensors-offset-out-of-range"
	ruleSTOverlap        = "safetensors-overlapping-tensors"
	ruleSTSizeMismatch   = "safetensors-size-mismatch"
	ruleSTUncovered      = "safetensors-uncovered-data"
	ruleSTMetadata       = "safetensors-metadata-not-strings"
	ruleSTDuplicate      = "safetensors-duplicate-key"
	ruleSTUnknownDtype   = "safetensors-unknown-dtype"
)

// maxSafetensorsHeader is the reference implementation's header bound.
const maxSafetensorsHeader = 100 << 20

// safetensorsBits gives the bits per element of each dtype.
var safetensorsBits = map[string]uint64{
	"BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32, "C64": 64,
	"F64": 64, "I64": 64, "U64": 64,
	"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}

type stTensor struct {
	name       string
	begin, end uint64
}

// stFindings collects offending tensor names per rule.
type stFindings struct {
	names map[string][]string
	count map[string]int
}

func (s *stFindings) add(rule, what string) {
	s.count[rule]++
	if len(s.names[rule]) < 5 {
		s.names[rule] = append(s.names[rule], what)
	}
}

func (s *stFindings) list(rule string) string {
	l := strings.Join(s.names[rule], "; ")
	if s.count[rule] > len(s.names[rule]) {
		l += fmt.Sprintf("; %d in all", s.count[rule])
	}
	return l
}

func scanSafetensors(ctx context.Context, f File) ([]Reason, error) {
	src := newSource(ctx, f.R, f.Size, f.Limits)
	b, err := src.at(0, 8)
	if err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(b)
	limit := min(uint64(maxSafetensorsHeader), uint64(f.Limits.MaxJSONBytes))
	if n > limit {
		return []Reason{reason(ruleSTHeaderTooLarge, finding.SeverityHigh, Dangerous,
			"The header declares %d bytes of JSON, above the %d that loaders accept: it is built to exhaust a loader's memory.", n, limit)}, nil
	}
	if n > uint64(f.Size-8) {
		return []Reason{reason(ruleSTOutOfRange, finding.SeverityHigh, Dangerous,
			"The header declares %d bytes of JSON, more than the file holds after the length (%d).", n, f.Size-8)}, nil
	}
	hdr, err := src.at(8, int64(n))
	if err != nil {
		return nil, err
	}
	return checkSafetensorsHeader(bytes.Clone(hdr), uint64(f.Size)-8-n), nil
}

// checkSafetensorsHeader checks the JSON header against a data section of
// dataSize bytes.
func checkSafetensorsHeader(hdr []byte, dataSize uint64) []Reason {
	invalid := func(format string, args ...any) []Reason {
		return []Reason{reason(ruleSTInvalidHeader, finding.SeverityMedium, Suspicious,
			"The header is not a valid safetensors index (%s): the reference loader refuses it, and others may read it differently.", fmt.Sprintf(format, args...))}
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return invalid("not a JSON object")
	}
	var reasons []Reason
	var tensors []stTensor
	seen := map[string]bool{}
	fs := &stFindings{names: map[string][]string{}, count: map[string]int{}}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return invalid("%v", err)
		}
		key, ok := t.(string)
		if !ok {
			return invalid("a key that is not a string")
		}
		if seen[key] {
			fs.add(ruleSTDuplicate, fmt.Sprintf("%q", key))
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return invalid("%v", err)
		}
		if key == "__metadata__" {
			var meta map[string]any
			if err := json.Unmarshal(raw, &meta); err != nil {
				return invalid("__metadata__ is not an object")
			}
			for k, v := range meta {
				if _, ok := v.(string); !ok {
					fs.add(ruleSTMetadata, fmt.Sprintf("%q", k))
				}
			}
			continue
		}
		var info struct {
			Dtype       string        `json:"dtype"`
			Shape       []json.Number `json:"shape"`
			DataOffsets []json.Number `json:"data_offsets"`
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&info); err != nil {
			return invalid("tensor %q: %v", key, err)
		}
		if len(info.DataOffsets) != 2 {
			return invalid("tensor %q has %d data offsets", key, len(info.DataOffsets))
		}
		begin, err1 := parseUint(info.DataOffsets[0])
		end, err2 := parseUint(info.DataOffsets[1])
		if err1 != nil || err2 != nil || end < begin {
			return invalid("tensor %q has data offsets %s, %s", key, info.DataOffsets[0], info.DataOffsets[1])
		}
		elems := uint64(1)
		for _, dim := range info.Shape {
			v, err := parseUint(dim)
			if err != nil {
				return invalid("tensor %q has the dimension %s", key, dim)
			}
			if v != 0 && elems > (1<<60)/v {
				fs.add(ruleSTSizeMismatch, fmt.Sprintf("%q: shape overflows", key))
				elems = 0
				break
			}
			elems *= v
		}
		tensors = append(tensors, stTensor{name: key, begin: begin, end: end})
		bits, known := safetensorsBits[info.Dtype]
		switch {
		case !known:
			fs.add(ruleSTUnknownDtype, fmt.Sprintf("%q: %q", key, info.Dtype))
		case elems*bits%8 != 0 || elems*bits/8 != end-begin:
			fs.add(ruleSTSizeMismatch, fmt.Sprintf("%q: %s %v needs %d bits, offsets give %d bytes", key, info.Dtype, info.Shape, elems*bits, end-begin))
		}
		if end > dataSize {
			fs.add(ruleSTOutOfRange, fmt.Sprintf("%q: [%d, %d) of a %d-byte data section", key, begin, end, dataSize))
		}
	}
	if _, err := dec.Token(); err != nil {
		return invalid("%v", err)
	}
	if dec.More() {
		return invalid("content after the header object")
	}
	sort.SliceStable(tensors, func(i, j int) bool {
		if tensors[i].begin != tensors[j].begin {
			return tensors[i].begin < tensors[j].begin
		}
		return tensors[i].end < tensors[j].end
	})
	covered := uint64(0)
	for i, t := range tensors {
		switch {
		case t.begin < covered:
			fs.add(ruleSTOverlap, fmt.Sprintf("%q and %q", tensors[i-1].name, t.name))
		case t.begin > covered:
			fs.add(ruleSTUncovered, fmt.Sprintf("bytes [%d, %d) before %q", covered, t.begin, t.name))
		}
		covered = max(covered, t.end)
	}
	if covered < dataSize {
		fs.add(ruleSTUncovered, fmt.Sprintf("%d bytes after the last tensor", dataSize-covered))
	}
	rules := []struct {
		rule string
		sev  finding.Severity
		v    Verdict
		text string
	}{
		{ruleSTOutOfRange, finding.SeverityHigh, Dangerous, "Tensor data lies past the end of the file (%s): loaders that trust the offsets read out of bounds."},
		{ruleSTOverlap, finding.SeverityHigh, Dangerous, "Tensors share bytes (%s): the reference loader refuses this, and it makes one write alias another."},
		{ruleSTSizeMismatch, finding.SeverityHigh, Dangerous, "Tensor sizes disagree with their offsets (%s): loaders that trust the shape read past the tensor."},
		{ruleSTDuplicate, finding.SeverityMedium, Suspicious, "The header names a key more than once (%s): loaders that keep the first and those that keep the last see different models."},
		{ruleSTUncovered, finding.SeverityLow, Suspicious, "The data section holds bytes that no tensor covers (%s): room for a hidden payload, and the reference loader refuses it."},
		{ruleSTMetadata, finding.SeverityLow, Suspicious, "__metadata__ values must be strings, and these are not (%s)."},
		{ruleSTUnknownDtype, finding.SeverityLow, Suspicious, "Tensors have dtypes that safetensors does not define (%s)."},
	}
	for _, r := range rules {
		if fs.count[r.rule] > 0 {
			reasons = append(reasons, reason(r.rule, r.sev, r.v, r.text, fs.list(r.rule)))
		}
	}
	return reasons
}

func parseUint(n json.Number) (uint64, error) {
	var v uint64
	s := string(n)
	if s == "" || len(s) > 19 {
		return 0, fmt.Errorf("bad number %q", s)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad number %q", s)
		}
		v = v*10 + uint64(c-'0')
	}
	return v, nil
}
