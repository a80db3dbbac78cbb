package appcontent

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/scan/xplat"
)

// CrossPlatform is what the cross-platform frameworks of a package add to
// its analysis.
type CrossPlatform struct {
	// Hits report the frameworks and their release hardening.
	Hits []finding.Hit
	// Secrets are the secrets of their payloads (JS bundles, Dart
	// snapshots, assemblies, web assets).
	Secrets []Sighting
	// Warnings name the payloads that could not be read completely.
	Warnings []xplat.Warning
}

// frameworkNames are the display names of xplat's frameworks.
var frameworkNames = map[string]string{
	xplat.Flutter: "Flutter", xplat.ReactNative: "React Native", xplat.Xamarin: "Xamarin",
	xplat.Capacitor: "Capacitor", xplat.Cordova: "Cordova",
}

// AnalyzeCrossPlatform recognizes the cross-platform frameworks of pkg and
// searches the strings of their payloads for secrets and, into
// endpoints, for cloud AI hosts.
func AnalyzeCrossPlatform(pkg archive.Package, secrets *detect.Secrets, endpoints *Group) CrossPlatform {
	read := func(name string, limit int64) ([]byte, error) {
		rc, err := pkg.Open(name)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, limit))
		if errors.Is(err, archive.ErrEntryTooLarge) {
			err = nil
		}
		return b, err
	}
	facts, warnings := xplat.Detect(pkg.Names(), read, xplat.Limits{})
	out := CrossPlatform{Warnings: warnings}
	for _, fw := range facts.Frameworks {
		out.Hits = append(out.Hits, frameworkHits(fw)...)
	}
	for _, p := range facts.Payloads {
		loc := finding.Location{Path: p.Path, Symbol: p.Kind}
		out.Secrets = append(out.Secrets, ScanStrings(secrets, p.Strings, loc)...)
		if endpoints != nil {
			for _, s := range p.Strings {
				AddAIEndpoints(endpoints, s, loc)
			}
		}
	}
	return out
}

// frameworkHits reports one framework: its inventory entry, and the
// weaknesses of its release build.
func frameworkHits(fw xplat.Framework) []finding.Hit {
	name := frameworkNames[fw.Name]
	if name == "" {
		name = fw.Name
	}
	if fw.Props["maui"] == "true" {
		name = ".NET MAUI"
	}
	var locs []finding.Location
	for _, e := range fw.Evidence {
		locs = append(locs, finding.Location{Path: e})
	}
	first := locs[:min(1, len(locs))]
	props := map[string]string{"framework": fw.Name}
	var details []string
	for _, k := range slices.Sorted(maps.Keys(fw.Props)) {
		props[k] = fw.Props[k]
		details = append(details, k+"="+fw.Props[k])
	}
	msg := name
	if len(details) > 0 {
		msg += " (" + strings.Join(details, ", ") + ")"
	}
	hits := []finding.Hit{{Rule: "xplat-framework", Key: fw.Name, Message: msg, Evidence: strings.Join(fw.Evidence, ", "), Locations: locs, Props: props}}
	if fw.Name == xplat.Flutter && fw.Props["dart_obfuscated"] == "false" {
		hits = append(hits, finding.Hit{Rule: "flutter-dart-not-obfuscated", Key: "dart",
			Message:  fmt.Sprintf("the Dart snapshot keeps %s readable package library URIs", nonEmpty(fw.Props["dart_package_uris"], "many")),
			Evidence: "dart_package_uris=" + fw.Props["dart_package_uris"], Locations: first})
	}
	if fw.Name == xplat.ReactNative && fw.Props["bundle"] == "plain" {
		hits = append(hits, finding.Hit{Rule: "react-native-bundle-plain", Key: "bundle",
			Message: "the JavaScript bundle is plain source, not Hermes bytecode", Evidence: "bundle=plain", Locations: first})
	}
	return hits
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
