package ios

import (
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/bulwark-security/bulwark/internal/archive"
)

// nested returns depth arrays inside each other around a string.
func nested(depth int) any {
	var v any = "leaf"
	for range depth {
		v = []any{v}
	}
	return v
}

// sharedArrays builds a binary property list of a few hundred bytes whose
// root dictionary holds an array of fan references to an array of fan
// references to … a string, levels deep: fan^levels values once decoded
// into a tree (the "billion laughs" of binary plists, whose objects may
// be referenced many times).
func sharedArrays(levels, fan int) []byte {
	b := []byte("bplist00")
	n := levels + 3 // dict, key, the arrays, the leaf
	offs := make([]int, 0, n)
	offs = append(offs, len(b))
	b = append(b, 0xd1, 0, 1, 0, 2) // {obj1: obj2}, 2-byte references
	offs = append(offs, len(b))
	b = append(b, 0x51, 'k')
	for i := range levels {
		offs = append(offs, len(b))
		b = append(b, 0xaf, 0x11, byte(fan>>8), byte(fan)) // array, 2-byte count
		for range fan {
			b = binary.BigEndian.AppendUint16(b, uint16(3+i))
		}
	}
	offs = append(offs, len(b))
	b = append(b, 0x55, 'h', 'e', 'l', 'l', 'o')
	table := len(b)
	for _, o := range offs {
		b = binary.BigEndian.AppendUint32(b, uint32(o))
	}
	tr := make([]byte, 32)
	tr[6], tr[7] = 4, 2 // offset size, reference size
	binary.BigEndian.PutUint64(tr[8:], uint64(n))
	binary.BigEndian.PutUint64(tr[24:], uint64(table))
	return append(b, tr...)
}

func TestHostileInfoPlist(t *testing.T) {
	t.Parallel()
	// big is 9 MiB of text that does not compress like a bomb.
	big := []byte(strings.Repeat(fakeKey(21, keyAlphabet+" \n", 4096), 9<<8))
	tests := []struct {
		name string
		info []byte
		// wantErr: Analyze fails; otherwise it warns about the Info.plist.
		wantErr bool
	}{
		{"garbage", randomBytes(1, 3000), false},
		{"truncated XML", plistOf(t, baseInfo(), plist.XMLFormat)[:200], false},
		{"truncated binary", plistOf(t, baseInfo(), plist.BinaryFormat)[:60], false},
		{"9 MiB", big, true},
		{"binary plist nesting arrays 100 deep", plistOf(t, map[string]any{"deep": nested(100)}, plist.BinaryFormat), false},
		{"XML plist nesting arrays 100 deep", plistOf(t, map[string]any{"deep": nested(100)}, plist.XMLFormat), false},
		{"OpenStep plist nesting 100000 deep", []byte("{a=" + strings.Repeat("(", 100_000) + strings.Repeat(")", 100_000) + ";}"), false},
		{"root is an array", plistOf(t, []any{"CFBundleIdentifier", "x"}, plist.BinaryFormat), false},
		{"root is a string", plistOf(t, "hello", plist.XMLFormat), false},
		{"binary plist whose arrays are shared", sharedArrays(3, 60), false},
	}
	for _, tc := range tests {
		for _, kind := range bundleKinds {
			t.Run(tc.name+"/"+kind.name, func(t *testing.T) {
				t.Parallel()
				res, err := Analyze(context.Background(), Input{Pkg: kind.open(t, files{"Info.plist": tc.info, "App": randomBytes(2, 100)})}, Options{Secrets: secrets})
				if tc.wantErr {
					if err == nil {
						t.Fatalf("Analyze: no error, want one (warnings %+v)", res.Warnings)
					}
					return
				}
				if err != nil {
					t.Fatalf("Analyze: %v, want a warning", err)
				}
				if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0].Message, "Info.plist not decoded") {
					t.Errorf("warnings %+v, want Info.plist not decoded", res.Warnings)
				}
				if res.App != nil {
					t.Errorf("AppInfo %+v from an undecodable Info.plist", res.App)
				}
			})
		}
	}
}

// TestSharedBinaryPlistIsBounded: a binary property list of a few
// hundred bytes must not make decodePlist allocate for every path
// through its shared arrays before the value bounds are checked.
// Not parallel: it measures the allocations of the process.
func TestSharedBinaryPlistIsBounded(t *testing.T) {
	data := sharedArrays(4, 30) // 810 000 leaves once expanded
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := decodePlist(data)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Error("decodePlist: no error, want the value bound exceeded")
	}
	const limit = 8 << 20
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Errorf("decodePlist of %d bytes allocated %d MiB, want at most %d MiB", len(data), got>>20, limit>>20)
	}
}

