package android

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/dex"
)

// codeFacts are the facts of all DEX files of a package, reduced to what
// checks read so that each DEX file can be released after it is read.
type codeFacts struct {
	dexFiles []string
	// classes are all class descriptors defined in the package.
	classes []string
	// literals are string constants loaded by code or held in static
	// fields, once per class and value.
	literals []literal
	// calls are invocations of watched APIs, with their constant arguments.
	calls []apiCall
	// cryptoMethods are methods that call a cryptographic API directly.
	cryptoMethods map[string]bool
	// keyCandidates are key-shaped literals with the methods around them.
	keyCandidates []keyCandidate
	// ivSites are IV constructions; constIV marks those whose method holds
	// an IV-sized constant array, and ivArrays the classes that hold one
	// (in a constructor or static initializer, assigned to a field).
	ivSites  []ivSite
	ivArrays map[string]string
	// flagsReaders are methods reading ApplicationInfo.flags; debugCallees
	// are methods called by code that mentions debugging.
	flagsReaders map[string]site
	debugCallees map[string]bool
	// trustAll, hostnameAll and sslProceed are TLS validation bypasses.
	trustAll, hostnameAll, sslProceed []site
	// fields are watched static fields read by code.
	fields map[string][]site
	// inputCompares are constants compared against text typed by the user.
	inputCompares []literal
	// referenced maps classes referenced by calls of the app's code to the
	// first calling class, for SDKs used but not defined in the package.
	referenced map[string]string
	// classRefs are, per class, the referenced classes whose names tie
	// them to AI SDKs: context for the secret detectors.
	classRefs map[string][]string
	// aiClass caches whether a referenced class name ties it to AI.
	aiClass map[string]bool
}

// ivSite is a construction of an IV.
type ivSite struct {
	site
	constArray bool // the method itself fills an IV-sized constant array
}

// literal is a string constant and where it appears.
type literal struct {
	Value         string
	Class, Method string
	Dex           string
}

// site is a place in the code.
type site struct {
	Class, Method, Dex string
	Detail             string
}

// arg is a constant argument of a call, when one is known.
type arg struct {
	Known bool
	IsStr bool
	Str   string
	Int   int64
}

// apiCall is a call to a watched API.
type apiCall struct {
	API           string // short name, e.g. "Cipher.getInstance"
	Class, Method string // the caller
	Dex           string
	Args          []arg // without the receiver for instance methods
}

// keyCandidate is a literal shaped like a key, with the calls of its
// method, to decide after all DEX files are read whether it reaches crypto.
type keyCandidate struct {
	literal
	callees  []string // method keys called by the literal's method
	inClass  string
	viaField bool // held in a static field
}

func (l literal) symbol() string { return symbolOf(l.Class, l.Method) }
func (s site) symbol() string    { return symbolOf(s.Class, s.Method) }

// symbolOf renders a class descriptor and method as Java source names.
func symbolOf(class, method string) string {
	name := javaName(class)
	if method != "" {
		name += "." + method
	}
	return name
}

// javaName turns "Lcom/foo/Bar;" into "com.foo.Bar".
func javaName(desc string) string {
	s := strings.TrimSuffix(strings.TrimPrefix(desc, "L"), ";")
	return strings.ReplaceAll(s, "/", ".")
}

