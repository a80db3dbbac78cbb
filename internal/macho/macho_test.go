package macho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// inspectOne inspects a thin fixture and returns its one slice.
func inspectOne(t *testing.T, data []byte, lim Limits) *Arch {
	t.Helper()
	f, err := Inspect(data, lim)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if f.Fat || len(f.Arches) != 1 {
		t.Fatalf("Inspect = fat %v with %d arches, want one thin slice", f.Fat, len(f.Arches))
	}
	return &f.Arches[0]
}

func TestInspectFullFixture(t *testing.T) {
	a := inspectOne(t, fullFixture().build(), Limits{})
	want := &Arch{
		CPU: "arm64", Bits: 64, Type: "executable", Flags: mhPIE | 0x85,
		PIE: true, StackCanary: true, ARC: true, Swift: true, ObjC: true,
		HasEncryptionInfo: true, CryptID: 1, Stripped: true,
		RPaths: []string{"@executable_path/Frameworks", "/tmp/evil"},
		Libraries: []string{
			"/usr/lib/libobjc.A.dylib", "@rpath/libswiftCore.dylib",
			"/System/Library/Frameworks/Metal.framework/Metal", "@rpath/Inner.framework/Inner",
		},
		Imports: []string{
			"_CC_MD5", "_NSLog", "___stack_chk_fail", "___stack_chk_guard",
			"_objc_msgSend", "_objc_release", "_rand", "_strcpy",
		},
		MinOS: "15.0.1", Platform: "ios",
		Signed: true, CodeSignatureID: "com.example.app", TeamID: "ABCDE12345",
		Entitlements: map[string]any{
			"application-identifier": "ABCDE12345.com.example.app",
			"get-task-allow":         true,
			"keychain-access-groups": []any{"ABCDE12345.*"},
		},
		Strings: []string{"https://api.example.com/v1", "sk-test-0123456789", "Grüße aus Köln"},
	}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("Inspect mismatch (-want +got):\n%s", diff)
	}
}

