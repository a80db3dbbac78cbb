package android

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/scan/appcontent"
)

func codeLoc(dexName, class, method string) finding.Location {
	return finding.Location{Path: dexName, Symbol: symbolOf(class, method)}
}

// transformation splits a Cipher transformation "ALG/MODE/PADDING".
func transformation(t string) (alg, mode string) {
	parts := strings.Split(strings.ToUpper(strings.TrimSpace(t)), "/")
	alg = parts[0]
	if len(parts) > 1 {
		mode = parts[1]
	}
	return alg, mode
}

var weakCiphers = map[string]string{
	"DES": "DES", "DESEDE": "triple DES", "TRIPLEDES": "triple DES", "3DES": "triple DES",
	"RC4": "RC4", "ARC4": "RC4", "ARCFOUR": "RC4", "RC2": "RC2", "BLOWFISH": "Blowfish",
}

var weakHashes = map[string]bool{"MD2": true, "MD4": true, "MD5": true, "SHA-1": true, "SHA1": true, "SHA": true, "HMACMD5": true}

func checkCrypto(a *App) []finding.Hit {
	cf := a.Code
	if cf == nil {
		return nil
	}
	g := appcontent.NewGroup()
	for _, c := range cf.calls {
		loc := codeLoc(c.Dex, c.Class, c.Method)
		first := func() (string, bool) {
			if len(c.Args) > 0 && c.Args[0].IsStr {
				return c.Args[0].Str, true
			}
			return "", false
		}
		switch c.API {
		case "Cipher.getInstance":
			t, ok := first()
			if !ok {
				continue
			}
			alg, mode := transformation(t)
			if name, weak := weakCiphers[alg]; weak {
				g.Add("crypto-weak-cipher", t, fmt.Sprintf("Cipher.getInstance(%q) uses %s", t, name), t, loc)
			}
			if mode == "ECB" && alg != "RSA" || mode == "" && (alg == "AES" || alg == "DES" || alg == "DESEDE" || alg == "BLOWFISH") {
				msg := fmt.Sprintf("Cipher.getInstance(%q) encrypts in ECB mode", t)
				if mode == "" {
					msg = fmt.Sprintf("Cipher.getInstance(%q) names no mode, which means ECB", t)
				}
				g.Add("crypto-ecb-mode", t, msg, t, loc)
			}
		case "MessageDigest.getInstance", "Mac.getInstance":
			t, ok := first()
			if !ok || !weakHashes[strings.ToUpper(t)] || !a.isAppCode(c.Class) {
				continue
			}
			g.Add("crypto-weak-hash", strings.ToUpper(t), fmt.Sprintf("%s(%q)", c.API, t), t, loc)
		case "SecureRandom.getInstance":
			if t, ok := first(); ok && strings.EqualFold(t, "SHA1PRNG") {
				g.Add("crypto-insecure-random", "SHA1PRNG", `SecureRandom.getInstance("SHA1PRNG")`, t, loc)
			}
		case "SecureRandom.setSeed":
			if len(c.Args) > 0 && c.Args[0].Known && !c.Args[0].IsStr {
				g.Add("crypto-insecure-random", "setSeed", "SecureRandom seeded with a constant", fmt.Sprintf("setSeed(%d)", c.Args[0].Int), loc)
			}
		}
	}
	for _, s := range cf.ivSites {
		switch holder, ok := cf.ivArrays[s.Class]; {
		case s.constArray:
			g.Add("crypto-static-iv", s.Class, fmt.Sprintf("%s builds an IV from a constant byte array", s.symbol()), "constant array in "+s.symbol(), codeLoc(s.Dex, s.Class, s.Method))
		case ok:
			g.Add("crypto-static-iv", s.Class, fmt.Sprintf("%s builds an IV while its class holds an IV-sized constant array (set in %s)", s.symbol(), holder),
				"constant array in "+symbolOf(s.Class, holder), codeLoc(s.Dex, s.Class, s.Method))
		}
	}
	cryptoClasses := make(map[string]bool)
	for k := range cf.cryptoMethods {
		class, _, _ := strings.Cut(k, "->")
		cryptoClasses[class] = true
	}
	// Where one method holds several key-shaped constants, a Base64 one
	// next to a hex or text one is the ciphertext, not the key.
	strong := make(map[string]bool)
	for _, k := range cf.keyCandidates {
		if !isBase64Key(k.Value) {
			strong[k.Class+"."+k.Method] = true
		}
	}
	for _, k := range cf.keyCandidates {
		ok, why := cf.reachesCrypto(k, cryptoClasses)
		if !ok || isBase64Key(k.Value) && strong[k.Class+"."+k.Method] {
			continue
		}
		g.Add("crypto-hardcoded-key", "key:"+digest(k.Value),
			fmt.Sprintf("a %d-character constant in %s is used as a key: %s", len(k.Value), k.symbol(), why),
			mask(k.Value), codeLoc(k.Dex, k.Class, k.Method))
	}
	return g.List()
}

