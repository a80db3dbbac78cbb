package apksign

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/dsa" //lint:ignore SA1019 tests sign with DSA to check that DSA signatures verify
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test keys are generated once per test binary.
type testKeySet struct {
	rsa, rsa1024, other *rsa.PrivateKey
	ec                  *ecdsa.PrivateKey
	dsa                 *dsa.PrivateKey
}

var (
	keysOnce sync.Once
	testKeys testKeySet
)

func keys(t testing.TB) *testKeySet {
	t.Helper()
	keysOnce.Do(func() {
		must := func(err error) {
			if err != nil {
				panic(err)
			}
		}
		var err error
		testKeys.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		testKeys.other, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		testKeys.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024)
		must(err)
		testKeys.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		k := new(dsa.PrivateKey)
		must(dsa.GenerateParameters(&k.Parameters, rand.Reader, dsa.L1024N160))
		must(dsa.GenerateKey(k, rand.Reader))
		testKeys.dsa = k
	})
	return &testKeys
}

var (
	releaseName = pkix.Name{CommonName: "Example Release", Organization: []string{"Example"}}
	debugName   = pkix.Name{CommonName: "Android Debug", Organization: []string{"Android"}, Country: []string{"US"}}
)

// selfSigned makes a certificate for key (RSA or ECDSA).
func selfSigned(t testing.TB, key crypto.Signer, subject pkix.Name, serial int64) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: subject,
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

