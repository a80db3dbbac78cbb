package android

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
)

const (
	// minSDKFloor: below Android 7.0 the platform trusts user CAs by
	// default and lacks v2 signature verification.
	minSDKFloor = 24
	// targetSDKFloor: Android 14; Play requires newer levels for updates.
	targetSDKFloor = 34
	// cleartextDefaultUntil: apps targeting API 27 or lower allow cleartext
	// when nothing says otherwise.
	cleartextDefaultUntil = 27
	// providerExportedUntil: providers of apps targeting API 16 or lower
	// are exported by default.
	providerExportedUntil = 16
	// taskHijackFixedIn: Android 11 closed the StrandHogg task hijacking.
	taskHijackFixedIn = 30
)

const manifestPath = "AndroidManifest.xml"

func manifestLoc(symbol string, line int) []finding.Location {
	return []finding.Location{{Path: manifestPath, Symbol: symbol, Line: line}}
}

func checkDebuggable(a *App) []finding.Hit {
	m := a.Manifest
	if m == nil || m.App.Debuggable == nil || !*m.App.Debuggable {
		return nil
	}
	return []finding.Hit{{Rule: "android-debuggable", Key: "application",
		Message: "android:debuggable=\"true\" is set on <application>", Evidence: `android:debuggable="true"`,
		Locations: manifestLoc("application", 0)}}
}

func checkBackup(a *App) []finding.Hit {
	m := a.Manifest
	if m == nil {
		return nil
	}
	switch {
	case m.App.AllowBackup != nil && *m.App.AllowBackup:
		msg := "android:allowBackup=\"true\": the app's private data is included in backups"
		if m.App.FullBackupContent || m.App.DataExtractionRules {
			msg += " (backup rules are declared: check that they exclude tokens, keys and databases)"
		}
		return []finding.Hit{{Rule: "android-backup-allowed", Key: "application", Message: msg,
			Evidence: `android:allowBackup="true"`, Locations: manifestLoc("application", 0)}}
	case m.App.AllowBackup == nil && m.TargetSDK < 31:
		return []finding.Hit{{Rule: "android-backup-allowed", Key: "application",
			Message:  fmt.Sprintf("android:allowBackup is not set and the app targets API %d, so backup is on by default", m.TargetSDK),
			Evidence: "android:allowBackup absent", Locations: manifestLoc("application", 0)}}
	}
	return nil
}

func checkCleartextAllowed(a *App) []finding.Hit {
	m := a.Manifest
	if m == nil {
		return nil
	}
	hit := func(msg, ev string) []finding.Hit {
		return []finding.Hit{{Rule: "android-cleartext-traffic-allowed", Key: "application", Message: msg, Evidence: ev, Locations: manifestLoc("application", 0)}}
	}
	if a.Network != nil {
		// A network security configuration replaces usesCleartextTraffic;
		// an explicit base-config value is reported by its own rule.
		if a.Network.Base == nil || a.Network.Base.Cleartext == nil {
			if m.TargetSDK <= cleartextDefaultUntil {
				return hit(fmt.Sprintf("the network security configuration does not set cleartextTrafficPermitted and the app targets API %d, where cleartext is allowed by default", m.TargetSDK),
					"base-config without cleartextTrafficPermitted")
			}
		}
		return nil
	}
	switch u := m.App.UsesCleartextTraffic; {
	case u != nil && *u:
		return hit("android:usesCleartextTraffic=\"true\" allows HTTP to every host", `android:usesCleartextTraffic="true"`)
	case u == nil && m.TargetSDK <= cleartextDefaultUntil:
		return hit(fmt.Sprintf("the app targets API %d and neither android:usesCleartextTraffic nor a network security configuration forbids cleartext, so HTTP is allowed by default", m.TargetSDK),
			fmt.Sprintf("targetSdkVersion=%d, no networkSecurityConfig", m.TargetSDK))
	}
	return nil
}

