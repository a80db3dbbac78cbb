package modelscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/finding"
)

// TensorFlow graphs (tensorflow/core/framework/*.proto, facts):
// SavedModel{meta_graphs=2} MetaGraphDef{graph_def=2} GraphDef{node=1,
// library=2} FunctionDefLibrary{function=1} FunctionDef{signature=1,
// node_def=3} OpDef{name=1} NodeDef{name=1, op=2, input=3, attr=5 (map:
// key=1, value=2)} AttrValue{list=1, s=2, tensor=8} ListValue{s=2}
// TensorProto{string_val=8}.

// tfOp says what an operation can do when the graph runs.
type tfOp struct {
	rule    string
	sev     finding.Severity
	verdict Verdict
	does    string
	// pathInput: the first input is a file path or prefix; when it comes
	// from a constant, the message names it.
	pathInput bool
	// fixedPathOnly: report only when the path is a constant in the graph
	// (checkpoint ops, which SavedModels use with a path fed at load).
	fixedPathOnly bool
}

// TensorFlow rules.
const (
	ruleTFPython     = "tf-python-op"
	ruleTFFileWrite  = "tf-file-write-op"
	ruleTFFileRead   = "tf-file-read-op"
	ruleTFCheckpoint = "tf-checkpoint-fixed-path"
	ruleTFDebugURL   = "tf-debug-op-url"
	ruleTFPrintFile  = "tf-print-to-file"
	ruleTFSummary    = "tf-summary-writer"
	ruleTFNetwork    = "tf-network-op"
	ruleTFTableFile  = "tf-table-from-file"
	ruleTFAssetPath  = "tf-asset-path-traversal"
)

var tfOps = func() map[string]tfOp {
	m := map[string]tfOp{}
	add := func(op tfOp, names ...string) {
		for _, n := range names {
			m[n] = op
		}
	}
	add(tfOp{rule: ruleTFPython, sev: finding.SeverityHigh, verdict: Dangerous,
		does: "calls back into the Python interpreter of the loading process"},
		"PyFunc", "PyFuncStateless", "EagerPyFunc")
	add(tfOp{rule: ruleTFFileWrite, sev: finding.SeverityCritical, verdict: Dangerous,
		does: "writes any file the loading process may write", pathInput: true},
		"WriteFile")
	add(tfOp{rule: ruleTFFileWrite, sev: finding.SeverityHigh, verdict: Dangerous,
		does: "writes a dataset to a file", pathInput: false},
		"DatasetToTFRecord", "ExperimentalDatasetToTFRecord", "SaveDataset", "SaveDatasetV2")
	add(tfOp{rule: ruleTFFileRead, sev: finding.SeverityHigh, verdict: Dangerous,
		does: "reads any file the loading process may read and returns its content", pathInput: true},
		"ReadFile")
	add(tfOp{rule: ruleTFFileRead, sev: finding.SeverityMedium, verdict: Suspicious,
		does: "lists files matching a pattern", pathInput: true},
		"MatchingFiles")
	add(tfOp{rule: ruleTFFileRead, sev: finding.SeverityMedium, verdict: Suspicious,
		does: "reads files named at run time"},
		"WholeFileReader", "WholeFileReaderV2", "TextLineReader", "TextLineReaderV2",
		"TFRecordReader", "TFRecordReaderV2", "FixedLengthRecordReader", "FixedLengthRecordReaderV2",
		"LMDBReader", "TFRecordDataset", "TFRecordDatasetV2", "TextLineDataset",
		"FixedLengthRecordDataset", "FixedLengthRecordDatasetV2", "CSVDataset", "CSVDatasetV2",
		"ExperimentalCSVDataset", "LMDBDataset", "ExperimentalLMDBDataset", "LoadDataset",
		"SqlDataset", "ExperimentalSqlDataset")
	add(tfOp{rule: ruleTFFileRead, sev: finding.SeverityMedium, verdict: Suspicious,
		does: "memory-maps a file named in the graph"},
		"ImmutableConst")
	add(tfOp{rule: ruleTFFileRead, sev: finding.SeverityMedium, verdict: Suspicious,
		does: "reads a checkpoint from a path in the graph", pathInput: true},
		"LoadAndRemapMatrix")
	add(tfOp{rule: ruleTFCheckpoint, sev: finding.SeverityHigh, verdict: Dangerous,
		does: "writes checkpoint files to a path fixed in the graph", pathInput: true, fixedPathOnly: true},
		"Save", "SaveV2", "SaveSlices", "MergeV2Checkpoints")
	add(tfOp{rule: ruleTFCheckpoint, sev: finding.SeverityMedium, verdict: Suspicious,
		does: "reads checkpoint files from a path fixed in the graph", pathInput: true, fixedPathOnly: true},
		"Restore", "RestoreV2", "RestoreSlice")
	add(tfOp{rule: ruleTFSummary, sev: finding.SeverityMedium, verdict: Suspicious,
		does: "opens a summary writer that writes files", pathInput: false},
		"CreateSummaryFileWriter", "CreateSummaryDbWriter")
	add(tfOp{rule: ruleTFNetwork, sev: finding.SeverityMedium, verdict: Suspicious,
		does: "talks to a tf.data service over the network"},
		"DataServiceDataset", "DataServiceDatasetV2", "DataServiceDatasetV3", "DataServiceDatasetV4", "RegisterDataset", "RegisterDatasetV2")
	add(tfOp{rule: ruleTFTableFile, sev: finding.SeverityInfo, verdict: Safe,
		does: "fills a lookup table from a text file (usually a vocabulary asset)"},
		"InitializeTableFromTextFile", "InitializeTableFromTextFileV2")
	return m
}()

