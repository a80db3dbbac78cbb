package appcontent

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/model"
	"github.com/bulwark-security/bulwark/internal/modelscan"
)

const (
	// maxNestedZip bounds a ZIP-based model read into memory to list its
	// entries.
	maxNestedZip = 256 << 20
	// entropySample is how much of a model is sampled for encryption.
	entropySample = 1 << 20
	// maxExaminedModel bounds the model entries read into memory to be
	// examined; larger ones are recorded with a warning.
	maxExaminedModel = 256 << 20
)

// Examiner examines a model file's content.
type Examiner interface {
	ScanBytes(ctx context.Context, name string, data []byte) modelscan.Result
}

var _ Examiner = (*modelscan.Scanner)(nil)

// Model is a machine-learning model found in a package.
type Model struct {
	Path      string
	Format    model.Format
	Size      int64
	SHA256    string
	Encrypted bool
	// Signature is the path of a signature file beside it.
	Signature string
	Details   map[string]string
	// Scan is the examination of its content; nil when not examined.
	Scan *modelscan.Result
}

// Models records the models of one package.
type Models struct {
	pkg      archive.Package
	examiner Examiner
	warn     func(path, msg string)
	names    []string
	list     []Model
}

// NewModels returns a recorder of the models of pkg. A nil examiner
// records models without examining them; warn receives the parts that
// could not be read.
func NewModels(pkg archive.Package, examiner Examiner, warn func(path, msg string)) *Models {
	return &Models{pkg: pkg, examiner: examiner, warn: warn, names: pkg.Names()}
}

// List returns the models recorded so far, in the order they were read.
func (ms *Models) List() []Model { return ms.list }

// Add records a model found by other means (a compiled Core ML
// directory, say).
func (ms *Models) Add(m Model) { ms.list = append(ms.list, m) }

// Read records the entry name as a model when its content is one (h is
// its first bytes), or when a model-like name holds encrypted content.
func (ms *Models) Read(ctx context.Context, name string, h []byte) {
	e, _ := ms.pkg.Entry(name)
	info, recognized := model.Identify(h, e.UncompressedSize)
	rc, err := ms.pkg.Open(name)
	if err != nil {
		ms.warn(name, fmt.Sprintf("model not read: %v", err))
		return
	}
	defer rc.Close()
	sum := sha256.New()
	keep := entropySample
	examine := recognized && ms.examiner != nil
	if examine && e.UncompressedSize <= maxExaminedModel {
		keep = int(e.UncompressedSize)
	}
	sample := &limitedBuffer{max: max(keep, entropySample)}
	n, err := io.Copy(io.MultiWriter(sum, sample), rc)
	if err != nil {
		ms.warn(name, fmt.Sprintf("model not read completely: %v", err))
		return
	}
	mf := Model{Path: name, Size: n, SHA256: hex.EncodeToString(sum.Sum(nil)), Signature: signatureFor(name, ms.names)}
	switch {
	case recognized:
		mf.Format, mf.Details = info.Format, info.Details
		if examine {
			if n > int64(sample.max) {
				ms.warn(name, fmt.Sprintf("model of %d bytes not examined for code (limit %d)", n, maxExaminedModel))
			} else {
				res := ms.examiner.ScanBytes(ctx, name, sample.Bytes())
				mf.Scan = &res
			}
		}
	case model.LooksEncrypted(sample.Bytes()[:min(len(sample.Bytes()), entropySample)]):
		mf.Format, mf.Encrypted = "unknown (encrypted)", true
	default:
		return // a model-like name with unrecognized, unencrypted content
	}
	ms.list = append(ms.list, mf)
}

