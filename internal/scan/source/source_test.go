package source

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bulwark-security/bulwark/internal/detect"
)

const networkConfigXML = `<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
    <base-config cleartextTrafficPermitted="true"/>
    <domain-config><domain includeSubdomains="true">example.com</domain></domain-config>
</network-security-config>
`

// fakeOpenAIKey builds a key of the documented format at run time, so no
// key literal is in the source.
func fakeOpenAIKey(seed uint64) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, 80)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return "sk-" + "proj-" + string(b)
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestAnalyzeWalk(t *testing.T) {
	t.Parallel()
	kept, ignored, vendored, test := fakeOpenAIKey(1), fakeOpenAIKey(2), fakeOpenAIKey(3), fakeOpenAIKey(4)
	outside := writeTree(t, map[string]string{"key.txt.kt": "val k = \"" + fakeOpenAIKey(5) + "\"\n"})
	root := writeTree(t, map[string]string{
		".gitignore":                   "secrets/\n*.local.kt\n",
		"src/Config.kt":                "\n\nval key = \"" + kept + "\"\n",
		"secrets/Prod.kt":              "val key = \"" + ignored + "\"\n",
		"src/Dev.local.kt":             "val key = \"" + ignored + "\"\n",
		"node_modules/x/index.js":      "const k = '" + vendored + "'\n",
		"app/src/test/java/KeyTest.kt": "val key = \"" + test + "\"\n",
	})
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), root, Options{Secrets: detect.Default()})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{} // location → test_file
	for _, h := range res.Hits {
		if h.Rule != "ai-provider-key" {
			continue
		}
		for _, l := range h.Locations {
			got[l.Path+":"+strconv.Itoa(l.Line)] = h.Props["test_file"]
		}
	}
	want := map[string]string{"src/Config.kt:3": "", "app/src/test/java/KeyTest.kt:1": "true"}
	if len(got) != len(want) {
		t.Errorf("key locations = %v, want %v", got, want)
	}
	for loc, tf := range want {
		if g, ok := got[loc]; !ok || g != tf {
			t.Errorf("location %s: found %v, test_file %q; want test_file %q", loc, ok, g, tf)
		}
	}
}

func TestAnalyzeMaxFiles(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{"a.kt": "", "b.kt": "", "c.kt": ""})
	res, err := Analyze(context.Background(), root, Options{Secrets: detect.Default(), MaxFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 {
		t.Errorf("warnings = %v, want one about the file limit", res.Warnings)
	}
}
