package apksign

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/binary"
	"io"
	"os"
	"slices"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// zipFileArchive adapts archive/zip for tests over real files.
type zipFileArchive struct{ r *zip.Reader }

func (z zipFileArchive) Names() []string {
	var out []string
	for _, f := range z.r.File {
		out = append(out, f.Name)
	}
	return out
}

func (z zipFileArchive) Open(name string) (io.ReadCloser, error) { return z.r.Open(name) }

func inspectFile(t testing.TB, path string) *Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Inspect(bytes.NewReader(data), int64(len(data)), zipFileArchive{zr}, Options{VerifyContent: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestCorpusSignatures(t *testing.T) {
	tests := []struct {
		apk         string
		wantSchemes []int
		wantDebug   bool
	}{
		{"insecurebankv2.apk", []int{1}, false},
		{"androgoat.apk", []int{1, 2}, true},
		{"diva-beta.apk", nil, false},
		{"uncrackable-level1.apk", []int{1, 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.apk, func(t *testing.T) {
			r := inspectFile(t, testcorpus.Path(t, "android/"+tt.apk))
			if !slices.Equal(r.Schemes, tt.wantSchemes) {
				t.Errorf("schemes = %v, want %v", r.Schemes, tt.wantSchemes)
			}
			for _, s := range r.Signers {
				if !s.Verified {
					t.Errorf("v%d signer does not verify: %v", s.Scheme, s.Err)
				}
				if s.IsDebugCertificate() != tt.wantDebug {
					t.Errorf("v%d debug certificate = %v, want %v", s.Scheme, s.IsDebugCertificate(), tt.wantDebug)
				}
			}
			if len(r.Problems) > 0 || len(r.NotCovered) > 0 {
				t.Errorf("problems %+v, not covered %v; want none for an untouched APK", r.Problems, r.NotCovered)
			}
		})
	}
}

// FuzzSigningBlock fuzzes the APK Signing Block's id-value pairs and the
// signers inside them (the part of the file an attacker controls most).
func FuzzSigningBlock(f *testing.F) {
	rk, ek := keys(f)
	cert := selfSigned(f, ek, pkix.Name{CommonName: "fuzz"})
	apk := signV2(f, zipBytes(f, signV1(f, appFiles, rk, selfSigned(f, rk, pkix.Name{CommonName: "v1"}), crypto.SHA256, "2")), ek, cert)
	zl, err := findEOCD(bytes.NewReader(apk), int64(len(apk)))
	if err != nil {
		f.Fatal(err)
	}
	size := int64(binary.LittleEndian.Uint64(apk[zl.cdOffset-24:]))
	f.Add(apk[zl.cdOffset-size : zl.cdOffset-24]) // the pairs
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		pairs, err := parsePairs(data)
		if err != nil {
			return
		}
		for _, scheme := range []struct {
			id uint32
			n  int
		}{{blockV2, 2}, {blockV3, 3}, {blockV31, 31}} {
			if v, ok := pairs[scheme.id]; ok {
				if signers, err := parseSigners(v, scheme.n); err == nil {
					for _, s := range signers {
						s.verify()
					}
				}
			}
		}
	})
}

// FuzzReadSigningBlock fuzzes locating the block from the end of a file.
func FuzzReadSigningBlock(f *testing.F) {
	f.Add(zipBytes(f, appFiles))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, data []byte) {
		readSigningBlock(bytes.NewReader(data), int64(len(data)), 1<<20)
	})
}

func FuzzManifest(f *testing.F) {
	f.Add([]byte("Manifest-Version: 1.0\r\n\r\nName: a\r\nSHA-256-Digest: AAAA\r\n\r\n"))
	f.Add([]byte("Signature-Version: 1.0\nSHA1-Digest-Manifest: x\n\nName: very\n long\nSHA1-Digest: y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseManifest(data)
		if err != nil {
			return
		}
		for _, n := range m.order {
			if _, ok := m.entries[n]; !ok {
				t.Fatalf("section %q listed but not stored", n)
			}
		}
	})
}

func FuzzPKCS7(f *testing.F) {
	rk, _ := keys(f)
	cert := selfSigned(f, rk, pkix.Name{CommonName: "fuzz"})
	f.Add(pkcs7Sign(f, []byte("signature file"), rk, cert, crypto.SHA256))
	f.Add(pkcs7Sign(f, []byte("x"), rk, cert, crypto.SHA1))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := parsePKCS7(data); err == nil {
			p.verify([]byte("signature file"))
		}
	})
}

// BenchmarkContentDigest measures the v2 whole-file digest (the cost of
// checking that nothing changed after signing).
func BenchmarkContentDigest(b *testing.B) {
	data, err := os.ReadFile(testcorpus.Path(b, "android/insecurebankv2.apk"))
	if err != nil {
		b.Fatal(err)
	}
	data = bytes.Repeat(data, 8) // ~28 MB
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := chunkedDigest(sha256.New, []io.ReaderAt{bytes.NewReader(data)}, []int64{int64(len(data))}); err != nil {
			b.Fatal(err)
		}
	}
}