// tfNode is what the scan keeps of a NodeDef.
type tfNode struct {
	name, op  string
	input     string // first data input
	constStr  string // string value of a Const
	debugURLs []string
	stream    string // PrintV2 output_stream
	region    string // ImmutableConst memory_region_name
}

// tfGraph collects nodes of a graph or function body.
type tfGraph struct {
	where string // "graph" or "function NAME"
	nodes []tfNode
	// saverFile is the node of the SaverDef's filename tensor, which the
	// loader feeds with the checkpoint path.
	saverFile string
}

// tfHit aggregates one finding over nodes.
type tfHit struct {
	op     tfOp
	opName string
	nodes  []string
	paths  []string
	count  int
}

func scanGraphDef(ctx context.Context, f File) ([]Reason, error) {
	s := newSource(ctx, f.R, f.Size, f.Limits)
	graphs, err := readGraphDef(s.message(0, f.Size), "graph")
	return tfReasons(graphs, false), err
}

func scanSavedModel(ctx context.Context, f File) ([]Reason, error) {
	pkg, ok, err := container(f)
	if err != nil {
		return nil, err
	}
	if !ok {
		return scanSavedModelPB(ctx, f)
	}
	var reasons []Reason
	var errs []error
	names := map[string]bool{}
	for _, n := range pkg.Names() {
		names[n] = true
	}
	for _, n := range archive.SortedNames(pkg) {
		base := n[strings.LastIndex(n, "/")+1:]
		switch base {
		case "saved_model.pb", "saved_model.pbtxt", "keras_metadata.pb":
		default:
			continue
		}
		prefix := strings.TrimSuffix(n, base)
		if !names[prefix+"saved_model.pb"] && !names[prefix+"saved_model.pbtxt"] {
			continue
		}
		data, err := readMember(pkg, n, f.Limits)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var rs []Reason
		switch base {
		case "saved_model.pb":
			rs, err = scanSavedModelPB(ctx, memberFile(f, n, data))
		case "saved_model.pbtxt":
			rs = scanSavedModelText(data)
		case "keras_metadata.pb":
			rs, err = scanKerasMetadata(ctx, memberFile(f, n, data))
		}
		reasons = append(reasons, withMember(rs, n)...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
		}
	}
	return reasons, errors.Join(errs...)
}

func scanSavedModelPB(ctx context.Context, f File) ([]Reason, error) {
	s := newSource(ctx, f.R, f.Size, f.Limits)
	var graphs []tfGraph
	var extra []Reason
	top := s.message(0, f.Size)
	err := top.eachSub(2, func(meta pbMsg) error {
		var saverFile string
		var gs []tfGraph
		err := meta.each(func(g pbField) error {
			if g.wire != wireBytes || g.num < 2 || g.num > 7 || g.num == 4 || g.num == 5 {
				return nil
			}
			sub, err := meta.sub(g)
			if err != nil {
				return err
			}
			switch g.num {
			case 6: // AssetFileDef{filename=2}
				names, err := sub.strings(2)
				for _, n := range names {
					if pathEscapes(n) {
						extra = append(extra, reason(ruleTFAssetPath, finding.SeverityHigh, Dangerous,
							"The asset file %q escapes the SavedModel's assets directory: loading reads the file it names.", n))
					}
				}
				return err
			case 7: // SavedObjectGraph
				rs, err := savedUserObjects(sub, f.Limits)
				extra = append(extra, rs...)
				return err
			}
			if g.num == 3 { // SaverDef{filename_tensor_name=1}
				names, err := sub.strings(1)
				if len(names) > 0 {
					saverFile = inputNode(names[0])
				}
				return err
			}
			more, err := readGraphDef(sub, "graph")
			gs = append(gs, more...)
			return err
		})
		for i := range gs {
			gs[i].saverFile = saverFile
		}
		graphs = append(graphs, gs...)
		return err
	})
	return append(tfReasons(graphs, true), extra...), err
}

