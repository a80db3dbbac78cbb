package apksign

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test keys are generated once per test binary.
var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
)

func keys(t testing.TB) (*rsa.PrivateKey, *ecdsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	return rsaKey, ecKey
}

func selfSigned(t testing.TB, key crypto.Signer, subject pkix.Name) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: subject, Issuer: subject,
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type memArchive map[string][]byte

func (m memArchive) Names() []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (m memArchive) Open(name string) (io.ReadCloser, error) {
	b, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("%s: not found", name)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func zipBytes(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range memArchive(files).Names() {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(files[n])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipArchive reads a ZIP back as an Archive.
func zipArchive(t testing.TB, data []byte) memArchive {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	m := memArchive{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		m[f.Name] = b
	}
	return m
}

// signV1 adds a JAR signature (MANIFEST.MF, CERT.SF, CERT.RSA) made with
// the given digest (crypto.SHA1 or crypto.SHA256).
func signV1(t testing.TB, files map[string][]byte, key *rsa.PrivateKey, cert *x509.Certificate, h crypto.Hash, apkSigned string) map[string][]byte {
	t.Helper()
	algName := map[crypto.Hash]string{crypto.SHA1: "SHA1", crypto.SHA256: "SHA-256"}[h]
	digest := func(b []byte) string {
		var s []byte
		if h == crypto.SHA1 {
			x := sha1.Sum(b)
			s = x[:]
		} else {
			x := sha256.Sum256(b)
			s = x[:]
		}
		return base64.StdEncoding.EncodeToString(s)
	}
	var mf bytes.Buffer
	mf.WriteString("Manifest-Version: 1.0\r\nCreated-By: test\r\n\r\n")
	type sec struct{ name, raw string }
	var secs []sec
	for _, n := range memArchive(files).Names() {
		raw := fmt.Sprintf("Name: %s\r\n%s-Digest: %s\r\n\r\n", n, algName, digest(files[n]))
		secs = append(secs, sec{n, raw})
		mf.WriteString(raw)
	}
	var sf bytes.Buffer
	sf.WriteString("Signature-Version: 1.0\r\nCreated-By: test\r\n")
	fmt.Fprintf(&sf, "%s-Digest-Manifest: %s\r\n", algName, digest(mf.Bytes()))
	if apkSigned != "" {
		fmt.Fprintf(&sf, "X-Android-APK-Signed: %s\r\n", apkSigned)
	}
	sf.WriteString("\r\n")
	for _, s := range secs {
		fmt.Fprintf(&sf, "Name: %s\r\n%s-Digest: %s\r\n\r\n", s.name, algName, digest([]byte(s.raw)))
	}
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = v
	}
	out["META-INF/MANIFEST.MF"] = mf.Bytes()
	out["META-INF/CERT.SF"] = sf.Bytes()
	out["META-INF/CERT.RSA"] = pkcs7Sign(t, sf.Bytes(), key, cert, h)
	return out
}

// pkcs7Sign builds a detached SignedData over content, without signed
// attributes (as apksigner does).
func pkcs7Sign(t testing.TB, content []byte, key *rsa.PrivateKey, cert *x509.Certificate, h crypto.Hash) []byte {
	t.Helper()
	hh := h.New()
	hh.Write(content)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, h, hh.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	digestOID := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: {1, 3, 14, 3, 2, 26}, crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1}}[h]
	type algID struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	type signer struct {
		Version         int
		IssuerAndSerial struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		DigestAlgorithm    algID
		SignatureAlgorithm algID
		Signature          []byte
	}
	var si signer
	si.Version = 1
	si.IssuerAndSerial.Issuer = asn1.RawValue{FullBytes: cert.RawIssuer}
	si.IssuerAndSerial.Serial = cert.SerialNumber
	si.DigestAlgorithm = algID{Algorithm: digestOID}
	si.SignatureAlgorithm = algID{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}}
	si.Signature = sig
	type inner struct {
		ContentType asn1.ObjectIdentifier
	}
	type sdata struct {
		Version          int
		DigestAlgorithms []algID `asn1:"set"`
		ContentInfo      inner
		Certificates     asn1.RawValue `asn1:"tag:0"`
		SignerInfos      []signer      `asn1:"set"`
	}
	sd := sdata{Version: 1, DigestAlgorithms: []algID{{Algorithm: digestOID}},
		ContentInfo:  inner{ContentType: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}},
		Certificates: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: cert.Raw},
		SignerInfos:  []signer{si}}
	sdBytes, err := asn1.Marshal(sd)
	if err != nil {
		t.Fatal(err)
	}
	ci := struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdBytes}}
	out, err := asn1.Marshal(ci)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func lenPrefixed(b []byte) []byte { return append(u32(uint32(len(b))), b...) }

