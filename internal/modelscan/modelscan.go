// Package modelscan examines model files for what loading them can do
// beyond computing: code in the file (Keras Lambda layers, Python callback
// ops, chat templates that reach Python), paths outside the model (ONNX
// external data, TensorFlow file ops), operators that run outside the
// builtin kernels (TFLite custom and Flex ops, ONNX custom domains, Core ML
// custom layers) and structures that lie about their own sizes (GGUF
// counts, safetensors offsets), which is how parsers of loaders are
// attacked.
//
// A Scanner identifies a file with package model, hands it to the
// FormatScanner registered for its format and turns the Reasons found into
// a Verdict. Nothing is executed and every read is bounded (Limits). The
// pickle family (pickles, PyTorch archives, NumPy) is not examined here:
// New takes the scanners for it from the caller.
package modelscan

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/model"
)

// Verdict is what a file, or one reason, makes of a model.
type Verdict string

// Verdicts, from harmless to harmful.
const (
	// Safe: nothing found that loading the file could do beyond computing.
	Safe Verdict = "safe"
	// Suspicious: something that needs a person's judgement (custom
	// operators, unexamined formats, malformed structure).
	Suspicious Verdict = "suspicious"
	// Dangerous: loading the file can run code, touch files or the
	// network, or is built to break the loader's parser.
	Dangerous Verdict = "dangerous"
)

func (v Verdict) rank() int {
	switch v {
	case Suspicious:
		return 1
	case Dangerous:
		return 2
	}
	return 0
}

// Worse returns the worse of two verdicts.
func Worse(a, b Verdict) Verdict {
	if b.rank() > a.rank() {
		return b
	}
	if a == "" {
		return Safe
	}
	return a
}

// Reason is one thing found in a model file.
type Reason struct {
	// Rule is a stable kebab-case id ("keras-lambda-layer").
	Rule string
	// Severity says how much harm the thing allows.
	Severity finding.Severity
	// Verdict is what this reason alone makes the file.
	Verdict Verdict
	// Message is one sentence naming the offending thing.
	Message string
	// Member is the path inside an archive or directory, "" for the file itself.
	Member string
}

// Result is the examination of one model file or directory.
type Result struct {
	Path    string
	Format  model.Format // "" when not recognized
	Size    int64        // bytes of the file; of all files for a directory
	SHA256  string       // hex digest of the file; "" for a directory
	Verdict Verdict      // worst of Reasons; Safe when none
	Reasons []Reason
	// Err says why the file could not be (fully) examined; a partial
	// result keeps the reasons found before.
	Err string
}

// Options configure a Scanner.
type Options struct {
	// Limits bound every read; zero fields take DefaultLimits.
	Limits Limits
}

// Limits bound what one file may make the scanner read and walk.
type Limits struct {
	// MaxReadBytes caps the structural bytes a parser reads from one file
	// (tensor data that a parser skips is not read and not counted).
	MaxReadBytes int64
	// MaxMembers caps the entries of an archive or files of a directory.
	MaxMembers int
	// MaxMemberBytes caps one archive member or directory file read into memory.
	MaxMemberBytes int64
	// MaxJSONBytes caps one JSON document (Keras config, safetensors header).
	MaxJSONBytes int64
	// MaxJSONDepth caps the nesting of a JSON document walked.
	MaxJSONDepth int
	// MaxProtoDepth caps the nesting of protobuf messages walked.
	MaxProtoDepth int
	// MaxProtoFields caps the protobuf fields (or FlatBuffer elements,
	// GGUF values) visited in one file.
	MaxProtoFields int
	// MaxTemplateBytes caps a chat template examined.
	MaxTemplateBytes int
	// MaxWalkFiles caps the files ScanPaths looks at under one directory.
	MaxWalkFiles int
	// MaxReasons caps the reasons kept per file.
	MaxReasons int
}

// DefaultLimits hold the largest real models with room to spare.
var DefaultLimits = Limits{
	MaxReadBytes:     512 << 20,
	MaxMembers:       100_000,
	MaxMemberBytes:   1 << 30,
	MaxJSONBytes:     100 << 20,
	MaxJSONDepth:     256,
	MaxProtoDepth:    64,
	MaxProtoFields:   50_000_000,
	MaxTemplateBytes: 1 << 20,
	MaxWalkFiles:     200_000,
	MaxReasons:       256,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	set := func(dst *int64, v int64) {
		if v > 0 {
			*dst = v
		}
	}
	seti := func(dst *int, v int) {
		if v > 0 {
			*dst = v
		}
	}
	set(&d.MaxReadBytes, l.MaxReadBytes)
	seti(&d.MaxMembers, l.MaxMembers)
	set(&d.MaxMemberBytes, l.MaxMemberBytes)
	set(&d.MaxJSONBytes, l.MaxJSONBytes)
	seti(&d.MaxJSONDepth, l.MaxJSONDepth)
	seti(&d.MaxProtoDepth, l.MaxProtoDepth)
	seti(&d.MaxProtoFields, l.MaxProtoFields)
	seti(&d.MaxTemplateBytes, l.MaxTemplateBytes)
	seti(&d.MaxWalkFiles, l.MaxWalkFiles)
	seti(&d.MaxReasons, l.MaxReasons)
	return d
}

