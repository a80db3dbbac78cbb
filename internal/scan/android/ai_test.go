package android

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/androidres/axmltest"
)

// fakeKey builds a deterministic random token, so that no real key is in
// the source.
func fakeKey(seed uint64, alphabet string, n int) string {
	r := rand.New(rand.NewPCG(seed, seed+7))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// minimalTFLite is the smallest FlatBuffer with the TFL3 identifier and a
// consistent root table.
func minimalTFLite() []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint32(b[0:], 12)
	copy(b[4:], "TFL3")
	binary.LittleEndian.PutUint16(b[8:], 4)
	binary.LittleEndian.PutUint16(b[10:], 4)
	binary.LittleEndian.PutUint32(b[12:], 4)
	return b
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for n, d := range files {
		fw, _ := w.Create(n)
		fw.Write(d)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAIFindingsInAssetsResourcesAndManifest(t *testing.T) {
	t.Parallel()
	openai := "sk-proj-" + fakeKey(1, keyAlphabet+"_-", 120)
	anthropic := "sk-ant-api03-" + fakeKey(2, keyAlphabet+"_-", 93) + "AA"
	gemini := "AIza" + fakeKey(3, keyAlphabet+"_-", 35)
	maps := "AIza" + fakeKey(4, keyAlphabet+"_-", 35)
	pickle := []byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s.")
	res := []axmltest.Resource{
		{Type: "string", Key: "gemini_api_key", Str: gemini},
		{Type: "string", Key: "google_maps_key", Str: maps},
	}
	app := testApp{minSDK: 26, targetSDK: 34, resources: res,
		components: []*axmltest.Node{{Name: "meta-data", Attrs: []axmltest.Attr{
			axmltest.AStr("name", idName, "com.example.ANTHROPIC_KEY"), axmltest.AStr("value", idValue, anthropic)}}},
		files: map[string][]byte{
			"assets/config.json":              []byte("{\n  \"model\": \"gpt-4o\",\n  \"apiKey\": \"" + openai + "\"\n}\n"),
			"assets/models/plain.tflite":      minimalTFLite(),
			"assets/models/signed.tflite":     minimalTFLite(),
			"assets/models/signed.tflite.sig": []byte("signature"),
			"assets/models/secret.tflite.enc": randomBytes(64 << 10),
			"assets/models/legacy.pkl":        pickle,
			"assets/models/net.pt":            zipOf(t, map[string][]byte{"archive/data.pkl": pickle, "archive/version": []byte("3\n")}),
			"assets/notes.txt":                []byte("nothing to see"),
		},
	}
	out := analyzeAPK(t, app.apk(t))

	keys := hitsOf(out, "ai-provider-key")
	var where []string
	for _, h := range keys {
		where = append(where, h.Props["provider"]+"@"+h.Locations[0].Path)
		for _, s := range []string{openai, anthropic, gemini} {
			if strings.Contains(h.Evidence, s) || strings.Contains(h.Message, s) {
				t.Errorf("secret printed in full: %q", h.Evidence)
			}
		}
	}
	for _, want := range []string{"OpenAI@assets/config.json", "Anthropic@AndroidManifest.xml", "Google Gemini@resources.arsc"} {
		if !contains(where, want) {
			t.Errorf("AI key %s not reported; got %v", want, where)
		}
	}
	if g := hitsOf(out, "secret-google-api-key"); len(g) != 1 || g[0].Locations[0].Symbol != "string/google_maps_key" {
		t.Errorf("Maps key: got %+v, want one informational Google API key finding at string/google_maps_key", g)
	}
	if h := hitsOf(out, "ai-provider-key"); len(h) > 0 && h[0].Locations[0].Path == "assets/config.json" && h[0].Locations[0].Line != 3 {
		t.Errorf("key in config.json reported at line %d, want 3", h[0].Locations[0].Line)
	}

	paths := func(rule string) []string {
		var p []string
		for _, h := range hitsOf(out, rule) {
			p = append(p, h.Locations[0].Path)
		}
		return p
	}
	if got := paths("ai-model-inventory"); len(got) != 5 {
		t.Errorf("model inventory: got %v, want 5 models", got)
	}
	unprotected := paths("ai-model-unprotected")
	if !contains(unprotected, "assets/models/plain.tflite") || contains(unprotected, "assets/models/signed.tflite") || contains(unprotected, "assets/models/secret.tflite.enc") {
		t.Errorf("unprotected models: got %v, want plain.tflite but not the signed or encrypted one", unprotected)
	}
	protected := paths("ai-model-protected")
	if !contains(protected, "assets/models/signed.tflite") || !contains(protected, "assets/models/secret.tflite.enc") {
		t.Errorf("protected models: got %v", protected)
	}
	unsafe := paths("ai-model-unsafe-format")
	if !contains(unsafe, "assets/models/legacy.pkl") || !contains(unsafe, "assets/models/net.pt") {
		t.Errorf("unsafe formats: got %v, want the pickle and the PyTorch archive", unsafe)
	}
	if contains(paths("ai-model-inventory"), "assets/notes.txt") {
		t.Error("a text file was taken for a model")
	}
}

func TestAISDKFromNativeLibraryNames(t *testing.T) {
	t.Parallel()
	app := testApp{minSDK: 26, targetSDK: 34, files: map[string][]byte{
		"lib/arm64-v8a/libllama.so":                []byte("not really an ELF file"),
		"lib/arm64-v8a/libtensorflowlite_jni.so":   []byte("neither"),
		"META-INF/com.google.mlkit_common.version": []byte("18.11.0\n"),
	}}
	out := analyzeAPK(t, app.apk(t))
	var sdks []string
	for _, h := range hitsOf(out, "ai-sdk-inventory") {
		sdks = append(sdks, h.Props["sdk"])
	}
	for _, want := range []string{"llama.cpp", "TensorFlow Lite / LiteRT"} {
		if !contains(sdks, want) {
			t.Errorf("SDK %s not inventoried; got %v", want, sdks)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