// savedUserObjects checks the metadata of the user objects of a
// SavedObjectGraph{nodes=1}: SavedObject{user_object=4}
// SavedUserObject{metadata=3}, where TensorFlow 2 Keras SavedModels keep
// each layer's config as JSON.
func savedUserObjects(g pbMsg, lim Limits) ([]Reason, error) {
	var reasons []Reason
	err := g.eachSub(1, func(obj pbMsg) error {
		return obj.eachSub(4, func(user pbMsg) error {
			return user.each(func(h pbField) error {
				if h.num != 3 || h.wire != wireBytes || h.n < 2 {
					return nil
				}
				if h.n > lim.MaxJSONBytes {
					return fmt.Errorf("%w: user object metadata of %d bytes", ErrLimit, h.n)
				}
				js, err := user.s.at(h.off, h.n)
				if err != nil || js[0] != '{' {
					return err
				}
				rs, err := checkKerasConfig(bytes.Clone(js), kerasSavedModel, lim)
				reasons = append(reasons, rs...)
				return err
			})
		})
	})
	return reasons, err
}

// readGraphDef reads the nodes of a GraphDef and of its function library.
func readGraphDef(g pbMsg, where string) ([]tfGraph, error) {
	main := tfGraph{where: where}
	var funcs []tfGraph
	err := g.each(func(f pbField) error {
		if f.wire != wireBytes {
			return nil
		}
		switch f.num {
		case 1:
			sub, err := g.sub(f)
			if err != nil {
				return err
			}
			n, err := readNodeDef(sub)
			if err != nil {
				return err
			}
			main.nodes = append(main.nodes, n)
		case 2:
			lib, err := g.sub(f)
			if err != nil {
				return err
			}
			return lib.eachSub(1, func(fn pbMsg) error {
				body := tfGraph{where: "function"}
				err := fn.each(func(h pbField) error {
					if h.wire != wireBytes {
						return nil
					}
					switch h.num {
					case 1:
						sig, err := fn.sub(h)
						if err != nil {
							return err
						}
						names, err := sig.strings(1)
						if err != nil {
							return err
						}
						if len(names) > 0 {
							body.where = "function " + names[0]
						}
					case 3:
						sub, err := fn.sub(h)
						if err != nil {
							return err
						}
						n, err := readNodeDef(sub)
						if err != nil {
							return err
						}
						body.nodes = append(body.nodes, n)
					}
					return nil
				})
				funcs = append(funcs, body)
				return err
			})
		}
		return nil
	})
	return append([]tfGraph{main}, funcs...), err
}