// Errors that FormatScanners return (wrapped) and that Results report.
var (
	// ErrLimit means a limit stopped the examination before the end.
	ErrLimit = errors.New("limit reached")
	// ErrMalformed means the file breaks its format's structure.
	ErrMalformed = errors.New("malformed")
)

// File is one recognized model handed to a FormatScanner.
type File struct {
	// Path names the file (or directory) for messages.
	Path string
	// R reads the file; nil for a directory format (Dir is set).
	R io.ReaderAt
	// Size is the length of R.
	Size int64
	// Info is what identification learned.
	Info model.Info
	// Dir is the directory of a directory format (SavedModel, .mlpackage,
	// .mlmodelc); "" otherwise.
	Dir string
	// Limits are the scanner's limits, defaults applied.
	Limits Limits
}

// FormatScanner examines one recognized file; it returns the reasons found.
// An error that wraps ErrLimit or ErrMalformed keeps the reasons returned
// with it.
type FormatScanner func(ctx context.Context, f File) ([]Reason, error)

// Scanner dispatches model files to the FormatScanner of their format.
type Scanner struct {
	formats map[model.Format]FormatScanner
	lim     Limits
}

// DefaultFormats returns the FormatScanners of this package: every format
// it examines, none of the pickle family.
func DefaultFormats() map[model.Format]FormatScanner {
	return map[model.Format]FormatScanner{
		model.FormatKeras:         scanKeras,
		model.FormatHDF5:          scanHDF5,
		model.FormatTFSavedModel:  scanSavedModel,
		model.FormatTFGraphDef:    scanGraphDef,
		model.FormatONNX:          scanONNX,
		model.FormatTFLite:        scanTFLite,
		model.FormatMediaPipeTask: scanMediaPipeTask,
		model.FormatGGUF:          scanGGUF,
		model.FormatSafetensors:   scanSafetensors,
		model.FormatCoreML:        scanCoreML,
	}
}

// New returns a Scanner with the formats of this package; extra entries add
// formats or replace these (a nil entry removes one).
func New(opts Options, extra map[model.Format]FormatScanner) *Scanner {
	formats := DefaultFormats()
	for f, s := range extra {
		if s == nil {
			delete(formats, f)
			continue
		}
		formats[f] = s
	}
	return &Scanner{formats: formats, lim: opts.Limits.withDefaults()}
}

// Lookup returns the FormatScanner registered for a format.
func (s *Scanner) Lookup(f model.Format) (FormatScanner, bool) {
	fs, ok := s.formats[f]
	return fs, ok
}

// Rules of the dispatch itself.
const (
	ruleNotExamined = "model-format-not-examined"
	ruleUnknown     = "model-format-unknown"
	ruleMalformed   = "model-malformed"
	ruleIncomplete  = "model-scan-incomplete"
)

// ScanPath examines a file or a model directory (a SavedModel directory,
// .mlmodelc or .mlpackage). The error is for a path that cannot be read or
// a cancelled context; problems with the content are in the Result.
func (s *Scanner) ScanPath(ctx context.Context, path string) (Result, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Result{Path: path, Verdict: Safe}, err
	}
	if st.IsDir() {
		info, ok, err := s.identifyDir(path)
		if err != nil {
			return Result{Path: path, Verdict: Safe}, err
		}
		if !ok {
			return Result{Path: path, Verdict: Safe}, fmt.Errorf("%s: not a model directory", path)
		}
		return s.scanDir(ctx, path, info)
	}
	if !st.Mode().IsRegular() {
		return Result{Path: path, Verdict: Safe}, fmt.Errorf("%s: not a regular file", path)
	}
	fh, err := os.Open(path)
	if err != nil {
		return Result{Path: path, Verdict: Safe}, err
	}
	defer fh.Close()
	h := sha256.New()
	size, err := io.Copy(h, fh)
	if err != nil {
		return Result{Path: path, Verdict: Safe}, fmt.Errorf("read %s: %w", path, err)
	}
	res := s.scanReader(ctx, path, fh, size)
	res.SHA256 = hex.EncodeToString(h.Sum(nil))
	return res, ctx.Err()
}

