package scan

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/rules"
	"github.com/bulwark-security/bulwark/internal/scan/source"
)

// sourceKey builds an OpenAI-format key at run time: no key literal is in
// this file.
func sourceKey(seed uint64) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	r := rand.New(rand.NewPCG(seed, 99))
	b := make([]byte, 64)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return strings.Join([]string{"sk", "proj", string(b)}, "-")
}

func tinyTFLite() []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint32(b[0:], 12)
	copy(b[4:], "TFL3")
	binary.LittleEndian.PutUint16(b[8:], 4)
	binary.LittleEndian.PutUint16(b[10:], 4)
	binary.LittleEndian.PutUint32(b[12:], 4)
	return b
}

// mobileProject writes a small Android + iOS + Flutter checkout.
func mobileProject(t *testing.T, appKey, hiddenKey string) string {
	t.Helper()
	files := map[string]string{
		".gitignore":      "secrets/\n/build/\n*.iml\n",
		"settings.gradle": "include ':app'\n",
		"pubspec.yaml":    "name: demo\ndependencies:\n  flutter:\n    sdk: flutter\n  google_generative_ai: ^0.4.0\ndev_dependencies:\n  flutter_test:\n    sdk: flutter\n",
		"app/build.gradle": `plugins {
    id 'com.android.application'
}
android {
    namespace 'com.example.demo'
    defaultConfig {
        applicationId "com.example.demo"
        minSdk 21
        targetSdk 33
        versionCode 3
        versionName "1.3"
    }
}
dependencies {
    implementation 'org.tensorflow:tensorflow-lite:2.14.0'
    implementation "com.google.firebase:firebase-analytics:21.5.0"
    testImplementation 'junit:junit:4.13.2'
}
`,
		"app/src/main/AndroidManifest.xml": `<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <uses-permission android:name="android.permission.INTERNET"/>
    <application
        android:allowBackup="true"
        android:debuggable="true"
        android:usesCleartextTraffic="true"
        android:networkSecurityConfig="@xml/network_security_config">
        <activity android:name=".MainActivity" android:exported="true">
            <intent-filter>
                <action android:name="android.intent.action.MAIN"/>
                <category android:name="android.intent.category.LAUNCHER"/>
            </intent-filter>
        </activity>
        <activity android:name=".ShareActivity" android:exported="true"/>
    </application>
</manifest>
`,
		"app/src/main/res/xml/network_security_config.xml": `<network-security-config>
    <base-config cleartextTrafficPermitted="true"/>
</network-security-config>
`,
		"app/src/main/java/com/example/demo/Chat.kt": `package com.example.demo

object Chat {
    const val ENDPOINT = "https://api.openai.com/v1/chat/completions"
    const val API_KEY = "` + appKey + `"
}
`,
		"secrets/release.env": "OPENAI_API_KEY=" + hiddenKey + "\n",
		"ios/Podfile":         "platform :ios, '15.0'\ntarget 'Runner' do\n  pod 'TensorFlowLiteSwift'\nend\n",
		"ios/Runner/Info.plist": `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
    <key>CFBundleIdentifier</key><string>$(PRODUCT_BUNDLE_IDENTIFIER)</string>
    <key>CFBundleShortVersionString</key><string>1.3</string>
    <key>NSAppTransportSecurity</key>
    <dict><key>NSAllowsArbitraryLoads</key><true/></dict>
</dict>
</plist>
`,
		"ios/Runner.xcodeproj/project.pbxproj": "PRODUCT_BUNDLE_IDENTIFIER = com.example.demo;\nIPHONEOS_DEPLOYMENT_TARGET = 15.0;\n",
	}
	root := t.TempDir()
	write := func(name string, data []byte) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		write(name, []byte(content))
	}
	write("app/src/main/assets/detector.tflite", tinyTFLite())
	return root
}