func checkTestOnly(a *App) []finding.Hit {
	m := a.Manifest
	if m == nil || m.App.TestOnly == nil || !*m.App.TestOnly {
		return nil
	}
	return []finding.Hit{{Rule: "android-test-only", Key: "application", Evidence: `android:testOnly="true"`, Locations: manifestLoc("application", 0)}}
}

func checkSDKLevels(a *App) []finding.Hit {
	m := a.Manifest
	if m == nil {
		return nil
	}
	var hits []finding.Hit
	if m.MinSDK < minSDKFloor {
		hits = append(hits, finding.Hit{Rule: "android-min-sdk-outdated", Key: "minSdk",
			Message:   fmt.Sprintf("minSdkVersion %d (Android %s) is below %d (Android %s)", m.MinSDK, androidVersion(m.MinSDK), minSDKFloor, androidVersion(minSDKFloor)),
			Evidence:  fmt.Sprintf("minSdkVersion=%d targetSdkVersion=%d", m.MinSDK, m.TargetSDK),
			Locations: manifestLoc("uses-sdk", 0), Props: map[string]string{"minSdk": fmt.Sprint(m.MinSDK)}})
	}
	if m.TargetSDK < targetSDKFloor {
		hits = append(hits, finding.Hit{Rule: "android-target-sdk-outdated", Key: "targetSdk",
			Message:   fmt.Sprintf("targetSdkVersion %d (Android %s) is below %d (Android %s)", m.TargetSDK, androidVersion(m.TargetSDK), targetSDKFloor, androidVersion(targetSDKFloor)),
			Evidence:  fmt.Sprintf("targetSdkVersion=%d", m.TargetSDK),
			Locations: manifestLoc("uses-sdk", 0), Props: map[string]string{"targetSdk": fmt.Sprint(m.TargetSDK)}})
	}
	return hits
}

// exported reports whether other apps can reach a component, and why.
func exported(c Component, targetSDK int) (bool, string) {
	if c.Exported != nil {
		if *c.Exported {
			return true, `android:exported="true"`
		}
		return false, ""
	}
	if c.Kind == "provider" {
		if targetSDK <= providerExportedUntil {
			return true, fmt.Sprintf("provider exported by default (targetSdkVersion %d)", targetSDK)
		}
		return false, ""
	}
	if len(c.Filters) > 0 {
		return true, "intent-filter without android:exported (implicitly exported)"
	}
	return false, ""
}

func checkExportedComponents(a *App) []finding.Hit {
	m := a.Manifest
	if m == nil {
		return nil
	}
	var hits []finding.Hit
	for _, c := range m.Components {
		if c.Enabled != nil && !*c.Enabled {
			continue
		}
		exp, why := exported(c, m.TargetSDK)
		if !exp {
			continue
		}
		protected := c.Permission != ""
		if c.Kind == "provider" {
			protected = c.Permission != "" || (c.ReadPermission != "" && c.WritePermission != "")
		}
		if protected {
			continue
		}
		msg := fmt.Sprintf("%s %s is reachable by any app: %s, no permission", c.Kind, c.Name, why)
		var sev *finding.Severity
		switch {
		case c.IsLauncher():
			msg += " (launcher entry point: exported by design, review how it handles intents)"
			sev = severity(finding.SeverityInfo)
		case c.IsBrowsable():
			msg += " (deep-link entry point: exported by design, validate every URL parameter)"
			sev = severity(finding.SeverityLow)
		}
		if c.Kind == "provider" && (c.ReadPermission != "" || c.WritePermission != "") {
			msg = fmt.Sprintf("provider %s is exported with only a read or a write permission", c.Name)
		}
		hits = append(hits, finding.Hit{Rule: "android-exported-component", Key: c.Kind + ":" + c.Name, Message: msg,
			Evidence: why, Locations: manifestLoc(c.Name, c.Line), Props: map[string]string{"component": c.Kind}, Severity: sev})
	}
	return hits
}

func severity(s finding.Severity) *finding.Severity { return &s }

