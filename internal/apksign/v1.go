package apksign

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
)

const manifestName = "META-INF/MANIFEST.MF"

// digestAttr maps the lower-cased "<ALG>-Digest" prefixes of JAR
// manifests to hash functions.
var digestAttr = map[string]crypto.Hash{
	"md5": crypto.MD5, "sha1": crypto.SHA1, "sha-1": crypto.SHA1, "sha-256": crypto.SHA256,
	"sha-384": crypto.SHA384, "sha-512": crypto.SHA512,
}

func newHash(h crypto.Hash) hash.Hash {
	switch h {
	case crypto.MD5:
		return md5.New()
	case crypto.SHA1:
		return sha1.New()
	case crypto.SHA256:
		return sha256.New()
	case crypto.SHA384:
		return sha512.New384()
	case crypto.SHA512:
		return sha512.New()
	}
	return nil
}

// digests returns the digest attributes of a section whose names end with
// suffix ("-digest", "-digest-manifest"), strongest first.
func digests(attrs map[string]string, suffix string) []namedDigest {
	var out []namedDigest
	for k, v := range attrs {
		alg, ok := strings.CutSuffix(k, suffix)
		if !ok {
			continue
		}
		h, known := digestAttr[alg]
		if !known {
			continue
		}
		want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err != nil {
			continue
		}
		out = append(out, namedDigest{h, want})
	}
	slices.SortFunc(out, func(a, b namedDigest) int { return int(b.hash) - int(a.hash) })
	return out
}

type namedDigest struct {
	hash crypto.Hash
	want []byte
}

func sum(h crypto.Hash, b []byte) []byte {
	hh := newHash(h)
	hh.Write(b)
	return hh.Sum(nil)
}

const maxJarFile = 64 << 20

func readAll(ar Archive, name string) ([]byte, error) {
	rc, err := ar.Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxJarFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxJarFile {
		return nil, fmt.Errorf("%w: %s larger than %d bytes", ErrFormat, name, maxJarFile)
	}
	return b, nil
}

// inspectV1 verifies the JAR signature. When a v2+ signature already
// covers the whole file, entry digests are not recomputed.
func inspectV1(ar Archive, opt Options, res *Result, v2Covered bool) error {
	names := ar.Names()
	var sfNames []string
	hasMF := false
	for _, n := range names {
		switch {
		case n == manifestName:
			hasMF = true
		case isSignatureFile(n) && strings.HasSuffix(strings.ToUpper(n), ".SF"):
			sfNames = append(sfNames, n)
		}
	}
	if len(sfNames) == 0 {
		return nil // no JAR signature
	}
	res.addScheme(1)
	if !hasMF {
		res.Signers = append(res.Signers, Signer{Scheme: 1, Err: fmt.Errorf("%w: no %s", ErrFormat, manifestName)})
		return nil
	}
	mfBytes, err := readAll(ar, manifestName)
	if err != nil {
		return err
	}
	mf, err := parseManifest(mfBytes)
	if err != nil {
		res.Signers = append(res.Signers, Signer{Scheme: 1, Err: fmt.Errorf("MANIFEST.MF: %w", err)})
		return nil
	}
	covered := map[string]bool{} // manifest entries a verified signature protects
	anyVerified := false
	for _, sfName := range sfNames {
		s, sections := verifyV1Signer(ar, names, sfName, mf, mfBytes, res)
		if s.Verified {
			anyVerified = true
			for _, n := range sections {
				covered[n] = true
			}
		} else if s.Err != nil {
			res.Problems = append(res.Problems, Problem{Kind: ProblemSignature, Scheme: 1, Entry: sfName, Detail: s.Err.Error()})
		}
		res.Signers = append(res.Signers, s)
	}
	if !anyVerified || v2Covered || !opt.VerifyContent {
		return nil
	}
	present := make(map[string]bool, len(names))
	for _, n := range names {
		present[n] = true
		if strings.HasSuffix(n, "/") || isSignatureFile(n) {
			continue
		}
		sec, listed := mf.entries[n]
		if !listed || !covered[n] {
			res.NotCovered = append(res.NotCovered, n)
			continue
		}
		ds := digests(sec.attrs, "-digest")
		if len(ds) == 0 {
			res.NotCovered = append(res.NotCovered, n)
			continue
		}
		ok, err := entryMatches(ar, n, ds[0])
		if err != nil {
			res.warnf("%s: not read: %v", n, err)
			continue
		}
		if !ok {
			res.NotCovered = append(res.NotCovered, n)
			res.Problems = append(res.Problems, Problem{Kind: ProblemEntryDigest, Scheme: 1, Entry: n, Detail: "content does not match its MANIFEST.MF digest"})
		}
	}
	for _, n := range mf.order {
		if !present[n] {
			res.Problems = append(res.Problems, Problem{Kind: ProblemMissingEntry, Scheme: 1, Entry: n, Detail: "listed in MANIFEST.MF but absent"})
		}
	}
	return nil
}

