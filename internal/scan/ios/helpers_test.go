package ios

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"howett.net/plist"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/macho"
)

// files are the entries of a bundle, by path relative to the bundle's
// root (the .app directory).
type files map[string][]byte

// plistOf encodes v as a property list of the given format
// (plist.XMLFormat, plist.BinaryFormat, plist.OpenStepFormat).
func plistOf(tb testing.TB, v any, format int) []byte {
	tb.Helper()
	b, err := plist.Marshal(v, format)
	if err != nil {
		tb.Fatalf("marshal plist: %v", err)
	}
	return b
}

// baseInfo is a plausible Info.plist of an app named App, with a recent
// minimum OS and nothing a check reports. It names no executable:
// exeInfo does.
func baseInfo() map[string]any {
	return map[string]any{
		"CFBundleIdentifier":         "com.example.app",
		"CFBundleName":               "App",
		"CFBundleDisplayName":        "Example",
		"CFBundleShortVersionString": "1.2.3",
		"CFBundleVersion":            "42",
		"MinimumOSVersion":           "17.0",
	}
}

// exeInfo is baseInfo naming the executable App.
func exeInfo() map[string]any { return with(baseInfo(), "CFBundleExecutable", "App") }

// with returns a copy of m with the given keys set.
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m)+len(kv)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// ipaOf zips a bundle as Payload/App.app/... (and extra entries at the
// archive's top, as given).
func ipaOf(tb testing.TB, fs files, top files) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		fw, err := w.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := fw.Write(data); err != nil {
			tb.Fatal(err)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(fs)) {
		add("Payload/App.app/"+n, fs[n])
	}
	for _, n := range slices.Sorted(maps.Keys(top)) {
		add(n, top[n])
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func openIPA(tb testing.TB, data []byte) archive.Package {
	tb.Helper()
	z, err := archive.OpenZip(bytes.NewReader(data), int64(len(data)), archive.Limits{})
	if err != nil {
		tb.Fatalf("open ipa: %v", err)
	}
	return z
}

// appDirOf writes a bundle into a temporary App.app directory and opens it.
func appDirOf(tb testing.TB, fs files) archive.Package {
	tb.Helper()
	root := filepath.Join(tb.TempDir(), "App.app")
	for n, data := range fs {
		p := filepath.Join(root, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	d, err := archive.OpenDir(root, archive.Limits{})
	if err != nil {
		tb.Fatalf("open app dir: %v", err)
	}
	return d
}

// bundleKinds open the same files as an .ipa and as an .app directory, so
// that every table runs on both.
var bundleKinds = []struct {
	name string
	open func(testing.TB, files) archive.Package
}{
	{"ipa", func(tb testing.TB, fs files) archive.Package { return openIPA(tb, ipaOf(tb, fs, nil)) }},
	{"app dir", appDirOf},
}

var secrets = detect.Default()

func analyze(tb testing.TB, pkg archive.Package) *Result {
	tb.Helper()
	res, err := Analyze(context.Background(), Input{Pkg: pkg}, Options{Secrets: secrets})
	if err != nil {
		tb.Fatalf("Analyze: %v", err)
	}
	return res
}

// hitsOf returns the hits of one rule.
func hitsOf(hits []finding.Hit, rule string) []finding.Hit {
	var out []finding.Hit
	for _, h := range hits {
		if h.Rule == rule {
			out = append(out, h)
		}
	}
	return out
}

// ruleNames lists the distinct rules of hits, sorted.
func ruleNames(hits []finding.Hit) []string {
	var out []string
	for _, h := range hits {
		if !slices.Contains(out, h.Rule) {
			out = append(out, h.Rule)
		}
	}
	slices.Sort(out)
	return out
}

// fakeKey builds a deterministic random token, so that no key-like
// literal sits in the source.
func fakeKey(seed uint64, alphabet string, n int) string {
	r := rand.New(rand.NewPCG(seed, seed+7))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomBytes returns n bytes of ciphertext-like content.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// minimalTFLite is the smallest FlatBuffer with the TFL3 identifier and a
// consistent root table (a vtable of 4 bytes, a table of 4 bytes).
func minimalTFLite() []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint32(b[0:], 12)
	copy(b[4:], "TFL3")
	binary.LittleEndian.PutUint16(b[8:], 4)
	binary.LittleEndian.PutUint16(b[10:], 4)
	binary.LittleEndian.PutUint32(b[12:], 4)
	return b
}

// machoSpec describes a thin little-endian arm64 Mach-O image for tests.
type machoSpec struct {
	fileType uint32 // 2 executable (default), 6 dylib
	flags    uint32
	imports  []string // undefined external symbols
	locals   []string // local symbols (an unstripped binary)
	libs     []string // LC_LOAD_DYLIB
	rpaths   []string
	strs     []string // __TEXT,__cstring
	cryptID  *uint32  // LC_ENCRYPTION_INFO_64 when set
}

const (
	mhExecute = 2
	mhDylib   = 6
	flagPIE   = 0x200000
)

// build lays the image out as header, load commands, __cstring, symbol
// table and string table.
func (s machoSpec) build() []byte {
	le := binary.LittleEndian
	if s.fileType == 0 {
		s.fileType = mhExecute
	}
	pad8 := func(n int) int { return (n + 7) &^ 7 }
	var cmds [][]byte
	cmd := func(c []byte) { cmds = append(cmds, c) }

	var cstr []byte
	for _, str := range s.strs {
		cstr = append(append(cstr, str...), 0)
	}
	strtab := []byte{' ', 0}
	type nl struct {
		strx uint32
		typ  uint8
		sect uint8
	}
	var syms []nl
	for _, n := range s.locals {
		syms = append(syms, nl{uint32(len(strtab)), 0x0e, 1})
		strtab = append(append(strtab, n...), 0)
	}
	for _, n := range s.imports {
		syms = append(syms, nl{uint32(len(strtab)), 0x01, 0})
		strtab = append(append(strtab, n...), 0)
	}

	// The sizes of the commands are known before the data offsets.
	segSize := 72 + 80
	size := segSize + 24
	for _, l := range s.libs {
		size += pad8(24 + len(l) + 1)
	}
	for _, r := range s.rpaths {
		size += pad8(12 + len(r) + 1)
	}
	if s.cryptID != nil {
		size += 24
	}
	cstrOff := 32 + size
	symOff := pad8(cstrOff + len(cstr))
	strOff := symOff + 16*len(syms)

	seg := make([]byte, segSize)
	le.PutUint32(seg[0:], 0x19)
	le.PutUint32(seg[4:], uint32(segSize))
	copy(seg[8:], "__TEXT")
	le.PutUint32(seg[64:], 1) // nsects
	sec := seg[72:]
	copy(sec[0:], "__cstring")
	copy(sec[16:], "__TEXT")
	le.PutUint64(sec[40:], uint64(len(cstr)))
	le.PutUint32(sec[48:], uint32(cstrOff))
	le.PutUint32(sec[64:], 0x2) // S_CSTRING_LITERALS
	cmd(seg)

	st := make([]byte, 24)
	le.PutUint32(st[0:], 0x2)
	le.PutUint32(st[4:], 24)
	le.PutUint32(st[8:], uint32(symOff))
	le.PutUint32(st[12:], uint32(len(syms)))
	le.PutUint32(st[16:], uint32(strOff))
	le.PutUint32(st[20:], uint32(len(strtab)))
	cmd(st)

	for _, l := range s.libs {
		c := make([]byte, pad8(24+len(l)+1))
		le.PutUint32(c[0:], 0xc)
		le.PutUint32(c[4:], uint32(len(c)))
		le.PutUint32(c[8:], 24)
		copy(c[24:], l)
		cmd(c)
	}
	for _, r := range s.rpaths {
		c := make([]byte, pad8(12+len(r)+1))
		le.PutUint32(c[0:], 0x8000001c)
		le.PutUint32(c[4:], uint32(len(c)))
		le.PutUint32(c[8:], 12)
		copy(c[12:], r)
		cmd(c)
	}
	if s.cryptID != nil {
		c := make([]byte, 24)
		le.PutUint32(c[0:], 0x2c)
		le.PutUint32(c[4:], 24)
		le.PutUint32(c[16:], *s.cryptID)
		cmd(c)
	}

	b := make([]byte, 32)
	le.PutUint32(b[0:], 0xfeedfacf)
	le.PutUint32(b[4:], 0x0100000c) // arm64
	le.PutUint32(b[12:], s.fileType)
	le.PutUint32(b[16:], uint32(len(cmds)))
	le.PutUint32(b[20:], uint32(size))
	le.PutUint32(b[24:], s.flags)
	for _, c := range cmds {
		b = append(b, c...)
	}
	b = append(b, cstr...)
	b = append(b, make([]byte, symOff-len(b))...)
	for _, y := range syms {
		e := make([]byte, 16)
		le.PutUint32(e[0:], y.strx)
		e[4], e[5] = y.typ, y.sect
		b = append(b, e...)
	}
	return append(b, strtab...)
}

// arm64 wraps one slice into a Binary for the check functions.
func arm64(p, role string, a macho.Arch) Binary {
	a.CPU = "arm64"
	if a.Type == "" {
		a.Type = "executable"
	}
	slices.Sort(a.Imports)
	return Binary{Path: p, Role: role, File: &macho.File{Arches: []macho.Arch{a}}}
}

// appWith is an App with a plain Info.plist (parsed from info) and the
// given binaries, as Analyze would build it, for calling checks directly.
func appWith(info map[string]any, bins ...Binary) *App {
	root := "Payload/App.app/"
	a := &App{Root: root, Binaries: bins}
	if info != nil {
		a.Info = parseInfo(root+"Info.plist", info)
	}
	return a
}