// handMadeCert builds a certificate whose subject key is spki and whose
// serial is serial (which may be negative: crypto/x509 makes neither a
// DSA certificate nor a negative serial), signed by an RSA key.
func handMadeCert(t testing.TB, spki []byte, serial *big.Int, subject pkix.Name, signer *rsa.PrivateKey) []byte {
	t.Helper()
	name, err := asn1.Marshal(subject.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	algo := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, Parameters: asn1.NullRawValue}
	tbs := struct {
		Version   int `asn1:"explicit,tag:0"`
		Serial    *big.Int
		Algorithm pkix.AlgorithmIdentifier
		Issuer    asn1.RawValue
		Validity  struct{ NotBefore, NotAfter time.Time }
		Subject   asn1.RawValue
		PublicKey asn1.RawValue
	}{2, serial, algo, asn1.RawValue{FullBytes: name},
		struct{ NotBefore, NotAfter time.Time }{time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2049, 1, 1, 0, 0, 0, 0, time.UTC)},
		asn1.RawValue{FullBytes: name}, asn1.RawValue{FullBytes: spki}}
	tbsDER, err := asn1.Marshal(tbs)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, signer, crypto.SHA256, digestOf(crypto.SHA256, tbsDER))
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		TBS       asn1.RawValue
		Algorithm pkix.AlgorithmIdentifier
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbsDER}, algo, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// dsaSPKI encodes a DSA public key, which crypto/x509 does not marshal.
func dsaSPKI(t testing.TB, k *dsa.PublicKey) []byte {
	t.Helper()
	params, err := asn1.Marshal(struct{ P, Q, G *big.Int }{k.P, k.Q, k.G})
	if err != nil {
		t.Fatal(err)
	}
	y, err := asn1.Marshal(k.Y)
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}{pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}, Parameters: asn1.RawValue{FullBytes: params}},
		asn1.BitString{Bytes: y, BitLength: 8 * len(y)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func digestOf(h crypto.Hash, b []byte) []byte {
	hh := h.New()
	hh.Write(b)
	return hh.Sum(nil)
}

// sign signs data with any of the test keys, as the APK schemes do: PKCS
// #1 v1.5 or PSS for RSA, ASN.1 for ECDSA and DSA.
func sign(t testing.TB, key crypto.PrivateKey, h crypto.Hash, pss bool, data []byte) []byte {
	t.Helper()
	sum := digestOf(h, data)
	var (
		sig []byte
		err error
	)
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if pss {
			sig, err = rsa.SignPSS(rand.Reader, k, h, sum, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, k, h, sum)
		}
	case *ecdsa.PrivateKey:
		sig, err = ecdsa.SignASN1(rand.Reader, k, sum)
	case *dsa.PrivateKey:
		if n := k.Q.BitLen() / 8; len(sum) > n {
			sum = sum[:n]
		}
		var r, s *big.Int
		if r, s, err = dsa.Sign(rand.Reader, k, sum); err == nil {
			sig, err = asn1.Marshal(struct{ R, S *big.Int }{r, s})
		}
	default:
		t.Fatalf("sign: key %T", key)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// zfile is one ZIP entry to write.
type zfile struct {
	name   string
	data   []byte
	stored bool
}

var appFiles = []zfile{
	{name: "AndroidManifest.xml", data: []byte("binary manifest")},
	{name: "classes.dex", data: []byte("dex\n035\x00 code")},
	{name: "res/", data: nil},
	{name: "assets/model.tflite", data: bytes.Repeat([]byte("model weights "), 100)},
	{name: "assets/" + strings.Repeat("a-rather-long-directory-name/", 3) + "file.bin", data: []byte("long name")},
	{name: "lib/arm64-v8a/libnative.so", data: []byte("\x7fELF"), stored: true},
}

func withFile(files []zfile, f zfile) []zfile {
	out := make([]zfile, 0, len(files)+1)
	replaced := false
	for _, x := range files {
		if x.name == f.name {
			x, replaced = f, true
		}
		out = append(out, x)
	}
	if !replaced {
		out = append(out, f)
	}
	return out
}

func withoutFile(files []zfile, name string) []zfile {
	var out []zfile
	for _, x := range files {
		if x.name != name {
			out = append(out, x)
		}
	}
	return out
}

func file(files []zfile, name string) []byte {
	for _, f := range files {
		if f.name == name {
			return f.data
		}
	}
	return nil
}

// zipBytes writes files, in order, as a ZIP.
func zipBytes(t testing.TB, files []zfile) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		if f.stored || strings.HasSuffix(f.name, "/") {
			h.Method = zip.Store
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipArchive is the Archive of a ZIP read with archive/zip.
type zipArchive struct{ r *zip.Reader }

var _ Archive = zipArchive{}

func newZipArchive(t testing.TB, data []byte) zipArchive {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return zipArchive{zr}
}

func (z zipArchive) Names() []string {
	out := make([]string, len(z.r.File))
	for i, f := range z.r.File {
		out[i] = f.Name
	}
	return out
}

// Open opens the first entry with that name.
func (z zipArchive) Open(name string) (io.ReadCloser, error) {
	for _, f := range z.r.File {
		if f.Name == name {
			return f.Open()
		}
	}
	return nil, fmt.Errorf("%s: no such entry", name)
}

// v1Options say how signV1 signs.
type v1Options struct {
	key         crypto.PrivateKey // RSA, ECDSA or DSA
	cert        []byte            // DER
	hash        crypto.Hash       // of manifest entries, the .SF and the signature block
	apkSigned   string            // X-Android-APK-Signed, if any
	signedAttrs bool              // PKCS#7 with signed attributes
	badAttrs    bool              // ... whose message digest is wrong
	noWhole     bool              // .SF without a digest of the whole manifest
}

var manifestAlg = map[crypto.Hash]string{crypto.MD5: "MD5", crypto.SHA1: "SHA1", crypto.SHA256: "SHA-256", crypto.SHA512: "SHA-512"}

// manifestAttr writes one attribute, wrapping lines at 72 bytes as JAR
// writers do.
func manifestAttr(w *bytes.Buffer, name, value string) {
	line := name + ": " + value
	w.WriteString(line[:min(72, len(line))])
	for line = line[min(72, len(line)):]; line != ""; line = line[min(71, len(line)):] {
		w.WriteString("\r\n ")
		w.WriteString(line[:min(71, len(line))])
	}
	w.WriteString("\r\n")
}

// signV1 adds a JAR signature: META-INF/MANIFEST.MF, CERT.SF and a
// signature block named for the key (CERT.RSA, CERT.EC, CERT.DSA).
func signV1(t testing.TB, files []zfile, o v1Options) []zfile {
	t.Helper()
	alg := manifestAlg[o.hash]
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(digestOf(o.hash, b)) }
	var mf bytes.Buffer
	mf.WriteString("Manifest-Version: 1.0\r\nCreated-By: bulwark test\r\n\r\n")
	mainLen := mf.Len()
	var names, sections []string
	for _, f := range files {
		if strings.HasSuffix(f.name, "/") {
			continue
		}
		var sec bytes.Buffer
		manifestAttr(&sec, "Name", f.name)
		manifestAttr(&sec, alg+"-Digest", b64(f.data))
		sec.WriteString("\r\n")
		names, sections = append(names, f.name), append(sections, sec.String())
		mf.Write(sec.Bytes())
	}
	var sf bytes.Buffer
	sf.WriteString("Signature-Version: 1.0\r\nCreated-By: bulwark test\r\n")
	if !o.noWhole {
		manifestAttr(&sf, alg+"-Digest-Manifest", b64(mf.Bytes()))
	}
	manifestAttr(&sf, alg+"-Digest-Manifest-Main-Attributes", b64(mf.Bytes()[:mainLen]))
	if o.apkSigned != "" {
		manifestAttr(&sf, "X-Android-APK-Signed", o.apkSigned)
	}
	sf.WriteString("\r\n")
	for i, n := range names {
		manifestAttr(&sf, "Name", n)
		manifestAttr(&sf, alg+"-Digest", b64([]byte(sections[i])))
		sf.WriteString("\r\n")
	}
	ext := map[string]string{"RSA": "RSA", "ECDSA": "EC", "DSA": "DSA"}
	kind, _ := keyInfo(publicKey(o.key))
	out := append([]zfile{}, files...)
	out = append(out,
		zfile{name: "META-INF/MANIFEST.MF", data: mf.Bytes()},
		zfile{name: "META-INF/CERT.SF", data: sf.Bytes()},
		zfile{name: "META-INF/CERT." + ext[kind], data: pkcs7Sign(t, sf.Bytes(), o)})
	return out
}

func publicKey(k crypto.PrivateKey) crypto.PublicKey {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return &k.PublicKey
	case *ecdsa.PrivateKey:
		return &k.PublicKey
	case *dsa.PrivateKey:
		return &k.PublicKey
	}
	return nil
}

// Object identifiers the test signer writes.
var (
	testOIDDigest = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.MD5: {1, 2, 840, 113549, 2, 5}, crypto.SHA1: {1, 3, 14, 3, 2, 26},
		crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
	}
	testOIDRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	testOIDECDSA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	testOIDECKey      = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	testOIDDSA        = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	testOIDData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	testOIDSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
)