var (
	httpURL = regexp.MustCompile(`(?i)http://[^\s"'<>\\^{}|]*`)
	// notEndpoints are hosts of XML namespaces, schemas and loopback
	// addresses: they appear as http:// URLs without being requested.
	notEndpoints = []string{
		"schemas.android.com", "www.w3.org", "w3.org", "ns.adobe.com", "xmlpull.org", "www.xmlpull.org",
		"xml.org", "www.xml.org", "xml.apache.org", "purl.org", "schemas.xmlsoap.org", "schemas.microsoft.com",
		"java.sun.com", "xmlns.jcp.org", "json-schema.org", "www.apache.org", "apache.org", "ns.android.com",
		"localhost", "127.0.0.1", "10.0.2.2", "0.0.0.0", "[::1]", "example.com", "www.example.com", "example.org",
		"schemas.openxmlformats.org", "relaxng.org", "www.opengis.net", "xmlns.com", "iptc.org", "www.adobe.com/xap",
		"javax.xml.xmlconstants", "www.slf4j.org",
	}
)

func endpointHost(u string) (string, bool) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", true
	}
	host := strings.ToLower(parsed.Hostname())
	if host == "" {
		return "", true // "http://" alone: a URL built at run time
	}
	for _, n := range notEndpoints {
		if host == n || strings.HasSuffix(host, "."+n) {
			return host, false
		}
	}
	if strings.Contains(host, "%") || strings.Contains(host, "$") {
		return host, true
	}
	return host, true
}

func checkNetworkCode(a *App) []finding.Hit {
	cf := a.Code
	if cf == nil {
		return nil
	}
	g := appcontent.NewGroup()
	for _, l := range cf.literals {
		if !a.isAppCode(l.Class) || !strings.Contains(strings.ToLower(l.Value), "http://") {
			continue
		}
		for _, u := range httpURL.FindAllString(l.Value, 4) {
			host, ok := endpointHost(u)
			if !ok {
				continue
			}
			key, msg := host, "cleartext endpoint http://"+host
			if host == "" {
				key, msg = "(built at run time)", `URL built from the scheme "http://"`
			}
			g.Add("network-cleartext-url", key, msg, appcontent.Truncate(u, 120), codeLoc(l.Dex, l.Class, l.Method))
		}
	}
	for _, s := range cf.trustAll {
		g.Add("network-trust-all-certificates", s.Class, s.symbol()+" accepts every certificate", s.Detail, codeLoc(s.Dex, s.Class, s.Method))
	}
	for _, s := range cf.hostnameAll {
		g.Add("network-hostname-verification-disabled", s.Class, s.symbol()+" accepts every host name", s.Detail, codeLoc(s.Dex, s.Class, s.Method))
	}
	for _, name := range []string{"ALLOW_ALL_HOSTNAME_VERIFIER", "AllowAllHostnameVerifier", "NoopHostnameVerifier"} {
		for _, s := range cf.fields[name] {
			if !a.isAppCode(s.Class) {
				continue
			}
			g.Add("network-hostname-verification-disabled", name, "uses "+name, name, codeLoc(s.Dex, s.Class, s.Method))
		}
	}
	for _, s := range cf.sslProceed {
		g.Add("webview-ssl-errors-ignored", s.Class, s.symbol()+" calls SslErrorHandler.proceed()", s.Detail, codeLoc(s.Dex, s.Class, s.Method))
	}
	return g.List()
}