func TestSourceTreeFindings(t *testing.T) {
	t.Parallel()
	cat, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	appKey, hiddenKey := sourceKey(1), sourceKey(2)
	root := mobileProject(t, appKey, hiddenKey)
	res, err := source.Analyze(context.Background(), root, source.Options{Secrets: detect.Default(), Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		rule, key, path string
	}
	for _, w := range []want{
		{"android-debuggable", "application", "app/src/main/AndroidManifest.xml"},
		{"android-backup-allowed", "application", "app/src/main/AndroidManifest.xml"},
		{"android-exported-component", "activity:com.example.demo.ShareActivity", "app/src/main/AndroidManifest.xml"},
		{"android-nsc-cleartext-base", "base-config", "app/src/main/res/xml/network_security_config.xml"},
		{"android-min-sdk-outdated", "minSdk", "app/src/main/AndroidManifest.xml"},
		{"android-target-sdk-outdated", "targetSdk", "app/src/main/AndroidManifest.xml"},
		{"ai-sdk-inventory", "TensorFlow Lite / LiteRT", "app/build.gradle"},
		{"ai-sdk-inventory", "Google AI client SDK (Gemini)", "pubspec.yaml"},
		{"privacy-tracker-sdk", "Firebase Analytics", "app/build.gradle"},
		{"ios-ats-arbitrary-loads", "arbitrary-loads", "ios/Runner/Info.plist"},
		{"ai-provider-key", "", "app/src/main/java/com/example/demo/Chat.kt"},
		{"ai-direct-provider-call", "api.openai.com", "app/src/main/java/com/example/demo/Chat.kt"},
		{"ai-model-inventory", "", "app/src/main/assets/detector.tflite"},
		{"ai-model-unprotected", "app/src/main/assets/detector.tflite", "app/src/main/assets/detector.tflite"},
	} {
		t.Run(w.rule+" "+w.key, func(t *testing.T) {
			if _, ok := cat.ByName(w.rule); !ok {
				t.Fatalf("rule %s is not in the catalogue", w.rule)
			}
			i := slices.IndexFunc(res.Hits, func(h finding.Hit) bool {
				return h.Rule == w.rule && (w.key == "" || h.Key == w.key) &&
					slices.ContainsFunc(h.Locations, func(l finding.Location) bool { return l.Path == w.path })
			})
			if i < 0 {
				t.Errorf("no %s hit (key %q) at %s; hits:\n%s", w.rule, w.key, w.path, hitList(res.Hits))
			}
		})
	}
	t.Run("the TensorFlow Lite hit names both declarations and the version", func(t *testing.T) {
		i := slices.IndexFunc(res.Hits, func(h finding.Hit) bool { return h.Key == "TensorFlow Lite / LiteRT" })
		if i < 0 {
			t.Fatal("no TensorFlow Lite hit")
		}
		h := res.Hits[i]
		if h.Props["version"] != "2.14.0" || len(h.Locations) != 2 {
			t.Errorf("version %q, locations %v; want 2.14.0 in app/build.gradle and ios/Podfile", h.Props["version"], h.Locations)
		}
	})
	t.Run("a launcher activity is exported by design", func(t *testing.T) {
		for _, h := range res.Hits {
			if h.Key == "activity:com.example.demo.MainActivity" && (h.Severity == nil || *h.Severity != finding.SeverityInfo) {
				t.Errorf("launcher activity reported at severity %v, want info", h.Severity)
			}
		}
	})
	t.Run("secrets below an ignored directory are not reported", func(t *testing.T) {
		for _, h := range res.Hits {
			for _, l := range h.Locations {
				if strings.HasPrefix(l.Path, "secrets/") {
					t.Errorf("%s reported in ignored %s", h.Rule, l.Path)
				}
			}
			if strings.Contains(h.Evidence, hiddenKey) || strings.Contains(h.Evidence, appKey) {
				t.Errorf("%s evidence holds an unmasked key", h.Rule)
			}
		}
	})
	t.Run("one app per Android module and iOS target", func(t *testing.T) {
		wantApps := []finding.AppInfo{
			{Platform: "android", ID: "com.example.demo", VersionName: "1.3", VersionCode: "3", MinSDK: 21, TargetSDK: 33},
			{Platform: "ios", ID: "com.example.demo", VersionName: "1.3", MinOS: "15.0"},
		}
		if !slices.Equal(res.Apps, wantApps) {
			t.Errorf("apps = %+v, want %+v", res.Apps, wantApps)
		}
	})
	t.Run("the scanner records the tree as one target", func(t *testing.T) {
		s, err := New(Options{Catalog: cat, Secrets: detect.Default(), Now: func() time.Time { return time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		rep := &finding.Report{}
		if err := s.scanSource(context.Background(), rep, root); err != nil {
			t.Fatal(err)
		}
		if len(rep.Targets) != 1 || rep.Targets[0].Type != "source-tree" || rep.Targets[0].App == nil {
			t.Fatalf("targets = %+v, want one source-tree with its app", rep.Targets)
		}
		if len(rep.Findings) != len(res.Hits) {
			t.Errorf("%d findings, want %d (one per hit)", len(rep.Findings), len(res.Hits))
		}
	})
}

func hitList(hits []finding.Hit) string {
	var b strings.Builder
	for _, h := range hits {
		b.WriteString("  " + h.Rule + " " + h.Key)
		for _, l := range h.Locations {
			b.WriteString(" " + l.Path)
		}
		b.WriteString("\n")
	}
	return b.String()
}
