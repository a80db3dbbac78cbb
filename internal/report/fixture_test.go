package report

import (
	"fmt"
	"time"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// The fixture is a scan of a chat app's release APK and of an on-device
// model kept next to it: two targets, weaknesses of every severity, a
// finding seen in twelve places, masked secrets, protections, inventory,
// warnings and suppressed findings. Its findings are deliberately out of
// order; every writer must sort them.

const (
	apkPath   = "app/build/outputs/apk/release/app-release.apk"
	modelPath = "app/src/main/assets/models/intent-classifier.tflite"
)

var fixtureRules = []finding.Rule{
	{
		ID: "BW1001", Name: "android-debuggable", Title: "Application is debuggable",
		Platform: "android", Category: "manifest", Kind: finding.KindWeakness,
		Severity: finding.SeverityHigh, Confidence: finding.ConfidenceHigh,
		Description: "A debuggable app lets anyone with USB access attach a debugger and run code as the app.",
		Remediation: "Remove android:debuggable from the manifest; release builds are not debuggable.",
		References:  []string{"https://developer.android.com/privacy-and-security/risks/android-debuggable"},
		Standards:   finding.Standards{MASVS: []string{"MASVS-RESILIENCE-4"}, CWE: []int{489}, MobileTop10: []string{"M7", "M8"}},
	},
	{
		ID: "BW1003", Name: "android-cleartext-traffic-allowed", Title: "Cleartext HTTP traffic is allowed",
		Platform: "android", Category: "network", Kind: finding.KindWeakness,
		Severity: finding.SeverityMedium, Confidence: finding.ConfidenceHigh,
		Description: "The app allows unencrypted HTTP, so anyone on the network path can read and change prompts and tokens.",
		Remediation: "Serve every endpoint over HTTPS and set android:usesCleartextTraffic=\"false\".",
		References:  []string{"https://developer.android.com/privacy-and-security/risks/cleartext-communications"},
		Standards:   finding.Standards{MASVS: []string{"MASVS-NETWORK-1"}, CWE: []int{319}, MobileTop10: []string{"M5"}},
	},
	{
		ID: "BW1005", Name: "android-min-sdk-outdated", Title: "Minimum SDK allows outdated Android versions",
		Platform: "android", Category: "manifest", Kind: finding.KindWeakness,
		Severity: finding.SeverityLow, Confidence: finding.ConfidenceHigh,
		Description: "minSdkVersion is below 24; older platforms trust user CAs and no longer receive patches.",
		Remediation: "Raise minSdkVersion to 24 or higher.",
		Standards:   finding.Standards{MASVS: []string{"MASVS-CODE-1"}, CWE: []int{1104}, MobileTop10: []string{"M8"}},
	},
	{
		ID: "BW1007", Name: "android-exported-component", Title: "Exported component is not protected by a permission",
		Platform: "android", Category: "ipc", Kind: finding.KindWeakness,
		Severity: finding.SeverityMedium, Confidence: finding.ConfidenceHigh,
		Description: "Any app on the device can start or bind to an exported component without a permission.",
		Remediation: "Set android:exported=\"false\" or protect the component with a signature permission.",
		References:  []string{"https://developer.android.com/privacy-and-security/risks/android-exported"},
		Standards:   finding.Standards{MASVS: []string{"MASVS-PLATFORM-1"}, MASWE: []string{"MASWE-0066"}, CWE: []int{926}, MobileTop10: []string{"M8"}},
	},
	{
		ID: "BW1011", Name: "android-dangerous-permissions", Title: "Dangerous permissions requested",
		Platform: "android", Category: "privacy", Kind: finding.KindInventory,
		Severity: finding.SeverityInfo, Confidence: finding.ConfidenceHigh,
		Description: "Permissions that guard personal data, for the privacy review.",
		Remediation: "Request only what a feature needs, when it needs it.",
		Standards:   finding.Standards{MASVS: []string{"MASVS-PRIVACY-1"}},
	},
	{
		ID: "BW3004", Name: "android-debug-certificate", Title: "Signed with a debug certificate",
		Platform: "android", Category: "signing", Kind: finding.KindWeakness,
		Severity: finding.SeverityHigh, Confidence: finding.ConfidenceHigh,
		Description: "The debug keystore is public knowledge; anyone can sign an update that replaces this app.",
		Remediation: "Sign releases with your release key or Play App Signing.",
		Standards:   finding.Standards{MASVS: []string{"MASVS-RESILIENCE-2"}, CWE: []int{321}, MobileTop10: []string{"M7"}},
	},
	{
		ID: "BW4011", Name: "network-trust-all-certificates", Title: "TLS certificate validation is disabled",
		Platform: "android", Category: "network", Kind: finding.KindWeakness,
		Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium,
		Description: "A TrustManager that accepts every certificate lets anyone on the path impersonate the server.",
		Remediation: "Delete the custom TrustManager and use the platform's validation.",
		References:  []string{"https://developer.android.com/privacy-and-security/risks/unsafe-trustmanager"},
		Standards:   finding.Standards{MASVS: []string{"MASVS-NETWORK-1"}, CWE: []int{295}, MobileTop10: []string{"M5"}},
	},
	{
		ID: "BW4020", Name: "webview-javascript-enabled", Title: "JavaScript is enabled in a WebView",
		Platform: "android", Category: "webview", Kind: finding.KindWeakness,
		Severity: finding.SeverityLow, Confidence: finding.ConfidenceMedium,
		Description: "JavaScript in a WebView widens what injected content can do.",
		Remediation: "Enable JavaScript only for trusted, HTTPS-served content.",
		Standards:   finding.Standards{MASVS: []string{"MASVS-PLATFORM-2"}, CWE: []int{749}, MobileTop10: []string{"M4"}},
	},
	{
		ID: "BW4041", Name: "code-obfuscated", Title: "Code obfuscation present",
		Platform: "android", Category: "resilience", Kind: finding.KindProtection,
		Severity: finding.SeverityInfo, Confidence: finding.ConfidenceMedium,
		Description: "Class and member names are shortened, which slows reverse engineering.",
		Remediation: "Keep R8 full mode enabled for release builds.",
		Standards:   finding.Standards{MASVS: []string{"MASVS-RESILIENCE-3"}},
	},
	{
		ID: "BW4050", Name: "resilience-root-detection", Title: "Root detection present",
		Platform: "android", Category: "resilience", Kind: finding.KindProtection,
		Severity: finding.SeverityInfo, Confidence: finding.ConfidenceMedium,
		Description: "The app checks whether the device is rooted.",
		Remediation: "Pair client checks with server-side attestation.",
		Standards:   finding.Standards{MASVS: []string{"MASVS-RESILIENCE-1"}},
	},
	{
		ID: "BW6001", Name: "ai-provider-key", Title: "AI provider API key in the package",
		Platform: "any", Category: "ai", Kind: finding.KindWeakness,
		Severity: finding.SeverityCritical, Confidence: finding.ConfidenceHigh,
		Description: "An AI provider key shipped in the app can be extracted and billed to you by anyone.",
		Remediation: "Revoke the key now and call the provider through your backend or the Bulwark gateway.",
		References:  []string{"https://platform.openai.com/docs/guides/production-best-practices"},
		Standards:   finding.Standards{MASVS: []string{"MASVS-STORAGE-1", "MASVS-CRYPTO-2"}, MASWE: []string{"MASWE-0005"}, CWE: []int{798}, MobileTop10: []string{"M1"}},
	},
	{
		ID: "BW6003", Name: "ai-direct-provider-call", Title: "App calls a cloud AI provider directly",
		Platform: "any", Category: "ai", Kind: finding.KindWeakness,
		Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium,
		Description: "Calling the provider from the device needs a credential on the device.",
		Remediation: "Route AI calls through a backend that authenticates users and enforces budgets.",
		Standards:   finding.Standards{MASVS: []string{"MASVS-AUTH-1"}, CWE: []int{602}, MobileTop10: []string{"M1", "M3"}},
	},
	{
		ID: "BW6010", Name: "ai-model-unprotected", Title: "On-device model is neither encrypted nor signed",
		Platform: "any", Category: "ai", Kind: finding.KindWeakness,
		Severity: finding.SeverityMedium, Confidence: finding.ConfidenceHigh,
		Description: "Anyone can copy the model, and a modified model would be loaded without complaint.",
		Remediation: "Sign the model and verify it before loading; encrypt it if it is valuable.",
		Standards:   finding.Standards{MASVS: []string{"MASVS-RESILIENCE-2"}, CWE: []int{494}, MobileTop10: []string{"M7"}},
	},
	{
		ID: "BW6012", Name: "ai-model-inventory", Title: "On-device model",
		Platform: "any", Category: "ai", Kind: finding.KindInventory,
		Severity: finding.SeverityInfo, Confidence: finding.ConfidenceHigh,
		Description: "A machine-learning model shipped with the app.",
		Remediation: "Keep an inventory of models and where they came from.",
	},
	{
		ID: "BW7002", Name: "secret-google-api-key", Title: "Google API key",
		Platform: "any", Category: "secrets", Kind: finding.KindWeakness,
		Severity: finding.SeverityInfo, Confidence: finding.ConfidenceHigh,
		Description: "Google API keys are meant to ship in apps but must be restricted to the app and the APIs it uses.",
		Remediation: "Restrict the key to the app's package and signing certificate and to the APIs it calls.",
		Standards:   finding.Standards{MASVS: []string{"MASVS-STORAGE-1"}, CWE: []int{798}, MobileTop10: []string{"M1"}},
	},
}

func ruleByID(id string) finding.Rule {
	for _, r := range fixtureRules {
		if r.ID == id {
			return r
		}
	}
	panic("fixture: no rule " + id)
}

// hit builds a finding of a fixture rule the way the catalogue completes
// one.
func hit(id, key, msg, evidence string, locs ...finding.Location) finding.Finding {
	r := ruleByID(id)
	if msg == "" {
		msg = r.Title
	}
	return finding.Finding{
		RuleID: r.ID, RuleName: r.Name, Title: r.Title, Category: r.Category,
		Kind: r.Kind, Severity: r.Severity, Confidence: r.Confidence,
		Message: msg, Evidence: evidence, Locations: locs,
		Fingerprint: finding.Fingerprint(r.ID, key),
		Standards:   r.Standards,
	}
}

func inAPK(path, symbol string, line int) finding.Location {
	return finding.Location{Artifact: apkPath, Path: path, Symbol: symbol, Line: line}
}

func fixtureReport() *finding.Report {
	trustAll := make([]finding.Location, 0, 12)
	for i := range 12 {
		dex := "classes.dex"
		if i >= 6 {
			dex = fmt.Sprintf("classes%d.dex", i/3)
		}
		trustAll = append(trustAll, inAPK(dex, fmt.Sprintf("com.vendor.net.TrustEveryone%02d.checkServerTrusted", i+1), 0))
	}
	withProps := func(f finding.Finding, props map[string]string) finding.Finding {
		f.Properties = props
		return f
	}

	findings := []finding.Finding{
		hit("BW4020", "com.example.aichat.ui.HelpActivity", "WebView.setJavaScriptEnabled(true) in HelpActivity", "",
			inAPK("classes2.dex", "com.example.aichat.ui.HelpActivity.onCreate", 0)),
		hit("BW6012", "intent-classifier", "TensorFlow Lite model, 2.4 MiB", "",
			finding.Location{Artifact: modelPath}),
		hit("BW1001", "application", "", `android:debuggable="true"`,
			inAPK("AndroidManifest.xml", "application", 0)),
		hit("BW4050", "rootbeer", "RootBeer root detection library", "com.scottyab.rootbeer",
			inAPK("classes.dex", "com.scottyab.rootbeer.RootBeer", 0)),
		withProps(hit("BW6001", "3f2a9c0d", "OpenAI API key in the code", "sk-p…9Q (fingerprint 3f2a…)",
			inAPK("classes3.dex", "com.example.aichat.net.OpenAIClient", 0),
			inAPK("resources.arsc", "string/openai_key", 0)),
			map[string]string{"provider": "openai", "keyDigest": "3f2a9c0d"}),
		hit("BW4011", "trust-all", "X509TrustManager accepts every certificate (12 places)", "checkServerTrusted returns without checking", trustAll...),
		hit("BW1003", "application", "", `android:usesCleartextTraffic="true"`,
			inAPK("AndroidManifest.xml", "application", 0)),
		hit("BW3004", "debug-certificate", "Signed with the Android debug certificate", "CN=Android Debug, O=Android, C=US",
			finding.Location{Artifact: apkPath}),
		hit("BW1007", "com.example.aichat.share.ShareReceiverActivity", "Activity com.example.aichat.share.ShareReceiverActivity is exported without a permission", "intent-filter action.SEND",
			inAPK("AndroidManifest.xml", "com.example.aichat.share.ShareReceiverActivity", 48)),
		hit("BW6003", "api.openai.com", "Calls https://api.openai.com/v1/chat/completions from the app", "https://api.openai.com/v1/chat/completions",
			inAPK("classes3.dex", "com.example.aichat.net.OpenAIClient.complete", 0)),
		withProps(hit("BW1005", "uses-sdk", "minSdkVersion is 21 (Android 5.0)", "minSdkVersion=21",
			inAPK("AndroidManifest.xml", "uses-sdk", 0)), map[string]string{"minSdk": "21"}),
		hit("BW7002", "9c1e44aa", "Google API key in resources", "AIza…x4 (fingerprint 9c1e…)",
			inAPK("resources.arsc", "string/google_maps_key", 0)),
		hit("BW4041", "obfuscation", "", "74% of classes have names of one or two letters",
			inAPK("classes.dex", "", 0)),
		withProps(hit("BW6010", "intent-classifier", "TensorFlow Lite model is stored in the clear and unsigned", "TFL3 header, no signature file",
			finding.Location{Artifact: modelPath}), map[string]string{"format": "tflite", "sha256": "5d41402abc4b2a76b9719d911017c592ae1f6a2f5b7fbbd1a1a4a4e6b3f0e2c1"}),
		hit("BW1011", "permissions", "3 dangerous permissions", "android.permission.CAMERA, android.permission.READ_CONTACTS, android.permission.RECORD_AUDIO",
			inAPK("AndroidManifest.xml", "uses-permission", 0)),
	}

	// The catalogue entries of rules with findings, as the scanner
	// attaches them: sorted by id.
	var rules []finding.Rule
	for _, r := range fixtureRules {
		for _, f := range findings {
			if f.RuleID == r.ID {
				rules = append(rules, r)
				break
			}
		}
	}

	return &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "bulwark", Version: "1.4.0", URI: "https://github.com/bulwark-security/bulwark"},
		StartedAt:     time.Date(2026, 3, 14, 9, 26, 53, 589_793_238, time.UTC),
		Duration:      2718 * time.Millisecond,
		Targets: []finding.Target{
			{
				Path: apkPath, Type: "apk", Size: 18_734_112,
				SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
				App: &finding.AppInfo{
					Platform: "android", ID: "com.example.aichat", VersionName: "2.3.1", VersionCode: "231",
					MinSDK: 21, TargetSDK: 33,
				},
			},
			{
				Path: modelPath, Type: "model", Size: 2_516_582,
				SHA256: "5d41402abc4b2a76b9719d911017c592ae1f6a2f5b7fbbd1a1a4a4e6b3f0e2c1",
			},
		},
		Findings: findings,
		Warnings: []finding.Warning{
			{Artifact: apkPath, Path: "classes4.dex", Message: "map list truncated at offset 0x1f400; strings after it were not scanned"},
			{Artifact: apkPath, Path: "res/xml/network_security_config.xml", Message: "unknown attribute resource id 0x0101058f skipped"},
		},
		Suppressed: finding.Suppression{Baseline: 4, Config: 1},
		Rules:      rules,
	}
}
