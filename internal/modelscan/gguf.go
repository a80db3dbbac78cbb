package modelscan

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// GGUF (ggml/docs/gguf.md, facts): "GGUF", version (uint32), tensor count
// and key/value count (uint64; uint32 in version 1), the key/value pairs
// (string key, uint32 type, value), the tensor infos (string name, uint32
// n_dims, n_dims uint64 dimensions, uint32 ggml type, uint64 offset into
// the data section), then the data section, aligned to general.alignment
// (32 by default).

// GGUF rules.
const (
	ruleGGUFMalformed         = "gguf-malformed"
	ruleGGUFTensorLayout      = "gguf-tensor-layout"
	ruleGGUFDuplicateKey      = "gguf-duplicate-key"
	ruleGGUFTemplateInjection = "gguf-chat-template-injection"
	ruleGGUFTemplateSuspect   = "gguf-chat-template-suspicious"
)

const (
	ggufTypeUint32 = 4
	ggufTypeString = 8
	ggufTypeArray  = 9
	ggmlMaxDims    = 4
	// ggufMaxLayout bounds the tensors whose layout is checked.
	ggufMaxLayout = 1 << 20
	ggufMaxKey    = 64 << 10
)

var ggufFixed = map[uint32]int64{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

// ggmlTypes gives the block size (elements) and bytes per block of the
// ggml tensor types whose layout is checked.
var ggmlTypes = map[uint32][2]int64{
	0: {1, 4}, 1: {1, 2}, 2: {32, 18}, 3: {32, 20}, 6: {32, 22}, 7: {32, 24}, 8: {32, 34}, 9: {32, 36},
	10: {256, 84}, 11: {256, 110}, 12: {256, 144}, 13: {256, 176}, 14: {256, 210}, 15: {256, 292},
	24: {1, 1}, 25: {1, 2}, 26: {1, 4}, 27: {1, 8}, 28: {1, 8}, 30: {1, 2},
}

// ggufMalformed is a structural lie: a count or length that the file
// cannot hold, which is what memory-safety bugs in GGUF loaders were
// exploited with.
type ggufMalformed struct{ msg string }

func (e *ggufMalformed) Error() string { return e.msg }

type ggufReader struct {
	s   *source
	off int64
	bo  binary.ByteOrder
	v1  bool
}

func (r *ggufReader) lie(format string, args ...any) error {
	return &ggufMalformed{msg: fmt.Sprintf(format, args...)}
}

func (r *ggufReader) u32() (uint32, error) {
	b, err := r.s.at(r.off, 4)
	if err != nil {
		if errors.Is(err, ErrMalformed) {
			return 0, r.lie("the file ends inside a value at offset %d", r.off)
		}
		return 0, err
	}
	r.off += 4
	return r.bo.Uint32(b), nil
}

func (r *ggufReader) u64() (uint64, error) {
	b, err := r.s.at(r.off, 8)
	if err != nil {
		if errors.Is(err, ErrMalformed) {
			return 0, r.lie("the file ends inside a value at offset %d", r.off)
		}
		return 0, err
	}
	r.off += 8
	return r.bo.Uint64(b), nil
}

func (r *ggufReader) count() (uint64, error) {
	if r.v1 {
		v, err := r.u32()
		return uint64(v), err
	}
	return r.u64()
}

func (r *ggufReader) left() int64 { return r.s.size - r.off }

// strLen reads a string length and checks it against the file.
func (r *ggufReader) strLen(what string) (int64, error) {
	n, err := r.count()
	if err != nil {
		return 0, err
	}
	if n > uint64(r.left()) {
		return 0, r.lie("%s of %d bytes at offset %d runs past the end of the file", what, n, r.off)
	}
	return int64(n), nil
}

func (r *ggufReader) skipValue(t uint32, depth int) error {
	if err := r.s.step(); err != nil {
		return err
	}
	if sz, ok := ggufFixed[t]; ok {
		if sz > r.left() {
			return r.lie("the file ends inside a value at offset %d", r.off)
		}
		r.off += sz
		return nil
	}
	switch t {
	case ggufTypeString:
		n, err := r.strLen("a string")
		r.off += n
		return err
	case ggufTypeArray:
		et, err := r.u32()
		if err != nil {
			return err
		}
		n, err := r.count()
		if err != nil {
			return err
		}
		if depth > 2 {
			return r.lie("arrays nested deeper than 2 at offset %d", r.off)
		}
		if sz, ok := ggufFixed[et]; ok {
			if n > uint64(r.left())/uint64(sz) {
				return r.lie("an array of %d elements at offset %d runs past the end of the file", n, r.off)
			}
			r.off += int64(n) * sz
			return nil
		}
		if n > uint64(r.left())/4 { // every element takes at least 4 bytes
			return r.lie("an array of %d elements at offset %d runs past the end of the file", n, r.off)
		}
		for i := uint64(0); i < n; i++ {
			if err := r.skipValue(et, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return r.lie("unknown value type %d at offset %d", t, r.off)
}

type ggufTensor struct {
	name        string
	off, nbytes int64
	known       bool
}

func scanGGUF(ctx context.Context, f File) ([]Reason, error) {
	s := newSource(ctx, f.R, f.Size, f.Limits)
	var reasons []Reason
	err := readGGUF(s, f.Limits, &reasons)
	if m, ok := err.(*ggufMalformed); ok {
		reasons = append(reasons, reason(ruleGGUFMalformed, finding.SeverityHigh, Dangerous,
			"The GGUF structure lies about its sizes: %s; such files are built to break loaders' parsers.", m.msg))
		return reasons, nil
	}
	return reasons, err
}

func readGGUF(s *source, lim Limits, reasons *[]Reason) error {
	head, err := s.at(0, min(s.size, 24))
	if err != nil || len(head) < 16 || string(head[:4]) != "GGUF" {
		return fmt.Errorf("%w: not a GGUF header", ErrMalformed)
	}
	r := &ggufReader{s: s, off: 8, bo: binary.LittleEndian}
	version := r.bo.Uint32(head[4:])
	if version < 1 || version > 3 {
		r.bo = binary.BigEndian
		version = r.bo.Uint32(head[4:])
	}
	if version < 1 || version > 3 {
		return fmt.Errorf("%w: GGUF version %d", ErrMalformed, version)
	}
	r.v1 = version == 1
	tensors, err := r.count()
	if err != nil {
		return err
	}
	kvs, err := r.count()
	if err != nil {
		return err
	}
	// A key/value pair takes at least 13 bytes (length, type, one byte),
	// a tensor info at least 24.
	if kvs > uint64(r.left())/13 || tensors > uint64(r.left())/24 || kvs*13+tensors*24 > uint64(r.left()) {
		return r.lie("the header declares %d tensors and %d key/value pairs, more than %d bytes can hold", tensors, kvs, r.left())
	}
	alignment := int64(32)
	seen := make(map[string]bool, min(kvs, 4096))
	for i := uint64(0); i < kvs; i++ {
		n, err := r.strLen("a key")
		if err != nil {
			return err
		}
		if n > ggufMaxKey {
			return r.lie("a key of %d bytes at offset %d", n, r.off)
		}
		key, err := s.str(r.off, n, ggufMaxKey)
		if err != nil {
			return err
		}
		r.off += n
		if seen[key] {
			*reasons = append(*reasons, reason(ruleGGUFDuplicateKey, finding.SeverityMedium, Suspicious,
				"The key %q occurs more than once: loaders that keep the first and those that keep the last see different models.", key))
		}
		seen[key] = true
		t, err := r.u32()
		if err != nil {
			return err
		}
		switch {
		case t == ggufTypeString && isTemplateKey(key):
			n, err := r.strLen("a chat template")
			if err != nil {
				return err
			}
			cut := min(n, int64(lim.MaxTemplateBytes))
			tmpl, err := s.str(r.off, cut, lim.MaxTemplateBytes)
			if err != nil {
				return err
			}
			*reasons = append(*reasons, CheckChatTemplate(key, tmpl)...)
			r.off += n
		case t == ggufTypeUint32 && key == "general.alignment":
			v, err := r.u32()
			if err != nil {
				return err
			}
			if v == 0 || v&(v-1) != 0 || v > 1<<20 {
				return r.lie("general.alignment is %d, not a power of two", v)
			}
			alignment = int64(v)
		default:
			if err := r.skipValue(t, 0); err != nil {
				return err
			}
		}
	}
	infos := make([]ggufTensor, 0, min(tensors, ggufMaxLayout))
	for i := uint64(0); i < tensors; i++ {
		if err := s.step(); err != nil {
			return err
		}
		n, err := r.strLen("a tensor name")
		if err != nil {
			return err
		}
		name, err := s.str(r.off, min(n, 256), 256)
		if err != nil {
			return err
		}
		r.off += n
		dims, err := r.u32()
		if err != nil {
			return err
		}
		if dims > ggmlMaxDims {
			return r.lie("tensor %q has %d dimensions, more than ggml's %d", name, dims, ggmlMaxDims)
		}
		elems, first := uint64(1), uint64(0)
		for d := uint32(0); d < dims; d++ {
			v, err := r.u64()
			if err != nil {
				return err
			}
			if d == 0 {
				first = v
			}
			if v != 0 && elems > (1<<62)/v {
				return r.lie("the dimensions of tensor %q overflow", name)
			}
			elems *= v
		}
		typ, err := r.u32()
		if err != nil {
			return err
		}
		off, err := r.u64()
		if err != nil {
			return err
		}
		if len(infos) < ggufMaxLayout {
			t := ggufTensor{name: name, off: int64(min(off, 1<<62))}
			if bt, ok := ggmlTypes[typ]; ok && (dims == 0 || first%uint64(bt[0]) == 0) {
				t.nbytes, t.known = int64(elems/uint64(bt[0]))*bt[1], true
			}
			infos = append(infos, t)
		}
	}
	if tensors == 0 {
		return nil
	}
	data := (r.off + alignment - 1) / alignment * alignment
	if data > s.size {
		return r.lie("the tensor data section starts at %d, past the end of the file (%d)", data, s.size)
	}
	*reasons = append(*reasons, ggufLayout(infos, s.size-data, alignment)...)
	return nil
}

// ggufLayout checks tensor offsets against the data section: inside it,
// aligned, not overlapping.
func ggufLayout(infos []ggufTensor, dataSize, alignment int64) []Reason {
	var problems []string
	add := func(format string, args ...any) {
		if len(problems) < 5 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	bad := 0
	for _, t := range infos {
		switch {
		case t.off%alignment != 0:
			bad++
			add("tensor %q at offset %d is not aligned to %d", t.name, t.off, alignment)
		case t.off > dataSize || t.known && t.nbytes > dataSize-t.off:
			bad++
			add("tensor %q (%d bytes at offset %d) ends past the data section (%d bytes)", t.name, t.nbytes, t.off, dataSize)
		}
	}
	sorted := slices.Clone(infos)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].off < sorted[j].off })
	for i := 1; i < len(sorted); i++ {
		p, t := sorted[i-1], sorted[i]
		if p.known && p.off+p.nbytes > t.off {
			bad++
			add("tensors %q and %q overlap", p.name, t.name)
		}
	}
	if bad == 0 {
		return nil
	}
	msg := strings.Join(problems, "; ")
	if bad > len(problems) {
		msg += fmt.Sprintf("; %d problems in all", bad)
	}
	return []Reason{reason(ruleGGUFTensorLayout, finding.SeverityMedium, Suspicious,
		"The tensor layout is inconsistent: %s.", msg)}
}

func isTemplateKey(k string) bool {
	return k == "tokenizer.chat_template" || strings.HasPrefix(k, "tokenizer.chat_template.")
}

// templateDangerous are constructs that take a Jinja template from data to
// Python objects: dunder attributes (the sandbox-escape path through
// __class__, __mro__, __subclasses__, __globals__), underscores spelled as
// escapes to hide them, and the names of code execution.
var templateDangerous = []*regexp.Regexp{
	regexp.MustCompile(`__(class|mro|base|bases|subclasses|globals|builtins|import|init|dict|getattribute|code|closure|func|self|module|loader|spec|reduce|reduce_ex|call|getitem)__`),
	regexp.MustCompile(`(\.|\[\s*['"]|attr\(\s*['"])__[A-Za-z]\w*__`),
	regexp.MustCompile(`(?i)\\x5f|\\u005f|\\U0000005f|\\137|%5f`),
	regexp.MustCompile(`\b(popen|subprocess|os\.system|os\.exec\w*|import_module|eval\s*\(|exec\s*\(|compile\s*\()`),
}

// templateSuspicious are constructs that real chat templates do not need
// and that escapes are built from: attribute lookup by string, the Jinja
// globals whose __init__ leads to Python globals, Flask context objects,
// and underscores assembled by concatenation or %c formatting.
var templateSuspicious = []*regexp.Regexp{
	regexp.MustCompile(`\|\s*attr\b|\battr\s*\(`),
	regexp.MustCompile(`\b(cycler|joiner|lipsum|url_for|get_flashed_messages|getattr)\b`),
	regexp.MustCompile(`\b(self|request|config|application)\s*\.\s*_`),
	regexp.MustCompile(`['"]_['"]\s*~|~\s*['"]_['"]|['"]_{2}['"]`),
	regexp.MustCompile(`%c`),
}

// CheckChatTemplate examines a Jinja chat template (a GGUF
// tokenizer.chat_template, or the chat_template of a tokenizer config)
// for server-side template injection: constructs that reach Python
// objects from the template. key names the template in messages.
func CheckChatTemplate(key, tmpl string) []Reason {
	var reasons []Reason
	if m := matches(templateDangerous, tmpl); len(m) > 0 {
		reasons = append(reasons, reason(ruleGGUFTemplateInjection, finding.SeverityCritical, Dangerous,
			"The chat template %s uses %s, which reach Python objects from the template: rendering it can run code on the server.", key, quoteList(m)))
	}
	if m := matches(templateSuspicious, tmpl); len(m) > 0 {
		reasons = append(reasons, reason(ruleGGUFTemplateSuspect, finding.SeverityMedium, Suspicious,
			"The chat template %s uses %s, which chat templates do not need and template-injection payloads are built from.", key, quoteList(m)))
	}
	return reasons
}

// matches returns up to five distinct matches of the patterns.
func matches(res []*regexp.Regexp, s string) []string {
	var out []string
	for _, re := range res {
		for _, m := range re.FindAllString(s, 5) {
			m = strings.TrimLeft(m, ".[ '\"")
			m = strings.TrimPrefix(m, "attr(")
			m = strings.TrimLeft(m, " '\"")
			if !slices.Contains(out, m) && len(out) < 5 {
				out = append(out, m)
			}
		}
	}
	return out
}
