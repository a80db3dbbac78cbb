package modelscan

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/model"
	"github.com/bulwark-security/bulwark/internal/pickle"
)

// Rules of the pickle family.
const (
	rulePickleDangerous  = "pickle-dangerous-import"
	rulePickleSuspicious = "pickle-suspicious-import"
	rulePickleIncomplete = "pickle-scan-incomplete"
)

// PickleFormats returns the FormatScanners of the pickle family, which
// internal/pickle examines: every format whose loading unpickles.
func PickleFormats() map[model.Format]FormatScanner {
	out := make(map[model.Format]FormatScanner)
	for _, f := range []model.Format{
		model.FormatPickle, model.FormatPyTorchZip, model.FormatPyTorchLegacy, model.FormatTorchScript,
		model.FormatPyTorchMobile, model.FormatZipPickle, model.FormatNumPy, model.FormatNPZ, FormatSevenZip,
	} {
		out[f] = scanPickle
	}
	return out
}

// scanPickle examines a file of the pickle family with internal/pickle:
// every callable a pickle in it imports or calls, classified by safety.
func scanPickle(ctx context.Context, f File) ([]Reason, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep, err := pickle.ScanFile(f.R, f.Size, pickle.Limits{MaxTotalSize: f.Limits.MaxReadBytes})
	var out []Reason
	for _, s := range rep.Streams {
		for _, g := range s.Globals {
			if g.Safety == pickle.Safe {
				continue
			}
			r := Reason{Rule: rulePickleSuspicious, Severity: finding.SeverityMedium, Verdict: Suspicious, Member: s.Member}
			if g.Safety == pickle.Dangerous {
				r.Rule, r.Severity, r.Verdict = rulePickleDangerous, finding.SeverityCritical, Dangerous
			}
			r.Message = describeGlobal(g)
			out = append(out, r)
		}
		if s.Err != "" && s.Limited() {
			out = append(out, Reason{Rule: rulePickleIncomplete, Severity: finding.SeverityMedium, Verdict: Suspicious, Member: s.Member,
				Message: fmt.Sprintf("The pickle was not read to its end (%s): what follows was not examined.", s.Err)})
		}
	}
	if rep.Incomplete {
		msg := "Part of the archive could not be read, so it was not examined."
		if len(rep.Notes) > 0 {
			msg = "Part of the archive was not examined: " + strings.Join(rep.Notes, "; ") + "."
		}
		out = append(out, Reason{Rule: rulePickleIncomplete, Severity: finding.SeverityMedium, Verdict: Suspicious, Message: msg})
	}
	if err != nil {
		return out, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return out, nil
}

// describeGlobal names what a pickle imports and how.
func describeGlobal(g pickle.Global) string {
	_, why := pickle.Explain(g.Module, g.Name)
	msg := fmt.Sprintf("Loading imports %s.%s (%s at offset %d)", g.Module, g.Name, g.Opcode, g.Offset)
	if g.Note != "" {
		msg += ", " + g.Note
	}
	if why != "" {
		msg += ": " + why
	}
	return msg + "."
}

// FormatSevenZip is a 7z archive that holds pickles: 7z is not decoded,
// but pickles stored in it uncompressed are found by their opcodes.
const FormatSevenZip model.Format = "7z-pickle"

// identifyPickleContainer recognizes what model.Identify does not but a
// pickle loader still reads: archives with pickles under other names or
// with broken headers (torch.load and zipfile forgive them), and 7z
// archives holding pickles.
func identifyPickleContainer(r io.ReaderAt, size int64) (model.Info, bool) {
	rep, err := pickle.ScanFile(r, size, pickle.Limits{})
	if err != nil || len(rep.Streams) == 0 {
		return model.Info{}, false
	}
	switch rep.Container {
	case "zip":
		return model.Info{Format: model.FormatZipPickle}, true
	case "7z":
		return model.Info{Format: FormatSevenZip}, true
	case "tar", "pytorch-legacy":
		return model.Info{Format: model.FormatPyTorchLegacy}, true
	case "":
		return model.Info{}, false
	}
	return model.Info{Format: model.FormatPickle}, true
}
