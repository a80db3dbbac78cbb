// Package pickle reads Python pickle opcode streams without executing them
// and reports every callable a pickle would import or call, classified by
// a policy kept as data (policy.go): an allow-list of callables known to be
// harmless, a deny-list by severity, and everything else suspicious.
//
// The interpreter (interp.go) follows the unpickler's stack and memo far
// enough to resolve what GLOBAL, STACK_GLOBAL, INST, OBJ, NEWOBJ,
// NEWOBJ_EX, REDUCE, BUILD and EXT1/2/4 name, for protocols 0 to 5 and for
// several pickles concatenated in one stream. It streams its input: large
// payloads (tensor bytes, long strings) are discarded as they are read,
// never held, and every quantity an input controls is bounded by Limits.
// ScanFile (container.go) recognizes the containers built on pickle by
// their content: raw pickles, PyTorch ZIP and legacy archives, TorchScript,
// NumPy .npy/.npz, joblib, and ZIP archives crafted to evade other readers.
package pickle

import (
	"errors"
	"time"
)

// Safety is how dangerous a callable is to import or call while loading.
type Safety int

// Safety levels, in increasing order of danger.
const (
	// Safe callables are on the allow-list: they rebuild data and reach
	// neither code nor attribute access.
	Safe Safety = iota
	// Suspicious callables are unknown to the policy, or could not be
	// resolved, or can lead to code only together with something else.
	Suspicious
	// Dangerous callables run code, commands, the network or the file
	// system, or hand out attribute access that leads there.
	Dangerous
)

// String returns "safe", "suspicious" or "dangerous".
func (s Safety) String() string {
	switch s {
	case Safe:
		return "safe"
	case Suspicious:
		return "suspicious"
	case Dangerous:
		return "dangerous"
	}
	return "unknown"
}

// Global is one callable (or other object) that a pickle imports or calls.
type Global struct {
	Module, Name string // "os", "system"; "unknown" for what could not be resolved
	Safety       Safety
	Opcode       string // "GLOBAL", "STACK_GLOBAL", "INST", "EXT1", "REDUCE", "BUILD"…
	Offset       int64  // byte offset of the opcode in its stream
	// Note says why an entry is not a plain import ("could not resolve
	// module", "calls a computed value", "sets attributes of an imported
	// object"); empty for plain imports.
	Note string
}

// Stream is what was learned from one opcode stream (a file or an archive
// member).
type Stream struct {
	Member   string   // path inside the container; "" for the file itself
	Protocol int      // highest protocol seen
	Pickles  int      // pickles found in the stream (STOP reached)
	Globals  []Global // in order of appearance, duplicates removed
	Err      string   // why reading stopped early, if it did ("truncated", "malformed opcode 0x..", "limit: …")
}

// Worst returns the highest safety level among the stream's globals; a
// stream cut short by a limit is at least Suspicious, since what follows
// was not read.
func (s Stream) Worst() Safety {
	w := Safe
	for _, g := range s.Globals {
		w = max(w, g.Safety)
	}
	if s.Limited() {
		w = max(w, Suspicious)
	}
	return w
}

// Limited reports whether reading stopped at a limit of this package
// rather than at the end of the stream or at an error that would also
// stop Python's unpickler.
func (s Stream) Limited() bool {
	return len(s.Err) >= 6 && s.Err[:6] == "limit:"
}

// Report is what ScanFile learned from a file.
type Report struct {
	// Container is "pickle", "pytorch-zip", "pytorch-legacy",
	// "torchscript", "numpy", "npz", "joblib", "zip", "tar", "7z", or ""
	// when the content is none of them.
	Container string
	Streams   []Stream
	Notes     []string // e.g. "member x.pkl is encrypted", "7z archives are not read"
	// Incomplete is set when part of the content could not be read (a
	// compressed 7z archive, a member beyond the limits): Worst is then at
	// least Suspicious.
	Incomplete bool
}

// Worst returns the highest safety level of the report: that of its worst
// stream, and at least Suspicious when the report is incomplete.
func (r Report) Worst() Safety {
	w := Safe
	for _, s := range r.Streams {
		w = max(w, s.Worst())
	}
	if r.Incomplete {
		w = max(w, Suspicious)
	}
	return w
}

// Limits bound what one scan may cost. Zero fields take the defaults of
// DefaultLimits.
type Limits struct {
	// MaxOps caps the opcodes read from one stream.
	MaxOps int64
	// MaxStack caps the items on the stack plus the marks.
	MaxStack int
	// MaxMemo caps the memo entries of one pickle.
	MaxMemo int
	// MaxPickles caps the pickles read from one stream.
	MaxPickles int
	// MaxGlobals caps the distinct globals listed per stream; one more
	// entry stands for the rest.
	MaxGlobals int
	// MaxMembers caps the archive members scanned.
	MaxMembers int
	// MaxMemberSize caps the uncompressed bytes read from one member.
	MaxMemberSize int64
	// MaxTotalSize caps the uncompressed bytes read from one container.
	MaxTotalSize int64
	// MaxDuration caps the wall time of one stream.
	MaxDuration time.Duration
}

// DefaultLimits are sized for the largest real checkpoints (tens of GB,
// mostly tensor bytes that are skipped, not parsed) while refusing inputs
// built to exhaust the scanner.
var DefaultLimits = Limits{
	MaxOps:        100_000_000,
	MaxStack:      1 << 20,
	MaxMemo:       1 << 20,
	MaxPickles:    1 << 16,
	MaxGlobals:    1 << 14,
	MaxMembers:    1 << 14,
	MaxMemberSize: 64 << 30,
	MaxTotalSize:  256 << 30,
	MaxDuration:   5 * time.Minute,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxOps > 0 {
		d.MaxOps = l.MaxOps
	}
	if l.MaxStack > 0 {
		d.MaxStack = l.MaxStack
	}
	if l.MaxMemo > 0 {
		d.MaxMemo = l.MaxMemo
	}
	if l.MaxPickles > 0 {
		d.MaxPickles = l.MaxPickles
	}
	if l.MaxGlobals > 0 {
		d.MaxGlobals = l.MaxGlobals
	}
	if l.MaxMembers > 0 {
		d.MaxMembers = l.MaxMembers
	}
	if l.MaxMemberSize > 0 {
		d.MaxMemberSize = l.MaxMemberSize
	}
	if l.MaxTotalSize > 0 {
		d.MaxTotalSize = l.MaxTotalSize
	}
	if l.MaxDuration > 0 {
		d.MaxDuration = l.MaxDuration
	}
	return d
}

// Errors of ScanReader, wrapped with the place they occurred.
var (
	// ErrTruncated means the stream ended inside a pickle.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed means an opcode, an argument or a stack effect is
	// impossible: Python's unpickler would stop there too.
	ErrMalformed = errors.New("malformed")
	// ErrLimit means a bound of Limits was reached.
	ErrLimit = errors.New("limit")
	// ErrNotPickle means the stream does not start like a pickle.
	ErrNotPickle = errors.New("not a pickle")
)