// ScanBytes examines a model held in memory, such as one read from inside
// an app package.
func (s *Scanner) ScanBytes(ctx context.Context, name string, data []byte) Result {
	sum := sha256.Sum256(data)
	res := s.scanReader(ctx, name, bytes.NewReader(data), int64(len(data)))
	res.SHA256 = hex.EncodeToString(sum[:])
	return res
}

// ScanPaths examines files and directories; directories that are not a
// model themselves are walked for model files and model directories. A
// file is examined when its content is recognized or its name has a model
// extension. Paths that cannot be read are reported in the error, joined;
// the results hold every path that could be examined.
func (s *Scanner) ScanPaths(ctx context.Context, paths []string) ([]Result, error) {
	var out []Result
	var errs []error
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.IsDir() {
			r, err := s.ScanPath(ctx, p)
			if err != nil {
				errs = append(errs, err)
				if ctx.Err() != nil {
					return out, ctx.Err()
				}
			}
			out = append(out, r)
			continue
		}
		rs, err := s.walk(ctx, p)
		out = append(out, rs...)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
		}
	}
	return out, errors.Join(errs...)
}

// dirMarkers are the files whose presence makes a directory worth
// identifying as a model directory.
var dirMarkers = []string{"saved_model.pb", "saved_model.pbtxt", "coremldata.bin", "Manifest.json"}

