package apksign

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

const (
	manifestName = "META-INF/MANIFEST.MF"
	// maxJarFile bounds MANIFEST.MF, a .SF file and a signature block as
	// read from the archive.
	maxJarFile = 64 << 20
	// maxV1Signers bounds the .SF files looked at.
	maxV1Signers = 8
)

// digestAttrs maps the lower-cased algorithm prefixes of "<ALG>-Digest"
// attributes to hash functions.
var digestAttrs = map[string]crypto.Hash{
	"md5":     crypto.MD5,
	"sha1":    crypto.SHA1,
	"sha-1":   crypto.SHA1,
	"sha-256": crypto.SHA256,
	"sha-384": crypto.SHA384,
	"sha-512": crypto.SHA512,
}

type namedDigest struct {
	attr string
	hash crypto.Hash
	want []byte
}

// digests returns the well-formed digest attributes of a section whose
// names end with suffix ("-digest", "-digest-manifest"), strongest first
// (and, for one algorithm under two names, in name order, so that the
// result never depends on map order).
func digests(attrs map[string]string, suffix string) []namedDigest {
	var out []namedDigest
	for k, v := range attrs {
		alg, ok := strings.CutSuffix(k, suffix)
		if !ok {
			continue
		}
		h, known := digestAttrs[alg]
		if !known {
			continue
		}
		want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err != nil || len(want) != h.Size() {
			continue
		}
		out = append(out, namedDigest{k, h, want})
	}
	slices.SortFunc(out, func(a, b namedDigest) int {
		if a.hash != b.hash {
			return int(b.hash) - int(a.hash)
		}
		return strings.Compare(a.attr, b.attr)
	})
	return out
}

// strongestMatches reports whether the strongest digest of ds matches b;
// false when there is none.
func strongestMatches(ds []namedDigest, b []byte) bool {
	if len(ds) == 0 {
		return false
	}
	h := ds[0].hash.New()
	h.Write(b)
	return bytes.Equal(h.Sum(nil), ds[0].want)
}

// digestHashes collects the algorithms of every digest attribute of a
// manifest (any suffix), for reporting.
func digestHashes(m *jarManifest, into []crypto.Hash) []crypto.Hash {
	add := func(attrs map[string]string) {
		for k := range attrs {
			alg, _, ok := strings.Cut(k, "-digest")
			if h, known := digestAttrs[alg]; ok && known {
				into = append(into, h)
			}
		}
	}
	add(m.main.attrs)
	for _, n := range m.order {
		add(m.entries[n].attrs)
	}
	return into
}

func readAll(ar Archive, name string) ([]byte, error) {
	rc, err := ar.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxJarFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxJarFile {
		return nil, fmt.Errorf("%w: %s larger than %d bytes", ErrFormat, name, maxJarFile)
	}
	return b, nil
}

// isSignatureFile reports the META-INF entries that belong to a JAR
// signature and are therefore not listed in MANIFEST.MF: the manifest,
// .SF files, signature blocks and SIG-* files, directly under META-INF.
func isSignatureFile(name string) bool {
	rest, ok := strings.CutPrefix(name, "META-INF/")
	if !ok || strings.Contains(rest, "/") {
		return false
	}
	up := strings.ToUpper(rest)
	return up == "MANIFEST.MF" || strings.HasSuffix(up, ".SF") || isSignatureBlock(up) || strings.HasPrefix(up, "SIG-")
}

func isSignatureBlock(upperName string) bool {
	return strings.HasSuffix(upperName, ".RSA") || strings.HasSuffix(upperName, ".DSA") || strings.HasSuffix(upperName, ".EC")
}

// v1Signer is a JAR signer with the manifest sections it vouches for.
type v1Signer struct {
	Signer
	covered []string
}

