package android

import (
	"fmt"
	"path"
	"strings"

	"github.com/bulwark-security/bulwark/internal/elfcheck"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

// checkNative reports hardening gaps of native libraries, one hit per
// property listing the libraries (per ABI) that lack it.
func checkNative(a *App) []finding.Hit {
	g := appcontent.NewGroup()
	for _, n := range a.Natives {
		in := n.Info
		loc := finding.Location{Path: n.Path, Symbol: in.Machine}
		lib := path.Base(n.Path)
		isExec := in.Type == "executable"
		if !in.NX {
			g.Add("native-executable-stack", lib, lib+": stack is executable or PT_GNU_STACK is missing", "no non-executable PT_GNU_STACK", loc)
		}
		if isExec && !in.PIE {
			g.Add("native-not-pie", lib, lib+": executable is not position independent", "ET_EXEC", loc)
		}
		if !in.StackCanary && hasCode(in) {
			g.Add("native-no-stack-canary", lib, lib+": no stack protector", "no __stack_chk_fail import", loc)
		}
		if in.RELRO != elfcheck.RELROFull {
			g.Add("native-no-relro", lib, fmt.Sprintf("%s: RELRO is %s", lib, in.RELRO), "RELRO "+in.RELRO, loc)
		}
		if !in.Fortify && len(in.FortifiableUnchecked) > 0 {
			g.Add("native-no-fortify", lib, fmt.Sprintf("%s: calls %s without FORTIFY checks", lib, strings.Join(first(in.FortifiableUnchecked, 4), ", ")), strings.Join(first(in.FortifiableUnchecked, 6), ", "), loc)
		}
	}
	for _, h := range nativeSecrets(a) {
		g.Add(h.Rule, h.Key, h.Message, h.Evidence, h.Locations[0])
	}
	return g.List()
}

// hasCode reports libraries that import anything at all: a library of
// only data (resources packed as .so) has no stack to protect.
func hasCode(in *elfcheck.Info) bool { return len(in.Imports) > 0 }

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// nativeSecrets finds password-like constants in the app's own native
// libraries: those exporting JNI functions of the app's package, which
// compare strings.
func nativeSecrets(a *App) []finding.Hit {
	if a.Manifest == nil || a.Manifest.Package == "" {
		return nil
	}
	jniPrefix := "Java_" + strings.ReplaceAll(strings.ReplaceAll(a.Manifest.Package, "_", "_1"), ".", "_") + "_"
	var hits []finding.Hit
	for _, n := range a.Natives {
		in := n.Info
		own := false
		for _, e := range in.JNIExports {
			if strings.HasPrefix(e, jniPrefix) {
				own = true
				break
			}
		}
		if !own || !importsAny(in, "strcmp", "strncmp", "memcmp", "strcpy", "strcasecmp") {
			continue
		}
		for _, s := range in.RodataStrings {
			if !passwordLike(s) {
				continue
			}
			hits = append(hits, finding.Hit{Rule: "secret-native-literal", Key: "native:" + digest(s),
				Message:   fmt.Sprintf("%s holds a password-like constant next to string comparisons", path.Base(n.Path)),
				Evidence:  mask(s) + " sha256:" + digest(s),
				Locations: []finding.Location{{Path: n.Path, Symbol: ".rodata"}}})
		}
	}
	return hits
}

func importsAny(in *elfcheck.Info, names ...string) bool {
	for _, imp := range in.Imports {
		for _, n := range names {
			if imp == n {
				return true
			}
		}
	}
	return false
}

// passwordLike accepts short constants that mix letters with digits or
// punctuation and are neither identifiers, paths, format strings nor
// messages.
func passwordLike(s string) bool {
	if len(s) < 6 || len(s) > 64 || strings.ContainsAny(s, " \t%/\\") {
		return false
	}
	var letters, digits, punct int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
		case c >= '0' && c <= '9':
			digits++
		case c == '_' || c == '.' || c == '-':
			// identifier and file-name characters
		case c > 0x20 && c < 0x7f:
			punct++
		default:
			return false
		}
	}
	if letters < 3 {
		return false
	}
	if punct == 0 && digits == 0 {
		return false // an identifier or a word
	}
	if s[0] == '.' || strings.HasPrefix(s, "Java_") || strings.HasPrefix(s, "GCC") || strings.HasPrefix(s, "lib") {
		return false
	}
	return true
}

// checkModels reports the models of the package, as on every platform.
func checkModels(a *App) []finding.Hit { return appcontent.ModelHits(a.Models) }
