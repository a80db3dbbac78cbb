package apksign

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const modelName = "assets/model.tflite"

func TestInspect(t *testing.T) {
	t.Parallel()
	k := keys(t)
	rsaCert := selfSigned(t, k.rsa, releaseName, 42).Raw
	ecCert := selfSigned(t, k.ec, releaseName, 43).Raw
	debugCert := selfSigned(t, k.rsa, debugName, 1).Raw
	rsa1024Cert := selfSigned(t, k.rsa1024, releaseName, 44).Raw
	dsaCert := handMadeCert(t, dsaSPKI(t, &k.dsa.PublicKey), big.NewInt(45), releaseName, k.rsa)
	rsaSPKI, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	negativeSerialCert := handMadeCert(t, rsaSPKI, big.NewInt(-0x1234), releaseName, k.rsa)
	otherSPKI, err := x509.MarshalPKIXPublicKey(&k.other.PublicKey)
	if err != nil {
		t.Fatal(err)
	}

	rsaV1 := v1Options{key: k.rsa, cert: rsaCert, hash: crypto.SHA256}
	v1 := func(change func(*v1Options)) []zfile {
		o := rsaV1
		if change != nil {
			change(&o)
		}
		return signV1(t, appFiles, o)
	}
	ecV2 := blockSigner{scheme: 2, alg: 0x0201, key: k.ec, cert: ecCert}
	v2 := func(apk []byte) []byte { return signBlock(t, apk, ecV2) }

	signedV1 := v1(nil)
	strippable := v1(func(o *v1Options) { o.apkSigned = "2" })
	v1v2 := v2(zipBytes(t, strippable))
	// A byte of the first local header's modification time: no entry
	// changes, but the file does.
	touched := bytes.Clone(v1v2)
	touched[10] ^= 0x01
	swapped := withFile(strippable, zfile{name: modelName, data: []byte("swapped weights")})
	v1v2Swapped := insertBlock(t, zipBytes(t, swapped), signingBlock(t, zipBytes(t, strippable), ecV2))

	editedSection := withFile(signedV1, zfile{name: manifestName,
		data: bytes.Replace(file(signedV1, manifestName), []byte("Name: classes.dex\r\n"), []byte("Name: classes.dex\r\nX-Injected: 1\r\n"), 1)})
	editedMain := withFile(signedV1, zfile{name: manifestName,
		data: bytes.Replace(file(signedV1, manifestName), []byte("Created-By: bulwark test"), []byte("Created-By: someone else"), 1)})
	allEntries := []string{"AndroidManifest.xml", "classes.dex", modelName, appFiles[4].name, "lib/arm64-v8a/libnative.so"}

	signer := func(r *Result, scheme int) Signer {
		t.Helper()
		for _, s := range r.Signers {
			if s.Scheme == scheme {
				return s
			}
		}
		t.Fatalf("no v%d signer in %+v", scheme, r.Signers)
		return Signer{}
	}
	wantAlgorithms := func(scheme int, sig, key string, bits int, digests ...string) func(*testing.T, *Result) {
		return func(t *testing.T, r *Result) {
			s := signer(r, scheme)
			got := []any{s.SignatureAlgorithm, s.KeyAlgorithm, s.KeyBits, s.DigestAlgorithms}
			want := []any{sig, key, bits, digests}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("v%d signature, key, bits, digests (-want +got):\n%s", scheme, diff)
			}
		}
	}
	wantContentVerified := func(want map[int]bool) func(*testing.T, *Result) {
		return func(t *testing.T, r *Result) {
			for scheme, w := range want {
				if got := signer(r, scheme).ContentVerified; got != w {
					t.Errorf("v%d ContentVerified = %v, want %v", scheme, got, w)
				}
			}
		}
	}
	wantErr := func(scheme int, target error) func(*testing.T, *Result) {
		return func(t *testing.T, r *Result) {
			if err := signer(r, scheme).Err; !errors.Is(err, target) {
				t.Errorf("v%d Err = %v, want %v", scheme, err, target)
			}
		}
	}
	wantWarning := func(part string) func(*testing.T, *Result) {
		return func(t *testing.T, r *Result) {
			if !slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, part) }) {
				t.Errorf("warnings = %q, want one containing %q", r.Warnings, part)
			}
		}
	}

	tests := []struct {
		name       string
		apk        []byte
		noContent  bool // Options.VerifyContent false
		schemes    []int
		verified   []int
		notCovered []string
		problems   []string
		stripping  []int
		checks     []func(*testing.T, *Result)
	}{
		{name: "unsigned ZIP has no scheme, signer or problem", apk: zipBytes(t, appFiles)},
		{name: "v1 RSA SHA-256 signature verifies and covers every entry", apk: zipBytes(t, signedV1),
			schemes: []int{1}, verified: []int{1},
			checks: []func(*testing.T, *Result){wantAlgorithms(1, "RSA-SHA256", "RSA", 2048, "SHA-256"), wantContentVerified(map[int]bool{1: true})}},
		{name: "v1 ECDSA signature block META-INF/CERT.EC verifies",
			apk:     zipBytes(t, v1(func(o *v1Options) { o.key, o.cert = k.ec, ecCert })),
			schemes: []int{1}, verified: []int{1},
			checks: []func(*testing.T, *Result){wantAlgorithms(1, "ECDSA-SHA256", "ECDSA", 256, "SHA-256")}},
		{name: "v1 DSA signature block META-INF/CERT.DSA verifies",
			apk:     zipBytes(t, v1(func(o *v1Options) { o.key, o.cert = k.dsa, dsaCert })),
			schemes: []int{1}, verified: []int{1},
			checks: []func(*testing.T, *Result){wantAlgorithms(1, "DSA-SHA256", "DSA", 1024, "SHA-256")}},
		{name: "v1 signature over signed attributes verifies",
			apk:     zipBytes(t, v1(func(o *v1Options) { o.signedAttrs = true })),
			schemes: []int{1}, verified: []int{1}},
		{name: "v1 signed attributes whose message digest is not the .SF's do not verify",
			apk:     zipBytes(t, v1(func(o *v1Options) { o.signedAttrs, o.badAttrs = true, true })),
			schemes: []int{1}, problems: []string{"signature"},
			checks: []func(*testing.T, *Result){wantErr(1, ErrBadSignature)}},
		{name: "v1 signature made by a key that is not the certificate's does not verify",
			apk:     zipBytes(t, v1(func(o *v1Options) { o.key = k.other })),
			schemes: []int{1}, problems: []string{"signature"},
			checks: []func(*testing.T, *Result){wantErr(1, ErrBadSignature)}},
		{name: "entry modified after v1 signing is not covered",
			apk:     zipBytes(t, withFile(signedV1, zfile{name: modelName, data: []byte("swapped weights")})),
			schemes: []int{1}, verified: []int{1}, notCovered: []string{modelName}, problems: []string{"entry digest"},
			checks: []func(*testing.T, *Result){wantContentVerified(map[int]bool{1: false})}},
		{name: "entry added after v1 signing is not covered",
			apk:     zipBytes(t, withFile(signedV1, zfile{name: "assets/backdoor.dex", data: []byte("dex\n035\x00 evil")})),
			schemes: []int{1}, verified: []int{1}, notCovered: []string{"assets/backdoor.dex"}},
		{name: "without VerifyContent an entry absent from MANIFEST.MF is still not covered", noContent: true,
			apk:     zipBytes(t, withFile(signedV1, zfile{name: "assets/backdoor.dex", data: []byte("dex\n035\x00 evil")})),
			schemes: []int{1}, verified: []int{1}, notCovered: []string{"assets/backdoor.dex"}},
		{name: "entry removed after v1 signing is a missing entry",
			apk:     zipBytes(t, withoutFile(signedV1, "classes.dex")),
			schemes: []int{1}, verified: []int{1}, problems: []string{"missing entry"}},
		{name: "MANIFEST.MF section edited after signing leaves its entry uncovered", apk: zipBytes(t, editedSection),
			schemes: []int{1}, verified: []int{1}, notCovered: []string{"classes.dex"}, problems: []string{"manifest digest"}},
		{name: "MANIFEST.MF main attributes edited after signing leave no entry covered", apk: zipBytes(t, editedMain),
			schemes: []int{1}, verified: []int{1}, notCovered: allEntries, problems: []string{"manifest digest"}},
		{name: "v1 without a digest of the whole manifest is checked section by section",
			apk:     zipBytes(t, v1(func(o *v1Options) { o.noWhole = true })),
			schemes: []int{1}, verified: []int{1},
			checks: []func(*testing.T, *Result){wantContentVerified(map[int]bool{1: true})}},
		{name: "two entries with one name are a problem and not covered",
			apk:     zipBytes(t, append(slices.Clone(signedV1), zfile{name: "classes.dex", data: []byte("dex\n035\x00 evil")})),
			schemes: []int{1}, verified: []int{1}, notCovered: []string{"classes.dex"}, problems: []string{"duplicate entry"}},
		{name: "debug certificate, SHA-1 digests and RSA-SHA1 are reported",
			apk:     zipBytes(t, v1(func(o *v1Options) { o.cert, o.hash = debugCert, crypto.SHA1 })),
			schemes: []int{1}, verified: []int{1},
			checks: []func(*testing.T, *Result){wantAlgorithms(1, "RSA-SHA1", "RSA", 2048, "SHA-1"), func(t *testing.T, r *Result) {
				if !r.Signers[0].IsDebugCertificate() {
					t.Errorf("IsDebugCertificate() = false for %s, want true", r.Signers[0].Certificates[0].Subject)
				}
			}}},
		{name: "MD5 digests are reported",
			apk:     zipBytes(t, v1(func(o *v1Options) { o.hash = crypto.MD5 })),
			schemes: []int{1}, verified: []int{1},
			checks: []func(*testing.T, *Result){wantAlgorithms(1, "RSA-MD5", "RSA", 2048, "MD5")}},
		{name: "certificate with a negative serial is read leniently and verifies",
			apk:     zipBytes(t, v1(func(o *v1Options) { o.cert = negativeSerialCert })),
			schemes: []int{1}, verified: []int{1},
			checks: []func(*testing.T, *Result){wantWarning("leniently"), func(t *testing.T, r *Result) {
				if got := r.Signers[0].Certificates[0].SerialNumber; got.Cmp(big.NewInt(-0x1234)) != 0 {
					t.Errorf("serial = %v, want %v", got, -0x1234)
				}
				if got := r.Signers[0].Certificates[0].Subject.CommonName; got != releaseName.CommonName {
					t.Errorf("subject CN = %q, want %q", got, releaseName.CommonName)
				}
			}}},
		{name: "v2 ECDSA P-256 signature covers the whole file", apk: v2(zipBytes(t, appFiles)),
			schemes: []int{2}, verified: []int{2},
			checks: []func(*testing.T, *Result){wantAlgorithms(2, "ECDSA-SHA256", "ECDSA", 256, "SHA-256"), wantContentVerified(map[int]bool{2: true})}},
		{name: "v2 RSA-1024 key size is reported",
			apk:     signBlock(t, zipBytes(t, appFiles), blockSigner{scheme: 2, alg: 0x0103, key: k.rsa1024, cert: rsa1024Cert}),
			schemes: []int{2}, verified: []int{2},
			checks: []func(*testing.T, *Result){wantAlgorithms(2, "RSA-PKCS1v15-SHA256", "RSA", 1024, "SHA-256")}},
		{name: "v1 and v2 signatures with stripping protection cover everything", apk: v1v2,
			schemes: []int{1, 2}, verified: []int{1, 2}, stripping: []int{2},
			checks: []func(*testing.T, *Result){wantContentVerified(map[int]bool{1: false, 2: true}), func(t *testing.T, r *Result) {
				if got := []int{r.Signers[0].Scheme, r.Signers[1].Scheme}; !slices.Equal(got, []int{1, 2}) {
					t.Errorf("signer schemes in order = %v, want [1 2]", got)
				}
			}}},
		{name: "v2 signature stripped from an APK whose v1 signature declares it", apk: zipBytes(t, strippable),
			schemes: []int{1}, verified: []int{1}, stripping: []int{2}, problems: []string{"stripped"}},
		{name: "one byte changed after v2 signing breaks the content digest; v1 still covers the entries", apk: touched,
			schemes: []int{1, 2}, verified: []int{1, 2}, stripping: []int{2}, problems: []string{"content digest"},
			checks: []func(*testing.T, *Result){wantContentVerified(map[int]bool{1: true, 2: false})}},
		{name: "without VerifyContent a byte changed after v2 signing goes unnoticed", apk: touched, noContent: true,
			schemes: []int{1, 2}, verified: []int{1, 2}, stripping: []int{2},
			checks: []func(*testing.T, *Result){wantContentVerified(map[int]bool{1: false, 2: false})}},
		{name: "entry replaced after v1 and v2 signing fails the content digest and v1 names it", apk: v1v2Swapped,
			schemes: []int{1, 2}, verified: []int{1, 2}, stripping: []int{2}, notCovered: []string{modelName},
			problems: []string{"content digest", "entry digest"}},
		{name: "v2 signature over altered signed data does not verify",
			apk:     signBlock(t, zipBytes(t, appFiles), blockSigner{scheme: 2, alg: 0x0201, key: k.ec, cert: ecCert, badSignature: true}),
			schemes: []int{2}, problems: []string{"signature"},
			checks: []func(*testing.T, *Result){wantErr(2, ErrBadSignature)}},
		{name: "v2 public key that is not the certificate's does not verify",
			apk:     signBlock(t, zipBytes(t, appFiles), blockSigner{scheme: 2, alg: 0x0103, key: k.other, pubKey: otherSPKI, cert: rsaCert}),
			schemes: []int{2}, problems: []string{"signature"},
			checks: []func(*testing.T, *Result){wantErr(2, ErrBadSignature)}},
		{name: "v2 signer with only verity digests verifies without a content check",
			apk:     signBlock(t, zipBytes(t, appFiles), blockSigner{scheme: 2, alg: 0x0421, key: k.rsa, cert: rsaCert, digest: make([]byte, 40)}),
			schemes: []int{2}, verified: []int{2},
			checks: []func(*testing.T, *Result){wantWarning("verity"), wantContentVerified(map[int]bool{2: false})}},
		{name: "v2 stripping-protection attribute declares v3, which is absent",
			apk: signBlock(t, zipBytes(t, appFiles), blockSigner{scheme: 2, alg: 0x0201, key: k.ec, cert: ecCert,
				attrs: [][]byte{append(u32(attrStrippingProtection), u32(3)...)}}),
			schemes: []int{2}, verified: []int{2}, problems: []string{"stripped"}},
		{name: "v2 DSA signature verifies",
			apk:     signBlock(t, zipBytes(t, appFiles), blockSigner{scheme: 2, alg: 0x0301, key: k.dsa, cert: dsaCert}),
			schemes: []int{2}, verified: []int{2},
			checks: []func(*testing.T, *Result){wantAlgorithms(2, "DSA-SHA256", "DSA", 1024, "SHA-256")}},
		{name: "v3 signer reports its SDK bounds",
			apk:     signBlock(t, zipBytes(t, appFiles), blockSigner{scheme: 3, alg: 0x0103, key: k.rsa, cert: rsaCert, minSDK: 24, maxSDK: 0x7fffffff}),
			schemes: []int{3}, verified: []int{3},
			checks: []func(*testing.T, *Result){wantContentVerified(map[int]bool{3: true}), func(t *testing.T, r *Result) {
				if s := signer(r, 3); s.MinSDK != 24 || s.MaxSDK != 0x7fffffff {
					t.Errorf("SDK bounds = %d..%d, want 24..%d", s.MinSDK, s.MaxSDK, 0x7fffffff)
				}
			}}},
		{name: "v3 and v3.1 signers are both reported",
			apk: signBlock(t, zipBytes(t, appFiles),
				blockSigner{scheme: 3, alg: 0x0201, key: k.ec, cert: ecCert, minSDK: 24, maxSDK: 32},
				blockSigner{scheme: 31, alg: 0x0104, key: k.rsa, cert: rsaCert, minSDK: 33, maxSDK: 0x7fffffff}),
			schemes: []int{3, 31}, verified: []int{3, 31},
			checks: []func(*testing.T, *Result){wantAlgorithms(31, "RSA-PKCS1v15-SHA512", "RSA", 2048, "SHA-512"),
				wantContentVerified(map[int]bool{3: true, 31: true})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := inspectBytes(t, tt.apk, Options{VerifyContent: !tt.noContent})
			got := []any{r.Schemes, r.VerifiedSchemes(), r.NotCovered, problemKinds(r), r.StrippingProtection}
			want := []any{tt.schemes, tt.verified, tt.notCovered, append([]string{}, tt.problems...), tt.stripping}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("schemes, verified schemes, not covered, problems, stripping protection (-want +got):\n%s\nproblems: %+v\nsigners: %+v\nwarnings: %q",
					diff, r.Problems, r.Signers, r.Warnings)
			}
			for _, check := range tt.checks {
				check(t, r)
			}
		})
	}
}