// watched maps "Lclass;->name" to the short API name checks use. Calls are
// matched on the declaring class as written in the invoke instruction.
var watched = map[string]string{
	"Ljavax/crypto/Cipher;->getInstance":                                "Cipher.getInstance",
	"Ljava/security/MessageDigest;->getInstance":                        "MessageDigest.getInstance",
	"Ljavax/crypto/Mac;->getInstance":                                   "Mac.getInstance",
	"Ljava/security/SecureRandom;->getInstance":                         "SecureRandom.getInstance",
	"Ljava/security/SecureRandom;->setSeed":                             "SecureRandom.setSeed",
	"Ljava/security/SecureRandom;-><init>":                              "SecureRandom.<init>",
	"Ljavax/crypto/spec/SecretKeySpec;-><init>":                         "SecretKeySpec.<init>",
	"Ljavax/crypto/spec/IvParameterSpec;-><init>":                       "IvParameterSpec.<init>",
	"Ljavax/crypto/spec/GCMParameterSpec;-><init>":                      "GCMParameterSpec.<init>",
	"Ljavax/crypto/KeyGenerator;->getInstance":                          "KeyGenerator.getInstance",
	"Landroid/webkit/WebSettings;->setJavaScriptEnabled":                "WebSettings.setJavaScriptEnabled",
	"Landroid/webkit/WebSettings;->setAllowFileAccess":                  "WebSettings.setAllowFileAccess",
	"Landroid/webkit/WebSettings;->setAllowFileAccessFromFileURLs":      "WebSettings.setAllowFileAccessFromFileURLs",
	"Landroid/webkit/WebSettings;->setAllowUniversalAccessFromFileURLs": "WebSettings.setAllowUniversalAccessFromFileURLs",
	"Landroid/webkit/WebSettings;->setMixedContentMode":                 "WebSettings.setMixedContentMode",
	"Landroid/webkit/WebView;->addJavascriptInterface":                  "WebView.addJavascriptInterface",
	"Landroid/webkit/WebView;->setWebContentsDebuggingEnabled":          "WebView.setWebContentsDebuggingEnabled",
	"Landroid/webkit/SslErrorHandler;->proceed":                         "SslErrorHandler.proceed",
	"Landroid/os/Environment;->getExternalStorageDirectory":             "Environment.getExternalStorageDirectory",
	"Landroid/os/Environment;->getExternalStoragePublicDirectory":       "Environment.getExternalStoragePublicDirectory",
	"Landroid/os/Debug;->isDebuggerConnected":                           "Debug.isDebuggerConnected",
	"Landroid/os/Debug;->waitingForDebugger":                            "Debug.waitingForDebugger",
	"Landroid/content/pm/PackageManager;->getPackageInfo":               "PackageManager.getPackageInfo",
	"Landroid/content/pm/PackageManager;->getInstallerPackageName":      "PackageManager.getInstallerPackageName",
	"Landroid/content/pm/PackageManager;->getInstallSourceInfo":         "PackageManager.getInstallSourceInfo",
	"Lokhttp3/CertificatePinner$Builder;->add":                          "CertificatePinner.add",
	"Lcom/squareup/okhttp/CertificatePinner$Builder;->add":              "CertificatePinner.add",
	"Landroid/widget/EditText;->getText":                                "EditText.getText",
	"Landroid/widget/TextView;->getText":                                "EditText.getText",
	"Ljava/lang/String;->equals":                                        "String.equals",
	"Ljava/lang/String;->equalsIgnoreCase":                              "String.equals",
	"Ljava/lang/String;->contentEquals":                                 "String.equals",
	"Landroid/database/sqlite/SQLiteDatabase;->execSQL":                 "SQLiteDatabase.execSQL",
}

// watchedByName matches Context methods that apps call on their own
// subclasses (the declaring class in the call is then the app's class).
var watchedByName = map[string]string{
	"openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;":                                                                           "Context.openFileOutput",
	"getSharedPreferences(Ljava/lang/String;I)Landroid/content/SharedPreferences;":                                                            "Context.getSharedPreferences",
	"openOrCreateDatabase(Ljava/lang/String;ILandroid/database/sqlite/SQLiteDatabase$CursorFactory;)Landroid/database/sqlite/SQLiteDatabase;": "Context.openOrCreateDatabase",
	"getDir(Ljava/lang/String;I)Ljava/io/File;":                                                                                               "Context.getDir",
}

// cryptoAPIs are the calls that make a method a "crypto method".
var cryptoAPIs = map[string]bool{
	"Cipher.getInstance": true, "SecretKeySpec.<init>": true, "IvParameterSpec.<init>": true,
	"GCMParameterSpec.<init>": true, "Mac.getInstance": true,
}

// watchedFields are static fields whose reads matter.
var watchedFields = map[string]string{
	"Lorg/apache/http/conn/ssl/SSLSocketFactory;->ALLOW_ALL_HOSTNAME_VERIFIER": "ALLOW_ALL_HOSTNAME_VERIFIER",
	"Lorg/apache/http/conn/ssl/AllowAllHostnameVerifier;->INSTANCE":            "AllowAllHostnameVerifier",
	"Lorg/apache/http/conn/ssl/NoopHostnameVerifier;->INSTANCE":                "NoopHostnameVerifier",
	"Landroid/content/pm/ApplicationInfo;->flags":                              "ApplicationInfo.flags",
	"Landroid/os/Build;->TAGS":                                                 "Build.TAGS",
	"Landroid/os/Build;->FINGERPRINT":                                          "Build.FINGERPRINT",
	"Landroid/os/Build;->HARDWARE":                                             "Build.HARDWARE",
	"Landroid/os/Build;->PRODUCT":                                              "Build.PRODUCT",
}