func checkWebView(a *App) []finding.Hit {
	cf := a.Code
	if cf == nil {
		return nil
	}
	g := appcontent.NewGroup()
	isTrue := func(c apiCall) bool {
		return len(c.Args) > 0 && c.Args[0].Known && !c.Args[0].IsStr && c.Args[0].Int != 0
	}
	for _, c := range cf.calls {
		loc := codeLoc(c.Dex, c.Class, c.Method)
		app := a.isAppCode(c.Class)
		switch c.API {
		case "WebSettings.setJavaScriptEnabled":
			if app && isTrue(c) {
				g.Add("webview-javascript-enabled", "setJavaScriptEnabled", "setJavaScriptEnabled(true)", "setJavaScriptEnabled(true)", loc)
			}
		case "WebView.addJavascriptInterface":
			if app {
				name := ""
				if len(c.Args) > 1 && c.Args[1].IsStr {
					name = c.Args[1].Str
				}
				ev := "addJavascriptInterface"
				if name != "" {
					ev = fmt.Sprintf("addJavascriptInterface(…, %q)", name)
				}
				msg := "a Java object is exposed to JavaScript"
				if a.Manifest != nil && a.Manifest.MinSDK < 17 {
					msg += fmt.Sprintf(" and minSdkVersion %d allows reflection on it (before API 17)", a.Manifest.MinSDK)
				}
				g.Add("webview-javascript-interface", "addJavascriptInterface:"+name, msg, ev, loc)
			}
		case "WebSettings.setAllowFileAccess", "WebSettings.setAllowFileAccessFromFileURLs", "WebSettings.setAllowUniversalAccessFromFileURLs":
			if app && isTrue(c) {
				m := strings.TrimPrefix(c.API, "WebSettings.")
				g.Add("webview-file-access", m, m+"(true)", m+"(true)", loc)
			}
		case "WebView.setWebContentsDebuggingEnabled":
			if isTrue(c) {
				g.Add("webview-debugging-enabled", "setWebContentsDebuggingEnabled", "WebView.setWebContentsDebuggingEnabled(true)", "setWebContentsDebuggingEnabled(true)", loc)
			}
		case "WebSettings.setMixedContentMode":
			if app && len(c.Args) > 0 && c.Args[0].Known && c.Args[0].Int == 0 {
				g.Add("webview-mixed-content", "setMixedContentMode", "setMixedContentMode(MIXED_CONTENT_ALWAYS_ALLOW)", "setMixedContentMode(0)", loc)
			}
		}
	}
	return g.List()
}

var (
	createTable = regexp.MustCompile(`(?is)create\s+(?:temp(?:orary)?\s+)?table\s+(?:if\s+not\s+exists\s+)?["'\x60\[]?([\w.]+)["'\x60\]]?\s*\((.*)\)`)
	// sensitiveColumn matches column names that hold credentials or
	// payment data.
	sensitiveColumn = regexp.MustCompile(`(?i)^(?:pass(?:word|wd|code)?|pwd|pin|secret|token|auth_?token|access_?token|refresh_?token|api_?key|private_?key|credit_?card|card_?(?:no|num|number)|cc_?(?:no|num|number)|cvv|cvc|ssn)$|password|passwd|secret|token`)
)

func checkStorage(a *App) []finding.Hit {
	cf := a.Code
	if cf == nil {
		return nil
	}
	g := appcontent.NewGroup()
	encryptedDB := slices.ContainsFunc(cf.classes, func(c string) bool {
		return strings.HasPrefix(c, "Lnet/sqlcipher/") || strings.HasPrefix(c, "Lnet/zetetic/")
	})
	for _, l := range cf.literals {
		if encryptedDB || !a.isAppCode(l.Class) || !strings.Contains(strings.ToLower(l.Value), "create") {
			continue
		}
		m := createTable.FindStringSubmatch(l.Value)
		if m == nil {
			continue
		}
		var cols []string
		for _, def := range strings.Split(m[2], ",") {
			fields := strings.Fields(strings.Trim(def, " \t\n()"))
			if len(fields) == 0 {
				continue
			}
			col := strings.Trim(fields[0], "\"'`[]")
			if sensitiveColumn.MatchString(col) {
				cols = append(cols, col)
			}
		}
		if len(cols) == 0 {
			continue
		}
		g.Add("storage-sqlite-sensitive-plaintext", m[1],
			fmt.Sprintf("table %s stores %s in plaintext SQLite", m[1], strings.Join(cols, ", ")),
			appcontent.Truncate(strings.Join(strings.Fields(l.Value), " "), 120), codeLoc(l.Dex, l.Class, l.Method))
	}
	for _, c := range cf.calls {
		loc := codeLoc(c.Dex, c.Class, c.Method)
		switch c.API {
		case "Context.openFileOutput", "Context.getSharedPreferences", "Context.openOrCreateDatabase", "Context.getDir":
			if len(c.Args) < 2 || !c.Args[1].Known || c.Args[1].IsStr {
				continue
			}
			mode := c.Args[1].Int
			var modes []string
			if mode&1 != 0 {
				modes = append(modes, "MODE_WORLD_READABLE")
			}
			if mode&2 != 0 {
				modes = append(modes, "MODE_WORLD_WRITEABLE")
			}
			if len(modes) == 0 {
				continue
			}
			name := ""
			if c.Args[0].IsStr {
				name = c.Args[0].Str
			}
			g.Add("storage-world-accessible", c.API+":"+name,
				fmt.Sprintf("%s(%q, %s)", strings.TrimPrefix(c.API, "Context."), name, strings.Join(modes, "|")),
				strings.Join(modes, "|"), loc)
		case "Environment.getExternalStorageDirectory", "Environment.getExternalStoragePublicDirectory":
			if a.isAppCode(c.Class) {
				g.Add("storage-external", "external", "the app uses shared external storage ("+strings.TrimPrefix(c.API, "Environment.")+")", c.API, loc)
			}
		}
	}
	return g.List()
}

