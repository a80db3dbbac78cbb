package modelscan

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/finding"
)

// TFLite (tensorflow/compiler/mlir/lite/schema/schema.fbs, facts): the
// root table Model{version=0, operator_codes=1, subgraphs=2}; OperatorCode
// {deprecated_builtin_code=0 (int8), custom_code=1, version=2,
// builtin_code=3}; the builtin code of a custom operator is 32 (CUSTOM),
// and the effective code is the larger of the two code fields.

// TFLite rules.
const (
	ruleTFLiteCustom = "tflite-custom-op"
	ruleTFLiteFlex   = "tflite-flex-op"
)

const tfliteBuiltinCustom = 32

const ruleTFLiteIndex = "tflite-index-out-of-range"

// tfliteIndexes checks, in every subgraph (SubGraph{tensors=0,
// operators=3}; Operator{opcode_index=0, inputs=1, outputs=2};
// Tensor{buffer=2}), that operators name existing operator codes and
// tensors (-1 marks an optional input), and tensors existing buffers
// (Model.buffers=4).
func tfliteIndexes(s *source, m fbTable, opcodes int64) ([]string, error) {
	_, buffers, err := m.vector(4, 4)
	if err != nil {
		return nil, err
	}
	subs, nsub, err := m.vector(2, 4)
	if err != nil {
		return nil, err
	}
	var bad []string
	note := func(format string, args ...any) {
		if len(bad) < 6 {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	for i := int64(0); i < nsub; i++ {
		p, err := m.deref(subs + 4*i)
		if err != nil {
			return nil, err
		}
		sg, err := s.table(p)
		if err != nil {
			return nil, err
		}
		tens, ntens, err := sg.vector(0, 4)
		if err != nil {
			return nil, err
		}
		for j := int64(0); j < ntens; j++ {
			tp, err := sg.deref(tens + 4*j)
			if err != nil {
				return nil, err
			}
			t, err := s.table(tp)
			if err != nil {
				return nil, err
			}
			b, err := t.scalar(2, 4, 0)
			if err != nil {
				return nil, err
			}
			if b < 0 || b > 0 && b >= buffers { // buffer 0 is the empty sentinel
				note("subgraph %d tensor %d: buffer %d of %d", i, j, b, buffers)
			}
		}
		ops, nops, err := sg.vector(3, 4)
		if err != nil {
			return nil, err
		}
		for j := int64(0); j < nops; j++ {
			op, err := sg.deref(ops + 4*j)
			if err != nil {
				return nil, err
			}
			o, err := s.table(op)
			if err != nil {
				return nil, err
			}
			idx, err := o.scalar(0, 4, 0)
			if err != nil {
				return nil, err
			}
			if uint32(idx) >= uint32(opcodes) {
				note("subgraph %d operator %d: operator code %d of %d", i, j, uint32(idx), opcodes)
			}
			for _, field := range []int{1, 2} {
				start, n, err := o.vector(field, 4)
				if err != nil {
					return nil, err
				}
				for k := int64(0); k < n; k++ {
					if err := s.step(); err != nil {
						return nil, err
					}
					v, err := s.u32(start + 4*k)
					if err != nil {
						return nil, err
					}
					if t := int32(v); t < -1 || int64(t) >= ntens {
						note("subgraph %d operator %d: tensor %d of %d", i, j, t, ntens)
					}
				}
			}
		}
	}
	return bad, nil
}

// fbTable is a FlatBuffer table read through a source.
type fbTable struct {
	s      *source
	pos    int64
	vtable int64
	vtSize int64
}

func (s *source) u32(off int64) (uint32, error) {
	b, err := s.at(off, 4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (s *source) table(pos int64) (fbTable, error) {
	if err := s.step(); err != nil {
		return fbTable{}, err
	}
	so, err := s.u32(pos)
	if err != nil {
		return fbTable{}, err
	}
	vt := pos - int64(int32(so))
	b, err := s.at(vt, 4)
	if err != nil {
		return fbTable{}, fmt.Errorf("%w: vtable of the table at %d: %w", ErrMalformed, pos, err)
	}
	n := int64(binary.LittleEndian.Uint16(b))
	if n < 4 || n%2 != 0 || vt+n > s.size {
		return fbTable{}, fmt.Errorf("%w: vtable of %d bytes at %d", ErrMalformed, n, vt)
	}
	return fbTable{s: s, pos: pos, vtable: vt, vtSize: n}, nil
}

// field returns the position of field i, or false when it is absent.
func (t fbTable) field(i int) (int64, bool, error) {
	o := int64(4 + 2*i)
	if o+2 > t.vtSize {
		return 0, false, nil
	}
	b, err := t.s.at(t.vtable+o, 2)
	if err != nil {
		return 0, false, err
	}
	off := int64(binary.LittleEndian.Uint16(b))
	if off == 0 {
		return 0, false, nil
	}
	return t.pos + off, true, nil
}

// deref follows the uoffset at p.
func (t fbTable) deref(p int64) (int64, error) {
	rel, err := t.s.u32(p)
	if err != nil {
		return 0, err
	}
	return p + int64(rel), nil
}

// vector returns the position of the first element and the length of the
// vector in field i.
func (t fbTable) vector(i int, elem int64) (int64, int64, error) {
	p, ok, err := t.field(i)
	if err != nil || !ok {
		return 0, 0, err
	}
	v, err := t.deref(p)
	if err != nil {
		return 0, 0, err
	}
	n, err := t.s.u32(v)
	if err != nil {
		return 0, 0, err
	}
	if int64(n) > (t.s.size-v-4)/elem {
		return 0, 0, fmt.Errorf("%w: vector of %d elements at %d runs past the end", ErrMalformed, n, v)
	}
	return v + 4, int64(n), nil
}

// str returns the string in field i.
func (t fbTable) str(i int) (string, error) {
	start, n, err := t.vector(i, 1)
	if err != nil || n == 0 {
		return "", err
	}
	return t.s.str(start, n, maxName)
}

// scalar reads n bytes of a scalar field as a signed number, def when absent.
func (t fbTable) scalar(i int, n int64, def int64) (int64, error) {
	p, ok, err := t.field(i)
	if err != nil || !ok {
		return def, err
	}
	b, err := t.s.at(p, n)
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return int64(int8(b[0])), nil
	default:
		return int64(int32(binary.LittleEndian.Uint32(b))), nil
	}
}

func scanTFLite(ctx context.Context, f File) ([]Reason, error) {
	s := newSource(ctx, f.R, f.Size, f.Limits)
	root, err := s.u32(0)
	if err != nil {
		return nil, err
	}
	m, err := s.table(int64(root))
	if err != nil {
		return nil, err
	}
	start, n, err := m.vector(1, 4)
	if err != nil {
		return nil, err
	}
	var custom, flex []string
	for i := int64(0); i < n; i++ {
		p, err := m.deref(start + 4*i)
		if err != nil {
			return nil, err
		}
		oc, err := s.table(p)
		if err != nil {
			return nil, err
		}
		dep, err := oc.scalar(0, 1, 0)
		if err != nil {
			return nil, err
		}
		code, err := oc.scalar(3, 4, 0)
		if err != nil {
			return nil, err
		}
		cc, err := oc.str(1)
		if err != nil {
			return nil, err
		}
		if max(dep, code) != tfliteBuiltinCustom && cc == "" {
			continue
		}
		if cc == "" {
			cc = "(unnamed)"
		}
		if strings.HasPrefix(cc, "Flex") {
			flex = append(flex, cc)
		} else {
			custom = append(custom, cc)
		}
	}
	var reasons []Reason
	bad, err := tfliteIndexes(s, m, n)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		reasons = append(reasons, reason(ruleTFLiteIndex, finding.SeverityHigh, Dangerous,
			"Operators refer to operator codes, tensors or buffers that do not exist (%s): the out-of-bounds indexes with which TFLite's interpreter was exploited.",
			listCut(bad, 5)))
	}
	if len(flex) > 0 {
		reasons = append(reasons, reason(ruleTFLiteFlex, finding.SeverityMedium, Suspicious,
			"The model uses %d TensorFlow (Flex) %s (%s): they run full TensorFlow kernels, which include file and Python-facing ops, outside the TFLite builtins.",
			len(flex), plural(len(flex), "op", "ops"), listCut(flex, 8)))
	}
	if len(custom) > 0 {
		reasons = append(reasons, reason(ruleTFLiteCustom, finding.SeverityLow, Suspicious,
			"The model uses %d custom %s (%s): they run native code that the app registers, outside the TFLite builtins.",
			len(custom), plural(len(custom), "operator", "operators"), listCut(custom, 8)))
	}
	return reasons, nil
}

func listCut(ss []string, n int) string {
	if len(ss) <= n {
		return strings.Join(ss, ", ")
	}
	return strings.Join(ss[:n], ", ") + ", …"
}

// scanMediaPipeTask examines the TFLite models inside a MediaPipe task
// bundle.
func scanMediaPipeTask(ctx context.Context, f File) ([]Reason, error) {
	pkg, ok, err := container(f)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: a task bundle that is not a ZIP archive", ErrMalformed)
	}
	var reasons []Reason
	var errs []error
	for _, n := range archive.SortedNames(pkg) {
		if err := ctx.Err(); err != nil {
			return reasons, err
		}
		if !isTFLiteMember(pkg, n) {
			continue
		}
		data, err := readMember(pkg, n, f.Limits)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rs, err := scanTFLite(ctx, memberFile(f, n, data))
		reasons = append(reasons, withMember(rs, n)...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
		}
	}
	return reasons, errors.Join(errs...)
}

func isTFLiteMember(pkg archive.Package, name string) bool {
	rc, err := pkg.Open(name)
	if err != nil {
		return false
	}
	defer rc.Close()
	var head [8]byte
	if _, err := io.ReadFull(rc, head[:]); err != nil {
		return false
	}
	return string(head[4:8]) == "TFL3"
}
