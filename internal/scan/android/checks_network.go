package android

import (
	"fmt"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
)

func nscLoc(nc *NetworkConfig, symbol string, line int) []finding.Location {
	return []finding.Location{{Path: nc.Path, Symbol: symbol, Line: line}}
}

func domainsOf(d DomainConfig) string {
	if len(d.Domains) == 0 {
		return "(no domain)"
	}
	return strings.Join(d.Domains, ", ")
}

func checkNetworkConfig(a *App) []finding.Hit {
	nc := a.Network
	if nc == nil {
		return nil
	}
	var hits []finding.Hit
	if b := nc.Base; b != nil {
		if b.Cleartext != nil && *b.Cleartext {
			hits = append(hits, finding.Hit{Rule: "android-nsc-cleartext-base", Key: "base-config",
				Message:  "base-config sets cleartextTrafficPermitted=\"true\"",
				Evidence: `<base-config cleartextTrafficPermitted="true">`, Locations: nscLoc(nc, "base-config", b.Line)})
		}
		if b.trustsUser() {
			hits = append(hits, finding.Hit{Rule: "android-nsc-user-certificates", Key: "base-config",
				Message:  "base-config trusts user-installed CA certificates",
				Evidence: `<certificates src="user"/>`, Locations: nscLoc(nc, "base-config", b.Line)})
		}
		hits = append(hits, overridePins(nc, *b, "base-config")...)
		hits = append(hits, expiredPins(a, nc, *b, "base-config")...)
	}
	for _, d := range nc.Domains {
		doms := domainsOf(d)
		if d.Cleartext != nil && *d.Cleartext {
			hits = append(hits, finding.Hit{Rule: "android-nsc-cleartext-domain", Key: doms,
				Message:  "cleartext allowed for " + doms,
				Evidence: `<domain-config cleartextTrafficPermitted="true">`, Locations: nscLoc(nc, doms, d.Line)})
		}
		if d.trustsUser() {
			hits = append(hits, finding.Hit{Rule: "android-nsc-user-certificates", Key: doms,
				Message:  "user-installed CA certificates are trusted for " + doms,
				Evidence: `<certificates src="user"/>`, Locations: nscLoc(nc, doms, d.Line)})
		}
		hits = append(hits, overridePins(nc, d, doms)...)
		hits = append(hits, expiredPins(a, nc, d, doms)...)
	}
	if dbg := nc.Debug; dbg != nil && len(dbg.Anchors) > 0 && a.Manifest != nil &&
		a.Manifest.App.Debuggable != nil && *a.Manifest.App.Debuggable {
		var srcs []string
		for _, t := range dbg.Anchors {
			srcs = append(srcs, t.Src)
		}
		hits = append(hits, finding.Hit{Rule: "android-nsc-debug-overrides-active", Key: "debug-overrides",
			Message:  "debug-overrides apply because the app is debuggable: trust anchors " + strings.Join(srcs, ", "),
			Evidence: "<debug-overrides>", Locations: nscLoc(nc, "debug-overrides", dbg.Line)})
	}
	return hits
}

func overridePins(nc *NetworkConfig, d DomainConfig, where string) []finding.Hit {
	for _, t := range d.Anchors {
		if t.OverridePins {
			return []finding.Hit{{Rule: "android-nsc-override-pins", Key: where,
				Message:  fmt.Sprintf("%s: certificates src=%q override the pins", where, t.Src),
				Evidence: fmt.Sprintf(`<certificates src=%q overridePins="true"/>`, t.Src), Locations: nscLoc(nc, where, d.Line)}}
		}
	}
	return nil
}

func expiredPins(a *App, nc *NetworkConfig, d DomainConfig, where string) []finding.Hit {
	if d.Pins == nil || d.Pins.Expiration.IsZero() || !d.Pins.Expiration.Before(a.Now) {
		return nil
	}
	return []finding.Hit{{Rule: "android-nsc-pins-expired", Key: where,
		Message:  fmt.Sprintf("%s: pin-set expired on %s, pins are no longer enforced", where, d.Pins.RawExpiry),
		Evidence: fmt.Sprintf(`<pin-set expiration=%q>`, d.Pins.RawExpiry), Locations: nscLoc(nc, where, d.Line)}}
}
