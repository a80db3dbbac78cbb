package apksign

import (
	"archive/zip"
	"bytes"
	"crypto"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// fuzzSeeds are small signed APKs, built once per process.
type fuzzSeeds struct {
	v1, v1v2, v3 []byte
}

func makeFuzzSeeds(t testing.TB) fuzzSeeds {
	t.Helper()
	k := keys(t)
	rsaCert := selfSigned(t, k.rsa, releaseName, 1).Raw
	ecCert := selfSigned(t, k.ec, releaseName, 2).Raw
	small := []zfile{{name: "AndroidManifest.xml", data: []byte("m")}, {name: "classes.dex", data: []byte("dex\n035\x00")}}
	v1 := zipBytes(t, signV1(t, small, v1Options{key: k.rsa, cert: rsaCert, hash: crypto.SHA256, apkSigned: "2, 3"}))
	return fuzzSeeds{
		v1:   v1,
		v1v2: signBlock(t, v1, blockSigner{scheme: 2, alg: 0x0201, key: k.ec, cert: ecCert}),
		v3: signBlock(t, zipBytes(t, small), blockSigner{scheme: 3, alg: 0x0103, key: k.rsa, cert: rsaCert, minSDK: 24, maxSDK: 32},
			blockSigner{scheme: 31, alg: 0x0202, key: k.ec, cert: ecCert, minSDK: 33, maxSDK: 0x7fffffff}),
	}
}

// corpusAPKs returns the corpus APKs when the corpus is present, for
// seeds; fuzzing does not need them.
func corpusAPKs() [][]byte {
	dir, ok := testcorpus.Find()
	if !ok {
		return nil
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "android", "*.apk"))
	var out [][]byte
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// blockOf returns the raw APK Signing Block of an APK, if it has one.
func blockOf(apk []byte) []byte {
	zl, err := findEOCD(bytes.NewReader(apk), int64(len(apk)))
	if err != nil {
		return nil
	}
	b, _ := readSigningBlock(bytes.NewReader(apk), &zl, DefaultMaxSigningBlock)
	return b
}

// entryOf returns one entry of a ZIP.
func entryOf(apk []byte, name string) []byte {
	zr, err := zip.NewReader(bytes.NewReader(apk), int64(len(apk)))
	if err != nil {
		return nil
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				return nil
			}
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			return b
		}
	}
	return nil
}

// FuzzSigningBlock feeds raw bytes to the APK Signing Block parser: the
// framing, the id-value pairs, and the v2/v3/v3.1 signers in them, which
// are then verified.
func FuzzSigningBlock(f *testing.F) {
	s := makeFuzzSeeds(f)
	for _, apk := range append([][]byte{s.v1v2, s.v3}, corpusAPKs()...) {
		if b := blockOf(apk); b != nil {
			f.Add(b)
			f.Add(b[:len(b)/2])
		}
	}
	f.Add([]byte(blockMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		pairs, err := parseBlock(data)
		if err != nil {
			return
		}
		for _, bs := range blockSchemes {
			v, ok := pairs[bs.id]
			if !ok {
				continue
			}
			signers, err := parseSigners(v, bs.scheme)
			if err != nil {
				continue
			}
			for _, ps := range signers {
				s := ps.verify()
				if s.Verified == (s.Err != nil) {
					t.Fatalf("signer verified %v with error %v", s.Verified, s.Err)
				}
			}
		}
	})
}

// FuzzManifest feeds raw bytes to the MANIFEST.MF / .SF parser and to the
// digest attribute reader.
func FuzzManifest(f *testing.F) {
	s := makeFuzzSeeds(f)
	for _, apk := range append([][]byte{s.v1}, corpusAPKs()...) {
		for _, name := range []string{"META-INF/MANIFEST.MF", "META-INF/CERT.SF"} {
			if b := entryOf(apk, name); b != nil {
				f.Add(b[:min(len(b), 4096)])
			}
		}
	}
	f.Add([]byte("Manifest-Version: 1.0\r\n\r\nName: a\r\nSHA-256-Digest: AAAA\r\n\r\n"))
	f.Add([]byte("Signature-Version: 1.0\nSHA1-Digest-Manifest: x\n\nName: very\n long\nSHA1-Digest: y\n"))
	f.Add([]byte("\r\n\r\n\r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseManifest(data)
		if err != nil {
			return
		}
		total := len(m.main.raw)
		for _, n := range m.order {
			sec, ok := m.entries[n]
			if !ok {
				t.Fatalf("section %q listed but not stored", n)
			}
			if sec.attrs["name"] != n {
				t.Fatalf("section stored as %q has Name %q", n, sec.attrs["name"])
			}
			total += len(sec.raw)
			digests(sec.attrs, "-digest")
		}
		if total > len(data) {
			t.Fatalf("sections hold %d bytes of %d", total, len(data))
		}
		digests(m.main.attrs, "-digest-manifest")
	})
}

// FuzzPKCS7 feeds raw bytes to the SignedData parser and verifies what
// parses against a fixed .SF.
func FuzzPKCS7(f *testing.F) {
	k := keys(f)
	sf := []byte("Signature-Version: 1.0\r\n\r\n")
	rsaCert := selfSigned(f, k.rsa, releaseName, 1).Raw
	ecCert := selfSigned(f, k.ec, releaseName, 2).Raw
	f.Add(pkcs7Sign(f, sf, v1Options{key: k.rsa, cert: rsaCert, hash: crypto.SHA256}))
	f.Add(pkcs7Sign(f, sf, v1Options{key: k.rsa, cert: rsaCert, hash: crypto.SHA1, signedAttrs: true}))
	f.Add(pkcs7Sign(f, sf, v1Options{key: k.ec, cert: ecCert, hash: crypto.SHA256, signedAttrs: true}))
	f.Add(pkcs7Sign(f, sf, v1Options{key: k.dsa, cert: handMadeCert(f, dsaSPKI(f, &k.dsa.PublicKey), big.NewInt(-5), releaseName, k.rsa), hash: crypto.SHA256}))
	for _, apk := range corpusAPKs() {
		if b := entryOf(apk, "META-INF/CERT.RSA"); b != nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parsePKCS7(data)
		if err != nil {
			return
		}
		if v := p.verify(sf); v.err == nil && v.leaf == nil {
			t.Fatal("verified without a signer certificate")
		}
	})
}

// fuzzArchive is an Archive over archive/zip that bounds what it reads.
type fuzzArchive struct{ zipArchive }

func (a fuzzArchive) Open(name string) (io.ReadCloser, error) {
	rc, err := a.zipArchive.Open(name)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, 1<<20), rc}, nil
}

// FuzzInspect feeds whole files to Inspect: the end record search, the
// signing block, content digests and the JAR signature together.
func FuzzInspect(f *testing.F) {
	s := makeFuzzSeeds(f)
	for _, b := range [][]byte{s.v1, s.v1v2, s.v3} {
		f.Add(b)
	}
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ar Archive
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil && len(zr.File) < 1000 {
			ar = fuzzArchive{zipArchive{zr}}
		}
		r, err := Inspect(bytes.NewReader(data), int64(len(data)), ar, Options{VerifyContent: true, MaxSigningBlock: 1 << 20})
		if err != nil {
			t.Fatalf("Inspect of bytes in memory: %v", err)
		}
		for _, sg := range r.Signers {
			if sg.Verified == (sg.Err != nil) || (sg.ContentVerified && !sg.Verified) {
				t.Fatalf("v%d signer verified %v, content verified %v, error %v", sg.Scheme, sg.Verified, sg.ContentVerified, sg.Err)
			}
		}
	})
}
