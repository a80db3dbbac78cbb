package archive

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBundleNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		bundle string
		want   string // "" means the name is kept
	}{
		{"base/manifest/AndroidManifest.xml", "AndroidManifest.xml"},
		{"base/dex/classes.dex", "classes.dex"},
		{"base/dex/classes2.dex", "classes2.dex"},
		{"base/resources.pb", "resources.pb"},
		{"base/res/xml/network_security_config.xml", "res/xml/network_security_config.xml"},
		{"base/assets/model.tflite", "assets/model.tflite"},
		{"base/lib/arm64-v8a/libfoo.so", "lib/arm64-v8a/libfoo.so"},
		{"base/root/META-INF/androidx.core_core.version", "META-INF/androidx.core_core.version"},
		{"base/root/okhttp3/internal/publicsuffix/publicsuffixes.gz", "okhttp3/internal/publicsuffix/publicsuffixes.gz"},
		{"feature/manifest/AndroidManifest.xml", "feature/AndroidManifest.xml"},
		{"feature/dex/classes.dex", "feature/classes.dex"},
		{"feature/assets/a.bin", "feature/assets/a.bin"},
		{"feature/root/x.txt", "feature/x.txt"},
		{"base/assets.pb", ""},
		{"base/native.pb", ""},
		{"BundleConfig.pb", ""},
		{"BUNDLE-METADATA/com.android.tools.build.obfuscation/proguard.map", ""},
		{"META-INF/MANIFEST.MF", ""},
		{"META-INF/UPLOAD.RSA", ""},
	}
	var names []string
	for _, tt := range tests {
		names = append(names, tt.bundle)
	}
	got := BundleNames(names)
	for _, tt := range tests {
		t.Run(tt.bundle, func(t *testing.T) {
			t.Parallel()
			to, ok := got[tt.bundle]
			if tt.want == "" {
				if ok {
					t.Errorf("mapped to %q, want the name kept", to)
				}
				return
			}
			if to != tt.want {
				t.Errorf("mapped to %q, want %q", to, tt.want)
			}
		})
	}
}

func TestBundleView(t *testing.T) {
	t.Parallel()
	data := buildZip(t, map[string][]byte{
		"BundleConfig.pb":                   []byte("cfg"),
		"META-INF/MANIFEST.MF":              []byte("signature manifest"),
		"base/manifest/AndroidManifest.xml": []byte("manifest"),
		"base/dex/classes.dex":              []byte("dex"),
		"base/assets/a.txt":                 []byte("asset"),
		"base/root/META-INF/MANIFEST.MF":    []byte("root copy"),
		"base/root/META-INF/x.version":      []byte("1.0"),
	}, zip.Deflate)
	z, err := OpenZip(bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	v := Bundle(z)
	wantNames := []string{"BundleConfig.pb", "META-INF/MANIFEST.MF", "assets/a.txt", "classes.dex",
		"AndroidManifest.xml", "base/root/META-INF/MANIFEST.MF", "META-INF/x.version"}
	if diff := cmp.Diff(wantNames, v.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"base/root/META-INF/MANIFEST.MF"}, v.Shadowed); diff != "" {
		t.Errorf("Shadowed (-want +got):\n%s", diff)
	}
	reads := []struct{ name, want string }{
		{"AndroidManifest.xml", "manifest"},
		{"classes.dex", "dex"},
		{"META-INF/MANIFEST.MF", "signature manifest"},
		{"base/root/META-INF/MANIFEST.MF", "root copy"},
		{"META-INF/x.version", "1.0"},
	}
	for _, r := range reads {
		got, err := v.ReadFile(r.name)
		if err != nil || string(got) != r.want {
			t.Errorf("ReadFile(%q) = %q, %v; want %q", r.name, got, err, r.want)
		}
	}
	if e, ok := v.Entry("classes.dex"); !ok || e.Name != "classes.dex" || e.UncompressedSize != 3 {
		t.Errorf("Entry(classes.dex) = %+v, %v", e, ok)
	}
	origins := map[string]string{
		"AndroidManifest.xml":  "base/manifest/AndroidManifest.xml",
		"classes.dex":          "base/dex/classes.dex",
		"META-INF/x.version":   "base/root/META-INF/x.version",
		"META-INF/MANIFEST.MF": "META-INF/MANIFEST.MF",
		"META-INF/":            "META-INF/",
		"APK Signing Block":    "APK Signing Block",
	}
	for name, want := range origins {
		if got := v.Original(name); got != want {
			t.Errorf("Original(%q) = %q, want %q", name, got, want)
		}
	}
	if _, err := v.ReadFile("base/dex/classes.dex"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReadFile of a bundle path through the view = %v, want ErrNotFound", err)
	}
	if v.Underlying() != Package(z) {
		t.Error("Underlying is not the zip")
	}
}

func TestRemapDropsAndKeeps(t *testing.T) {
	t.Parallel()
	data := buildZip(t, map[string][]byte{"a": []byte("1"), "b": []byte("2"), "c": []byte("3")}, zip.Store)
	z, err := OpenZip(bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	v := Remap(z, map[string]string{"a": "", "b": "c"})
	// b cannot take c (kept by c itself), so it keeps its name.
	if diff := cmp.Diff([]string{"b", "c"}, v.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if got, _ := v.ReadFile("c"); string(got) != "3" {
		t.Errorf("ReadFile(c) = %q, want the entry that keeps its name", got)
	}
	if _, err := v.Open("a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(dropped) = %v, want ErrNotFound", err)
	}
}