func checkProviderGrants(a *App) []finding.Hit {
	if a.Manifest == nil {
		return nil
	}
	var hits []finding.Hit
	for _, c := range a.Manifest.Components {
		if c.Kind == "provider" && c.GrantURIPermissions {
			hits = append(hits, finding.Hit{Rule: "android-provider-grant-uri", Key: c.Name,
				Message:  fmt.Sprintf("provider %s sets android:grantUriPermissions=\"true\"", c.Name),
				Evidence: `android:grantUriPermissions="true"`, Locations: manifestLoc(c.Name, c.Line)})
		}
	}
	return hits
}

func checkTaskHijacking(a *App) []finding.Hit {
	m := a.Manifest
	if m == nil || m.MinSDK >= taskHijackFixedIn {
		return nil
	}
	var hits []finding.Hit
	for _, c := range m.Components {
		if c.Kind != "activity" {
			continue
		}
		affinity := m.Package
		if m.App.TaskAffinity != nil {
			affinity = *m.App.TaskAffinity
		}
		if c.TaskAffinity != nil {
			affinity = *c.TaskAffinity
		}
		if affinity == "" {
			continue
		}
		var why string
		switch {
		case c.LaunchMode == "singleTask" || c.LaunchMode == "singleInstance":
			why = "launchMode=" + c.LaunchMode
		case c.AllowTaskReparenting:
			why = "allowTaskReparenting=true"
		default:
			continue
		}
		hits = append(hits, finding.Hit{Rule: "android-task-hijacking", Key: c.Name,
			Message:  fmt.Sprintf("activity %s: %s with task affinity %q and minSdkVersion %d", c.Name, why, affinity, m.MinSDK),
			Evidence: why, Locations: manifestLoc(c.Name, c.Line)})
	}
	return hits
}

func checkCustomPermissions(a *App) []finding.Hit {
	if a.Manifest == nil {
		return nil
	}
	var hits []finding.Hit
	for _, p := range a.Manifest.Permissions {
		base, _, _ := strings.Cut(p.ProtectionLevel, "|")
		if base != "normal" && base != "dangerous" {
			continue
		}
		hits = append(hits, finding.Hit{Rule: "android-weak-custom-permission", Key: p.Name,
			Message:  fmt.Sprintf("permission %s has protectionLevel %s: any app can obtain it", p.Name, p.ProtectionLevel),
			Evidence: "protectionLevel=" + p.ProtectionLevel, Locations: manifestLoc(p.Name, p.Line)})
	}
	return hits
}

// dangerousPermissions are runtime permissions (and retired ones that were
// dangerous on the levels that still honour them) with the data they open.
var dangerousPermissions = map[string]string{
	"READ_CALENDAR": "calendar", "WRITE_CALENDAR": "calendar",
	"CAMERA":        "camera",
	"READ_CONTACTS": "contacts", "WRITE_CONTACTS": "contacts", "GET_ACCOUNTS": "accounts",
	"ACCESS_FINE_LOCATION": "location", "ACCESS_COARSE_LOCATION": "location", "ACCESS_BACKGROUND_LOCATION": "location", "ACCESS_MEDIA_LOCATION": "location",
	"RECORD_AUDIO":     "microphone",
	"READ_PHONE_STATE": "phone", "READ_PHONE_NUMBERS": "phone", "CALL_PHONE": "phone", "ANSWER_PHONE_CALLS": "phone",
	"READ_CALL_LOG": "call log", "WRITE_CALL_LOG": "call log", "PROCESS_OUTGOING_CALLS": "call log", "ADD_VOICEMAIL": "phone", "USE_SIP": "phone",
	"BODY_SENSORS": "sensors", "BODY_SENSORS_BACKGROUND": "sensors", "ACTIVITY_RECOGNITION": "activity",
	"SEND_SMS": "sms", "RECEIVE_SMS": "sms", "READ_SMS": "sms", "RECEIVE_WAP_PUSH": "sms", "RECEIVE_MMS": "sms",
	"READ_EXTERNAL_STORAGE": "storage", "WRITE_EXTERNAL_STORAGE": "storage", "MANAGE_EXTERNAL_STORAGE": "storage",
	"READ_MEDIA_IMAGES": "media", "READ_MEDIA_VIDEO": "media", "READ_MEDIA_AUDIO": "media", "READ_MEDIA_VISUAL_USER_SELECTED": "media",
	"BLUETOOTH_SCAN": "nearby devices", "BLUETOOTH_CONNECT": "nearby devices", "BLUETOOTH_ADVERTISE": "nearby devices", "NEARBY_WIFI_DEVICES": "nearby devices", "UWB_RANGING": "nearby devices",
	"POST_NOTIFICATIONS": "notifications",
	"USE_CREDENTIALS":    "accounts (retired)", "READ_PROFILE": "profile (retired)", "WRITE_PROFILE": "profile (retired)",
	"AUTHENTICATE_ACCOUNTS": "accounts (retired)", "MANAGE_ACCOUNTS": "accounts (retired)", "READ_SOCIAL_STREAM": "social (retired)",
	"SYSTEM_ALERT_WINDOW": "draw over other apps", "REQUEST_INSTALL_PACKAGES": "install packages", "QUERY_ALL_PACKAGES": "installed apps",
	"BIND_ACCESSIBILITY_SERVICE": "accessibility",
}

