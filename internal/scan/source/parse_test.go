package source

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/androidres"
)

const sampleManifest = `<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    xmlns:tools="http://schemas.android.com/tools" package="com.example.app">
    <application android:debuggable="true" tools:ignore="HardcodedDebugMode">
        <activity android:name=".Main" android:exported="true"/>
    </application>
</manifest>
`

func TestParseTextXML(t *testing.T) {
	t.Parallel()
	doc, err := ParseTextXML([]byte(sampleManifest), XMLLimits{})
	if err != nil {
		t.Fatal(err)
	}
	app := doc.Root.ChildrenNamed("application")
	if len(app) != 1 {
		t.Fatalf("got %d application elements, want 1", len(app))
	}
	a, ok := app[0].Android("debuggable")
	if !ok {
		t.Fatal("android:debuggable not found by name")
	}
	if b, ok := a.Value.Bool(); !ok || !b {
		t.Errorf("debuggable = %v (ok %v), want true", b, ok)
	}
	if _, ok := app[0].Attr("http://schemas.android.com/tools", "ignore"); !ok {
		t.Error("tools:ignore not resolved to its namespace URI")
	}
	act := app[0].ChildrenNamed("activity")[0]
	if act.Line != 5 {
		t.Errorf("activity line = %d, want 5", act.Line)
	}
	if got := act.AndroidString("name"); got != ".Main" {
		t.Errorf("activity name = %q, want .Main", got)
	}
	for _, bad := range []struct{ name, doc string }{
		{"empty", ""},
		{"two roots", "<a/><b/>"},
		{"unclosed", "<a><b></a>"},
		{"too deep", "<a><a><a><a></a></a></a></a>"},
	} {
		if _, err := ParseTextXML([]byte(bad.doc), XMLLimits{MaxDepth: 3}); err == nil {
			t.Errorf("%s: no error", bad.name)
		}
	}
}

func TestGradleDeps(t *testing.T) {
	t.Parallel()
	src := `dependencies {
    implementation 'org.tensorflow:tensorflow-lite:2.14.0'
    implementation("com.google.firebase:firebase-analytics-ktx:21.5.0")
    implementation platform("com.google.firebase:firebase-bom:32.7.0")
    api(enforcedPlatform('com.example:bom:1'))
    kapt "com.google.dagger:hilt-compiler:2.50"
    ksp("androidx.room:room-compiler:2.6.1@aar")
    implementation group: 'com.squareup.okhttp3', name: 'okhttp', version: '4.12.0'
    testImplementation 'junit:junit:4.13.2'
    // implementation 'com.commented:out:1'
    debugImplementation "com.squareup.leakcanary:leakcanary-android:2.12"
}`
	got := GradleDeps([]byte(src))
	want := []Dependency{
		{"maven:org.tensorflow:tensorflow-lite", "2.14.0", 2},
		{"maven:com.google.firebase:firebase-analytics-ktx", "21.5.0", 3},
		{"maven:com.google.firebase:firebase-bom", "32.7.0", 4},
		{"maven:com.example:bom", "1", 5},
		{"maven:com.google.dagger:hilt-compiler", "2.50", 6},
		{"maven:androidx.room:room-compiler", "2.6.1", 7},
		{"maven:com.squareup.leakcanary:leakcanary-android", "2.12", 11},
		{"maven:com.squareup.okhttp3:okhttp", "4.12.0", 8},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("GradleDeps (-want +got):\n%s", d)
	}
}

func TestParseCatalog(t *testing.T) {
	t.Parallel()
	src := `[versions]
tflite = "2.14.0"
minSdk = "23"
firebase = { strictly = "21.0.0" }

[libraries]
tflite = { module = "org.tensorflow:tensorflow-lite", version.ref = "tflite" }
analytics = { group = "com.google.firebase", name = "firebase-analytics", version = { ref = "firebase" } }
okhttp = "com.squareup.okhttp3:okhttp:4.12.0"
# comment = "x:y:z"

[plugins]
android-application = { id = "com.android.application", version = "8.2.0" }
`
	c := ParseCatalog([]byte(src))
	want := []Dependency{
		{"maven:org.tensorflow:tensorflow-lite", "2.14.0", 7},
		{"maven:com.google.firebase:firebase-analytics", "21.0.0", 8},
		{"maven:com.squareup.okhttp3:okhttp", "4.12.0", 9},
	}
	if d := cmp.Diff(want, c.Libraries); d != "" {
		t.Errorf("libraries (-want +got):\n%s", d)
	}
	if v, ok := c.version("min.sdk"); ok {
		t.Errorf("version(min.sdk) = %q, want none (the key is minSdk)", v)
	}
	if v, _ := c.version("minSdk"); v != "23" {
		t.Errorf("version(minSdk) = %q, want 23", v)
	}
}

