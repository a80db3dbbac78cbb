package xplat

import (
	"regexp"
	"strconv"
)

// Dart obfuscation heuristic.
//
// A Dart AOT snapshot (libapp.so, App.framework/App) built without
// --obfuscate keeps the URI of every library compiled into it, for stack
// traces and the Library objects of the VM: "package:flutter/src/widgets/
// framework.dart", "package:my_app/api/client.dart" and so on. The Flutter
// framework alone is several hundred libraries under package:flutter/src/,
// so even the smallest unobfuscated release build holds hundreds of such
// URIs. With --obfuscate the compiler renames libraries, classes and
// members, and the URIs disappear; the few that may survive are string
// literals written by the developer.
//
// Thresholds, on the number of distinct package:<name>/….dart URIs found
// in the printable strings of the snapshot:
//   - ≥ 25: not obfuscated. Far below the hundreds of a real unobfuscated
//     build, so a partly read snapshot still decides; far above the
//     handful of literals an obfuscated one may keep.
//   - ≤ 3, with the whole snapshot read and at least 2,000 strings seen:
//     obfuscated. Reading all of it rules out that the URIs were past the
//     cut, and the string count rules out an empty or stub snapshot.
//   - anything else: unknown.
const (
	dartNotObfuscatedMin  = 25
	dartObfuscatedMax     = 3
	dartObfuscatedMinSeen = 2000
)

var (
	dartPackageURI = regexp.MustCompile(`package:[A-Za-z_][A-Za-z0-9_]*/[A-Za-z0-9_./-]*\.dart`)
	// The Dart VM version string in the engine library, for example
	// `3.5.4 (stable) (Wed Oct 16 16:18:51 2024 +0000) on "android_arm64"`.
	dartVersion = regexp.MustCompile(`^(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?) \((stable|beta|dev|main)\) \(`)
	// The snapshot header: a 32-hex-digit snapshot hash directly followed
	// by the VM feature list ("product no-code_comments …").
	snapshotHash = regexp.MustCompile(`^([0-9a-f]{32})(?:product|release|debug|profile)\b`)
)

// dartObfuscation decides the dart_obfuscated prop from the strings of a
// snapshot; complete reports that the whole snapshot was read.
func dartObfuscation(strs []string, complete bool) (verdict string, uris int) {
	seen := make(map[string]struct{})
	for _, s := range strs {
		for _, m := range dartPackageURI.FindAllString(s, -1) {
			seen[m] = struct{}{}
		}
		if len(seen) >= dartNotObfuscatedMin {
			return "false", len(seen)
		}
	}
	if len(seen) <= dartObfuscatedMax && complete && len(strs) >= dartObfuscatedMinSeen {
		return "true", len(seen)
	}
	return "unknown", len(seen)
}

// snapshotHashOf finds the snapshot hash in a snapshot's strings.
func snapshotHashOf(strs []string) string {
	for _, s := range strs {
		if m := snapshotHash.FindStringSubmatch(s); m != nil {
			return m[1]
		}
	}
	return ""
}

// engineVersion finds the Dart version in the strings of the engine.
func engineVersion(strs []string) string {
	for _, s := range strs {
		if m := dartVersion.FindStringSubmatch(s); m != nil {
			return m[1] + " (" + m[2] + ")"
		}
	}
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }
