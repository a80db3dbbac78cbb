package dex

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// corpusDir returns the directory of real third-party APKs, or skips
// the test.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(testcorpus.Dir(tb), "android")
}

// findCorpus returns the APK directory of the corpus, or "" when there is
// none.
func findCorpus() string {
	dir, ok := testcorpus.Find()
	if !ok {
		return ""
	}
	return filepath.Join(dir, "android")
}

var dexName = regexp.MustCompile(`^classes\d*\.dex$`)

// corpusDex returns the classes*.dex files of the named corpus APK, by
// entry name, or skips the test when the APK is absent.
func corpusDex(tb testing.TB, apk string) map[string][]byte {
	tb.Helper()
	path := filepath.Join(corpusDir(tb), apk)
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("corpus APK %s absent", apk)
	}
	return readDex(tb, path)
}

func readDex(tb testing.TB, path string) map[string][]byte {
	tb.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		if !dexName.MatchString(f.Name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			tb.Fatalf("%s: %s: %v", path, f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		rc.Close()
		if err != nil {
			tb.Fatalf("%s: %s: %v", path, f.Name, err)
		}
		out[f.Name] = b
	}
	if len(out) == 0 {
		tb.Fatalf("%s: no classes.dex", path)
	}
	return out
}

// parseCorpus parses the classes.dex of the named APK.
func parseCorpus(t *testing.T, apk string) *File {
	t.Helper()
	return parseOK(t, corpusDex(t, apk)["classes.dex"], Limits{})
}

func TestCorpusParsesEveryDex(t *testing.T) {
	apks, _ := filepath.Glob(filepath.Join(corpusDir(t), "*.apk"))
	if len(apks) == 0 {
		t.Skip("no APKs in the corpus")
	}
	for _, apk := range apks {
		for name, data := range readDex(t, apk) {
			t.Run(filepath.Base(apk)+"/"+name+" parses without error or warning", func(t *testing.T) {
				t.Parallel()
				f := parseOK(t, data, Limits{})
				if len(f.Warnings) != 0 {
					t.Errorf("Warnings = %q, want none", f.Warnings)
				}
				if len(f.Classes) == 0 || len(f.Strings) == 0 {
					t.Errorf("got %d classes and %d strings, want some", len(f.Classes), len(f.Strings))
				}
				checkInvariants(t, f)
			})
		}
	}
}

func TestCorpusUncrackable(t *testing.T) {
	f := parseCorpus(t, "uncrackable-level1.apk")

	// sg.vantagepoint.a.a.a(byte[], byte[]) is
	//   new SecretKeySpec(key, "AES/ECB/PKCS7Padding");
	//   Cipher.getInstance("AES"); ...
	// The transformation string goes to SecretKeySpec (as its algorithm);
	// getInstance gets "AES", which means AES/ECB/PKCS5Padding.
	var getInstance, keySpec []callView
	for _, c := range f.Classes {
		if c.Name != "Lsg/vantagepoint/a/a;" {
			continue
		}
		for _, m := range c.Methods {
			for _, v := range viewCalls(f, &m) {
				switch v.Method {
				case "Ljavax/crypto/Cipher;->getInstance":
					getInstance = append(getInstance, v)
				case "Ljavax/crypto/spec/SecretKeySpec;-><init>":
					keySpec = append(keySpec, v)
				}
			}
		}
	}
	if !slices.ContainsFunc(getInstance, func(v callView) bool { return len(v.Args) == 1 && v.Args[0] == "str:AES" }) {
		t.Errorf("Cipher.getInstance calls in Lsg/vantagepoint/a/a; = %v, want one with Args[0] \"AES\"", getInstance)
	}
	if !slices.ContainsFunc(keySpec, func(v callView) bool { return len(v.Args) == 3 && v.Args[2] == "str:AES/ECB/PKCS7Padding" }) {
		t.Errorf("SecretKeySpec.<init> calls = %v, want one with algorithm \"AES/ECB/PKCS7Padding\"", keySpec)
	}

	const secret = "8d127684cbc37c17616d806cf50473cc"
	if got := loadedBy(f, secret); len(got) == 0 {
		t.Errorf("no method loads %q by const-string", secret)
	}
}

func TestCorpusInsecureBank(t *testing.T) {
	f := parseCorpus(t, "insecurebankv2.apk")

	const key = "This is the super secret key 123"
	got := loadedBy(f, key)
	if !slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, "CryptoClass;-><init>") }) {
		t.Errorf("%q loaded by %q, want CryptoClass's constructor", key, got)
	}

	// The constructor also fills the IV from a constant array of 16 zero
	// bytes: byte[] ivBytes = {0x00, ..., 0x00}.
	var arrays [][]byte
	for _, c := range f.Classes {
		if strings.HasSuffix(c.Name, "/CryptoClass;") {
			for _, m := range c.Methods {
				arrays = append(arrays, m.ArrayData...)
			}
		}
	}
	if !slices.ContainsFunc(arrays, func(a []byte) bool {
		return len(a) == 16 && !slices.ContainsFunc(a, func(b byte) bool { return b != 0 })
	}) {
		t.Errorf("CryptoClass array payloads = %v, want a 16-byte all-zero IV", arrays)
	}
}

// loadedBy returns "Lclass;->method" for every method that loads s.
func loadedBy(f *File, s string) []string {
	var out []string
	for _, c := range f.Classes {
		for _, m := range c.Methods {
			if slices.ContainsFunc(m.Strings, func(i uint32) bool { return f.Strings[i] == s }) {
				out = append(out, c.Name+"->"+m.Name)
			}
		}
	}
	return out
}

// BenchmarkParse parses the largest classes*.dex of the corpus.
func BenchmarkParse(b *testing.B) {
	apks, _ := filepath.Glob(filepath.Join(corpusDir(b), "*.apk"))
	var data []byte
	for _, apk := range apks {
		for _, d := range readDex(b, apk) {
			if len(d) > len(data) {
				data = d
			}
		}
	}
	if data == nil {
		b.Skip("no DEX in the corpus")
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
