package modelscan

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// ONNX (onnx/onnx.proto, facts): ModelProto{graph=7, opset_import=8,
// training_info=20, functions=25}; GraphProto{node=1, initializer=5,
// sparse_initializer=15}; NodeProto{op_type=4, attribute=5, domain=7,
// name=3}; AttributeProto{t=5, g=6, tensors=10, graphs=11,
// sparse_tensor=22, sparse_tensors=23}; TensorProto{name=8,
// external_data=13 (StringStringEntryProto{key=1, value=2}),
// data_location=14}; SparseTensorProto{values=1, indices=2};
// TrainingInfoProto{initialization=1, algorithm=2};
// FunctionProto{name=1, node=7, domain=10}; OperatorSetIdProto{domain=1}.

// ONNX rules.
const (
	ruleONNXTraversal    = "onnx-external-data-traversal"
	ruleONNXExternalURL  = "onnx-external-data-url"
	ruleONNXCustomDomain = "onnx-custom-domain"
)

// onnxStandardDomains are the operator domains of ONNX and of ONNX
// Runtime's builtin kernels.
var onnxStandardDomains = map[string]bool{
	"": true, "ai.onnx": true, "ai.onnx.ml": true, "ai.onnx.training": true, "ai.onnx.preview.training": true,
	"com.microsoft": true, "com.microsoft.nchwc": true, "com.microsoft.experimental": true,
	"com.microsoft.dml": true, "com.ms.internal.nhwc": true, "com.microsoft.mlfeaturizers": true,
}

type onnxScan struct {
	s       *source
	funcs   map[string]bool // "domain\x00name" of local functions
	domains map[string][]string
	counts  map[string]int
	reasons []Reason
}

func scanONNX(ctx context.Context, f File) ([]Reason, error) {
	s := newSource(ctx, f.R, f.Size, f.Limits)
	o := &onnxScan{s: s, funcs: map[string]bool{}, domains: map[string][]string{}, counts: map[string]int{}}
	top := s.message(0, f.Size)
	// Local functions first: a node that calls one is not a custom op.
	err := top.eachSub(25, func(fn pbMsg) error {
		var name, domain string
		err := fn.each(func(g pbField) error {
			var err error
			switch {
			case g.num == 1 && g.wire == wireBytes:
				name, err = fn.text(g)
			case g.num == 10 && g.wire == wireBytes:
				domain, err = fn.text(g)
			}
			return err
		})
		o.funcs[domain+"\x00"+name] = true
		return err
	})
	if err == nil {
		err = top.each(func(g pbField) error {
			if g.wire != wireBytes {
				return nil
			}
			switch g.num {
			case 7:
				sub, err := top.sub(g)
				if err != nil {
					return err
				}
				return o.graph(sub, "graph")
			case 20:
				sub, err := top.sub(g)
				if err != nil {
					return err
				}
				return sub.each(func(h pbField) error {
					if (h.num == 1 || h.num == 2) && h.wire == wireBytes {
						gs, err := sub.sub(h)
						if err != nil {
							return err
						}
						return o.graph(gs, "training graph")
					}
					return nil
				})
			case 25:
				sub, err := top.sub(g)
				if err != nil {
					return err
				}
				return sub.eachSub(7, func(n pbMsg) error { return o.node(n, "function") })
			}
			return nil
		})
	}
	return o.finish(), err
}

func (o *onnxScan) graph(g pbMsg, where string) error {
	return g.each(func(f pbField) error {
		if f.wire != wireBytes {
			return nil
		}
		sub, err := g.sub(f)
		if err != nil {
			return err
		}
		switch f.num {
		case 1:
			return o.node(sub, where)
		case 5:
			return o.tensor(sub, "initializer")
		case 15:
			return o.sparse(sub, "sparse initializer")
		}
		return nil
	})
}

