package android

import (
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/detect"
)

// These tests run the code checks over facts as the DEX reader produces
// them; the reader itself is tested against real DEX files in internal/dex
// and the corpus tests of internal/scan.

const appClass = "Lcom/example/app/Chat;"

func sArg(v string) arg { return arg{Known: true, IsStr: true, Str: v} }
func num(v int64) arg   { return arg{Known: true, Int: v} }

func appWith(cf *codeFacts) *App {
	return &App{Manifest: &Manifest{Package: "com.example.app", MinSDK: 24, TargetSDK: 34}, Code: cf}
}

func rulesOf(hits []string) []string { slices.Sort(hits); return slices.Compact(hits) }

func runChecks(a *App, checks ...check) []string {
	var out []string
	for _, c := range checks {
		for _, h := range c(a) {
			out = append(out, h.Rule)
		}
	}
	return rulesOf(out)
}

func TestCryptoCallChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call apiCall
		want []string
	}{
		{"AES in ECB mode", apiCall{API: "Cipher.getInstance", Args: []arg{sArg("AES/ECB/PKCS5Padding")}}, []string{"crypto-ecb-mode"}},
		{"bare AES defaults to ECB", apiCall{API: "Cipher.getInstance", Args: []arg{sArg("AES")}}, []string{"crypto-ecb-mode"}},
		{"AES-GCM is fine", apiCall{API: "Cipher.getInstance", Args: []arg{sArg("AES/GCM/NoPadding")}}, nil},
		{"RSA/ECB/OAEP is not block ECB", apiCall{API: "Cipher.getInstance", Args: []arg{sArg("RSA/ECB/OAEPWithSHA-256AndMGF1Padding")}}, nil},
		{"DES in CBC mode is a weak cipher", apiCall{API: "Cipher.getInstance", Args: []arg{sArg("DES/CBC/PKCS5Padding")}}, []string{"crypto-weak-cipher"}},
		{"bare DESede is weak and ECB", apiCall{API: "Cipher.getInstance", Args: []arg{sArg("DESede")}}, []string{"crypto-ecb-mode", "crypto-weak-cipher"}},
		{"RC4", apiCall{API: "Cipher.getInstance", Args: []arg{sArg("ARC4")}}, []string{"crypto-weak-cipher"}},
		{"MD5 in app code", apiCall{API: "MessageDigest.getInstance", Class: appClass, Args: []arg{sArg("MD5")}}, []string{"crypto-weak-hash"}},
		{"MD5 in a library is not reported", apiCall{API: "MessageDigest.getInstance", Class: "Lokhttp3/Cache;", Args: []arg{sArg("MD5")}}, nil},
		{"SHA-256 is fine", apiCall{API: "MessageDigest.getInstance", Class: appClass, Args: []arg{sArg("SHA-256")}}, nil},
		{"SHA1PRNG", apiCall{API: "SecureRandom.getInstance", Args: []arg{sArg("SHA1PRNG")}}, []string{"crypto-insecure-random"}},
		{"constant seed", apiCall{API: "SecureRandom.setSeed", Args: []arg{num(42)}}, []string{"crypto-insecure-random"}},
		{"unknown transformation is not guessed", apiCall{API: "Cipher.getInstance", Args: []arg{{}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.call.Class == "" {
				tt.call.Class = appClass
			}
			got := runChecks(appWith(&codeFacts{calls: []apiCall{tt.call}}), checkCrypto)
			if !slices.Equal(got, rulesOf(tt.want)) {
				t.Errorf("rules = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHardcodedKeyNeedsCrypto(t *testing.T) {
	t.Parallel()
	key := keyCandidate{literal: literal{Value: "0123456789abcdef0123456789abcdef", Class: "Lcom/example/app/Store;", Method: "save"}, inClass: "Lcom/example/app/Store;",
		callees: []string{"Lcom/example/app/Crypto;->encrypt([B[B)[B"}}
	cf := &codeFacts{keyCandidates: []keyCandidate{key}, cryptoMethods: map[string]bool{"Lcom/example/app/Crypto;->encrypt([B[B)[B": true}}
	if got := runChecks(appWith(cf), checkCrypto); !slices.Equal(got, []string{"crypto-hardcoded-key"}) {
		t.Errorf("key passed to an encrypting method: rules = %v", got)
	}
	cf.cryptoMethods = nil
	if got := runChecks(appWith(cf), checkCrypto); len(got) != 0 {
		t.Errorf("key-shaped constant that never reaches crypto: rules = %v, want none", got)
	}
}

func TestKeyShaped(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"This is the super secret key 123":             true,  // 32 bytes of text
		"8d127684cbc37c17616d806cf50473cc":             true,  // 16 bytes in hex
		"5UJiFctbmgbDoLXmpL12mkno8HT4Lv8dlat8FxR2GOc=": true,  // 32 bytes in Base64
		"MyVerySecretKey1":                             true,  // 16 characters with a digit
		"getSharedPreferences":                         false, // identifier
		"com.example.app.MainActivity.x":               false, // class name
		"AES/CBC/PKCS5Padding":                         false,
		"https://api.example.com/v1/x":                 false,
		"ABCDEFGHIJKLMNOP":                             false, // no digit, no space: a constant name
		"short":                                        false,
	} {
		if got := keyShaped(s); got != want {
			t.Errorf("keyShaped(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestNetworkAndWebViewChecks(t *testing.T) {
	t.Parallel()
	cf := &codeFacts{
		literals: []literal{
			{Value: "http://api.example.net/v1/login", Class: appClass},
			{Value: "http://schemas.android.com/apk/res/android", Class: appClass},
			{Value: "http://www.w3.org/2001/XMLSchema", Class: appClass},
			{Value: "http://tracker.vendor.example/collect", Class: "Lcom/google/ads/X;"},
		},
		trustAll:    []site{{Class: appClass, Method: "checkServerTrusted"}},
		hostnameAll: []site{{Class: appClass, Method: "verify"}},
		sslProceed:  []site{{Class: appClass, Method: "onReceivedSslError"}},
		calls: []apiCall{
			{API: "WebSettings.setJavaScriptEnabled", Class: appClass, Args: []arg{num(1)}},
			{API: "WebSettings.setJavaScriptEnabled", Class: "Lcom/google/ads/Web;", Args: []arg{num(1)}},
			{API: "WebSettings.setAllowUniversalAccessFromFileURLs", Class: appClass, Args: []arg{num(1)}},
			{API: "WebSettings.setAllowFileAccess", Class: appClass, Args: []arg{num(0)}},
			{API: "WebView.addJavascriptInterface", Class: appClass, Args: []arg{{}, sArg("Android")}},
			{API: "WebView.setWebContentsDebuggingEnabled", Class: appClass, Args: []arg{num(1)}},
			{API: "WebSettings.setMixedContentMode", Class: appClass, Args: []arg{num(0)}},
		},
	}
	a := appWith(cf)
	want := []string{"network-cleartext-url", "network-hostname-verification-disabled", "network-trust-all-certificates",
		"webview-debugging-enabled", "webview-file-access", "webview-javascript-enabled", "webview-javascript-interface",
		"webview-mixed-content", "webview-ssl-errors-ignored"}
	if got := runChecks(a, checkNetworkCode, checkWebView); !slices.Equal(got, want) {
		t.Errorf("rules = %v\nwant   %v", got, want)
	}
	hits := checkNetworkCode(a)
	for _, h := range hits {
		if h.Rule == "network-cleartext-url" && h.Key != "api.example.net" {
			t.Errorf("cleartext endpoint %q reported; namespaces and library code must not be", h.Key)
		}
	}
	for _, h := range checkWebView(a) {
		if h.Rule == "webview-javascript-enabled" && len(h.Locations) != 1 {
			t.Errorf("JavaScript enabled reported at %d places, want only the app's", len(h.Locations))
		}
	}
}

func TestStorageAndBackdoorChecks(t *testing.T) {
	t.Parallel()
	cf := &codeFacts{
		literals: []literal{
			{Value: "CREATE TABLE IF NOT EXISTS users(name TEXT, password TEXT, card_number TEXT)", Class: appClass},
			{Value: "CREATE TABLE notes(id INTEGER, body TEXT)", Class: appClass},
			{Value: "/devlogin", Class: appClass},
			{Value: "https://staging.example.com/api/debug_login?u=1", Class: appClass},
			{Value: "/login", Class: appClass},
		},
		calls: []apiCall{
			{API: "Context.getSharedPreferences", Class: appClass, Args: []arg{sArg("prefs"), num(1)}},
			{API: "Context.openFileOutput", Class: appClass, Args: []arg{sArg("cache"), num(0)}},
			{API: "Environment.getExternalStorageDirectory", Class: appClass},
		},
	}
	a := appWith(cf)
	got := map[string]int{}
	for _, c := range []check{checkStorage, checkBackdoors} {
		for _, h := range c(a) {
			got[h.Rule]++
		}
	}
	want := map[string]int{"storage-sqlite-sensitive-plaintext": 1, "storage-world-accessible": 1, "storage-external": 1, "code-debug-backdoor": 2}
	for r, n := range want {
		if got[r] != n {
			t.Errorf("%s: %d hits, want %d (all: %v)", r, got[r], n, got)
		}
	}
	cf.classes = []string{"Lnet/sqlcipher/database/SQLiteDatabase;"}
	for _, h := range checkStorage(a) {
		if h.Rule == "storage-sqlite-sensitive-plaintext" {
			t.Error("SQLCipher present: plaintext SQLite must not be reported")
		}
	}
}

func TestSecretsInCodeUseClassContext(t *testing.T) {
	t.Parallel()
	gemini := "AIza" + fakeKey(11, keyAlphabet+"_-", 35)
	openai := "sk-proj-" + fakeKey(12, keyAlphabet+"_-", 100)
	cf := &codeFacts{
		literals: []literal{
			{Value: gemini, Class: "Lcom/example/app/Assistant;", Method: "<init>"},
			{Value: gemini, Class: "Lcom/example/app/Maps;", Method: "<init>"},
			{Value: openai, Class: "Lcom/example/app/Net;", Method: "call"},
			{Value: "https://api.openai.com/v1/chat/completions", Class: "Lcom/example/app/Net;", Method: "call"},
		},
		classRefs: map[string][]string{"Lcom/example/app/Assistant;": {"Lcom/google/ai/client/generativeai/GenerativeModel;"}},
	}
	a := appWith(cf)
	a.Secrets = scanLiterals(cf, detect.Default())
	byRule := map[string][]string{}
	for _, h := range checkSecrets(a) {
		byRule[h.Rule] = append(byRule[h.Rule], h.Locations[0].Symbol+"|"+h.Props["provider"])
	}
	if got := byRule["ai-provider-key"]; len(got) != 2 || !slices.Contains(got, "com.example.app.Assistant.<init>|Google Gemini") {
		t.Errorf("AI keys = %v; want the Gemini key of the class that uses the Gemini SDK and the OpenAI key", got)
	}
	if got := byRule["secret-google-api-key"]; len(got) != 1 || !strings.HasPrefix(got[0], "com.example.app.Maps") {
		t.Errorf("Google API keys = %v; want only the Maps class's key as a plain Google key", got)
	}
	if got := runChecks(a, checkDirectAICalls); !slices.Equal(got, []string{"ai-direct-provider-call"}) {
		t.Errorf("direct AI calls: %v", got)
	}
}

func TestObfuscationThresholds(t *testing.T) {
	t.Parallel()
	mk := func(names ...string) *App {
		var classes []string
		for _, n := range names {
			classes = append(classes, "Lcom/example/app/"+n+";")
		}
		classes = append(classes, "Lcom/example/app/R;", "Lcom/example/app/BuildConfig;", "Landroidx/core/app/ActivityCompat;")
		return appWith(&codeFacts{classes: classes, dexFiles: []string{"classes.dex"}})
	}
	if got := runChecks(mk("a", "b", "c", "d", "e", "MainActivity"), checkObfuscation); !slices.Equal(got, []string{"code-obfuscated"}) {
		t.Errorf("short names: %v", got)
	}
	if got := runChecks(mk("MainActivity", "LoginActivity", "Api", "Session", "Store", "Crypto", "Model", "Repository", "Settings", "Profile", "Chat"), checkObfuscation); !slices.Equal(got, []string{"code-not-obfuscated"}) {
		t.Errorf("readable names: %v", got)
	}
	if got := runChecks(mk("a", "b"), checkObfuscation); got != nil {
		t.Errorf("too few classes to judge: %v", got)
	}
}