func readNodeDef(m pbMsg) (tfNode, error) {
	var n tfNode
	type attr struct {
		key string
		val pbMsg
	}
	var attrs []attr
	err := m.each(func(f pbField) error {
		if f.wire != wireBytes {
			return nil
		}
		var err error
		switch f.num {
		case 1:
			n.name, err = m.text(f)
		case 2:
			n.op, err = m.text(f)
		case 3:
			if n.input == "" {
				var in string
				in, err = m.text(f)
				if !strings.HasPrefix(in, "^") {
					n.input = in
				}
			}
		case 5:
			entry, err := m.sub(f)
			if err != nil {
				return err
			}
			var a attr
			err = entry.each(func(g pbField) error {
				switch {
				case g.num == 1 && g.wire == wireBytes:
					k, err := entry.text(g)
					a.key = k
					return err
				case g.num == 2 && g.wire == wireBytes:
					v, err := entry.sub(g)
					a.val = v
					return err
				}
				return nil
			})
			if err != nil {
				return err
			}
			switch a.key {
			case "value", "debug_urls", "output_stream", "memory_region_name":
				attrs = append(attrs, a)
			}
		}
		return err
	})
	if err != nil {
		return n, err
	}
	for _, a := range attrs {
		if a.val.s == nil {
			continue
		}
		switch a.key {
		case "value":
			if n.op != "Const" {
				continue
			}
			err = a.val.eachSub(8, func(t pbMsg) error { // tensor
				s, ok, err := t.firstString(8)
				if ok {
					n.constStr = s
				}
				return err
			})
		case "debug_urls":
			err = a.val.eachSub(1, func(l pbMsg) error { // list
				ss, err := l.strings(2)
				n.debugURLs = append(n.debugURLs, ss...)
				return err
			})
		case "output_stream", "memory_region_name":
			var ss []string
			ss, err = a.val.strings(2)
			if len(ss) > 0 {
				if a.key == "output_stream" {
					n.stream = ss[0]
				} else {
					n.region = ss[0]
				}
			}
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// inputNode returns the node name of an input reference ("a:0",
// "a:output:0").
func inputNode(in string) string {
	in = strings.TrimPrefix(in, "^")
	if i := strings.IndexByte(in, ':'); i >= 0 {
		return in[:i]
	}
	return in
}

// tfReasons turns the nodes of the graphs into reasons, one per rule and
// operation.
func tfReasons(graphs []tfGraph, savedModel bool) []Reason {
	hits := map[string]*tfHit{}
	var order []string
	hit := func(op tfOp, opName, node, path string, rule string) {
		key := rule + "\x00" + opName
		h, ok := hits[key]
		if !ok {
			h = &tfHit{op: op, opName: opName}
			h.op.rule = rule
			hits[key] = h
			order = append(order, key)
		}
		h.count++
		if len(h.nodes) < 3 {
			h.nodes = append(h.nodes, node)
		}
		if path != "" && len(h.paths) < 3 && !slices.Contains(h.paths, path) {
			h.paths = append(h.paths, path)
		}
	}
	var reasons []Reason
	for _, g := range graphs {
		consts := map[string]string{}
		for _, n := range g.nodes {
			if n.op == "Const" && n.constStr != "" {
				consts[n.name] = n.constStr
			}
		}
		for _, n := range g.nodes {
			node := n.name
			if g.where != "graph" {
				node = g.where + ": " + n.name
			}
			if op, ok := tfOps[n.op]; ok {
				path := ""
				if op.pathInput {
					path = consts[inputNode(n.input)]
				}
				if n.op == "ImmutableConst" {
					path = n.region
				}
				if op.fixedPathOnly && (inputNode(n.input) == g.saverFile ||
					!pathEscapes(path) && !strings.Contains(path, "://")) {
					// The saver's own filename constant (fed at load), or
					// a relative default name such as "model".
					path = ""
				}
				switch {
				case op.fixedPathOnly && path != "":
					hit(op, n.op, node, path, op.rule)
				case op.fixedPathOnly && !savedModel:
					hit(tfOp{sev: finding.SeverityLow, verdict: Suspicious,
						does: "reads or writes checkpoint files, which a frozen graph has no need to do"}, n.op, node, "", ruleTFCheckpoint)
				case op.fixedPathOnly:
				default:
					hit(op, n.op, node, path, op.rule)
				}
			}
			for _, u := range n.debugURLs {
				lu := strings.ToLower(u)
				switch {
				case strings.HasPrefix(lu, "grpc://"):
					hit(tfOp{sev: finding.SeverityHigh, verdict: Dangerous, does: "streams tensors to a network address"}, n.op, node, u, ruleTFDebugURL)
				case lu != "":
					hit(tfOp{sev: finding.SeverityMedium, verdict: Suspicious, does: "dumps tensors to a debug URL"}, n.op, node, u, ruleTFDebugURL)
				}
			}
			if n.op == "PrintV2" && strings.HasPrefix(strings.ToLower(n.stream), "file://") {
				hit(tfOp{sev: finding.SeverityHigh, verdict: Dangerous, does: "appends tensor values to a file"}, n.op, node, n.stream, ruleTFPrintFile)
			}
		}
	}
	for _, k := range order {
		h := hits[k]
		msg := fmt.Sprintf("Operation %s %s (%d %s: %s", h.opName, h.op.does, h.count, plural(h.count, "node", "nodes"), strings.Join(h.nodes, ", "))
		if h.count > len(h.nodes) {
			msg += ", …"
		}
		msg += ")"
		if len(h.paths) > 0 {
			msg += "; path " + quoteList(h.paths)
		}
		reasons = append(reasons, reason(h.op.rule, h.op.sev, h.op.verdict, "%s.", msg))
	}
	return reasons
}

// savedModelTextOp finds op names in a text-format SavedModel.
var savedModelTextOp = regexp.MustCompile(`\bop:\s*"([A-Za-z0-9_]+)"`)

// scanSavedModelText looks for the operations of tfOps in a text-format
// SavedModel; paths and attributes are not resolved there.
func scanSavedModelText(data []byte) []Reason {
	seen := map[string]int{}
	var order []string
	for _, m := range savedModelTextOp.FindAllSubmatch(data, -1) {
		op := string(m[1])
		if _, ok := tfOps[op]; !ok {
			continue
		}
		if seen[op] == 0 {
			order = append(order, op)
		}
		seen[op]++
	}
	var rs []Reason
	for _, op := range order {
		o := tfOps[op]
		if o.fixedPathOnly {
			continue
		}
		rs = append(rs, reason(o.rule, o.sev, o.verdict, "Operation %s %s (%d %s in the text-format graph).",
			op, o.does, seen[op], plural(seen[op], "node", "nodes")))
	}
	return rs
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// quoteList quotes strings for a message, cut to a readable length.
func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
