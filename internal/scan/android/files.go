package android

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/dex"
	"github.com/bulwark-security/bulwark/internal/elfcheck"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/model"
	"github.com/bulwark-security/bulwark/internal/modelscan"
)

// entryKind is what an entry holds, by content.
type entryKind int

const (
	entryOther entryKind = iota
	entryDex
	entryELF
	entryModel
	entryZipModel
	entryText
)

const (
	sniffSize = 4 << 10
	// maxTextFile bounds how much of one text asset is searched for secrets.
	maxTextFile = 64 << 20
	// maxNestedZip bounds a compressed ZIP-based model read into memory to
	// list its entries.
	maxNestedZip = 256 << 20
	// entropySample is how much of a model is sampled for encryption.
	entropySample = 1 << 20
	// maxExaminedModel bounds the model entries read into memory to be
	// examined; larger ones are recorded with a warning.
	maxExaminedModel = 256 << 20
)

// classify decides what an entry is from its first bytes and its size.
func classify(name string, h []byte, size int64) entryKind {
	switch {
	case bytes.HasPrefix(h, []byte("dex\n")):
		return entryDex
	case bytes.HasPrefix(h, []byte("\x7fELF")):
		return entryELF
	case archive.IsZip(h):
		return entryZipModel // decided after listing its entries
	}
	if _, ok := model.Identify(h, max(size, int64(len(h)))); ok {
		return entryModel
	}
	if model.IsModelExtension(name) {
		return entryModel
	}
	if isText(h) && (strings.HasPrefix(name, "assets/") || strings.HasPrefix(name, "res/raw/") ||
		!strings.Contains(name, "/") && !strings.HasPrefix(name, "META-INF") || strings.HasPrefix(name, "META-INF/") && strings.HasSuffix(name, ".version")) {
		return entryText
	}
	return entryOther
}

// isText reports valid UTF-8 without NUL and with few control characters.
func isText(h []byte) bool {
	if len(h) == 0 {
		return false
	}
	// A cut multi-byte character at the end of the sniffed part is fine.
	for i := 0; i < 3 && !utf8.Valid(h) && len(h) > 0; i++ {
		h = h[:len(h)-1]
	}
	if !utf8.Valid(h) {
		return false
	}
	ctrl := 0
	for _, c := range h {
		if c == 0 {
			return false
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			ctrl++
		}
	}
	return ctrl*100 < len(h)
}

// readCode parses every DEX file of the package (multidex and DEX files
// hidden elsewhere, recognized by content). Files are reduced to facts on
// several cores, each released once reduced, then merged in package order
// so that results do not depend on scheduling.
func (an *analysis) readCode() error {
	var names []string
	for _, name := range an.in.Pkg.Names() {
		if strings.HasSuffix(name, "/") || skipContent(name) || strings.HasPrefix(name, "res/") {
			continue
		}
		if h, err := head(an.in.Pkg, name, 4); err == nil && bytes.HasPrefix(h, []byte("dex\n")) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	results := make([]dexResult, len(names))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(names), maxDexWorkers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = an.reduceDex(names[i])
			}
		}()
	}
	var err error
	for i, name := range names {
		if err = an.ctx.Err(); err != nil {
			break
		}
		an.stage("code: " + name)
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return err
	}
	cf := &codeFacts{}
	for _, r := range results {
		an.warn = append(an.warn, r.warnings...)
		if r.facts != nil {
			cf.merge(r.facts)
			an.app.Secrets = append(an.app.Secrets, r.secrets...)
		}
	}
	an.app.Code = cf
	return nil
}

// maxDexWorkers bounds how many DEX files are decoded at once (each takes
// about four times its size in memory while it is reduced).
const maxDexWorkers = 4

// dexResult is what one DEX file contributes.
type dexResult struct {
	facts    *codeFacts
	secrets  []secretSighting
	warnings []Warning
}