func TestHostilePrivacyManifest(t *testing.T) {
	t.Parallel()
	fs := files{
		"Info.plist":            plistOf(t, baseInfo(), plist.XMLFormat),
		"PrivacyInfo.xcprivacy": randomBytes(3, 500),
		"Frameworks/A.framework/PrivacyInfo.xcprivacy": plistOf(t, []any{1, 2}, plist.XMLFormat),
	}
	res := analyze(t, openIPA(t, ipaOf(t, fs, nil)))
	if len(res.Warnings) != 2 {
		t.Errorf("warnings %+v, want one per undecodable manifest", res.Warnings)
	}
	if len(hitsOf(res.Hits, "ios-privacy-manifest-missing")) != 1 {
		t.Errorf("an undecodable manifest counts as missing; rules %v", ruleNames(res.Hits))
	}
}

func TestHostileBinaries(t *testing.T) {
	t.Parallel()
	exe := machoSpec{flags: flagPIE, imports: []string{"_NSLog"}}.build()
	tests := []struct {
		name string
		exe  []byte
	}{
		{"truncated load commands", exe[:40]},
		{"magic only", []byte{0xcf, 0xfa, 0xed, 0xfe, 0, 0, 0, 0}},
		{"fat header with no room for its slices", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := analyze(t, openIPA(t, ipaOf(t, files{"Info.plist": plistOf(t, exeInfo(), plist.XMLFormat), "App": tc.exe}, nil)))
			found := false
			for _, w := range res.Warnings {
				found = found || strings.Contains(w.Message, "binary not decoded")
			}
			if !found {
				t.Errorf("warnings %+v, want binary not decoded", res.Warnings)
			}
		})
	}
}

func TestNoApp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		top  files
	}{
		{"no Payload", files{"README.md": []byte("hello"), "lib/x.so": []byte("x")}},
		{"Payload without an app", files{"Payload/readme.txt": []byte("hello"), "Payload/x/y": []byte("y")}},
		{"a nested bundle's Info.plist only", files{"Payload/App.app/PlugIns/W.appex/Info.plist": plistOf(t, baseInfo(), plist.XMLFormat), "x": nil}},
		// One entry that is no Mach-O file is no lone binary either.
		{"one text file", files{"README.md": []byte("hello")}},
		{"one Info.plist in the wrong place", files{"Payload/Info.plist": plistOf(t, baseInfo(), plist.XMLFormat)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Analyze(context.Background(), Input{Pkg: openIPA(t, ipaOf(t, nil, tc.top))}, Options{Secrets: secrets})
			if !errors.Is(err, ErrNoApp) {
				t.Errorf("Analyze: %v, want ErrNoApp", err)
			}
		})
	}
}

func TestAnalyzeRefuses(t *testing.T) {
	t.Parallel()
	pkg := openIPA(t, ipaOf(t, files{"Info.plist": plistOf(t, baseInfo(), plist.XMLFormat), "a.txt": []byte("hello")}, nil))
	t.Run("no secret detectors", func(t *testing.T) {
		t.Parallel()
		if _, err := Analyze(context.Background(), Input{Pkg: pkg}, Options{}); err == nil {
			t.Error("Analyze without Secrets: no error")
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Analyze(ctx, Input{Pkg: pkg}, Options{Secrets: secrets}); !errors.Is(err, context.Canceled) {
			t.Errorf("Analyze: %v, want context.Canceled", err)
		}
	})
}

func TestProgressStages(t *testing.T) {
	t.Parallel()
	var stages []string
	pkg := openIPA(t, ipaOf(t, files{"Info.plist": plistOf(t, baseInfo(), plist.XMLFormat)}, nil))
	if _, err := Analyze(context.Background(), Input{Pkg: pkg}, Options{Secrets: secrets, Progress: func(s string) { stages = append(stages, s) }}); err != nil {
		t.Fatal(err)
	}
	if len(stages) != 3 {
		t.Errorf("stages %q, want three", stages)
	}
}

// TestLoneFileInSingle: a lone Mach-O file is analyzed without an
// Info.plist; a lone executable is the main binary.
func TestLoneFileInSingle(t *testing.T) {
	t.Parallel()
	exe := machoSpec{imports: []string{"_rand"}}.build()
	pkg := archive.Single("tool", strings.NewReader(string(exe)), int64(len(exe)), archive.Limits{})
	res, err := Analyze(context.Background(), Input{Pkg: pkg}, Options{Secrets: secrets})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	got := ruleNames(res.Hits)
	for _, want := range []string{"ios-binary-not-pie", "ios-insecure-random", "ios-binary-not-encrypted"} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("%s not raised for a lone executable; got %v", want, got)
		}
	}
}