// inspectV1 verifies the JAR signature. wholeFile says a v2+ signature
// already covers every byte of the file, so entries need no checking.
func (in *inspection) inspectV1(ar Archive, names []string, wholeFile bool) {
	var sfNames []string
	seenSF := map[string]bool{}
	hasMF, hasBlock := false, false
	for _, n := range names {
		switch {
		case n == manifestName:
			hasMF = true
		case !isSignatureFile(n):
		case strings.HasSuffix(strings.ToUpper(n), ".SF"):
			if !seenSF[n] {
				seenSF[n] = true
				sfNames = append(sfNames, n)
			}
		case isSignatureBlock(strings.ToUpper(n)):
			hasBlock = true
		}
	}
	if len(sfNames) == 0 {
		if hasBlock {
			in.res.warnf("JAR signature: a signature block without a .SF file is ignored")
		}
		return
	}
	res := in.res
	res.addScheme(1)
	if len(sfNames) > maxV1Signers {
		res.warnf("JAR signature: %d .SF files, only the first %d inspected", len(sfNames), maxV1Signers)
		sfNames = sfNames[:maxV1Signers]
	}
	fail := func(err error) {
		res.Signers = append(res.Signers, Signer{Scheme: 1, Err: err})
		res.problem(ProblemSignature, 1, manifestName, err.Error())
	}
	if !hasMF {
		fail(fmt.Errorf("%w: no %s", ErrFormat, manifestName))
		return
	}
	mfBytes, err := readAll(ar, manifestName)
	if err != nil {
		fail(err)
		return
	}
	mf, err := parseManifest(mfBytes)
	if err != nil {
		fail(fmt.Errorf("MANIFEST.MF: %w", err))
		return
	}

	var signers []v1Signer
	for _, sfName := range sfNames {
		s := in.verifyV1Signer(ar, names, sfName, mf, mfBytes)
		if !s.Verified {
			res.problem(ProblemSignature, 1, sfName, s.Err.Error())
		}
		signers = append(signers, s)
	}
	covered := map[string]bool{}
	for _, s := range signers {
		for _, n := range s.covered {
			covered[n] = true
		}
	}
	if slices.ContainsFunc(signers, func(s v1Signer) bool { return s.Verified }) && !wholeFile {
		failed := in.checkEntries(ar, names, mf, covered)
		for i, s := range signers {
			signers[i].ContentVerified = in.opt.VerifyContent && s.Verified && len(s.covered) > 0 &&
				!slices.ContainsFunc(s.covered, func(n string) bool { return failed[n] })
		}
	}
	for _, s := range signers {
		res.Signers = append(res.Signers, s.Signer)
	}
}

// checkEntries compares the APK's entries with MANIFEST.MF: entries no
// verified .SF vouches for are not covered; with VerifyContent, so are
// entries whose digest does not match; entries MANIFEST.MF lists but the
// APK lacks are problems. It returns the names that did not check out.
func (in *inspection) checkEntries(ar Archive, names []string, mf *jarManifest, covered map[string]bool) map[string]bool {
	res := in.res
	failed := map[string]bool{}
	present := make(map[string]bool, len(names))
	dups := map[string]bool{}
	for _, n := range duplicates(names) {
		dups[n] = true
	}
	for _, n := range names {
		if present[n] {
			continue
		}
		present[n] = true
		if strings.HasSuffix(n, "/") || isSignatureFile(n) {
			continue
		}
		sec, listed := mf.entries[n]
		ds := digests(sec.attrs, "-digest")
		if !listed || !covered[n] || len(ds) == 0 || dups[n] {
			res.NotCovered = append(res.NotCovered, n)
			failed[n] = true
			continue
		}
		if !in.opt.VerifyContent {
			continue
		}
		ok, err := entryMatches(ar, n, ds[0])
		switch {
		case err != nil:
			res.warnf("JAR signature: %s not checked: %v", n, err)
			failed[n] = true
		case !ok:
			res.NotCovered = append(res.NotCovered, n)
			res.problem(ProblemEntryDigest, 1, n, "content does not match its MANIFEST.MF digest")
			failed[n] = true
		}
	}
	for _, n := range mf.order {
		if !present[n] {
			res.problem(ProblemMissingEntry, 1, n, "listed in MANIFEST.MF but absent from the APK")
			failed[n] = true
		}
	}
	return failed
}

