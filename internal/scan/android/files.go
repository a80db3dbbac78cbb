package android

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/dex"
	"github.com/bulwark-security/bulwark/internal/elfcheck"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/model"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
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
	if appcontent.IsText(h) && (strings.HasPrefix(name, "assets/") || strings.HasPrefix(name, "res/raw/") ||
		!strings.Contains(name, "/") && !strings.HasPrefix(name, "META-INF") || strings.HasPrefix(name, "META-INF/") && strings.HasSuffix(name, ".version")) {
		return entryText
	}
	return entryOther
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
	secrets  []appcontent.Sighting
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
	var examiner appcontent.Examiner
	if an.opt.Models != nil {
		examiner = an.opt.Models
	}
	models := appcontent.NewModels(an.in.Pkg, examiner, func(p, msg string) { an.warnf(p, "%s", msg) })
	defer func() { an.app.Models = models.List() }()
	for _, name := range an.in.Pkg.Names() {
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
			models.Read(an.ctx, name, h)
		case entryZipModel:
			models.ReadZip(an.ctx, name)
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
				an.app.Secrets = append(an.app.Secrets, appcontent.Sighting{Match: m, Loc: finding.Location{Path: "resources.arsc", Symbol: "string/" + s.Name}})
			}
		}
	}
	if m := an.app.Manifest; m != nil {
		for _, md := range m.MetaData {
			for _, x := range an.opt.Secrets.Find(md.Value, detect.NewContext(md.Name)) {
				an.app.Secrets = append(an.app.Secrets, appcontent.Sighting{Match: x, Loc: manifestLoc("meta-data "+md.Name, md.Line)[0]})
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
	an.app.Secrets = append(an.app.Secrets, appcontent.ScanStrings(an.opt.Secrets, info.AllStrings, finding.Location{Path: name, Symbol: "strings"})...)
}

// readText searches a text asset for secrets; META-INF/*.version files
// are kept for the SDK inventory instead.
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
	an.app.Secrets = append(an.app.Secrets, appcontent.ScanText(an.opt.Secrets, name, data)...)
}
