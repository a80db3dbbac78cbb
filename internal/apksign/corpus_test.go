package apksign

import (
	"bytes"
	"crypto"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
	"github.com/google/go-cmp/cmp"
)

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(testcorpus.Path(t, "android/"+name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// corpusSigner is what a real APK's signer is known to be.
type corpusSigner struct {
	Scheme             int
	Verified           bool
	ContentVerified    bool
	Subject            string
	Debug              bool
	KeyAlgorithm       string
	KeyBits            int
	SignatureAlgorithm string
	DigestAlgorithms   []string
}

// TestCorpusSignatures checks what the signatures of the real third-party
// APKs in ../shared/corpus are, as apksigner reports them.
func TestCorpusSignatures(t *testing.T) {
	t.Parallel()
	const (
		dinesh  = "CN=Dinesh Shetty,OU=Services,O=SI,L=Boston,ST=MA"
		debug   = "CN=Android Debug,O=Android,C=US"
		jeroen  = "CN=Jeroen Willemsen,OU=OMTG,O=OWASP,L=Amsterdam,C=NL"
		pkcs256 = "RSA-PKCS1v15-SHA256"
	)
	sha256 := []string{"SHA-256"}
	tests := []struct {
		apk       string
		why       string
		schemes   []int
		stripping []int
		signers   []corpusSigner
	}{
		{"insecurebankv2.apk", "v1 only, SHA-1 digests, every entry's digest matches", []int{1}, nil, []corpusSigner{
			{1, true, true, dinesh, false, "RSA", 2048, "RSA-SHA1", []string{"SHA-1"}},
		}},
		{"androgoat.apk", "v1 and v2 with the SDK debug certificate and a 1024-bit key; the v2 digest of the file matches", []int{1, 2}, []int{2}, []corpusSigner{
			{1, true, false, debug, true, "RSA", 1024, "RSA-SHA256", sha256},
			{2, true, true, debug, true, "RSA", 1024, pkcs256, sha256},
		}},
		{"diva-beta.apk", "not signed at all", nil, nil, nil},
		{"uncrackable-level1.apk", "v1 and v2 with a release certificate; the v2 digest of the file matches", []int{1, 2}, []int{2}, []corpusSigner{
			{1, true, false, jeroen, false, "RSA", 2048, "RSA-SHA256", sha256},
			{2, true, true, jeroen, false, "RSA", 2048, pkcs256, sha256},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.apk+": "+tt.why, func(t *testing.T) {
			t.Parallel()
			r := inspectBytes(t, readCorpus(t, tt.apk), Options{VerifyContent: true})
			var signers []corpusSigner
			for _, s := range r.Signers {
				cs := corpusSigner{Scheme: s.Scheme, Verified: s.Verified, ContentVerified: s.ContentVerified, Debug: s.IsDebugCertificate(),
					KeyAlgorithm: s.KeyAlgorithm, KeyBits: s.KeyBits, SignatureAlgorithm: s.SignatureAlgorithm, DigestAlgorithms: s.DigestAlgorithms}
				if len(s.Certificates) > 0 {
					cs.Subject = s.Certificates[0].Subject.String()
				}
				if s.Err != nil {
					t.Errorf("v%d signer error: %v", s.Scheme, s.Err)
				}
				signers = append(signers, cs)
			}
			got := []any{r.Schemes, r.StrippingProtection, signers, r.Problems, r.NotCovered, r.Warnings}
			want := []any{tt.schemes, tt.stripping, tt.signers, []Problem(nil), []string(nil), []string(nil)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("schemes, stripping protection, signers, problems, not covered, warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCorpusV1Alone checks the JAR signatures of the corpus APKs that
// also have a v2 signature on their own: every entry's digest matches
// MANIFEST.MF and nothing is left uncovered.
func TestCorpusV1Alone(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"androgoat.apk", "uncrackable-level1.apk"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data := readCorpus(t, name)
			r, err := Inspect(nil, 0, newZipArchive(t, data), Options{VerifyContent: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Signers) != 1 || !r.Signers[0].ContentVerified {
				t.Fatalf("signers = %+v, want one v1 signer whose entries all match", r.Signers)
			}
			if len(r.NotCovered) > 0 || len(r.Problems) > 0 {
				t.Errorf("not covered %q, problems %+v; want none", r.NotCovered, r.Problems)
			}
		})
	}
}

// TestCorpusTampering changes real signed APKs the way an attacker would
// and checks that the change is seen.
func TestCorpusTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		apk    string
		offset func(t testing.TB, data []byte) int
		want   []string
	}{
		// The first local header's modification time: no entry changes,
		// the v2 digest of the file does.
		{"androgoat.apk", func(testing.TB, []byte) int { return 10 }, []string{"content digest"}},
		// A byte of the central directory.
		{"uncrackable-level1.apk", func(t testing.TB, data []byte) int {
			_, cd, eocd := zipParts(t, data)
			return len(data) - len(eocd) - len(cd)
		}, []string{"content digest"}},
	}
	for _, tt := range tests {
		t.Run(tt.apk, func(t *testing.T) {
			t.Parallel()
			data := bytes.Clone(readCorpus(t, tt.apk))
			data[tt.offset(t, data)] ^= 1
			r, err := Inspect(bytes.NewReader(data), int64(len(data)), nil, Options{VerifyContent: true})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, problemKinds(r)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkContentDigest measures the v2/v3 digest of the whole file: the
// cost of knowing that nothing changed after signing. "androgoat" is the
// real layout of a v2-signed corpus APK; "28MB" is the largest corpus
// APK eight times over, on one core and on all.
func BenchmarkContentDigest(b *testing.B) {
	data := readCorpus(b, "androgoat.apk")
	zl, err := findEOCD(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := readSigningBlock(bytes.NewReader(data), &zl, DefaultMaxSigningBlock); err != nil {
		b.Fatal(err)
	}
	b.Run("androgoat", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := contentDigest(bytes.NewReader(data), zl, crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
	})
	big := bytes.Repeat(readCorpus(b, "insecurebankv2.apk"), 8)
	for _, procs := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("28MB/procs=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			b.SetBytes(int64(len(big)))
			for b.Loop() {
				if _, err := chunkedDigest(crypto.SHA256, []section{{bytes.NewReader(big), 0, int64(len(big))}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInspect measures a whole inspection of each corpus APK, with
// and without recomputing content digests.
func BenchmarkInspect(b *testing.B) {
	dir := testcorpus.Dir(b)
	for _, name := range []string{"insecurebankv2.apk", "androgoat.apk", "uncrackable-level1.apk"} {
		data, err := os.ReadFile(filepath.Join(dir, "android", name))
		if err != nil {
			b.Skipf("corpus file %s: %v", name, err)
		}
		ar := newZipArchive(b, data)
		for _, verify := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/VerifyContent=%v", name, verify), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := Inspect(bytes.NewReader(data), int64(len(data)), ar, Options{VerifyContent: verify}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