// verifyV1Signer checks one .SF file: its signature block, and which
// manifest sections it vouches for.
func (in *inspection) verifyV1Signer(ar Archive, names []string, sfName string, mf *jarManifest, mfBytes []byte) v1Signer {
	s := v1Signer{Signer: Signer{Scheme: 1}}
	sfBytes, err := readAll(ar, sfName)
	if err != nil {
		s.Err = err
		return s
	}
	sf, err := parseManifest(sfBytes)
	if err != nil {
		s.Err = fmt.Errorf("%s: %w", sfName, err)
		return s
	}
	base := sfName[:len(sfName)-len(".SF")]
	var blockName string
	for _, n := range names {
		if ext, ok := strings.CutPrefix(n, base); ok && (ext == ".RSA" || ext == ".DSA" || ext == ".EC") {
			blockName = n
			break
		}
	}
	if blockName == "" {
		s.Err = fmt.Errorf("%w: no signature block for %s", ErrFormat, sfName)
		return s
	}
	blk, err := readAll(ar, blockName)
	if err != nil {
		s.Err = err
		return s
	}
	p7, err := parsePKCS7(blk)
	if err != nil {
		s.Err = fmt.Errorf("%s: %w", blockName, err)
		return s
	}
	if p7.lenient > 0 {
		in.res.warnf("JAR signature: %s: a certificate crypto/x509 refuses was read leniently", blockName)
	}
	v := p7.verify(sfBytes)
	s.Certificates = p7.certs
	keyAlg := p7.signers[0].sig.key
	if v.leaf != nil {
		s.Certificates = append([]*x509.Certificate{v.leaf}, slices.DeleteFunc(slices.Clone(p7.certs), func(c *x509.Certificate) bool { return c == v.leaf })...)
		keyAlg, s.KeyBits = keyInfo(v.leaf.PublicKey)
	}
	s.KeyAlgorithm = keyAlg
	s.SignatureAlgorithm = keyAlg + "-" + strings.ReplaceAll(hashName(v.sigHash), "-", "")
	s.DigestAlgorithms = sortedHashNames(digestHashes(mf, digestHashes(sf, []crypto.Hash{v.digest, v.sigHash})))
	if v.err != nil {
		s.Err = fmt.Errorf("%s: %w", blockName, v.err)
		return s
	}
	s.Verified = true
	if claimed, ok := sf.main.attrs["x-android-apk-signed"]; ok {
		for _, f := range strings.Split(claimed, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 1 && n < 1000 {
				in.declare(n, 1)
				if !slices.Contains(in.res.StrippingProtection, n) {
					in.res.StrippingProtection = append(in.res.StrippingProtection, n)
					slices.Sort(in.res.StrippingProtection)
				}
			}
		}
	}
	s.covered = in.coveredSections(sfName, sf, mf, mfBytes)
	return s
}

// coveredSections returns the manifest sections a verified .SF vouches
// for: all of them when its digest of the whole manifest matches;
// otherwise, if its digest of the main attributes (when present) matches,
// each section whose own digest matches.
func (in *inspection) coveredSections(sfName string, sf, mf *jarManifest, mfBytes []byte) []string {
	if strongestMatches(digests(sf.main.attrs, "-digest-manifest"), mfBytes) {
		return mf.order
	}
	if main := digests(sf.main.attrs, "-digest-manifest-main-attributes"); len(main) > 0 && !strongestMatches(main, mf.main.raw) {
		in.res.problem(ProblemManifestDigest, 1, manifestName, sfName+": main attributes of MANIFEST.MF changed after signing")
		return nil
	}
	var ok []string
	for _, name := range mf.order {
		sfSec, listed := sf.entries[name]
		if !listed {
			continue
		}
		if strongestMatches(digests(sfSec.attrs, "-digest"), mf.entries[name].raw) {
			ok = append(ok, name)
		} else {
			in.res.problem(ProblemManifestDigest, 1, name, sfName+": MANIFEST.MF section changed after signing")
		}
	}
	return ok
}

func entryMatches(ar Archive, name string, d namedDigest) (bool, error) {
	rc, err := ar.Open(name)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	h := d.hash.New()
	if _, err := io.Copy(h, rc); err != nil {
		return false, err
	}
	return bytes.Equal(h.Sum(nil), d.want), nil
}