// reduceDex reads, parses and reduces one DEX file. It touches no shared
// state, so it runs on any goroutine.
func (an *analysis) reduceDex(name string) dexResult {
	var r dexResult
	data, err := an.in.Pkg.ReadFile(name)
	if err != nil {
		r.warnings = append(r.warnings, Warning{Path: name, Message: fmt.Sprintf("DEX file not read: %v", err)})
		return r
	}
	f, err := dex.Parse(data, dex.Limits{})
	if err != nil {
		r.warnings = append(r.warnings, Warning{Path: name, Message: fmt.Sprintf("DEX file not decoded: %v", err)})
		return r
	}
	for _, w := range f.Warnings {
		r.warnings = append(r.warnings, Warning{Path: name, Message: w})
	}
	r.facts = &codeFacts{}
	r.facts.readDex(name, f, an.app.isAppCode)
	r.secrets = scanLiterals(r.facts, an.opt.Secrets)
	return r
}

// readFiles looks at every other entry: native libraries, models, text
// assets and version files, and the string resources.
func (an *analysis) readFiles() error {
	an.scanResourceStrings()
	names := an.in.Pkg.Names()
	for _, name := range names {
		if err := an.ctx.Err(); err != nil {
			return err
		}
		if strings.HasSuffix(name, "/") || skipContent(name) || name == manifestPath || name == "resources.arsc" {
			continue
		}
		h, err := head(an.in.Pkg, name, sniffSize)
		if err != nil {
			an.warnf(name, "not read: %v", err)
			continue
		}
		e, _ := an.in.Pkg.Entry(name)
		switch classify(name, h, e.UncompressedSize) {
		case entryELF:
			an.readNative(name)
		case entryModel:
			an.readModel(name, h, names)
		case entryZipModel:
			an.readZipEntry(name, names)
		case entryText:
			an.readText(name)
		}
	}
	slices.SortFunc(an.app.Natives, func(a, b nativeLib) int { return strings.Compare(a.Path, b.Path) })
	return nil
}

// scanResourceStrings searches string resources and manifest meta-data for
// secrets, with the resource or meta-data name as context.
func (an *analysis) scanResourceStrings() {
	if t := an.app.Table; t != nil {
		for _, s := range t.NamedStrings("string") {
			if len(s.Value) < 8 {
				continue
			}
			for _, m := range an.opt.Secrets.Find(s.Value, detect.NewContext(s.Name)) {
				an.app.Secrets = append(an.app.Secrets, secretSighting{Match: m, Loc: finding.Location{Path: "resources.arsc", Symbol: "string/" + s.Name}})
			}
		}
	}
	if m := an.app.Manifest; m != nil {
		for _, md := range m.MetaData {
			for _, x := range an.opt.Secrets.Find(md.Value, detect.NewContext(md.Name)) {
				an.app.Secrets = append(an.app.Secrets, secretSighting{Match: x, Loc: manifestLoc("meta-data "+md.Name, md.Line)[0]})
			}
		}
	}
}

// nativeLib is a native library with its hardening facts.
type nativeLib struct {
	Path string
	Info *elfcheck.Info
}

func (an *analysis) readNative(name string) {
	data, err := an.in.Pkg.ReadFile(name)
	if err != nil {
		an.warnf(name, "native library not read: %v", err)
		return
	}
	info, err := elfcheck.Inspect(data, elfcheck.Limits{})
	if err != nil {
		an.warnf(name, "native library not decoded: %v", err)
		return
	}
	an.app.Natives = append(an.app.Natives, nativeLib{Path: name, Info: info})
	text := strings.Join(info.AllStrings, "\n")
	for _, m := range an.opt.Secrets.Find(text, detect.Context{}) {
		an.app.Secrets = append(an.app.Secrets, secretSighting{Match: m, Loc: finding.Location{Path: name, Symbol: "strings"}})
	}
}

// modelFile is a machine-learning model found in the package.
type modelFile struct {
	Path      string
	Format    model.Format
	Size      int64
	SHA256    string
	Encrypted bool
	Signature string // path of a signature file next to it
	Details   map[string]string
	// Scan is the examination of its content; nil when not examined.
	Scan *modelscan.Result
}

// signatureSuffixes are files that carry a model's signature.
var signatureSuffixes = []string{".sig", ".sigstore", ".sigstore.json", ".p7s", ".asc", ".signature", ".jws"}