func TestBlockSignatureAlgorithms(t *testing.T) {
	t.Parallel()
	k := keys(t)
	rsaCert := selfSigned(t, k.rsa, releaseName, 1).Raw
	ecCert := selfSigned(t, k.ec, releaseName, 2).Raw
	apk := zipBytes(t, appFiles)
	tests := []struct {
		alg     uint32
		key     any
		cert    []byte
		name    string
		digests []string
	}{
		{0x0101, k.rsa, rsaCert, "RSA-PSS-SHA256", []string{"SHA-256"}},
		{0x0102, k.rsa, rsaCert, "RSA-PSS-SHA512", []string{"SHA-512"}},
		{0x0103, k.rsa, rsaCert, "RSA-PKCS1v15-SHA256", []string{"SHA-256"}},
		{0x0104, k.rsa, rsaCert, "RSA-PKCS1v15-SHA512", []string{"SHA-512"}},
		{0x0201, k.ec, ecCert, "ECDSA-SHA256", []string{"SHA-256"}},
		{0x0202, k.ec, ecCert, "ECDSA-SHA512", []string{"SHA-512"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" signature and content digest verify", func(t *testing.T) {
			t.Parallel()
			r := inspectBytes(t, signBlock(t, apk, blockSigner{scheme: 2, alg: tt.alg, key: tt.key, cert: tt.cert}), Options{VerifyContent: true})
			if len(r.Signers) != 1 {
				t.Fatalf("signers = %+v, want one", r.Signers)
			}
			s := r.Signers[0]
			got := []any{s.SignatureAlgorithm, s.DigestAlgorithms, s.Verified, s.ContentVerified, s.Err, problemKinds(r)}
			want := []any{tt.name, tt.digests, true, true, nil, []string{}}
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("algorithm, digests, verified, content verified, error, problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBlockSignerChoice(t *testing.T) {
	t.Parallel()
	k := keys(t)
	rsaCert := selfSigned(t, k.rsa, releaseName, 1).Raw
	apk := zipBytes(t, appFiles)
	tests := []struct {
		name     string
		signer   blockSigner
		wantAlg  string
		wantDigs []string
		wantErr  error
	}{
		{"of several algorithms the one with the strongest content digest is verified",
			blockSigner{scheme: 2, algs: []uint32{0x0421, 0x0103, 0x0104}, key: k.rsa, cert: rsaCert},
			"RSA-PKCS1v15-SHA512", []string{"SHA-256", "SHA-512"}, nil},
		{"signatures and digests that name different algorithms are refused",
			blockSigner{scheme: 2, algs: []uint32{0x0103}, sigAlgs: []uint32{0x0103, 0x0104}, key: k.rsa, cert: rsaCert},
			"RSA-PKCS1v15-SHA512", []string{"SHA-256"}, ErrFormat},
		{"only unknown algorithms cannot be verified",
			blockSigner{scheme: 2, algs: []uint32{0x0999}, key: k.rsa, cert: rsaCert},
			"", nil, ErrUnsupported},
		{"ECDSA algorithm with an RSA key is refused",
			blockSigner{scheme: 2, alg: 0x0201, key: k.rsa, cert: rsaCert},
			"ECDSA-SHA256", []string{"SHA-256"}, ErrBadSignature},
		{"v3 SDK bounds in reverse order are refused",
			blockSigner{scheme: 3, alg: 0x0103, key: k.rsa, cert: rsaCert, minSDK: 30, maxSDK: 24},
			"", nil, ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := inspectBytes(t, signBlock(t, apk, tt.signer), Options{VerifyContent: true})
			if len(r.Signers) != 1 {
				t.Fatalf("signers = %+v, want one", r.Signers)
			}
			s := r.Signers[0]
			if diff := cmp.Diff([]any{tt.wantAlg, tt.wantDigs}, []any{s.SignatureAlgorithm, s.DigestAlgorithms}); diff != "" {
				t.Errorf("algorithm, digests (-want +got):\n%s", diff)
			}
			if tt.wantErr == nil && (!s.Verified || s.Err != nil) {
				t.Errorf("verified %v, error %v; want verified", s.Verified, s.Err)
			}
			if tt.wantErr != nil && (s.Verified || !errors.Is(s.Err, tt.wantErr)) {
				t.Errorf("verified %v, error %v; want %v", s.Verified, s.Err, tt.wantErr)
			}
		})
	}
}

// TestMalformedSigningBlock damages the signing block in ways a truncated
// download or a hostile tool would: each ends in a problem, never in an
// error or a panic.
func TestMalformedSigningBlock(t *testing.T) {
	t.Parallel()
	k := keys(t)
	ecCert := selfSigned(t, k.ec, releaseName, 1).Raw
	apk := zipBytes(t, appFiles)
	block := signingBlock(t, apk, blockSigner{scheme: 2, alg: 0x0201, key: k.ec, cert: ecCert})
	damage := func(f func(b []byte) []byte) []byte { return insertBlock(t, apk, f(bytes.Clone(block))) }
	le64 := binary.LittleEndian.PutUint64
	tests := []struct {
		name string
		apk  []byte
		max  int64
		want []string
	}{
		{"size fields at the two ends disagree", damage(func(b []byte) []byte { le64(b, 9); return b }), 0, []string{"malformed"}},
		{"size larger than the file before the central directory", damage(func(b []byte) []byte { le64(b[len(b)-24:], 1<<40); return b }), 0, []string{"malformed"}},
		{"block larger than MaxSigningBlock", damage(func(b []byte) []byte { return b }), 64, []string{"malformed"}},
		{"pair length runs past the block", damage(func(b []byte) []byte { le64(b[8:], 1<<20); return b }), 0, []string{"malformed"}},
		{"pair shorter than its id", damage(func(b []byte) []byte { le64(b[8:], 2); return b }), 0, []string{"malformed"}},
		{"signer sequence length runs past the pair", damage(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8+8+4:], 1<<30); return b }), 0, []string{"signature"}},
		{"signer truncated inside its signed data", damage(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8+8+4+4+4:], 1<<20); return b }), 0, []string{"signature"}},
		{"magic with entry data for its size field", insertBlock(t, apk, []byte(blockMagic)), 0, []string{"malformed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Inspect(bytes.NewReader(tt.apk), int64(len(tt.apk)), nil, Options{MaxSigningBlock: tt.max, VerifyContent: true})
			if err != nil {
				t.Fatalf("Inspect error = %v, want problems in the result", err)
			}
			if diff := cmp.Diff(append([]string{}, tt.want...), problemKinds(r)); diff != "" {
				t.Errorf("problems (-want +got):\n%s\n%+v", diff, r.Problems)
			}
			if len(r.VerifiedSchemes()) > 0 {
				t.Errorf("verified schemes = %v, want none", r.VerifiedSchemes())
			}
		})
	}
}