// ReadZip lists a ZIP inside the package and records it when it is a
// ZIP-based model (PyTorch, Keras, MediaPipe task…).
func (ms *Models) ReadZip(ctx context.Context, name string) {
	e, _ := ms.pkg.Entry(name)
	if e.UncompressedSize > maxNestedZip {
		ms.warn(name, fmt.Sprintf("nested archive of %d bytes not inspected (limit %d)", e.UncompressedSize, maxNestedZip))
		return
	}
	data, err := ms.pkg.ReadFile(name)
	if err != nil {
		ms.warn(name, fmt.Sprintf("nested archive not read: %v", err))
		return
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return
	}
	inner := make([]string, 0, len(zr.File))
	for _, f := range zr.File {
		inner = append(inner, f.Name)
	}
	info, ok := model.IdentifyZip(inner)
	if !ok {
		return
	}
	sum := sha256.Sum256(data)
	mf := Model{Path: name, Format: info.Format, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), Signature: signatureFor(name, ms.names), Details: info.Details}
	if ms.examiner != nil {
		res := ms.examiner.ScanBytes(ctx, name, data)
		mf.Scan = &res
	}
	ms.list = append(ms.list, mf)
}

// signatureSuffixes are files that carry a model's signature.
var signatureSuffixes = []string{".sig", ".sigstore", ".sigstore.json", ".p7s", ".asc", ".signature", ".jws"}

// signatureFor finds a signature file that accompanies a model: the model's
// name with a signature suffix, or an OMS bundle (model.sig) beside it.
func signatureFor(name string, names []string) string {
	dir := path.Dir(name)
	for _, n := range names {
		if n == name {
			continue
		}
		for _, suf := range signatureSuffixes {
			if n == name+suf || n == strings.TrimSuffix(name, path.Ext(name))+suf {
				return n
			}
		}
		if path.Dir(n) == dir && path.Base(n) == "model.sig" {
			return n
		}
	}
	return ""
}

// SignatureFor is signatureFor for analyzers that record models
// themselves (a compiled Core ML directory).
func SignatureFor(name string, names []string) string { return signatureFor(name, names) }

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	buf bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (l *limitedBuffer) Bytes() []byte { return l.buf.Bytes() }

// describe renders a model for messages.
func describe(m Model) string {
	return fmt.Sprintf("%s (%s, %s)", m.Path, m.Format, HumanSize(m.Size))
}

// pickleFormats are model formats whose loading can execute code.
var pickleFormats = map[model.Format]bool{
	model.FormatPickle: true, model.FormatPyTorchZip: true,
}

// ModelHits reports each model: its inventory entry, whether it is
// protected (encrypted or signed), what its examination found, and
// whether its format runs code when loaded.
func ModelHits(models []Model) []finding.Hit {
	var hits []finding.Hit
	for _, m := range models {
		loc := []finding.Location{{Path: m.Path}}
		props := map[string]string{"format": string(m.Format), "size": fmt.Sprint(m.Size), "sha256": m.SHA256}
		for k, v := range m.Details {
			props[k] = v
		}
		if m.Signature != "" {
			props["signature"] = m.Signature
		}
		hits = append(hits, finding.Hit{Rule: "ai-model-inventory", Key: m.Path + ":" + m.SHA256,
			Message: describe(m), Evidence: "sha256:" + m.SHA256, Locations: loc, Props: props})
		switch {
		case m.Encrypted:
			hits = append(hits, finding.Hit{Rule: "ai-model-protected", Key: m.Path, Message: m.Path + " appears encrypted (high-entropy content under a model file name)", Evidence: "entropy ≥ threshold", Locations: loc})
		case m.Signature != "":
			hits = append(hits, finding.Hit{Rule: "ai-model-protected", Key: m.Path, Message: m.Path + " is accompanied by a signature: " + m.Signature, Evidence: m.Signature, Locations: loc})
		default:
			hits = append(hits, finding.Hit{Rule: "ai-model-unprotected", Key: m.Path,
				Message:  fmt.Sprintf("%s is readable by anyone who unzips the app and has no signature beside it", describe(m)),
				Evidence: "sha256:" + m.SHA256, Locations: loc, Props: map[string]string{"format": string(m.Format)}})
		}
		if m.Scan != nil {
			props["verdict"] = string(m.Scan.Verdict)
			hits = append(hits, ExaminationHits(*m.Scan, m.Path)...)
		}
		if pickleFormats[m.Format] {
			hits = append(hits, finding.Hit{Rule: "ai-model-unsafe-format", Key: m.Path,
				Message:  fmt.Sprintf("%s is a %s model: loading it with a full unpickler runs code", m.Path, m.Format),
				Evidence: string(m.Format), Locations: loc})
		}
	}
	return hits
}