// backdoorPath matches URL paths of developer-only entry points.
var backdoorPath = regexp.MustCompile(`(?i)^/?(?:[\w.-]+/)*((?:dev|debug|test|backdoor|god|master|hidden|internal|super)[-_]?(?:login|logon|signin|auth|access|admin|mode|console|panel|user)|backdoor|godmode)/?(?:[?#].*)?$`)

func checkBackdoors(a *App) []finding.Hit {
	cf := a.Code
	if cf == nil {
		return nil
	}
	g := appcontent.NewGroup()
	for _, l := range cf.literals {
		if !a.isAppCode(l.Class) || len(l.Value) > 200 {
			continue
		}
		v := l.Value
		if u, err := url.Parse(v); err == nil && u.Host != "" {
			v = u.Path
		}
		if !strings.HasPrefix(v, "/") {
			continue
		}
		m := backdoorPath.FindStringSubmatch(v)
		if m == nil {
			continue
		}
		g.Add("code-debug-backdoor", strings.ToLower(m[1]), fmt.Sprintf("developer entry point %q", l.Value), l.Value, codeLoc(l.Dex, l.Class, l.Method))
	}
	return g.List()
}

// obfuscation thresholds: the share of the app's classes with one- or
// two-letter names.
const (
	obfuscatedAbove   = 0.5
	unobfuscatedBelow = 0.1
	minAppClasses     = 5
)

func checkObfuscation(a *App) []finding.Hit {
	cf := a.Code
	if cf == nil {
		return nil
	}
	var total, short int
	for _, c := range cf.classes {
		if !a.isAppCode(c) || isGenerated(c) {
			continue
		}
		total++
		if shortName(c) {
			short++
		}
	}
	if total < minAppClasses {
		return nil
	}
	ratio := float64(short) / float64(total)
	ev := fmt.Sprintf("%d of %d app classes have short names (%.0f%%)", short, total, ratio*100)
	props := map[string]string{"appClasses": fmt.Sprint(total), "shortNamed": fmt.Sprint(short)}
	loc := []finding.Location{{Path: strings.Join(cf.dexFiles, ", ")}}
	switch {
	case ratio >= obfuscatedAbove:
		return []finding.Hit{{Rule: "code-obfuscated", Key: "obfuscation", Message: ev, Evidence: ev, Locations: loc, Props: props}}
	case ratio < unobfuscatedBelow:
		return []finding.Hit{{Rule: "code-not-obfuscated", Key: "obfuscation", Message: ev, Evidence: ev, Locations: loc, Props: props}}
	}
	return nil
}

// isGenerated reports classes every build generates (R, BuildConfig),
// which obfuscators keep or remove regardless.
func isGenerated(c string) bool {
	simple := c[strings.LastIndexByte(c, '/')+1:]
	simple = strings.TrimSuffix(simple, ";")
	return simple == "R" || strings.HasPrefix(simple, "R$") || simple == "BuildConfig" || simple == "Manifest" || strings.HasPrefix(simple, "Manifest$")
}

func shortName(c string) bool {
	simple := strings.TrimSuffix(c[strings.LastIndexByte(c, '/')+1:], ";")
	if i := strings.IndexByte(simple, '$'); i >= 0 {
		simple = simple[:i]
	}
	return len(simple) <= 2
}