func TestOtherManagers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		parse func([]byte) []Dependency
		src   string
		want  []Dependency
	}{
		{"Podfile", PodfileDeps, "target 'App' do\n  pod 'TensorFlowLiteSwift', '~> 2.14.0'\n  pod \"Firebase/Analytics\"\nend\n",
			[]Dependency{{"pod:TensorFlowLiteSwift", "2.14.0", 2}, {"pod:Firebase/Analytics", "", 3}}},
		{"Podfile.lock", PodfileLockDeps, "PODS:\n  - TensorFlowLiteC (2.14.0):\n    - TensorFlowLiteC/Core (= 2.14.0)\n  - TensorFlowLiteSwift (2.14.0)\n\nDEPENDENCIES:\n  - Other (1.0)\n",
			[]Dependency{{"pod:TensorFlowLiteC", "2.14.0", 2}, {"pod:TensorFlowLiteSwift", "2.14.0", 4}}},
		{"Package.swift", PackageSwiftDeps, "dependencies: [\n    .package(url: \"https://github.com/google/generative-ai-swift.git\", from: \"0.5.0\"),\n    .package(\n      url: \"git@github.com:MacPaw/OpenAI.git\",\n      .upToNextMajor(from: \"0.2.0\")),\n]",
			[]Dependency{{"spm:google/generative-ai-swift", "0.5.0", 2}, {"spm:MacPaw/OpenAI", "0.2.0", 3}}},
		{"Package.resolved v2", PackageResolvedDeps, `{"pins":[{"identity":"openai","location":"https://github.com/MacPaw/OpenAI","state":{"version":"0.2.4"}}],"version":2}`,
			[]Dependency{{"spm:MacPaw/OpenAI", "0.2.4", 1}}},
		{"Package.resolved v1", PackageResolvedDeps, `{"object":{"pins":[{"package":"x","repositoryURL":"https://github.com/o/r.git","state":{"version":"1.2.3"}}]},"version":1}`,
			[]Dependency{{"spm:o/r", "1.2.3", 1}}},
		{"pubspec.yaml", PubspecDeps, "name: app\ndependencies:\n  flutter:\n    sdk: flutter\n  google_generative_ai: ^0.4.0\n  \"firebase_analytics\": 10.8.0\ndev_dependencies:\n  flutter_test:\n    sdk: flutter\n",
			[]Dependency{{"pub:flutter", "", 3}, {"pub:google_generative_ai", "0.4.0", 5}, {"pub:firebase_analytics", "10.8.0", 6}}},
		{"package.json", PackageJSONDeps, "{\n  \"dependencies\": {\n    \"openai\": \"^4.0.0\"\n  },\n  \"devDependencies\": {\"jest\": \"29\"}\n}",
			[]Dependency{{"npm:openai", "4.0.0", 3}, {"npm:jest", "29", 5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if d := cmp.Diff(tc.want, tc.parse([]byte(tc.src))); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestParseGradleModule(t *testing.T) {
	t.Parallel()
	cat := ParseCatalog([]byte("[versions]\ntarget-sdk = \"34\"\n"))
	for _, tc := range []struct {
		name, src string
		want      gradleModule
	}{
		{"groovy", "plugins { id 'com.android.application' }\nandroid {\n  defaultConfig {\n    applicationId \"com.example.app\"\n    minSdkVersion 21\n    targetSdkVersion 33\n    versionCode 7\n    versionName \"1.2\"\n  }\n}",
			gradleModule{application: true, minSDK: 21, targetSDK: 33, applicationID: "com.example.app", versionCode: "7", versionName: "1.2"}},
		{"kotlin with a catalog", "plugins { alias(libs.plugins.android.library) }\nandroid {\n  namespace = \"com.example.lib\"\n  minSdk = 24\n  targetSdk = libs.versions.target.sdk.get().toInt()\n}",
			gradleModule{library: true, minSDK: 24, targetSDK: 34, applicationID: "com.example.lib", namespace: "com.example.lib"}},
		{"flutter levels stay unknown", "android {\n  minSdkVersion flutter.minSdkVersion\n}", gradleModule{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if d := cmp.Diff(tc.want, parseGradleModule([]byte(tc.src), cat), cmp.AllowUnexported(gradleModule{})); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func FuzzTextXML(f *testing.F) {
	for _, s := range []string{sampleManifest, networkConfigXML, "<a b='1'>t<c/>u</a>", "<x:a xmlns:x='u'/>", "<a>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ParseTextXML(data, XMLLimits{MaxSize: 1 << 20, MaxElements: 5000, MaxDepth: 64})
		if err != nil {
			return
		}
		if doc.Root == nil {
			t.Fatal("nil root without error")
		}
		n := 0
		doc.Root.Walk(func(*androidres.Element) { n++ })
		if n > 5000 {
			t.Fatalf("%d elements past the limit", n)
		}
	})
}

func FuzzGradleDeps(f *testing.F) {
	f.Add([]byte("dependencies {\n implementation 'a:b:1'\n api(platform(\"c:d:2\"))\n}"), []byte("[libraries]\nx = { module = \"a:b\", version.ref = \"v\" }\n[versions]\nv = \"1\""))
	f.Add([]byte("implementation group: 'g', name: 'n', version: 'v'\nminSdk = libs.versions.min.get()"), []byte("x = 'a:b:c'\n[versions]\na = { strictly = '1' }"))
	f.Fuzz(func(t *testing.T, gradle, toml []byte) {
		for _, d := range GradleDeps(gradle) {
			if d.Line < 1 {
				t.Fatalf("dependency %+v without a line", d)
			}
		}
		c := ParseCatalog(toml)
		parseGradleModule(gradle, c)
		PodfileDeps(gradle)
		PodfileLockDeps(gradle)
		PackageSwiftDeps(gradle)
		PubspecDeps(toml)
	})
}