// signV2 inserts an APK Signing Block with one v2 signer (ECDSA P-256,
// algorithm 0x0201) before the central directory of a ZIP.
func signV2(t testing.TB, apk []byte, key *ecdsa.PrivateKey, cert *x509.Certificate) []byte {
	t.Helper()
	zl, err := findEOCD(bytes.NewReader(apk), int64(len(apk)))
	if err != nil {
		t.Fatal(err)
	}
	zl.blockOffset = zl.cdOffset
	digest, err := chunkedDigest(sha256.New, []io.ReaderAt{
		bytes.NewReader(apk[:zl.cdOffset]), bytes.NewReader(apk[zl.cdOffset:zl.eocdOffset]), bytes.NewReader(zl.eocd),
	}, []int64{zl.cdOffset, zl.eocdOffset - zl.cdOffset, int64(len(zl.eocd))})
	if err != nil {
		t.Fatal(err)
	}
	digests := lenPrefixed(lenPrefixed(append(u32(0x0201), lenPrefixed(digest)...)))
	certs := lenPrefixed(lenPrefixed(cert.Raw))
	signedData := append(append(digests, certs...), lenPrefixed(nil)...)
	h := sha256.Sum256(signedData)
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	signer := append(append(lenPrefixed(signedData), lenPrefixed(lenPrefixed(append(u32(0x0201), lenPrefixed(sig)...)))...), lenPrefixed(pub)...)
	value := lenPrefixed(lenPrefixed(signer))
	pair := binary.LittleEndian.AppendUint64(nil, uint64(4+len(value)))
	pair = append(append(pair, u32(blockV2)...), value...)
	size := uint64(len(pair) + 8 + 16)
	block := binary.LittleEndian.AppendUint64(nil, size)
	block = append(block, pair...)
	block = binary.LittleEndian.AppendUint64(block, size)
	block = append(block, blockMagic...)

	out := append([]byte{}, apk[:zl.cdOffset]...)
	out = append(out, block...)
	out = append(out, apk[zl.cdOffset:zl.eocdOffset]...)
	eocd := bytes.Clone(zl.eocd)
	binary.LittleEndian.PutUint32(eocd[16:], uint32(zl.cdOffset)+uint32(len(block)))
	return append(out, eocd...)
}

var appFiles = map[string][]byte{
	"AndroidManifest.xml": []byte("binary manifest"),
	"classes.dex":         []byte("dex\n035\x00 code"),
	"assets/model.tflite": []byte("model weights"),
}

func inspect(t *testing.T, apk []byte) *Result {
	t.Helper()
	res, err := Inspect(bytes.NewReader(apk), int64(len(apk)), zipArchive(t, apk), Options{VerifyContent: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func problemKinds(r *Result) []string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, p.Kind.String())
	}
	return out
}