type testAlgID struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// pkcs7Sign builds a detached SignedData over content, as a JAR signature
// block: one certificate, one SignerInfo identified by issuer and serial.
func pkcs7Sign(t testing.TB, content []byte, o v1Options) []byte {
	t.Helper()
	var cert struct {
		TBS struct {
			Version asn1.RawValue `asn1:"optional,explicit,tag:0"`
			Serial  *big.Int
			Algo    asn1.RawValue
			Issuer  asn1.RawValue
		}
	}
	if _, err := asn1.Unmarshal(o.cert, &cert); err != nil {
		t.Fatal(err)
	}
	sigOID := testOIDRSA
	switch o.key.(type) {
	case *ecdsa.PrivateKey:
		sigOID = testOIDECKey
		if o.hash == crypto.SHA256 {
			sigOID = testOIDECDSA256
		}
	case *dsa.PrivateKey:
		sigOID = testOIDDSA
	}
	signed := content
	var attrs asn1.RawValue
	if o.signedAttrs {
		md := digestOf(o.hash, content)
		if o.badAttrs {
			md[0] ^= 1
		}
		type attr struct {
			Type   asn1.ObjectIdentifier
			Values []any `asn1:"set"`
		}
		var body []byte
		for _, a := range []attr{
			{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}, []any{testOIDData}},
			{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}, []any{md}},
		} {
			der, err := asn1.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			body = append(body, der...)
		}
		set, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: body})
		if err != nil {
			t.Fatal(err)
		}
		signed = set
		attrs = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: body}
	}
	type signerInfo struct {
		Version         int
		IssuerAndSerial struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		DigestAlgorithm    testAlgID
		SignedAttrs        asn1.RawValue `asn1:"optional"`
		SignatureAlgorithm testAlgID
		Signature          []byte
	}
	si := signerInfo{Version: 1, DigestAlgorithm: testAlgID{Algorithm: testOIDDigest[o.hash]}, SignedAttrs: attrs,
		SignatureAlgorithm: testAlgID{Algorithm: sigOID}, Signature: sign(t, o.key, o.hash, false, signed)}
	si.IssuerAndSerial.Issuer = cert.TBS.Issuer
	si.IssuerAndSerial.Serial = cert.TBS.Serial
	sd := struct {
		Version          int
		DigestAlgorithms []testAlgID `asn1:"set"`
		ContentInfo      struct{ ContentType asn1.ObjectIdentifier }
		Certificates     asn1.RawValue `asn1:"tag:0"`
		SignerInfos      []signerInfo  `asn1:"set"`
	}{Version: 1, DigestAlgorithms: []testAlgID{{Algorithm: testOIDDigest[o.hash]}},
		Certificates: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: o.cert},
		SignerInfos:  []signerInfo{si}}
	sd.ContentInfo.ContentType = testOIDData
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		t.Fatal(err)
	}
	out, err := asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{testOIDSignedData, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func lenPrefixed(parts ...[]byte) []byte {
	b := bytes.Join(parts, nil)
	return append(u32(uint32(len(b))), b...)
}

// blockSigner says how signBlock signs with one signer.
type blockSigner struct {
	scheme         int      // 2, 3 or 31
	alg            uint32   // 0x0101 ...
	algs           []uint32 // several algorithms instead of alg
	sigAlgs        []uint32 // signatures made, when not those of algs
	key            crypto.PrivateKey
	cert           []byte // DER
	pubKey         []byte // SubjectPublicKeyInfo; default: the key's
	minSDK, maxSDK uint32
	attrs          [][]byte // additional attributes: id and value
	badSignature   bool
	digest         []byte // content digest to sign; default: the real one
}

// testChunkedDigest is the v2 content digest computed plainly, one chunk
// after another, to check the parallel one against.
func testChunkedDigest(h crypto.Hash, parts ...[]byte) []byte {
	var sums []byte
	n := 0
	for _, p := range parts {
		for len(p) > 0 {
			c := p[:min(len(p), 1<<20)]
			p = p[len(c):]
			sums = append(sums, digestOf(h, append(append([]byte{0xa5}, u32(uint32(len(c)))...), c...))...)
			n++
		}
	}
	return digestOf(h, append(append([]byte{0x5a}, u32(uint32(n))...), sums...))
}

// zipParts splits a ZIP into entries, central directory and end record.
func zipParts(t testing.TB, apk []byte) (entries, cd, eocd []byte) {
	t.Helper()
	zl, err := findEOCD(bytes.NewReader(apk), int64(len(apk)))
	if err != nil {
		t.Fatal(err)
	}
	return apk[:zl.cdOffset], apk[zl.cdOffset:zl.eocdOffset], apk[zl.eocdOffset:]
}

// signingBlock makes an APK Signing Block for apk (a ZIP without one)
// with the given signers, grouped by scheme, and a padding pair.
func signingBlock(t testing.TB, apk []byte, signers ...blockSigner) []byte {
	t.Helper()
	entries, cd, eocd := zipParts(t, apk)
	var pairs []byte
	for _, scheme := range []int{2, 3, 31} {
		var list [][]byte
		for _, s := range signers {
			if s.scheme == scheme {
				list = append(list, lenPrefixed(blockSignerBytes(t, s, entries, cd, eocd)))
			}
		}
		if len(list) == 0 {
			continue
		}
		id := map[int]uint32{2: blockIDV2, 3: blockIDV3, 31: blockIDV31}[scheme]
		value := lenPrefixed(list...)
		pairs = binary.LittleEndian.AppendUint64(pairs, uint64(4+len(value)))
		pairs = append(append(pairs, u32(id)...), value...)
	}
	padding := make([]byte, 4+13) // id 0x42726577 and zeros, as signers pad
	binary.LittleEndian.PutUint32(padding, 0x42726577)
	pairs = binary.LittleEndian.AppendUint64(pairs, uint64(len(padding)))
	pairs = append(pairs, padding...)

	size := uint64(len(pairs) + 24)
	block := binary.LittleEndian.AppendUint64(nil, size)
	block = append(block, pairs...)
	block = binary.LittleEndian.AppendUint64(block, size)
	return append(block, blockMagic...)
}

func blockSignerBytes(t testing.TB, s blockSigner, entries, cd, eocd []byte) []byte {
	t.Helper()
	algs := s.algs
	if algs == nil {
		algs = []uint32{s.alg}
	}
	var digests, attrs [][]byte
	for _, id := range algs {
		digest := s.digest
		if a, ok := sigAlgs[id]; ok && digest == nil {
			digest = testChunkedDigest(a.content.hash(), entries, cd, eocd)
		}
		digests = append(digests, lenPrefixed(u32(id), lenPrefixed(digest)))
	}
	for _, at := range s.attrs {
		attrs = append(attrs, lenPrefixed(at))
	}
	signed := bytes.Join([][]byte{lenPrefixed(digests...), lenPrefixed(lenPrefixed(s.cert))}, nil)
	if s.scheme != 2 {
		signed = append(append(signed, u32(s.minSDK)...), u32(s.maxSDK)...)
	}
	signed = append(signed, lenPrefixed(attrs...)...)
	sigIDs := s.sigAlgs
	if sigIDs == nil {
		sigIDs = algs
	}
	var sigs [][]byte
	for _, id := range sigIDs {
		sig := []byte("not a signature")
		if a, ok := sigAlgs[id]; ok {
			sig = sign(t, s.key, a.hash, a.pss, signed)
		}
		if s.badSignature {
			sig[len(sig)/2] ^= 1
		}
		sigs = append(sigs, lenPrefixed(u32(id), lenPrefixed(sig)))
	}
	pub := s.pubKey
	if pub == nil {
		var err error
		if pub, err = x509.MarshalPKIXPublicKey(publicKey(s.key)); err != nil {
			pub = dsaSPKI(t, &s.key.(*dsa.PrivateKey).PublicKey)
		}
	}
	out := lenPrefixed(signed)
	if s.scheme != 2 {
		out = append(append(out, u32(s.minSDK)...), u32(s.maxSDK)...)
	}
	return append(append(out, lenPrefixed(sigs...)...), lenPrefixed(pub)...)
}

// insertBlock puts a signing block before the central directory of apk
// and points the end record at it.
func insertBlock(t testing.TB, apk, block []byte) []byte {
	t.Helper()
	entries, cd, eocd := zipParts(t, apk)
	out := bytes.Join([][]byte{entries, block, cd, eocd}, nil)
	binary.LittleEndian.PutUint32(out[len(out)-len(eocd)+16:], uint32(len(entries)+len(block)))
	return out
}

// signBlock signs apk with the APK Signing Block schemes.
func signBlock(t testing.TB, apk []byte, signers ...blockSigner) []byte {
	t.Helper()
	return insertBlock(t, apk, signingBlock(t, apk, signers...))
}

func inspectBytes(t testing.TB, apk []byte, opt Options) *Result {
	t.Helper()
	res, err := Inspect(bytes.NewReader(apk), int64(len(apk)), newZipArchive(t, apk), opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func problemKinds(r *Result) []string {
	out := []string{}
	for _, p := range r.Problems {
		out = append(out, p.Kind.String())
	}
	return out
}