// Indicators of runtime protections.
var (
	rootIndicators = []string{
		"/system/app/superuser.apk", "/system/xbin/su", "/system/bin/su", "/sbin/su", "/su/bin/su",
		"/system/xbin/daemonsu", "eu.chainfire.supersu", "com.noshufou.android.su", "com.koushikdutta.superuser",
		"com.topjohnwu.magisk", "com.thirdparty.superuser", "test-keys", "/system/xbin/busybox", "magisk",
	}
	emulatorIndicators = []string{
		"goldfish", "ranchu", "generic_x86", "sdk_gphone", "genymotion", "vbox86", "/dev/qemu_pipe",
		"ro.kernel.qemu", "google_sdk", "android sdk built for x86", "bluestacks", "/dev/socket/qemud",
	}
	debuggerIndicators = []string{"tracerpid"}
)

func checkResilience(a *App) []finding.Hit {
	cf := a.Code
	if cf == nil {
		return nil
	}
	g := appcontent.NewGroup()
	for _, l := range cf.literals {
		if !a.isAppCode(l.Class) {
			continue
		}
		low := strings.ToLower(l.Value)
		loc := codeLoc(l.Dex, l.Class, l.Method)
		if containsAnyWord(low, rootIndicators) {
			g.Add("resilience-root-detection", "root", "checks for root: "+appcontent.Truncate(l.Value, 60), l.Value, loc)
		}
		if containsAnyWord(low, emulatorIndicators) {
			g.Add("resilience-emulator-detection", "emulator", "checks for emulators: "+appcontent.Truncate(l.Value, 60), l.Value, loc)
		}
		if containsAnyWord(low, debuggerIndicators) {
			g.Add("resilience-debugger-detection", "debugger", "reads TracerPid to detect a tracer", l.Value, loc)
		}
	}
	for _, c := range cf.classes {
		if strings.HasPrefix(c, "Lcom/scottyab/rootbeer/") {
			g.Add("resilience-root-detection", "root", "RootBeer root detection library", "com.scottyab.rootbeer", finding.Location{Path: "classes.dex", Symbol: javaName(c)})
			break
		}
	}
	for _, c := range cf.calls {
		loc := codeLoc(c.Dex, c.Class, c.Method)
		switch c.API {
		case "Debug.isDebuggerConnected", "Debug.waitingForDebugger":
			g.Add("resilience-debugger-detection", "debugger", "calls "+c.API, c.API, loc)
		case "PackageManager.getPackageInfo":
			if len(c.Args) > 1 && c.Args[1].Known && (c.Args[1].Int&0x40 != 0 || c.Args[1].Int&0x08000000 != 0) && a.isAppCode(c.Class) {
				g.Add("resilience-tamper-detection", "signature", "reads its own signing certificate", "getPackageInfo(GET_SIGNATURES)", loc)
			}
		case "PackageManager.getInstallerPackageName", "PackageManager.getInstallSourceInfo":
			if a.isAppCode(c.Class) {
				g.Add("resilience-tamper-detection", "installer", "checks the installer", c.API, loc)
			}
		}
	}
	// A debuggable-flag check: ApplicationInfo.flags read by the app in a
	// method whose name says so, or called from code that talks about
	// debugging ("App is debuggable!").
	for _, key := range sortedKeys(cf.flagsReaders) {
		s := cf.flagsReaders[key]
		if a.isAppCode(s.Class) && (strings.Contains(strings.ToLower(s.Method+s.Class), "debug") || cf.debugCallees[key]) {
			g.Add("resilience-debugger-detection", "debugger", "checks FLAG_DEBUGGABLE in "+s.symbol(), "ApplicationInfo.flags", codeLoc(s.Dex, s.Class, s.Method))
		}
	}
	for _, class := range sortedKeys(cf.referenced) {
		switch {
		case strings.HasPrefix(class, "Lcom/google/android/play/core/integrity/"):
			g.Add("resilience-tamper-detection", "play-integrity", "uses the Play Integrity API", "Play Integrity", finding.Location{Symbol: javaName(cf.referenced[class])})
		case strings.HasPrefix(class, "Lcom/google/android/gms/safetynet/"):
			g.Add("resilience-tamper-detection", "safetynet", "uses the SafetyNet attestation API", "SafetyNet", finding.Location{Symbol: javaName(cf.referenced[class])})
		}
	}
	return g.List()
}

func containsAnyWord(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