func (an *analysis) readModel(name string, h []byte, names []string) {
	e, _ := an.in.Pkg.Entry(name)
	info, recognized := model.Identify(h, e.UncompressedSize)
	rc, err := an.in.Pkg.Open(name)
	if err != nil {
		an.warnf(name, "model not read: %v", err)
		return
	}
	defer rc.Close()
	sum := sha256.New()
	keep := entropySample
	examine := recognized && an.opt.Models != nil
	if examine && e.UncompressedSize <= maxExaminedModel {
		keep = int(e.UncompressedSize)
	}
	sample := &limitedBuffer{max: max(keep, entropySample)}
	n, err := io.Copy(io.MultiWriter(sum, sample), rc)
	if err != nil {
		an.warnf(name, "model not read completely: %v", err)
		return
	}
	mf := modelFile{Path: name, Size: n, SHA256: hex.EncodeToString(sum.Sum(nil)), Signature: signatureFor(name, names)}
	switch {
	case recognized:
		mf.Format, mf.Details = info.Format, info.Details
		if examine {
			if n > int64(sample.max) {
				an.warnf(name, "model of %d bytes not examined for code (limit %d)", n, maxExaminedModel)
			} else {
				res := an.opt.Models.ScanBytes(an.ctx, name, sample.Bytes())
				mf.Scan = &res
			}
		}
	case model.LooksEncrypted(sample.Bytes()[:min(len(sample.Bytes()), entropySample)]):
		mf.Format, mf.Encrypted = "unknown (encrypted)", true
	default:
		return // a model-like name with unrecognized, unencrypted content
	}
	an.app.Models = append(an.app.Models, mf)
}

// readZipEntry lists a ZIP inside the package and records it when it is a
// ZIP-based model (PyTorch, Keras, MediaPipe task…).
func (an *analysis) readZipEntry(name string, names []string) {
	e, _ := an.in.Pkg.Entry(name)
	if e.UncompressedSize > maxNestedZip {
		an.warnf(name, "nested archive of %d bytes not inspected (limit %d)", e.UncompressedSize, maxNestedZip)
		return
	}
	data, err := an.in.Pkg.ReadFile(name)
	if err != nil {
		an.warnf(name, "nested archive not read: %v", err)
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
	mf := modelFile{Path: name, Format: info.Format, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), Signature: signatureFor(name, names), Details: info.Details}
	if an.opt.Models != nil {
		res := an.opt.Models.ScanBytes(an.ctx, name, data)
		mf.Scan = &res
	}
	an.app.Models = append(an.app.Models, mf)
}

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

// readText searches a text asset for secrets, in overlapping chunks.
func (an *analysis) readText(name string) {
	rc, err := an.in.Pkg.Open(name)
	if err != nil {
		an.warnf(name, "not read: %v", err)
		return
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxTextFile))
	if err != nil {
		an.warnf(name, "not read completely: %v", err)
	}
	if strings.HasPrefix(name, "META-INF/") && strings.HasSuffix(name, ".version") {
		if an.app.VersionFiles == nil {
			an.app.VersionFiles = make(map[string]string)
		}
		an.app.VersionFiles[name] = strings.TrimSpace(string(data))
		return
	}
	const chunk, overlap = detect.MaxText, 4 << 10
	for start := 0; start < len(data); start += chunk - overlap {
		end := min(start+chunk, len(data))
		text := string(data[start:end])
		for _, m := range an.opt.Secrets.Find(text, detect.Context{}) {
			if start > 0 && m.Start < overlap {
				continue // seen in the previous chunk
			}
			line := 1 + bytes.Count(data[:start+m.Start], []byte("\n"))
			an.app.Secrets = append(an.app.Secrets, secretSighting{Match: m, Loc: finding.Location{Path: name, Line: line}})
		}
		if end == len(data) {
			break
		}
	}
}

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

// describeModel renders a model for messages.
func describeModel(m modelFile) string {
	return fmt.Sprintf("%s (%s, %s)", m.Path, m.Format, humanSize(m.Size))
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
