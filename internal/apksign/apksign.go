// Package apksign inspects and verifies how an APK is signed: the JAR
// signature (scheme v1) and the APK Signing Block (schemes v2, v3 and
// v3.1). It reports the schemes present, each signer's certificates and
// algorithms, whether each signature verifies, and which entries no valid
// signature covers.
//
// Every structure is length-prefixed and every length is checked against
// what holds it before anything is allocated. Verification uses only the
// standard library's crypto; PKCS#7 SignedData is parsed with
// encoding/asn1.
package apksign

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Errors callers act on.
var (
	// ErrFormat marks malformed signature structures.
	ErrFormat = errors.New("malformed signature data")
	// ErrNoSigningBlock means the APK has no APK Signing Block.
	ErrNoSigningBlock = errors.New("no APK Signing Block")
)

// Archive is what Inspect needs from the APK's ZIP layer; the scanner's
// bounded archive implements it.
type Archive interface {
	// Names lists entry names in central directory order.
	Names() []string
	// Open returns the uncompressed content of an entry.
	Open(name string) (io.ReadCloser, error)
}

// Options tune Inspect.
type Options struct {
	// MaxSigningBlock bounds the APK Signing Block; default 16 MiB.
	MaxSigningBlock int64
	// VerifyContent computes the v1 entry digests and the v2/v3 whole-file
	// digests; without it only signatures over the signed data are checked.
	VerifyContent bool
}

// Signer is one signer of one scheme.
type Signer struct {
	// Scheme is 1, 2, 3 or 31 (v3.1).
	Scheme int
	// Certificates are the signer's certificates, leaf first.
	Certificates []*x509.Certificate
	// DigestAlgorithms name the digests the signature covers ("SHA-256").
	DigestAlgorithms []string
	// SignatureAlgorithm names the signature ("RSA-PKCS1v15-SHA256").
	SignatureAlgorithm string
	KeyAlgorithm       string // "RSA", "ECDSA", "DSA", "Ed25519"
	KeyBits            int
	// Verified is true when the signature was checked and is valid.
	Verified bool
	// MinSDK and MaxSDK bound the platform versions a v3 signer is for.
	MinSDK, MaxSDK int
	// Err says why the signature is not verified.
	Err error
}

// IsDebugCertificate reports whether the leaf certificate is the SDK's
// default debug certificate (CN=Android Debug, O=Android, C=US).
func (s Signer) IsDebugCertificate() bool {
	if len(s.Certificates) == 0 {
		return false
	}
	subj := s.Certificates[0].Subject
	return subj.CommonName == "Android Debug" && (len(subj.Organization) == 0 || slices.Contains(subj.Organization, "Android"))
}

// ProblemKind classifies verification failures.
type ProblemKind int

// Problems.
const (
	// ProblemSignature: a signature does not verify.
	ProblemSignature ProblemKind = iota + 1
	// ProblemContentDigest: the v2/v3 digest of the whole file does not match.
	ProblemContentDigest
	// ProblemEntryDigest: a v1 entry's digest does not match MANIFEST.MF.
	ProblemEntryDigest
	// ProblemMissingEntry: MANIFEST.MF lists an entry the APK lacks.
	ProblemMissingEntry
	// ProblemManifestDigest: a .SF digest of MANIFEST.MF does not match.
	ProblemManifestDigest
)

func (k ProblemKind) String() string {
	switch k {
	case ProblemSignature:
		return "signature"
	case ProblemContentDigest:
		return "content digest"
	case ProblemEntryDigest:
		return "entry digest"
	case ProblemMissingEntry:
		return "missing entry"
	case ProblemManifestDigest:
		return "manifest digest"
	}
	return fmt.Sprintf("problem(%d)", int(k))
}

// Problem is one verification failure.
type Problem struct {
	Kind   ProblemKind
	Scheme int
	Entry  string
	Detail string
}

// Result is what Inspect found.
type Result struct {
	// Schemes present and parsed, sorted: 1, 2, 3, 31.
	Schemes []int
	Signers []Signer
	// Problems are verification failures.
	Problems []Problem
	// NotCovered lists entries outside every valid signature.
	NotCovered []string
	// StrippingProtection is true when the v1 signature declares that
	// newer schemes were also applied (X-Android-APK-Signed).
	StrippingProtection bool
	Warnings            []string
}

func (r *Result) warnf(format string, args ...any) {
	if len(r.Warnings) < 32 {
		r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
	}
}

func (r *Result) addScheme(s int) {
	if !slices.Contains(r.Schemes, s) {
		r.Schemes = append(r.Schemes, s)
		slices.Sort(r.Schemes)
	}
}

// Inspect reads the signatures of the APK held by ra (size bytes) whose
// entries ar gives.
func Inspect(ra io.ReaderAt, size int64, ar Archive, opt Options) (*Result, error) {
	if opt.MaxSigningBlock <= 0 {
		opt.MaxSigningBlock = 16 << 20
	}
	res := &Result{}
	v2Covered := false
	if ra != nil {
		covered, err := inspectBlock(ra, size, opt, res)
		switch {
		case errors.Is(err, ErrNoSigningBlock):
		case err != nil:
			res.warnf("APK Signing Block: %v", err)
		}
		v2Covered = covered
	}
	if err := inspectV1(ar, opt, res, v2Covered); err != nil {
		res.warnf("JAR signature: %v", err)
	}
	return res, nil
}

// isSignatureFile reports META-INF entries that belong to the JAR
// signature itself and are therefore not listed in MANIFEST.MF.
func isSignatureFile(name string) bool {
	if !strings.HasPrefix(name, "META-INF/") {
		return false
	}
	rest := strings.TrimPrefix(name, "META-INF/")
	if strings.Contains(rest, "/") {
		return false
	}
	up := strings.ToUpper(rest)
	return up == "MANIFEST.MF" || strings.HasSuffix(up, ".SF") || strings.HasSuffix(up, ".RSA") ||
		strings.HasSuffix(up, ".DSA") || strings.HasSuffix(up, ".EC") || strings.HasPrefix(up, "SIG-")
}