func (s *Scanner) walk(ctx context.Context, root string) ([]Result, error) {
	var out []Result
	var errs []error
	seen := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if seen++; seen > s.lim.MaxWalkFiles {
			return fmt.Errorf("walk %s: %w: more than %d files", root, ErrLimit, s.lim.MaxWalkFiles)
		}
		if d.IsDir() {
			if !hasMarker(p) {
				return nil
			}
			info, ok, err := s.identifyDir(p)
			if err != nil || !ok {
				return nil
			}
			r, err := s.scanDir(ctx, p, info)
			if err != nil {
				errs = append(errs, err)
			}
			out = append(out, r)
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if !model.IsModelExtension(p) && !s.recognized(p) {
			return nil
		}
		r, err := s.ScanPath(ctx, p)
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

func hasMarker(dir string) bool {
	for _, m := range dirMarkers {
		if st, err := os.Stat(filepath.Join(dir, m)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// recognized reports whether a file's head is a model.
func (s *Scanner) recognized(p string) bool {
	fh, err := os.Open(p)
	if err != nil {
		return false
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return false
	}
	head := make([]byte, min(st.Size(), model.MaxHead))
	if _, err := io.ReadFull(fh, head); err != nil {
		return false
	}
	_, ok := model.Identify(head, st.Size())
	return ok
}

func (s *Scanner) identifyDir(dir string) (model.Info, bool, error) {
	pkg, err := archive.OpenDir(dir, archive.Limits{MaxEntries: s.lim.MaxMembers})
	if err != nil {
		return model.Info{}, false, err
	}
	info, ok := model.IdentifyDir(pkg.Names())
	return info, ok, nil
}

func (s *Scanner) scanDir(ctx context.Context, dir string, info model.Info) (Result, error) {
	res := Result{Path: dir, Format: info.Format}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				res.Size += fi.Size()
			}
		}
		return nil
	})
	s.dispatch(ctx, &res, File{Path: dir, Info: info, Dir: dir, Limits: s.lim})
	return res, ctx.Err()
}

// scanReader identifies and examines one file.
func (s *Scanner) scanReader(ctx context.Context, name string, r io.ReaderAt, size int64) Result {
	res := Result{Path: name, Size: size}
	head := make([]byte, min(size, model.MaxHead))
	if n, err := r.ReadAt(head, 0); err != nil && !(err == io.EOF && n == len(head)) {
		res.Err = fmt.Sprintf("read: %v", err)
		res.Reasons = []Reason{{Rule: ruleIncomplete, Severity: finding.SeverityLow, Verdict: Suspicious,
			Message: "The file could not be read, so nothing in it was examined."}}
		res.Verdict = Suspicious
		return res
	}
	info, ok := identify(head, r, size, s.lim)
	if !ok {
		if _, registered := s.formats[model.FormatPickle]; registered {
			info, ok = identifyPickleContainer(r, size)
		}
	}
	if !ok {
		res.Verdict = Suspicious
		res.Err = "format not recognized"
		res.Reasons = []Reason{{Rule: ruleUnknown, Severity: finding.SeverityInfo, Verdict: Suspicious,
			Message: "The file is not in a model format that Bulwark recognizes by content, so it was not examined."}}
		if model.LooksEncrypted(head) {
			res.Reasons[0].Message = "The content looks encrypted or compressed, so it could not be examined."
		}
		return res
	}
	res.Format = info.Format
	s.dispatch(ctx, &res, File{Path: name, R: r, Size: size, Info: info, Limits: s.lim})
	return res
}

// identify recognizes a file, reading the central directory of a ZIP
// archive when it is one.
func identify(head []byte, r io.ReaderAt, size int64, lim Limits) (model.Info, bool) {
	if archive.IsZip(head) {
		if z, err := archive.OpenZip(r, size, archive.Limits{MaxEntries: lim.MaxMembers}); err == nil {
			if info, ok := model.IdentifyZip(z.Names()); ok {
				return info, true
			}
			return model.Info{}, false
		}
	}
	if info, ok := model.Identify(head, size); ok {
		return info, true
	}
	return identifyByMagic(head, size)
}

// identifyByMagic recognizes files that carry a format's magic number but
// fail identification because their structure lies (a GGUF header with
// impossible counts, a safetensors header length beyond any real one):
// they are handed to the format's scanner, which says what is wrong,
// rather than called unknown.
func identifyByMagic(head []byte, size int64) (model.Info, bool) {
	switch {
	case len(head) >= 8 && string(head[:4]) == "GGUF":
		return model.Info{Format: model.FormatGGUF, Details: map[string]string{}}, true
	case bytes.HasPrefix(head, []byte("\x89HDF\r\n\x1a\n")):
		return model.Info{Format: model.FormatHDF5, Details: map[string]string{}}, true
	case len(head) >= 10 && head[8] == '{' && (head[9] == '"' || head[9] == ' ' || head[9] == '\n') &&
		binary.LittleEndian.Uint64(head) >= 2 && bytes.Contains(head, []byte(`"dtype"`)):
		return model.Info{Format: model.FormatSafetensors, Details: map[string]string{}}, true
	}
	return model.Info{}, false
}

// dispatch runs the FormatScanner of the file's format and fills in the
// verdict.
func (s *Scanner) dispatch(ctx context.Context, res *Result, f File) {
	fsc, ok := s.formats[f.Info.Format]
	if !ok {
		res.Reasons = []Reason{{Rule: ruleNotExamined, Severity: finding.SeverityLow, Verdict: Suspicious,
			Message: fmt.Sprintf("The %s format is recognized but not examined, so code or file access in it cannot be ruled out.", f.Info.Format)}}
		res.Verdict = Suspicious
		return
	}
	reasons, err := runScanner(ctx, fsc, f)
	if err != nil {
		res.Err = err.Error()
		switch {
		case ctx.Err() != nil:
			reasons = append(reasons, Reason{Rule: ruleIncomplete, Severity: finding.SeverityLow, Verdict: Suspicious,
				Message: "The examination was cancelled before the end of the file."})
		case errors.Is(err, ErrLimit):
			reasons = append(reasons, Reason{Rule: ruleIncomplete, Severity: finding.SeverityLow, Verdict: Suspicious,
				Message: "A scan limit stopped the examination before the end of the file: " + err.Error() + "."})
		default:
			reasons = append(reasons, Reason{Rule: ruleMalformed, Severity: finding.SeverityMedium, Verdict: Suspicious,
				Message: "The file breaks its format's structure, so loaders may read it differently than this scan: " + err.Error() + "."})
		}
	}
	res.Reasons = normalize(reasons, s.lim.MaxReasons)
	res.Verdict = Safe
	for _, r := range res.Reasons {
		res.Verdict = Worse(res.Verdict, r.Verdict)
	}
}

// runScanner turns a panic of a FormatScanner (a bug, never expected) into
// an error, so that one file cannot stop a scan of many.
func runScanner(ctx context.Context, fsc FormatScanner, f File) (reasons []Reason, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: scanner failed: %v", ErrMalformed, p)
		}
	}()
	return fsc(ctx, f)
}

// normalize orders reasons (worst first), removes duplicates and caps them.
func normalize(rs []Reason, maxReasons int) []Reason {
	if len(rs) == 0 {
		return nil
	}
	slices.SortStableFunc(rs, func(a, b Reason) int {
		return cmp.Or(
			-cmp.Compare(a.Verdict.rank(), b.Verdict.rank()),
			-cmp.Compare(a.Severity, b.Severity),
			strings.Compare(a.Rule, b.Rule),
			strings.Compare(a.Member, b.Member),
			strings.Compare(a.Message, b.Message))
	})
	rs = slices.Compact(rs)
	if len(rs) > maxReasons {
		rs = rs[:maxReasons]
	}
	return rs
}

// reason builds a Reason.
func reason(rule string, sev finding.Severity, v Verdict, format string, args ...any) Reason {
	return Reason{Rule: rule, Severity: sev, Verdict: v, Message: fmt.Sprintf(format, args...)}
}

// withMember sets the member of reasons found inside an archive.
func withMember(rs []Reason, member string) []Reason {
	for i := range rs {
		if rs[i].Member == "" {
			rs[i].Member = member
		} else {
			rs[i].Member = member + "/" + rs[i].Member
		}
	}
	return rs
}