func checkDangerousPermissions(a *App) []finding.Hit {
	if a.Manifest == nil {
		return nil
	}
	var names []string
	for _, p := range a.Manifest.Uses {
		short, ok := strings.CutPrefix(p, "android.permission.")
		if !ok {
			continue
		}
		if _, ok := dangerousPermissions[short]; ok && !slices.Contains(names, short) {
			names = append(names, short)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	return []finding.Hit{{Rule: "android-dangerous-permissions", Key: "permissions",
		Message:  fmt.Sprintf("%d dangerous permissions requested: %s", len(names), strings.Join(names, ", ")),
		Evidence: strings.Join(names, ", "), Locations: manifestLoc("uses-permission", 0),
		Props: map[string]string{"count": fmt.Sprint(len(names))}}}
}

func checkDeepLinks(a *App) []finding.Hit {
	if a.Manifest == nil {
		return nil
	}
	var hits []finding.Hit
	for _, c := range a.Manifest.Components {
		for _, f := range c.Filters {
			if !slices.Contains(f.Categories, "android.intent.category.BROWSABLE") {
				continue
			}
			var web bool
			var uris []string
			for _, d := range f.Data {
				if d.Scheme == "" {
					continue
				}
				if d.Scheme == "http" || d.Scheme == "https" {
					web = true
				}
				uris = append(uris, d.Scheme+"://"+d.Host+d.Path)
			}
			if len(uris) == 0 {
				continue
			}
			slices.Sort(uris)
			uris = slices.Compact(uris)
			joined := strings.Join(uris, ", ")
			hits = append(hits, finding.Hit{Rule: "android-deep-link", Key: c.Name + " " + joined,
				Message:  fmt.Sprintf("%s opens %s", c.Name, joined),
				Evidence: joined, Locations: manifestLoc(c.Name, c.Line)})
			if web && !f.AutoVerify {
				hits = append(hits, finding.Hit{Rule: "android-app-link-unverified", Key: c.Name + " " + joined,
					Message:  fmt.Sprintf("%s handles %s without android:autoVerify=\"true\"", c.Name, joined),
					Evidence: joined, Locations: manifestLoc(c.Name, c.Line)})
			}
		}
	}
	return hits
}

// androidVersion names the platform release of an API level.
func androidVersion(api int) string {
	names := map[int]string{
		14: "4.0", 15: "4.0.3", 16: "4.1", 17: "4.2", 18: "4.3", 19: "4.4", 20: "4.4W", 21: "5.0", 22: "5.1",
		23: "6.0", 24: "7.0", 25: "7.1", 26: "8.0", 27: "8.1", 28: "9", 29: "10", 30: "11", 31: "12",
		32: "12L", 33: "13", 34: "14", 35: "15", 36: "16",
	}
	if n, ok := names[api]; ok {
		return n
	}
	if api < 14 {
		return "older than 4.0"
	}
	return "API " + fmt.Sprint(api)
}