// TestInspectProperties turns each property on and off from a bare
// executable.
func TestInspectProperties(t *testing.T) {
	bare := func() fixture {
		return fixture{symbols: []sym{{name: "_main", typ: symDefExt, sect: 1, value: 0x1000}}}
	}
	undef := func(names ...string) []sym {
		var out []sym
		for _, n := range names {
			out = append(out, sym{name: n, typ: symUndefExt})
		}
		return out
	}
	type props struct {
		PIE, StackCanary, ARC, Swift, ObjC, HasEncryptionInfo, Stripped, Signed bool
		CryptID                                                                 uint32
		MinOS, Platform                                                         string
	}
	of := func(a *Arch) props {
		return props{
			PIE: a.PIE, StackCanary: a.StackCanary, ARC: a.ARC, Swift: a.Swift, ObjC: a.ObjC,
			HasEncryptionInfo: a.HasEncryptionInfo, Stripped: a.Stripped, Signed: a.Signed,
			CryptID: a.CryptID, MinOS: a.MinOS, Platform: a.Platform,
		}
	}
	tests := []struct {
		name   string
		modify func(*fixture)
		want   props
	}{
		{"bare executable has no property", func(*fixture) {}, props{Stripped: true}},
		{"MH_PIE flag makes PIE", func(f *fixture) { f.flags = mhPIE }, props{PIE: true, Stripped: true}},
		{"other flags do not make PIE", func(f *fixture) { f.flags = 0x85 | 0x20000 }, props{Stripped: true}},
		{"___stack_chk_fail import is a canary", func(f *fixture) { f.symbols = undef("___stack_chk_fail") }, props{StackCanary: true, Stripped: true}},
		{"___stack_chk_guard import is a canary", func(f *fixture) { f.symbols = undef("___stack_chk_guard") }, props{StackCanary: true, Stripped: true}},
		{"defined ___stack_chk_fail is not an import", func(f *fixture) {
			f.symbols = []sym{{name: "___stack_chk_fail", typ: symDefExt, sect: 1, value: 0x10}}
		}, props{Stripped: true}},
		{"_objc_storeStrong import is ARC", func(f *fixture) { f.symbols = undef("_objc_storeStrong") }, props{ARC: true, Stripped: true}},
		{"autorelease pool calls are not ARC", func(f *fixture) { f.symbols = undef("_objc_autoreleasePoolPush", "_objc_autoreleasePoolPop") }, props{Stripped: true}},
		{"libswiftCore makes Swift", func(f *fixture) { f.libs = []lib{{lcLoadDylib, "/usr/lib/swift/libswiftCore.dylib"}} }, props{Swift: true, Stripped: true}},
		{"__swift5 section makes Swift", func(f *fixture) {
			f.sections = []sect{{seg: "__TEXT", name: "__swift5_proto", data: []byte{1, 2, 3, 4}}}
		}, props{Swift: true, Stripped: true}},
		{"other swift libraries alone do not make Swift", func(f *fixture) { f.libs = []lib{{lcLoadDylib, "@rpath/libswiftFoundation.dylib"}} }, props{Stripped: true}},
		{"libobjc makes ObjC", func(f *fixture) { f.libs = []lib{{lcLoadDylib, "/usr/lib/libobjc.A.dylib"}} }, props{ObjC: true, Stripped: true}},
		{"_objc_msgSend import makes ObjC", func(f *fixture) { f.symbols = undef("_objc_msgSend") }, props{ObjC: true, Stripped: true}},
		{"class list section makes ObjC", func(f *fixture) {
			f.sections = []sect{{seg: "__DATA_CONST", name: "__objc_classlist", data: make([]byte, 8)}}
		}, props{ObjC: true, Stripped: true}},
		{"image info alone does not make ObjC", func(f *fixture) {
			f.sections = []sect{{seg: "__DATA", name: "__objc_imageinfo", data: make([]byte, 8)}}
		}, props{Stripped: true}},
		{"encryption info with cryptid 1", func(f *fixture) { f.cryptID = u32(1) }, props{HasEncryptionInfo: true, CryptID: 1, Stripped: true}},
		{"encryption info with cryptid 0", func(f *fixture) { f.cryptID = u32(0) }, props{HasEncryptionInfo: true, Stripped: true}},
		{"32-bit encryption info", func(f *fixture) { f.is32, f.cryptID = true, u32(1) }, props{HasEncryptionInfo: true, CryptID: 1, Stripped: true}},
		{"local symbol means not stripped", func(f *fixture) {
			f.symbols = append(f.symbols, sym{name: "_helper", typ: symLocal, sect: 1, value: 0x20})
		}, props{}},
		{"private external is local after linking", func(f *fixture) {
			f.symbols = append(f.symbols, sym{name: "_OBJC_CLASS_$_AppDelegate", typ: symPrivateEx, sect: 1, value: 0x20})
		}, props{}},
		{"debug stabs mean not stripped", func(f *fixture) {
			f.symbols = append(f.symbols, sym{name: "/src/main.m", typ: symStabSO})
		}, props{}},
		{"strip marker alone is stripped", func(f *fixture) {
			f.symbols = append(f.symbols, sym{name: "radr://5614542", typ: symStabOpt})
		}, props{Stripped: true}},
		{"no symbol table is stripped", func(f *fixture) { f.noSymtab = true }, props{Stripped: true}},
		{"build version sets MinOS and platform", func(f *fixture) { f.buildVer = &buildVersion{2, ver(14, 5, 0)} }, props{MinOS: "14.5", Platform: "ios", Stripped: true}},
		{"simulator platform", func(f *fixture) { f.buildVer = &buildVersion{7, ver(17, 0, 0)} }, props{MinOS: "17.0", Platform: "iossimulator", Stripped: true}},
		{"unknown platform", func(f *fixture) { f.buildVer = &buildVersion{99, ver(1, 2, 3)} }, props{MinOS: "1.2.3", Platform: "unknown(99)", Stripped: true}},
		{"version min iphoneos infers ios", func(f *fixture) { f.minCmd, f.minVer = lcVersionMinIPhone, ver(9, 0, 0) }, props{MinOS: "9.0", Platform: "ios", Stripped: true}},
		{"version min macosx infers macos", func(f *fixture) { f.minCmd, f.minVer = lcVersionMinMacOSX, ver(10, 13, 0) }, props{MinOS: "10.13", Platform: "macos", Stripped: true}},
		{"build version wins over version min", func(f *fixture) {
			f.minCmd, f.minVer = lcVersionMinIPhone, ver(9, 0, 0)
			f.buildVer = &buildVersion{6, ver(13, 1, 0)}
		}, props{MinOS: "13.1", Platform: "maccatalyst", Stripped: true}},
		{"code signature makes Signed", func(f *fixture) { f.sig = signatureWith("com.example", "", "") }, props{Signed: true, Stripped: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := bare()
			tt.modify(&fx)
			a := inspectOne(t, fx.build(), Limits{})
			if diff := cmp.Diff(tt.want, of(a)); diff != "" {
				t.Errorf("properties mismatch (-want +got):\n%s", diff)
			}
			if len(a.Warnings) > 0 {
				t.Errorf("Warnings = %q, want none", a.Warnings)
			}
		})
	}
}