// verifyV1Signer checks one .SF file: its signature block, and which
// manifest sections it vouches for.
func verifyV1Signer(ar Archive, names []string, sfName string, mf *jarManifest, mfBytes []byte, res *Result) (Signer, []string) {
	s := Signer{Scheme: 1}
	sfBytes, err := readAll(ar, sfName)
	if err != nil {
		s.Err = err
		return s, nil
	}
	sf, err := parseManifest(sfBytes)
	if err != nil {
		s.Err = fmt.Errorf("%s: %w", sfName, err)
		return s, nil
	}
	if v, ok := sf.main.attrs["x-android-apk-signed"]; ok && strings.TrimSpace(v) != "" {
		res.StrippingProtection = true
	}
	base := strings.TrimSuffix(sfName, sfName[strings.LastIndexByte(sfName, '.'):])
	var blockName string
	for _, n := range names {
		up := strings.ToUpper(n)
		if strings.HasPrefix(n, base+".") && (strings.HasSuffix(up, ".RSA") || strings.HasSuffix(up, ".DSA") || strings.HasSuffix(up, ".EC")) {
			blockName = n
			break
		}
	}
	if blockName == "" {
		s.Err = fmt.Errorf("%w: no signature block for %s", ErrFormat, sfName)
		return s, nil
	}
	blk, err := readAll(ar, blockName)
	if err != nil {
		s.Err = err
		return s, nil
	}
	p7, err := parsePKCS7(blk)
	if err != nil {
		s.Err = fmt.Errorf("%s: %w", blockName, err)
		return s, nil
	}
	s.Certificates = p7.certs
	if p7.leaf != nil {
		s.Certificates = append([]*x509.Certificate{p7.leaf}, without(p7.certs, p7.leaf)...)
		s.KeyAlgorithm, s.KeyBits = keyInfo(p7.leaf.PublicKey)
	}
	sigHash := p7.sigHashName
	if sigHash == "" {
		sigHash = hashName(p7.digest)
	}
	s.SignatureAlgorithm = s.KeyAlgorithm + "-" + strings.ReplaceAll(sigHash, "-", "")
	s.DigestAlgorithms = []string{hashName(p7.digest)}
	for _, d := range append(digests(sf.main.attrs, "-digest-manifest"), digests(firstEntryAttrs(mf), "-digest")...) {
		s.DigestAlgorithms = appendUnique(s.DigestAlgorithms, hashName(d.hash))
	}
	if err := p7.verify(sfBytes); err != nil {
		s.Err = fmt.Errorf("%s: %w", blockName, err)
		return s, nil
	}
	s.Verified = true
	// Which manifest sections the .SF vouches for: all of them when the
	// digest of the whole manifest matches, otherwise each section whose
	// own digest matches.
	for _, d := range digests(sf.main.attrs, "-digest-manifest") {
		if bytes.Equal(sum(d.hash, mfBytes), d.want) {
			return s, mf.order
		}
	}
	var ok []string
	for _, name := range mf.order {
		sfSec, listed := sf.entries[name]
		if !listed {
			continue
		}
		ds := digests(sfSec.attrs, "-digest")
		if len(ds) > 0 && bytes.Equal(sum(ds[0].hash, mf.entries[name].raw), ds[0].want) {
			ok = append(ok, name)
		} else {
			res.Problems = append(res.Problems, Problem{Kind: ProblemManifestDigest, Scheme: 1, Entry: name, Detail: "MANIFEST.MF section changed after signing"})
		}
	}
	return s, ok
}

func firstEntryAttrs(mf *jarManifest) map[string]string {
	if len(mf.order) == 0 {
		return nil
	}
	return mf.entries[mf.order[0]].attrs
}

func entryMatches(ar Archive, name string, d namedDigest) (bool, error) {
	rc, err := ar.Open(name)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	h := newHash(d.hash)
	if _, err := io.Copy(h, rc); err != nil {
		return false, err
	}
	return bytes.Equal(h.Sum(nil), d.want), nil
}

func without(certs []*x509.Certificate, c *x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, x := range certs {
		if x != c {
			out = append(out, x)
		}
	}
	return out
}