func TestInspect(t *testing.T) {
	rk, ek := keys(t)
	release := pkix.Name{CommonName: "Example Release", Organization: []string{"Example"}}
	debug := pkix.Name{CommonName: "Android Debug", Organization: []string{"Android"}, Country: []string{"US"}}
	rsaCert := selfSigned(t, rk, release)
	debugCert := selfSigned(t, rk, debug)
	ecCert := selfSigned(t, ek, release)

	v1 := zipBytes(t, signV1(t, appFiles, rk, rsaCert, crypto.SHA256, ""))
	v1v2 := signV2(t, zipBytes(t, signV1(t, appFiles, rk, rsaCert, crypto.SHA256, "2")), ek, ecCert)

	modified := signV1(t, appFiles, rk, rsaCert, crypto.SHA256, "")
	modified["assets/model.tflite"] = []byte("swapped weights")
	added := signV1(t, appFiles, rk, rsaCert, crypto.SHA256, "")
	added["assets/backdoor.dex"] = []byte("dex\n035\x00 evil")
	tamperedV2 := bytes.Clone(v1v2)
	i := bytes.Index(tamperedV2, []byte("dex\n035"))
	if i < 0 {
		// Deflated: flip a byte of the first local file's data instead.
		i = 40
	}
	tamperedV2[i] ^= 0x01

	tests := []struct {
		name           string
		apk            []byte
		wantSchemes    []int
		wantVerified   int
		wantNotCovered []string
		wantProblems   []string
		check          func(t *testing.T, r *Result)
	}{
		{name: "unsigned ZIP has no scheme", apk: zipBytes(t, appFiles)},
		{name: "valid v1 signature covers every entry", apk: v1, wantSchemes: []int{1}, wantVerified: 1},
		{name: "v1 entry modified after signing is not covered", apk: zipBytes(t, modified), wantSchemes: []int{1}, wantVerified: 1,
			wantNotCovered: []string{"assets/model.tflite"}, wantProblems: []string{"entry digest"}},
		{name: "entry added after v1 signing is not covered", apk: zipBytes(t, added), wantSchemes: []int{1}, wantVerified: 1,
			wantNotCovered: []string{"assets/backdoor.dex"}},
		{name: "valid v1 and v2 signatures", apk: v1v2, wantSchemes: []int{1, 2}, wantVerified: 2,
			check: func(t *testing.T, r *Result) {
				if !r.StrippingProtection {
					t.Error("X-Android-APK-Signed not reported")
				}
			}},
		{name: "one byte changed after v2 signing breaks the content digest", apk: tamperedV2, wantSchemes: []int{1, 2}, wantVerified: 2,
			wantProblems: []string{"content digest"}},
		{name: "debug certificate and SHA-1 digests", apk: zipBytes(t, signV1(t, appFiles, rk, debugCert, crypto.SHA1, "")), wantSchemes: []int{1}, wantVerified: 1,
			check: func(t *testing.T, r *Result) {
				s := r.Signers[0]
				if !s.IsDebugCertificate() {
					t.Error("debug certificate not recognized")
				}
				if !slices.Contains(s.DigestAlgorithms, "SHA-1") || s.SignatureAlgorithm != "RSA-SHA1" {
					t.Errorf("algorithms = %v / %s, want SHA-1 and RSA-SHA1", s.DigestAlgorithms, s.SignatureAlgorithm)
				}
				if s.KeyAlgorithm != "RSA" || s.KeyBits != 2048 {
					t.Errorf("key = %s-%d", s.KeyAlgorithm, s.KeyBits)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inspect(t, tt.apk)
			if !slices.Equal(r.Schemes, tt.wantSchemes) {
				t.Errorf("schemes = %v, want %v", r.Schemes, tt.wantSchemes)
			}
			verified := 0
			for _, s := range r.Signers {
				if s.Verified {
					verified++
				} else {
					t.Logf("signer v%d: %v", s.Scheme, s.Err)
				}
			}
			if verified != tt.wantVerified {
				t.Errorf("verified signers = %d, want %d", verified, tt.wantVerified)
			}
			if !slices.Equal(r.NotCovered, tt.wantNotCovered) {
				t.Errorf("not covered = %v, want %v", r.NotCovered, tt.wantNotCovered)
			}
			if got := problemKinds(r); !slices.Equal(got, tt.wantProblems) {
				t.Errorf("problems = %v, want %v (%+v)", got, tt.wantProblems, r.Problems)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestForgedSignatureDoesNotVerify(t *testing.T) {
	rk, _ := keys(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cert := selfSigned(t, rk, pkix.Name{CommonName: "Real"})
	files := signV1(t, appFiles, other, cert, crypto.SHA256, "") // signed with a key that is not the certificate's
	r := inspect(t, zipBytes(t, files))
	if len(r.Signers) != 1 || r.Signers[0].Verified || r.Signers[0].Err == nil {
		t.Fatalf("forged signer: %+v", r.Signers)
	}
	if !slices.Contains(problemKinds(r), "signature") {
		t.Errorf("problems = %v, want a signature problem", problemKinds(r))
	}
}

func TestManifestContinuationLines(t *testing.T) {
	long := "assets/" + strings.Repeat("very-long-directory-name/", 6) + "file.bin"
	raw := "Manifest-Version: 1.0\r\n\r\nName: " + long[:66] + "\r\n " + long[66:] + "\r\nSHA-256-Digest: AAAA\r\n\r\n"
	m, err := parseManifest([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.entries[long]; !ok {
		t.Errorf("continued name not joined; entries: %v", m.order)
	}
}
