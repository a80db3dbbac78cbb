package macho

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"howett.net/plist"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

const (
	corpusDylib = "ios/mobsf-test-macho.dylib"
	corpusIPA   = "ios/mobsf-test-ios.ipa"
	ipaBinary   = "Payload/helloworld.app/helloworld"
	ipaInfo     = "Payload/helloworld.app/Info.plist"
)

// TestInspectCorpusDylib checks MobSF's fat test dylib (Swift's
// libswiftAccelerate for iOS 7+, armv7 and arm64) against what llvm-objdump
// --macho --private-headers, llvm-nm -m and a dump of its code signature
// report for it: both slices are stripped, Swift, unencrypted, signed by
// Apple's Swift runtime team with empty entitlements, and import only
// Swift runtime symbols.
func TestInspectCorpusDylib(t *testing.T) {
	data, err := os.ReadFile(testcorpus.Path(t, corpusDylib))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Inspect(data, Limits{})
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	libs := []string{
		"@rpath/libswiftMetal.dylib", "@rpath/libswiftos.dylib", "@rpath/libswiftFoundation.dylib",
		"@rpath/libswiftCoreGraphics.dylib", "@rpath/libswiftCoreFoundation.dylib", "@rpath/libswiftCore.dylib",
		"@rpath/libswiftDarwin.dylib", "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation",
		"/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics", "@rpath/libswiftDispatch.dylib",
		"/System/Library/Frameworks/Foundation.framework/Foundation", "@rpath/libswiftObjectiveC.dylib",
		"/System/Library/Frameworks/Metal.framework/Metal", "/usr/lib/libc++.1.dylib", "/usr/lib/libSystem.B.dylib",
	}
	imports := []string{
		"__swift_FORCE_LOAD_$_swiftCoreFoundation", "__swift_FORCE_LOAD_$_swiftCoreGraphics",
		"__swift_FORCE_LOAD_$_swiftDarwin", "__swift_FORCE_LOAD_$_swiftDispatch",
		"__swift_FORCE_LOAD_$_swiftFoundation", "__swift_FORCE_LOAD_$_swiftMetal",
		"__swift_FORCE_LOAD_$_swiftObjectiveC", "__swift_FORCE_LOAD_$_swiftos",
		"__swift_stdlib_operatingSystemVersion", "dyld_stub_binder",
	}
	strs := func(build string) []string {
		return []string{
			"/BuildRoot/Library/Caches/com.apple.xbs/Binaries/swiftlang/install/TempContent/Objects/BNI_assert_lightweight/swift-macosx-x86_64/stdlib/public/SDK/Accelerate/" + build + "/BNNS.swift",
			"Precondition failed",
			"Image stacks cannot use the indexed8 data type.",
			"Vectors cannot use the indexed8 data type.",
			"This initializer cannot be used with the indexed8 data type; use BNNSLayerData.indexed8 instead.",
			"This initializer cannot be used with the integerLinearSaturatePerChannel activation function; use BNNSActivation.integerLinearSaturatePerChannel(scale:UnsafePointer<Int32>, offset:UnsafePointer<Int32>, shift:UnsafePointer<Int32>) instead.",
			"This initializer cannot be used with the integerLinearSaturate activation function; use BNNSActivation.integerLinearSaturate(scale:Int32, offset:Int32, shift:Int32) instead.",
		}
	}
	slice := func(cpu string, bits int, build string) Arch {
		return Arch{
			CPU: cpu, Bits: bits, Type: "dylib", Flags: 0x6100085,
			Swift: true, HasEncryptionInfo: true, Stripped: true,
			Libraries: libs, Imports: imports, MinOS: "7.0", Platform: "ios",
			Signed: true, CodeSignatureID: "com.apple.dt.runtime.swiftAccelerate", TeamID: "XEF55544GJ",
			Entitlements: map[string]any{}, Strings: strs(build),
		}
	}
	want := &File{Fat: true, Arches: []Arch{slice("armv7", 32, "4"), slice("arm64", 64, "8")}}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("Inspect(%s) mismatch (-want +got):\n%s", corpusDylib, diff)
	}
}

// TestInspectCorpusIPA checks the executable of MobSF's 2012 test IPA
// against the corpus manifest (PIE, no stack canary imports, cryptid 0,
// minimum OS 5.0 as its Info.plist says) and against llvm-nm -u, llvm-nm -m
// and its code signature: an ARC Objective-C armv7 app, not stripped,
// signed with three entitlements and a CodeDirectory too old for a team id.
func TestInspectCorpusIPA(t *testing.T) {
	ipa := testcorpus.Path(t, corpusIPA)
	data := testcorpus.ZipEntry(t, ipa, ipaBinary)
	f, err := Inspect(data, Limits{})
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	want := &File{Arches: []Arch{{
		CPU: "armv7", Bits: 32, Type: "executable", Flags: 0x200085,
		PIE: true, ARC: true, ObjC: true, HasEncryptionInfo: true,
		Libraries: []string{
			"/System/Library/Frameworks/UIKit.framework/UIKit",
			"/System/Library/Frameworks/Foundation.framework/Foundation",
			"/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics",
			"/usr/lib/libSystem.B.dylib",
			"/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation",
			"/usr/lib/libobjc.A.dylib",
		},
		Imports: []string{
			"_NSStringFromClass", "_OBJC_CLASS_$_UIDevice", "_OBJC_CLASS_$_UIResponder",
			"_OBJC_CLASS_$_UIViewController", "_OBJC_METACLASS_$_NSObject", "_OBJC_METACLASS_$_UIResponder",
			"_OBJC_METACLASS_$_UIViewController", "_UIApplicationMain", "__objc_empty_cache",
			"__objc_empty_vtable", "_exit", "_objc_autoreleasePoolPop", "_objc_autoreleasePoolPush",
			"_objc_msgSend", "_objc_msgSendSuper2", "_objc_release", "_objc_retainAutoreleasedReturnValue",
			"_objc_setProperty", "_objc_storeStrong", "dyld_stub_binder",
		},
		MinOS: "5.0", Platform: "ios",
		Signed: true, CodeSignatureID: "com.kthcorp.helloworld",
		Entitlements: map[string]any{
			"application-identifier": "M8ZCXDJQW4.com.kthcorp.helloworld",
			"get-task-allow":         false,
			"keychain-access-groups": []any{"M8ZCXDJQW4.com.kthcorp.helloworld"},
		},
		Strings: []string{"window", `T@"UIWindow",&,N`, `T@"UIWindow",&,N,V_window`},
	}}}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("Inspect(%s) mismatch (-want +got):\n%s", ipaBinary, diff)
	}

	var info struct {
		MinimumOSVersion string
	}
	if _, err := plist.Unmarshal(testcorpus.ZipEntry(t, ipa, ipaInfo), &info); err != nil {
		t.Fatalf("decode %s: %v", ipaInfo, err)
	}
	if got := f.Arches[0].MinOS; got != info.MinimumOSVersion {
		t.Errorf("MinOS = %q, Info.plist MinimumOSVersion = %q; want them equal", got, info.MinimumOSVersion)
	}
}

// BenchmarkInspect measures Inspect on the corpus dylib (two slices of
// about 75 KB each).
func BenchmarkInspect(b *testing.B) {
	data, err := os.ReadFile(testcorpus.Path(b, corpusDylib))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Inspect(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