// merge adds the facts of another DEX file, read after this one.
func (cf *codeFacts) merge(o *codeFacts) {
	cf.dexFiles = append(cf.dexFiles, o.dexFiles...)
	cf.classes = append(cf.classes, o.classes...)
	cf.literals = append(cf.literals, o.literals...)
	cf.calls = append(cf.calls, o.calls...)
	cf.keyCandidates = append(cf.keyCandidates, o.keyCandidates...)
	cf.ivSites = append(cf.ivSites, o.ivSites...)
	cf.trustAll = append(cf.trustAll, o.trustAll...)
	cf.hostnameAll = append(cf.hostnameAll, o.hostnameAll...)
	cf.sslProceed = append(cf.sslProceed, o.sslProceed...)
	cf.inputCompares = append(cf.inputCompares, o.inputCompares...)
	cf.cryptoMethods = mergeFirst(cf.cryptoMethods, o.cryptoMethods)
	cf.ivArrays = mergeFirst(cf.ivArrays, o.ivArrays)
	cf.flagsReaders = mergeFirst(cf.flagsReaders, o.flagsReaders)
	cf.debugCallees = mergeFirst(cf.debugCallees, o.debugCallees)
	cf.referenced = mergeFirst(cf.referenced, o.referenced)
	cf.aiClass = mergeFirst(cf.aiClass, o.aiClass)
	for k, v := range o.fields {
		if cf.fields == nil {
			cf.fields = make(map[string][]site)
		}
		cf.fields[k] = append(cf.fields[k], v...)
	}
	for k, v := range o.classRefs {
		if cf.classRefs == nil {
			cf.classRefs = make(map[string][]string)
		}
		for _, ref := range v {
			if !slices.Contains(cf.classRefs[k], ref) {
				cf.classRefs[k] = append(cf.classRefs[k], ref)
			}
		}
	}
}

// mergeFirst adds the entries of b that a lacks: the first DEX file to
// mention a key keeps it.
func mergeFirst[V any](a, b map[string]V) map[string]V {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = make(map[string]V, len(b))
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			a[k] = v
		}
	}
	return a
}

// methodKey names a method uniquely across DEX files.
func methodKey(class, name, proto string) string { return class + "->" + name + proto }

// readDex reduces one parsed DEX file into the facts.
func (cf *codeFacts) readDex(name string, f *dex.File, isApp func(string) bool) {
	cf.dexFiles = append(cf.dexFiles, name)
	for ci := range f.Classes {
		c := &f.Classes[ci]
		cf.classes = append(cf.classes, c.Name)
		seen := make(map[string]bool)
		addLit := func(v, method string) {
			if v == "" || seen[v] {
				return
			}
			seen[v] = true
			cf.literals = append(cf.literals, literal{Value: v, Class: c.Name, Method: method, Dex: name})
		}
		for _, s := range c.StaticStrings {
			addLit(s, "")
			if keyShaped(s) {
				cf.keyCandidates = append(cf.keyCandidates, keyCandidate{literal: literal{Value: s, Class: c.Name, Dex: name}, inClass: c.Name, viaField: true})
			}
		}
		implements := func(iface string) bool { return slices.Contains(c.Interfaces, iface) }
		app := isApp(c.Name)
		for mi := range c.Methods {
			m := &c.Methods[mi]
			cf.readMethod(name, f, c, m, addLit, app)
			// TLS bypasses recognized by the shape of the method.
			switch {
			case m.Name == "checkServerTrusted" && implementsTrustManager(c) && m.CodeUnits > 0 && m.CodeUnits <= 1:
				cf.trustAll = append(cf.trustAll, site{Class: c.Name, Method: m.Name, Dex: name, Detail: "checkServerTrusted does nothing"})
			case m.Name == "verify" && m.Proto == "(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z" &&
				(implements("Ljavax/net/ssl/HostnameVerifier;") || c.Super == "Ljava/lang/Object;" && implements("Lorg/apache/http/conn/ssl/X509HostnameVerifier;")) &&
				m.ReturnsConstInt != nil && *m.ReturnsConstInt != 0:
				cf.hostnameAll = append(cf.hostnameAll, site{Class: c.Name, Method: m.Name, Dex: name, Detail: "verify returns true"})
			}
		}
	}
}

func implementsTrustManager(c *dex.Class) bool {
	return slices.Contains(c.Interfaces, "Ljavax/net/ssl/X509TrustManager;") ||
		c.Super == "Ljavax/net/ssl/X509ExtendedTrustManager;"
}