func TestInspectCPUAndType(t *testing.T) {
	tests := []struct {
		name      string
		fx        fixture
		cpu, typ  string
		wantBits  int
		wantFlags uint32
	}{
		{"arm64 executable", fixture{}, "arm64", "executable", 64, 0},
		{"arm64e with capability bits", fixture{cputype: cpuARM | cpuArch64, cpusubtype: 0x80000002}, "arm64e", "executable", 64, 0},
		{"armv7 dylib", fixture{is32: true, filetype: 6}, "armv7", "dylib", 32, 0},
		{"armv7s bundle", fixture{is32: true, cputype: cpuARM, cpusubtype: 11, filetype: 8}, "armv7s", "bundle", 32, 0},
		{"arm64_32 object", fixture{is32: true, cputype: cpuARM | cpuArch64_32, cpusubtype: 1, filetype: 1}, "arm64_32", "object", 32, 0},
		{"x86_64 simulator dylib", fixture{cputype: cpuX86 | cpuArch64, cpusubtype: 3, filetype: 6}, "x86_64", "dylib", 64, 0},
		{"i386", fixture{is32: true, cputype: cpuX86, cpusubtype: 3}, "i386", "executable", 32, 0},
		{"big-endian ppc", fixture{is32: true, bigEndian: true, cputype: cpuPPC, flags: 0x85}, "ppc", "executable", 32, 0x85},
		{"big-endian ppc64", fixture{bigEndian: true, cputype: cpuPPC | cpuArch64}, "ppc64", "executable", 64, 0},
		{"unknown cpu and type", fixture{cputype: 0x42, cpusubtype: 1, filetype: 77}, "unknown(0x42/0x1)", "unknown(77)", 64, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := inspectOne(t, tt.fx.build(), Limits{})
			got := []any{a.CPU, a.Type, a.Bits, a.Flags}
			want := []any{tt.cpu, tt.typ, tt.wantBits, tt.wantFlags}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("cpu, type, bits, flags mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInspectBigEndianReadsEverything(t *testing.T) {
	le := fullFixture()
	be := fullFixture()
	be.bigEndian, be.cputype = true, cpuPPC|cpuArch64
	be.sections[2].data = utf16be("Grüße aus Köln\x00")
	got := inspectOne(t, be.build(), Limits{})
	want := inspectOne(t, le.build(), Limits{})
	want.CPU = "ppc64"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("big-endian file differs from little-endian (-little +big):\n%s", diff)
	}
}

func utf16be(s string) []byte {
	var out []byte
	for _, r := range s {
		out = binary.BigEndian.AppendUint16(out, uint16(r))
	}
	return out
}

func TestInspectImports(t *testing.T) {
	fx := fixture{symbols: []sym{
		{name: "_zeta", typ: symUndefExt},
		{name: "_alpha", typ: symUndefExt},
		{name: "_alpha", typ: symUndefExt},
		{name: "_defined", typ: symDefExt, sect: 1, value: 0x10},
		{name: "_common", typ: symUndefExt, value: 16}, // common symbol: a definition
		{name: "_prebound", typ: 0x0d},                 // N_PBUD | N_EXT
		{name: "_localundef", typ: 0x00},               // undefined, not external
		{name: "", typ: symUndefExt},                   // nameless
		{name: "dyld_stub_binder", typ: symUndefExt},
	}}
	a := inspectOne(t, fx.build(), Limits{})
	want := []string{"_alpha", "_prebound", "_zeta", "dyld_stub_binder"}
	if diff := cmp.Diff(want, a.Imports); diff != "" {
		t.Errorf("Imports mismatch (-want +got):\n%s", diff)
	}
	if a.Stripped {
		t.Errorf("Stripped = true with a local undefined symbol, want false")
	}
}

func TestInspectStrings(t *testing.T) {
	tests := []struct {
		name string
		secs []sect
		want []string
	}{
		{"C strings of six bytes or more", []sect{{seg: "__TEXT", name: "__cstring", data: []byte("abcde\x00abcdef\x00\x00x\x00")}}, []string{"abcdef"}},
		{"control characters reject a string", []sect{{seg: "__TEXT", name: "__cstring", data: []byte("bad\x01string\x00tab\tand\nnewline\x00")}}, []string{"tab\tand\nnewline"}},
		{"invalid UTF-8 rejects a string", []sect{{seg: "__TEXT", name: "__cstring", data: []byte("caf\xe9 latin1\x00café utf8\x00")}}, []string{"café utf8"}},
		{"unterminated tail is kept", []sect{{seg: "__TEXT", name: "__cstring", data: []byte("tail-string")}}, []string{"tail-string"}},
		{"duplicates across sections are dropped", []sect{
			{seg: "__TEXT", name: "__cstring", data: []byte("api_key_123\x00")},
			{seg: "__TEXT", name: "__ustring", data: utf16le("api_key_123\x00another one\x00")},
		}, []string{"api_key_123", "another one"}},
		{"UTF-16 strings need six characters", []sect{{seg: "__TEXT", name: "__ustring", data: utf16le("Köln\x00München\x00")}}, []string{"München"}},
		{"unpaired surrogate rejects a UTF-16 string", []sect{{seg: "__TEXT", name: "__ustring", data: append(utf16le("abc"), append([]byte{0x00, 0xd8}, utf16le("defgh\x00ok-string\x00")...)...)}}, []string{"ok-string"}},
		{"surrogate pair decodes", []sect{{seg: "__TEXT", name: "__ustring", data: append(utf16le("smile "), append([]byte{0x3d, 0xd8, 0x00, 0xde}, 0, 0)...)}}, []string{"smile 😀"}},
		{"method names and other sections are skipped", []sect{
			{seg: "__TEXT", name: "__objc_methname", data: []byte("viewDidLoad\x00")},
			{seg: "__TEXT", name: "__const", data: []byte("constant-bytes\x00")},
			{seg: "__DATA", name: "__cstring", data: []byte("not-in-text\x00")},
		}, nil},
		{"only the first __cstring section is read", []sect{
			{seg: "__TEXT", name: "__cstring", data: []byte("first-section\x00")},
			{seg: "__TEXT", name: "__cstring", data: []byte("second-section\x00")},
		}, []string{"first-section"}},
		{"zero-fill cstring has no data", []sect{{seg: "__TEXT", name: "__cstring", data: []byte("ignored-string\x00"), flags: sZerofill}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := inspectOne(t, fixture{sections: tt.secs}.build(), Limits{})
			if diff := cmp.Diff(tt.want, a.Strings); diff != "" {
				t.Errorf("Strings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInspectLimits(t *testing.T) {
	fx := fullFixture()
	fx.sections[1].data = append(fx.sections[1].data, "0123456789abcdef\x00ééééééé\x00third-string\x00"...)
	tests := []struct {
		name         string
		lim          Limits
		check        func(*Arch) []any
		want         []any
		wantWarnings []string
	}{
		{"imports capped at MaxSymbols in table order, flags still from all", Limits{MaxSymbols: 2},
			func(a *Arch) []any { return []any{a.Imports, a.StackCanary, a.ARC} },
			[]any{[]string{"___stack_chk_fail", "___stack_chk_guard"}, true, true},
			[]string{"imports capped at 2"}},
		{"strings capped at MaxStrings", Limits{MaxStrings: 2},
			func(a *Arch) []any { return []any{a.Strings} },
			[]any{[]string{"https://api.example.com/v1", "sk-test-0123456789"}},
			[]string{"strings capped at 2"}},
		{"strings truncated at MaxStringLen on a rune boundary", Limits{MaxStringLen: 7},
			func(a *Arch) []any { return []any{a.Strings} },
			[]any{[]string{"https:/", "sk-test", "0123456", "ééé", "third-s", "Grüße"}},
			[]string{"strings longer than 7 bytes truncated"}},
		{"entitlements over MaxEntitlementsSize are skipped", Limits{MaxEntitlementsSize: 100},
			func(a *Arch) []any { return []any{a.Entitlements == nil, a.Signed} },
			[]any{true, true},
			[]string{"entitlements: 390 bytes, limit 100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := inspectOne(t, fx.build(), tt.lim)
			if diff := cmp.Diff(tt.want, tt.check(a)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWarnings, a.Warnings); diff != "" {
				t.Errorf("Warnings mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("input over MaxSize", func(t *testing.T) {
		data := fx.build()
		_, err := Inspect(data, Limits{MaxSize: int64(len(data) - 1)})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("Inspect error = %v, want ErrTooLarge", err)
		}
	})
}

func TestInspectSignature(t *testing.T) {
	type sigProps struct {
		Signed       bool
		ID, Team     string
		Entitlements map[string]any
		Warnings     []string
	}
	cd := func(v uint32, id, team string) slot { return slot{csSlotCodeDirectory, codeDirectory(v, id, team)} }
	ent := func(xml string) slot { return slot{csSlotEntitlements, blobOf(csMagicEntitlements, []byte(xml))} }
	corrupt := func(b []byte, at int, v uint32) []byte {
		b = bytes.Clone(b)
		binary.BigEndian.PutUint32(b[at:], v)
		return b
	}
	good := superBlob(cd(0x20400, "com.example", "TEAM123456"))
	tests := []struct {
		name string
		sig  []byte
		want sigProps
	}{
		{"identifier and team id", good, sigProps{Signed: true, ID: "com.example", Team: "TEAM123456"}},
		{"version before team ids has none", superBlob(cd(0x20100, "com.example", "")), sigProps{Signed: true, ID: "com.example"}},
		{"team offset zero means no team", superBlob(cd(0x20400, "com.example", "")), sigProps{Signed: true, ID: "com.example"}},
		{"alternate code directory when slot 0 is absent", superBlob(slot{0x1000, codeDirectory(0x20400, "alt.id", "")}), sigProps{Signed: true, ID: "alt.id"}},
		{"entitlements decoded", superBlob(cd(0x20400, "x.y", ""), ent(`<plist version="1.0"><dict><key>aps-environment</key><string>development</string></dict></plist>`)),
			sigProps{Signed: true, ID: "x.y", Entitlements: map[string]any{"aps-environment": "development"}}},
		{"empty entitlements dictionary", superBlob(cd(0x20400, "x.y", ""), ent(`<plist version="1.0"><dict/></plist>`)),
			sigProps{Signed: true, ID: "x.y", Entitlements: map[string]any{}}},
		{"binary plist entitlements refused", superBlob(cd(0x20400, "x.y", ""), ent("bplist00\x08")),
			sigProps{Signed: true, ID: "x.y", Warnings: []string{"entitlements: not an XML property list"}}},
		{"malformed entitlements XML", superBlob(cd(0x20400, "x.y", ""), ent("<plist><dict><key>k</key>")),
			sigProps{Signed: true, ID: "x.y", Warnings: []string{"entitlements: decode property list: "}}},
		{"deeply nested entitlements refused", superBlob(cd(0x20400, "x.y", ""), ent("<plist>"+strings.Repeat("<array>", 100)+strings.Repeat("</array>", 100)+"</plist>")),
			sigProps{Signed: true, ID: "x.y", Warnings: []string{"entitlements: nesting deeper than 64"}}},
		{"DER entitlements noted", superBlob(cd(0x20400, "x.y", ""), slot{7, blobOf(csMagicDEREntitlements, []byte{0x70, 0})}),
			sigProps{Signed: true, ID: "x.y", Warnings: []string{"entitlements: only the DER form is present and it is not decoded"}}},
		{"bad superblob magic", corrupt(good, 0, 0xfade0cc1), sigProps{Warnings: []string{"code signature: superblob magic 0xfade0cc1"}}},
		{"superblob longer than the command", corrupt(good, 4, 1<<20), sigProps{Warnings: []string{"code signature: superblob length 1048576 of "}}},
		{"too many blobs", corrupt(good, 8, 100000), sigProps{Warnings: []string{"code signature: 100000 blobs in a superblob of "}}},
		{"blob offset outside", corrupt(good, 16, 1<<20), sigProps{Warnings: []string{"code signature: blob 0 at 0x100000 outside the superblob"}}},
		{"blob length outside", corrupt(good, 24, 1<<20), sigProps{Warnings: []string{"code signature: blob 0 (0xfade0c02): length 1048576 at 0x14 outside the superblob"}}},
		{"identifier offset outside", corrupt(good, 20+20, 1<<20), sigProps{Warnings: []string{"code signature: code directory: identifier: offset 0x100000 outside the blob"}}},
		{"no code directory", superBlob(ent(`<plist><dict/></plist>`)), sigProps{Warnings: []string{"code signature: no code directory"}}},
		{"truncated superblob", []byte{0xfa, 0xde, 0x0c}, sigProps{Warnings: []string{"code signature: superblob header truncated"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := inspectOne(t, fixture{sig: tt.sig}.build(), Limits{})
			got := sigProps{Signed: a.Signed, ID: a.CodeSignatureID, Team: a.TeamID, Entitlements: a.Entitlements, Warnings: a.Warnings}
			prefix := cmp.Comparer(func(want, got string) bool { return strings.HasPrefix(got, want) || strings.HasPrefix(want, got) })
			if diff := cmp.Diff(tt.want, got, cmp.FilterPath(func(p cmp.Path) bool { return strings.Contains(p.GoString(), "Warnings") }, prefix)); diff != "" {
				t.Errorf("signature mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("signature outside the file", func(t *testing.T) {
		data := fixture{sig: good}.build()
		data = data[:len(data)-8]
		// The command still points past the end now.
		a := inspectOne(t, data, Limits{})
		if a.Signed || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "outside the file") {
			t.Errorf("Signed = %v, Warnings = %q; want false and one outside-the-file warning", a.Signed, a.Warnings)
		}
	})
}

func TestInspectFat(t *testing.T) {
	arm64 := fullFixture().build()
	armv7fx := fullFixture()
	armv7fx.is32 = true
	armv7 := armv7fx.build()
	broken := bytes.Clone(arm64)
	binary.LittleEndian.PutUint32(broken[20:], 1<<30) // sizeofcmds

	t.Run("two slices in order", func(t *testing.T) {
		for _, fat64 := range []bool{false, true} {
			f, err := Inspect(fatOf(fat64, armv7, arm64), Limits{})
			if err != nil {
				t.Fatalf("fat64=%v: Inspect: %v", fat64, err)
			}
			var cpus []string
			for _, a := range f.Arches {
				cpus = append(cpus, a.CPU)
				if !a.Signed || !a.PIE || a.CodeSignatureID != "com.example.app" {
					t.Errorf("fat64=%v: %s: Signed, PIE, ID = %v, %v, %q", fat64, a.CPU, a.Signed, a.PIE, a.CodeSignatureID)
				}
			}
			if diff := cmp.Diff([]string{"armv7", "arm64"}, cpus); !f.Fat || diff != "" {
				t.Errorf("fat64=%v: Fat = %v, CPUs mismatch (-want +got):\n%s", fat64, f.Fat, diff)
			}
		}
	})
	t.Run("a broken slice is recorded when another parses", func(t *testing.T) {
		f, err := Inspect(fatOf(false, armv7, broken), Limits{})
		if err != nil {
			t.Fatalf("Inspect: %v", err)
		}
		if len(f.Arches) != 2 || f.Arches[0].Err != "" || f.Arches[1].CPU != "arm64" ||
			!strings.Contains(f.Arches[1].Err, "load commands") {
			t.Errorf("Arches = %+v; want armv7 fine and arm64 with a load-command error", f.Arches)
		}
	})
	t.Run("no slice parses", func(t *testing.T) {
		_, err := Inspect(fatOf(false, broken, broken), Limits{})
		if !errors.Is(err, ErrFormat) {
			t.Errorf("Inspect error = %v, want ErrFormat", err)
		}
	})
	t.Run("fat header names another CPU", func(t *testing.T) {
		data := fatOf(false, arm64)
		binary.BigEndian.PutUint32(data[8:], cpuX86|cpuArch64)
		f, err := Inspect(data, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"fat header names x86_64, slice header arm64"}, f.Arches[0].Warnings); diff != "" {
			t.Errorf("Warnings mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("slice outside the file and nested fat", func(t *testing.T) {
		data := fatOf(false, arm64, fatOf(false, arm64))
		f, err := Inspect(data, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(f.Arches[1].Err, "nested") {
			t.Errorf("nested slice Err = %q, want a nested-fat error", f.Arches[1].Err)
		}
		binary.BigEndian.PutUint32(data[8+12:], 1<<30) // size of slice 0
		f, err = Inspect(data, Limits{})
		if !errors.Is(err, ErrFormat) || f != nil {
			t.Errorf("Inspect = %v, %v; want ErrFormat with no slice readable", f, err)
		}
	})
}

func TestInspectErrors(t *testing.T) {
	good := fullFixture().build()
	set := func(at int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[at:], v)
		return b
	}
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrNotMachO, ""},
		{"ELF", []byte("\x7fELF\x02\x01\x01\x00"), ErrNotMachO, ""},
		{"Java class file", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52, 1, 2, 3, 4}, ErrNotMachO, ""},
		{"fat with zero architectures", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0}, ErrNotMachO, ""},
		{"truncated header", good[:20], ErrFormat, "header truncated"},
		{"fat table truncated", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2, 0, 0, 0, 12}, ErrFormat, "fat header with 2 architectures truncated"},
		{"load commands outside the file", set(20, 1<<30), ErrFormat, "outside the file"},
		{"more commands than bytes", set(16, 1000), ErrFormat, "1000 load commands"},
		{"load command of size zero", set(header64Size+4, 0), ErrFormat, "size 0"},
		{"load command past the table", set(header64Size+4, 1<<20), ErrFormat, "size 1048576"},
		{"sections overflow the segment", set(header64Size+segment64Size-8, 1000), ErrFormat, "1000 sections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Inspect(tt.data, Limits{})
			if !errors.Is(err, tt.want) || f != nil {
				t.Fatalf("Inspect = %v, %v; want nil, %v", f, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
	t.Run("short known command", func(t *testing.T) {
		fx := fixture{extra: [][]byte{{0x32, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}} // LC_BUILD_VERSION of 16 bytes
		_, err := Inspect(fx.build(), Limits{})
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "want 24") {
			t.Errorf("Inspect error = %v, want ErrFormat naming the size 24", err)
		}
	})
}

func TestInspectWarnings(t *testing.T) {
	t.Run("symbol table outside the file", func(t *testing.T) {
		fx := fixture{symbols: []sym{{name: "_x", typ: symLocal, sect: 1}}}
		data := fx.build()
		binary.LittleEndian.PutUint32(data[header64Size+12:], 1<<20) // nsyms
		a := inspectOne(t, data, Limits{})
		if !a.Stripped || a.Imports != nil || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "symbol table") {
			t.Errorf("Stripped, Imports, Warnings = %v, %q, %q", a.Stripped, a.Imports, a.Warnings)
		}
	})
	t.Run("string table outside the file", func(t *testing.T) {
		data := fixture{symbols: []sym{{name: "_x", typ: symUndefExt}}}.build()
		binary.LittleEndian.PutUint32(data[header64Size+20:], 1<<20) // strsize
		a := inspectOne(t, data, Limits{})
		if a.Imports != nil || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "string table") {
			t.Errorf("Imports, Warnings = %q, %q", a.Imports, a.Warnings)
		}
	})
	t.Run("symbol names outside or unterminated are skipped", func(t *testing.T) {
		fx := fixture{symbols: []sym{{name: "_ok", typ: symUndefExt}, {name: "_bad", typ: symUndefExt}, {name: "_last", typ: symUndefExt}}}
		data := fx.build()
		symoff := binary.LittleEndian.Uint32(data[header64Size+8:])
		binary.LittleEndian.PutUint32(data[symoff+16:], 1<<20) // n_strx of _bad
		strsize := binary.LittleEndian.Uint32(data[header64Size+20:])
		binary.LittleEndian.PutUint32(data[header64Size+20:], strsize-1) // cut the NUL of _last
		a := inspectOne(t, data, Limits{})
		if diff := cmp.Diff([]string{"_ok"}, a.Imports); diff != "" {
			t.Errorf("Imports mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("symbol name scanning is budgeted", func(t *testing.T) {
		var fx fixture
		for range 2000 {
			fx.symbols = append(fx.symbols, sym{name: "_a", typ: symUndefExt})
		}
		fx.symbols = append(fx.symbols, sym{name: strings.Repeat("b", 8000), typ: symUndefExt})
		data := fx.build()
		symoff := binary.LittleEndian.Uint32(data[header64Size+8:])
		long := binary.LittleEndian.Uint32(data[symoff+2000*nlist64Size:])
		for i := range uint32(2000) {
			binary.LittleEndian.PutUint32(data[symoff+i*nlist64Size:], long) // every name an unterminated 4 KB run
		}
		a := inspectOne(t, data, Limits{})
		want := []string{"symbol names: scanning budget spent, the rest of the symbol table is not read"}
		if diff := cmp.Diff(want, a.Warnings); diff != "" {
			t.Errorf("Warnings mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("sections past 255 are not read", func(t *testing.T) {
		var fx fixture
		for range 300 {
			fx.sections = append(fx.sections, sect{seg: "__DATA", name: "__data", data: []byte{1}})
		}
		fx.sections = append(fx.sections, sect{seg: "__TEXT", name: "__cstring", data: []byte("late-string\x00")})
		a := inspectOne(t, fx.build(), Limits{})
		if a.Strings != nil || !slices.Equal(a.Warnings, []string{"more than 255 sections: the rest are not read"}) {
			t.Errorf("Strings, Warnings = %q, %q; want none and a sections warning", a.Strings, a.Warnings)
		}
	})
	t.Run("library name outside its command", func(t *testing.T) {
		data := fixture{libs: []lib{{lcLoadDylib, "/usr/lib/libz.1.dylib"}, {lcLoadDylib, "/usr/lib/libc++.1.dylib"}}}.build()
		binary.LittleEndian.PutUint32(data[header64Size+24+8:], 200) // name offset of the first
		a := inspectOne(t, data, Limits{})
		if diff := cmp.Diff([]string{"/usr/lib/libc++.1.dylib"}, a.Libraries); diff != "" {
			t.Errorf("Libraries mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"load command 1: library name outside the command"}, a.Warnings); diff != "" {
			t.Errorf("Warnings mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestIsMachO(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want bool
	}{
		{"64-bit little-endian", []byte{0xcf, 0xfa, 0xed, 0xfe}, true},
		{"32-bit little-endian", []byte{0xce, 0xfa, 0xed, 0xfe}, true},
		{"64-bit big-endian", []byte{0xfe, 0xed, 0xfa, 0xcf}, true},
		{"32-bit big-endian", []byte{0xfe, 0xed, 0xfa, 0xce}, true},
		{"fat with two architectures", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2}, true},
		{"fat64 with one architecture", []byte{0xca, 0xfe, 0xba, 0xbf, 0, 0, 0, 1}, true},
		{"fat with sixteen architectures", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 16}, true},
		{"Java class file (major version 52)", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52}, false},
		{"fat with seventeen architectures", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 17}, false},
		{"fat magic alone", []byte{0xca, 0xfe, 0xba, 0xbe}, false},
		{"short", []byte{0xcf, 0xfa}, false},
		{"ZIP", []byte("PK\x03\x04"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsMachO(tt.head); got != tt.want {
				t.Errorf("IsMachO(% x) = %v, want %v", tt.head, got, tt.want)
			}
		})
	}
}

func TestImportsAny(t *testing.T) {
	a := inspectOne(t, fullFixture().build(), Limits{})
	tests := []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"banned functions", BannedFunctions, []string{"_strcpy"}},
		{"weak crypto", WeakCrypto, []string{"_CC_MD5"}},
		{"insecure random", InsecureRandom, []string{"_rand"}},
		{"logging", Logging, []string{"_NSLog"}},
		{"no match", map[string]string{"_gets": ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, a.ImportsAny(tt.set)); diff != "" {
				t.Errorf("ImportsAny mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTablesAreSymbolNames(t *testing.T) {
	tables := map[string]map[string]string{
		"BannedFunctions": BannedFunctions, "WeakCrypto": WeakCrypto,
		"InsecureRandom": InsecureRandom, "Logging": Logging,
	}
	seen := map[string]string{}
	for name, table := range tables {
		if len(table) == 0 {
			t.Errorf("%s is empty", name)
		}
		for sym, desc := range table {
			if !strings.HasPrefix(sym, "_") || strings.ContainsAny(sym, " \t") || desc == "" {
				t.Errorf("%s[%q] = %q: want an underscored symbol name and a description", name, sym, desc)
			}
			if other, ok := seen[sym]; ok {
				t.Errorf("%q is in both %s and %s", sym, other, name)
			}
			seen[sym] = name
		}
	}
}

func TestPlistDepth(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"flat dictionary", "<plist><dict><key>a</key><true/></dict></plist>", 2},
		{"empty elements do not nest", "<plist><dict/><array/><dict /></plist>", 1},
		{"nested arrays", "<plist><array><array><dict></dict></array></array></plist>", 4},
		{"longer element names are not counted", "<plist><dictionary><arrays>", 1},
		{"unterminated tags count as opening", "<dict<dict<dict", 3},
		{"closing below zero", "</dict></dict><dict>", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plistDepth([]byte(tt.in)); got != tt.want {
				t.Errorf("plistDepth(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestVersionString(t *testing.T) {
	for v, want := range map[uint32]string{ver(5, 0, 0): "5.0", ver(14, 5, 0): "14.5", ver(10, 15, 7): "10.15.7", 0: "0.0"} {
		if got := versionString(v); got != want {
			t.Errorf("versionString(%#x) = %q, want %q", v, got, want)
		}
	}
}