func (o *onnxScan) node(n pbMsg, where string) error {
	var op, domain, name string
	err := n.each(func(f pbField) error {
		if f.wire != wireBytes {
			return nil
		}
		var err error
		switch f.num {
		case 3:
			name, err = n.text(f)
		case 4:
			op, err = n.text(f)
		case 7:
			domain, err = n.text(f)
		case 5:
			a, err := n.sub(f)
			if err != nil {
				return err
			}
			return o.attribute(a, where)
		}
		return err
	})
	if err != nil {
		return err
	}
	if !onnxStandardDomains[domain] && !o.funcs[domain+"\x00"+op] {
		key := domain
		o.counts[key]++
		if len(o.domains[key]) < 5 {
			label := op
			if name != "" {
				label = fmt.Sprintf("%s (%s)", op, name)
			}
			o.domains[key] = append(o.domains[key], label)
		}
	}
	return nil
}

func (o *onnxScan) attribute(a pbMsg, where string) error {
	return a.each(func(f pbField) error {
		if f.wire != wireBytes {
			return nil
		}
		switch f.num {
		case 5, 10:
			sub, err := a.sub(f)
			if err != nil {
				return err
			}
			return o.tensor(sub, "attribute tensor")
		case 6, 11:
			sub, err := a.sub(f)
			if err != nil {
				return err
			}
			return o.graph(sub, where+" subgraph")
		case 22, 23:
			sub, err := a.sub(f)
			if err != nil {
				return err
			}
			return o.sparse(sub, "attribute sparse tensor")
		}
		return nil
	})
}

func (o *onnxScan) sparse(sp pbMsg, what string) error {
	return sp.each(func(f pbField) error {
		if (f.num == 1 || f.num == 2) && f.wire == wireBytes {
			sub, err := sp.sub(f)
			if err != nil {
				return err
			}
			return o.tensor(sub, what)
		}
		return nil
	})
}

// tensor checks the external data location of a TensorProto.
func (o *onnxScan) tensor(t pbMsg, what string) error {
	var name, location string
	err := t.each(func(f pbField) error {
		if f.wire != wireBytes {
			return nil
		}
		switch f.num {
		case 8:
			var err error
			name, err = t.text(f)
			return err
		case 13:
			e, err := t.sub(f)
			if err != nil {
				return err
			}
			var k, v string
			err = e.each(func(g pbField) error {
				var err error
				switch {
				case g.num == 1 && g.wire == wireBytes:
					k, err = e.text(g)
				case g.num == 2 && g.wire == wireBytes:
					v, err = e.text(g)
				}
				return err
			})
			if k == "location" {
				location = v
			}
			return err
		}
		return nil
	})
	if err != nil || location == "" {
		return err
	}
	switch {
	case pathEscapes(location):
		o.reasons = append(o.reasons, reason(ruleONNXTraversal, finding.SeverityHigh, Dangerous,
			"The external data of %s %q is read from %q, outside the model's directory: loading reads whatever file that names.", what, name, location))
	case strings.Contains(location, "://"):
		o.reasons = append(o.reasons, reason(ruleONNXExternalURL, finding.SeverityMedium, Suspicious,
			"The external data of %s %q is located at the URL-like %q.", what, name, location))
	}
	return nil
}

// pathEscapes reports a relative-path value that leaves its directory:
// absolute paths, drive letters, UNC paths and ".." components.
func pathEscapes(p string) bool {
	q := strings.ReplaceAll(p, `\`, "/")
	if strings.HasPrefix(q, "/") || strings.HasPrefix(q, "~") {
		return true
	}
	if len(q) >= 2 && q[1] == ':' && (q[0]|0x20 >= 'a' && q[0]|0x20 <= 'z') {
		return true
	}
	for _, part := range strings.Split(q, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

func (o *onnxScan) finish() []Reason {
	domains := make([]string, 0, len(o.domains))
	for d := range o.domains {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	for _, d := range domains {
		ops := strings.Join(o.domains[d], ", ")
		if o.counts[d] > len(o.domains[d]) {
			ops += ", …"
		}
		o.reasons = append(o.reasons, reason(ruleONNXCustomDomain, finding.SeverityMedium, Suspicious,
			"%d %s the custom operator domain %q (%s): custom operators run code from a library registered at load time, not ONNX kernels.",
			o.counts[d], plural(o.counts[d], "node uses", "nodes use"), d, ops))
	}
	return o.reasons
}