func (cf *codeFacts) readMethod(dexName string, f *dex.File, c *dex.Class, m *dex.Method, addLit func(v, method string), app bool) {
	mname := m.Name
	var strs []string
	for _, si := range m.Strings {
		if int(si) < len(f.Strings) {
			s := f.Strings[si]
			strs = append(strs, s)
			addLit(s, mname)
		}
	}
	// Callee keys are only needed by methods holding key-shaped or
	// debugging-related constants; building them for every method is the
	// most expensive part of reading code.
	needCallees := false
	for _, s := range strs {
		if keyShaped(s) || strings.Contains(strings.ToLower(s), "debug") {
			needCallees = true
			break
		}
	}
	var (
		callees      []string
		isCrypto     bool
		readsInput   bool
		ivConstructs bool
		proceeds     bool
		compares     []string
	)
	for _, call := range m.Calls {
		if int(call.Method) >= len(f.Methods) {
			continue
		}
		ref := f.Methods[call.Method]
		if cf.referenced == nil {
			cf.referenced = make(map[string]string)
		}
		if _, seen := cf.referenced[ref.Class]; !seen && app {
			cf.referenced[ref.Class] = c.Name
		}
		ai, known := cf.aiClass[ref.Class]
		if !known {
			if cf.aiClass == nil {
				cf.aiClass = make(map[string]bool)
			}
			ai = containsAnyWord(strings.ToLower(ref.Class), aiRefWords)
			cf.aiClass[ref.Class] = ai
		}
		if ai {
			if !slices.Contains(cf.classRefs[c.Name], ref.Class) {
				if cf.classRefs == nil {
					cf.classRefs = make(map[string][]string)
				}
				cf.classRefs[c.Name] = append(cf.classRefs[c.Name], ref.Class)
			}
		}
		if needCallees {
			callees = append(callees, methodKey(ref.Class, ref.Name, ref.Proto))
		}
		api, ok := watched[ref.Class+"->"+ref.Name]
		if !ok {
			api, ok = watchedByName[ref.Name+ref.Proto]
		}
		if !ok {
			continue
		}
		args := constArgs(f, call, ref)
		cf.calls = append(cf.calls, apiCall{API: api, Class: c.Name, Method: mname, Dex: dexName, Args: args})
		switch api {
		case "EditText.getText":
			readsInput = true
		case "IvParameterSpec.<init>", "GCMParameterSpec.<init>":
			ivConstructs = true
		case "SslErrorHandler.proceed":
			proceeds = true
		case "String.equals":
			if len(args) > 0 && args[0].IsStr {
				compares = append(compares, args[0].Str)
			}
		}
		if cryptoAPIs[api] {
			isCrypto = true
		}
	}
	here := site{Class: c.Name, Method: mname, Dex: dexName}
	for _, fi := range m.FieldReads {
		if int(fi) >= len(f.Fields) {
			continue
		}
		fr := f.Fields[fi]
		if w, ok := watchedFields[fr.Class+"->"+fr.Name]; ok {
			if cf.fields == nil {
				cf.fields = make(map[string][]site)
			}
			cf.fields[w] = append(cf.fields[w], here)
			if w == "ApplicationInfo.flags" {
				if cf.flagsReaders == nil {
					cf.flagsReaders = make(map[string]site)
				}
				cf.flagsReaders[methodKey(c.Name, m.Name, m.Proto)] = here
			}
		}
	}
	for _, s := range strs {
		if strings.Contains(strings.ToLower(s), "debug") {
			if cf.debugCallees == nil {
				cf.debugCallees = make(map[string]bool)
			}
			for _, k := range callees {
				cf.debugCallees[k] = true
			}
			break
		}
	}
	ivArray := false
	for _, arr := range m.ArrayData {
		if n := len(arr); n == 8 || n == 12 || n == 16 {
			ivArray = true
			if cf.ivArrays == nil {
				cf.ivArrays = make(map[string]string)
			}
			if _, ok := cf.ivArrays[c.Name]; !ok {
				cf.ivArrays[c.Name] = mname
			}
		}
	}
	if isCrypto {
		if cf.cryptoMethods == nil {
			cf.cryptoMethods = make(map[string]bool)
		}
		cf.cryptoMethods[methodKey(c.Name, m.Name, m.Proto)] = true
	}
	for _, s := range strs {
		if keyShaped(s) {
			cf.keyCandidates = append(cf.keyCandidates, keyCandidate{
				literal: literal{Value: s, Class: c.Name, Method: mname, Dex: dexName},
				callees: callees, inClass: c.Name,
			})
		}
	}
	if ivConstructs {
		cf.ivSites = append(cf.ivSites, ivSite{site: here, constArray: ivArray})
	}
	if proceeds && m.Name == "onReceivedSslError" {
		cf.sslProceed = append(cf.sslProceed, site{Class: c.Name, Method: mname, Dex: dexName, Detail: "SslErrorHandler.proceed()"})
	}
	if readsInput {
		for _, v := range compares {
			cf.inputCompares = append(cf.inputCompares, literal{Value: v, Class: c.Name, Method: mname, Dex: dexName})
		}
	}
}

