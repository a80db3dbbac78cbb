// Package baseline records the findings a team has accepted, by
// fingerprint, so that later scans report only what is new.
package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// Version is the baseline file format version.
const Version = 1

// Entry is one accepted finding. Only the fingerprint decides; the other
// fields help a reviewer read the file.
type Entry struct {
	Fingerprint string `json:"fingerprint"`
	RuleID      string `json:"ruleId"`
	Title       string `json:"title"`
	Location    string `json:"location,omitempty"`
}

// File is a baseline file.
type File struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	Entries   []Entry   `json:"findings"`
}

// Baseline answers whether a finding is accepted.
type Baseline struct {
	known map[string]bool
}

// ErrFormat reports a file that is not a baseline.
var ErrFormat = errors.New("not a bulwark baseline")

// Read parses a baseline file.
func Read(r io.Reader) (*Baseline, error) {
	dec := json.NewDecoder(io.LimitReader(r, 64<<20))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if f.Version != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrFormat, f.Version, Version)
	}
	b := &Baseline{known: make(map[string]bool, len(f.Entries))}
	for i, e := range f.Entries {
		if e.Fingerprint == "" {
			return nil, fmt.Errorf("%w: finding %d has no fingerprint", ErrFormat, i)
		}
		b.known[e.Fingerprint] = true
	}
	return b, nil
}

// Contains reports whether a finding is in the baseline.
func (b *Baseline) Contains(f finding.Finding) bool {
	return b != nil && b.known[f.Fingerprint]
}

// Len is the number of accepted findings.
func (b *Baseline) Len() int {
	if b == nil {
		return 0
	}
	return len(b.known)
}

// Write writes a baseline of the weakness findings of a report, sorted by
// fingerprint so that the file diffs cleanly between runs.
func Write(w io.Writer, findings []finding.Finding, now time.Time) error {
	f := File{Version: Version, CreatedAt: now.UTC().Truncate(time.Second), Entries: []Entry{}}
	seen := make(map[string]bool)
	for _, x := range findings {
		if x.Kind != finding.KindWeakness || seen[x.Fingerprint] {
			continue
		}
		seen[x.Fingerprint] = true
		e := Entry{Fingerprint: x.Fingerprint, RuleID: x.RuleID, Title: x.Title}
		if len(x.Locations) > 0 {
			l := x.Locations[0]
			l.Artifact = ""
			e.Location = l.String()
		}
		f.Entries = append(f.Entries, e)
	}
	slices.SortFunc(f.Entries, func(a, b Entry) int {
		if a.RuleID != b.RuleID {
			if a.RuleID < b.RuleID {
				return -1
			}
			return 1
		}
		if a.Fingerprint < b.Fingerprint {
			return -1
		}
		if a.Fingerprint > b.Fingerprint {
			return 1
		}
		return 0
	})
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(f)
}
