package ios

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/macho"
	"github.com/bulwark-security/bulwark/internal/model"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

const (
	sniffSize = 4 << 10
	// maxTextFile bounds how much of one text resource is searched.
	maxTextFile = 16 << 20
	// compiledModelSample is how much of each file of a compiled Core ML
	// model is read to judge whether it is encrypted.
	compiledModelSample = 64 << 10
)

// textExtensions are resources whose text is searched for secrets and
// AI endpoints.
var textExtensions = []string{".json", ".js", ".html", ".htm", ".txt", ".xml", ".plist", ".strings", ".yaml", ".yml", ".conf", ".cfg", ".ini", ".env", ".properties", ".config", ".jsbundle"}

// readFiles looks at every resource: models (files recognized by content,
// and compiled Core ML directories), property lists and text files.
func (an *analysis) readFiles() error {
	models := appcontent.NewModels(an.pkg, an.opt.Models, func(p, msg string) { an.warnf(p, "%s", msg) })
	compiled := map[string][]string{} // .mlmodelc directory → its files
	for _, n := range an.app.Names {
		if err := an.ctx.Err(); err != nil {
			return err
		}
		if !strings.HasPrefix(n, an.app.Root) || strings.HasSuffix(n, "/") || skipContent(n) {
			continue
		}
		if dir, ok := compiledModelDir(n); ok {
			compiled[dir] = append(compiled[dir], n)
			continue
		}
		h, err := an.head(n, sniffSize)
		if err != nil {
			an.warnf(n, "not read: %v", err)
			continue
		}
		e, _ := an.pkg.Entry(n)
		switch {
		case macho.IsMachO(h):
			// read by readBinaries
		case archive.IsZip(h):
			models.ReadZip(an.ctx, n)
		case isModel(n, h, e.UncompressedSize):
			models.Read(an.ctx, n, h)
		case n == an.app.Info.pathOrEmpty():
			// Info.plist: read by readInfo
		case strings.HasSuffix(n, ".plist") || path.Base(n) == "PrivacyInfo.xcprivacy":
			an.readPlistResource(n)
		case slices.Contains(textExtensions, strings.ToLower(path.Ext(n))) && appcontent.IsText(h):
			an.readText(n)
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(compiled)) {
		models.Add(an.compiledModel(dir, compiled[dir]))
	}
	an.app.Models = models.List()
	xp := appcontent.AnalyzeCrossPlatform(an.pkg, an.opt.Secrets, an.app.endpoints)
	for _, w := range xp.Warnings {
		an.warnf(w.Path, "%s", w.Message)
	}
	an.app.Secrets = append(an.app.Secrets, xp.Secrets...)
	an.app.CrossPlatform = xp.Hits
	return nil
}

func (i *Info) pathOrEmpty() string {
	if i == nil {
		return ""
	}
	return i.Path
}

func isModel(name string, h []byte, size int64) bool {
	if _, ok := model.Identify(h, max(size, int64(len(h)))); ok {
		return true
	}
	return model.IsModelExtension(name)
}

// compiledModelDir returns the .mlmodelc directory a file belongs to.
func compiledModelDir(name string) (string, bool) {
	i := strings.Index(name, ".mlmodelc/")
	if i < 0 {
		return "", false
	}
	return name[:i+len(".mlmodelc")], true
}

// compiledModel records a compiled Core ML model (.mlmodelc directory):
// its digest covers every file's name and content. Xcode's model
// encryption (--encrypt) leaves the directory's layout but replaces the
// content of its files with ciphertext: a model whose files are all
// high-entropy and that has no readable network description is recorded
// as encrypted.
func (an *analysis) compiledModel(dir string, files []string) appcontent.Model {
	slices.Sort(files)
	sum := sha256.New()
	var size int64
	rel := make([]string, 0, len(files))
	readable, sampled, encrypted := false, 0, 0
	for _, f := range files {
		r := strings.TrimPrefix(f, dir+"/")
		rel = append(rel, r)
		rc, err := an.pkg.Open(f)
		if err != nil {
			an.warnf(f, "not read: %v", err)
			continue
		}
		fh := sha256.New()
		sample := make([]byte, 0, compiledModelSample)
		n, err := io.Copy(io.MultiWriter(fh, &prefixWriter{buf: &sample}), rc)
		rc.Close()
		if err != nil {
			an.warnf(f, "not read completely: %v", err)
		}
		size += n
		sum.Write([]byte(r + "\x00"))
		sum.Write(fh.Sum(nil))
		if len(sample) >= model.EncryptedMinSample {
			sampled++
			if model.LooksEncrypted(sample) {
				encrypted++
			}
		}
		switch path.Base(r) {
		case "model.espresso.net", "model.mil", "metadata.json":
			if appcontent.IsText(sample) {
				readable = true
			}
		}
	}
	m := appcontent.Model{Path: dir, Format: model.FormatCoreML, Size: size, SHA256: hex.EncodeToString(sum.Sum(nil)),
		Signature: appcontent.SignatureFor(dir, an.app.Names), Details: map[string]string{"compiled": "true"}}
	if info, ok := model.IdentifyDir(rel); ok {
		m.Format = info.Format
		for k, v := range info.Details {
			m.Details[k] = v
		}
	}
	if !readable && sampled > 0 && encrypted == sampled {
		m.Encrypted = true
	}
	return m
}

// prefixWriter keeps the first cap(*buf) bytes written to it.
type prefixWriter struct{ buf *[]byte }

func (p *prefixWriter) Write(b []byte) (int, error) {
	if room := cap(*p.buf) - len(*p.buf); room > 0 {
		*p.buf = append(*p.buf, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

// readPlistResource searches a property list other than Info.plist
// (GoogleService-Info.plist, configuration files) for secrets.
func (an *analysis) readPlistResource(n string) {
	data, err := an.readAll(n, maxPlist)
	if err != nil {
		an.warnf(n, "not read: %v", err)
		return
	}
	m, err := decodePlist(data)
	if err != nil {
		return // a .plist that is no dictionary or no plist: nothing to search
	}
	an.plistSecrets(n, m)
}

// readText searches a text resource for secrets and endpoints.
func (an *analysis) readText(n string) {
	rc, err := an.pkg.Open(n)
	if err != nil {
		an.warnf(n, "not read: %v", err)
		return
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxTextFile))
	if err != nil {
		an.warnf(n, "not read completely: %v", err)
	}
	an.app.Secrets = append(an.app.Secrets, appcontent.ScanText(an.opt.Secrets, n, data)...)
	for i, line := range strings.Split(string(data), "\n") {
		appcontent.AddAIEndpoints(an.app.endpoints, line, finding.Location{Path: n, Line: i + 1})
	}
}