// constArgs resolves the constant arguments of a call, dropping the
// receiver of instance calls so that Args[0] is the first parameter.
func constArgs(f *dex.File, call dex.Call, ref dex.MethodRef) []arg {
	if len(call.Args) == 0 {
		return nil
	}
	params := paramCount(ref.Proto)
	regs := call.Args
	// Instance calls carry the receiver first; wide parameters take two
	// registers but are never string constants we look at.
	if len(regs) > params {
		regs = regs[len(regs)-params:]
	}
	out := make([]arg, len(regs))
	for i, a := range regs {
		switch a.Kind {
		case dex.ConstString:
			if int(a.Str) < len(f.Strings) {
				out[i] = arg{Known: true, IsStr: true, Str: f.Strings[a.Str]}
			}
		case dex.ConstInt:
			out[i] = arg{Known: true, Int: a.Int}
		}
	}
	return out
}

// paramCount counts the registers a prototype's parameters take.
func paramCount(proto string) int {
	open, closeIdx := strings.IndexByte(proto, '('), strings.IndexByte(proto, ')')
	if open < 0 || closeIdx < open {
		return 0
	}
	p := proto[open+1 : closeIdx]
	n := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case 'J', 'D':
			n += 2
		case 'L':
			n++
			for i < len(p) && p[i] != ';' {
				i++
			}
		case '[':
			for i < len(p) && p[i] == '[' {
				i++
			}
			n++
			if i < len(p) && p[i] == 'L' {
				for i < len(p) && p[i] != ';' {
					i++
				}
			}
		default:
			n++
		}
	}
	return n
}

// keyShaped reports literals with the size of an AES key: 16, 24 or 32
// bytes as text without spaces, 32/48/64 hex digits, or Base64 of 16/24/32
// bytes; and not an identifier or a path.
func keyShaped(s string) bool {
	n := len(s)
	switch {
	case (n == 32 || n == 48 || n == 64) && isHex(s):
		return true
	case (n == 24 && strings.HasSuffix(s, "==") || n == 44 && strings.HasSuffix(s, "=")) && isBase64(s):
		return true
	case n == 16 || n == 24 || n == 32:
		return looksLikeKeyText(s)
	}
	return false
}

// looksLikeKeyText accepts a passphrase-like constant of key length: it
// has letters and digits or spaces, and is not a Java identifier, a
// class name, a path or a URL.
func looksLikeKeyText(s string) bool {
	var letters, digits, spaces, other int
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters++
		case r >= '0' && r <= '9':
			digits++
		case r == ' ':
			spaces++
		case r > 0x7e || r < 0x20:
			return false
		default:
			other++
		}
	}
	if strings.ContainsAny(s, "/\\.:;<>(){}[]%$") || letters == 0 {
		return false
	}
	// An identifier or constant name (camelCase, SNAKE_CASE) is not a key.
	if spaces == 0 && digits == 0 {
		return false
	}
	return true
}

// isBase64Key reports key candidates written in Base64.
func isBase64Key(s string) bool {
	return (len(s) == 24 || len(s) == 44) && strings.HasSuffix(s, "=") && isBase64(s) && !isHex(s)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// reachesCrypto reports whether a candidate's method calls crypto directly
// or through one of its callees, or sits in a class that encrypts.
func (cf *codeFacts) reachesCrypto(k keyCandidate, cryptoClasses map[string]bool) (bool, string) {
	if cryptoClasses[k.inClass] {
		return true, "its class uses javax.crypto"
	}
	for _, c := range k.callees {
		if cf.cryptoMethods[c] {
			return true, fmt.Sprintf("passed to %s, which encrypts", shortMethod(c))
		}
	}
	return false, ""
}

func shortMethod(key string) string {
	class, rest, _ := strings.Cut(key, "->")
	name, _, _ := strings.Cut(rest, "(")
	return javaName(class) + "." + name
}