type failingReaderAt struct{ err error }

func (f failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, f.err }

func TestInspectErrors(t *testing.T) {
	t.Parallel()
	apk := zipBytes(t, appFiles)
	errDisk := errors.New("disk on fire")
	tests := []struct {
		name string
		ra   io.ReaderAt
		size int64
		opt  Options
		want error
	}{
		{"read error is returned", failingReaderAt{errDisk}, 1000, Options{}, errDisk},
		{"file shorter than its stated size is a read error", bytes.NewReader(apk), int64(len(apk)) + 10, Options{}, io.ErrUnexpectedEOF},
		{"negative MaxSigningBlock is refused", bytes.NewReader(apk), int64(len(apk)), Options{MaxSigningBlock: -1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Inspect(tt.ra, tt.size, nil, tt.opt)
			if err == nil {
				t.Fatalf("Inspect = %+v, nil; want an error", r)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Inspect error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestInspectPartialInputs(t *testing.T) {
	t.Parallel()
	k := keys(t)
	apk := signBlock(t, zipBytes(t, signV1(t, appFiles, v1Options{key: k.rsa, cert: selfSigned(t, k.rsa, releaseName, 1).Raw, hash: crypto.SHA256})),
		blockSigner{scheme: 2, alg: 0x0201, key: k.ec, cert: selfSigned(t, k.ec, releaseName, 2).Raw})
	tests := []struct {
		name string
		ra   io.ReaderAt
		ar   Archive
		want []int
	}{
		{"without a ReaderAt only the JAR signature is read", nil, newZipArchive(t, apk), []int{1}},
		{"without an Archive only the signing block is read", bytes.NewReader(apk), nil, []int{2}},
		{"with both, both are read", bytes.NewReader(apk), newZipArchive(t, apk), []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Inspect(tt.ra, int64(len(apk)), tt.ar, Options{VerifyContent: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.VerifiedSchemes(); !slices.Equal(got, tt.want) {
				t.Errorf("verified schemes = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsDebugCertificate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		subject pkix.Name
		want    bool
	}{
		{"SDK debug keystore subject", debugName, true},
		{"debug common name alone", pkix.Name{CommonName: "Android Debug"}, true},
		{"release certificate", releaseName, false},
		{"debug common name of another organization", pkix.Name{CommonName: "Android Debug", Organization: []string{"Example"}}, false},
		{"common name that only contains the words", pkix.Name{CommonName: "Not Android Debug"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Signer{Certificates: []*x509.Certificate{{Subject: tt.subject}}}
			if got := s.IsDebugCertificate(); got != tt.want {
				t.Errorf("IsDebugCertificate() = %v, want %v", got, tt.want)
			}
		})
	}
	if (Signer{}).IsDebugCertificate() {
		t.Error("IsDebugCertificate() of a signer without certificates = true, want false")
	}
}
