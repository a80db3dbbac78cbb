// Package apksign inspects and verifies how an APK is signed: the JAR
// signature (scheme v1) and the APK Signing Block (schemes v2, v3 and
// v3.1). It reports the schemes present, each signer's certificates and
// algorithms, whether each signature verifies, whether the signed digests
// of the content still match, and which entries no valid signature covers.
//
// The input is hostile. Every structure is length-prefixed and every
// length is checked against what holds it before anything is allocated;
// counts of signers, certificates and records are capped; key sizes are
// bounded before any public-key operation. Verification uses only the
// standard library: PKCS#7 SignedData is parsed with encoding/asn1 and
// certificates with crypto/x509.
//
// The references are the JAR File Specification (manifest and signature
// files) and Android's "APK Signature Scheme v2" and "v3" pages on
// source.android.com (signing block, algorithm ids, content digests).
package apksign

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Errors callers act on. Signer.Err wraps one of them.
var (
	// ErrFormat marks malformed signature structures.
	ErrFormat = errors.New("malformed signature data")
	// ErrBadSignature means a signature was checked and does not verify.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrUnsupported means a signature could not be checked: its
	// algorithm or key is one this package does not verify.
	ErrUnsupported = errors.New("unsupported signature algorithm or key")
	// ErrNoSigningBlock means the APK has no APK Signing Block.
	ErrNoSigningBlock = errors.New("no APK Signing Block")
)

// Archive is what Inspect needs from the APK's ZIP layer; the scanner's
// bounded archive implements it. Implementations bound sizes themselves.
type Archive interface {
	// Names lists entry names in central directory order.
	Names() []string
	// Open returns the uncompressed content of an entry.
	Open(name string) (io.ReadCloser, error)
}

// DefaultMaxSigningBlock bounds the APK Signing Block when
// Options.MaxSigningBlock is zero.
const DefaultMaxSigningBlock = 16 << 20

// Options tune Inspect. The zero value is valid.
type Options struct {
	// MaxSigningBlock bounds the APK Signing Block; zero means
	// DefaultMaxSigningBlock. A larger block is reported as malformed.
	MaxSigningBlock int64
	// VerifyContent recomputes the v1 entry digests and the v2/v3 digest
	// of the whole file. Without it only the signatures over the signed
	// data are checked, and a verified v2/v3 signer is trusted to cover
	// the file. The scanner turns it on.
	VerifyContent bool
}

// Validate reports options that cannot be used. It changes nothing.
func (o Options) Validate() error {
	if o.MaxSigningBlock < 0 {
		return fmt.Errorf("MaxSigningBlock: %d is negative", o.MaxSigningBlock)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.MaxSigningBlock == 0 {
		o.MaxSigningBlock = DefaultMaxSigningBlock
	}
	return o
}

// Signer is one signer of one scheme.
type Signer struct {
	// Scheme is 1, 2, 3 or 31 (v3.1).
	Scheme int
	// Certificates are the signer's certificates, leaf first.
	Certificates []*x509.Certificate
	// DigestAlgorithms name the digests the signature relies on
	// ("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"), weakest first:
	// for v1 those of the signature block, the .SF and MANIFEST.MF; for
	// v2/v3 those of the content digests.
	DigestAlgorithms []string
	// SignatureAlgorithm names the signature that was (or would be)
	// checked: "RSA-SHA1", "ECDSA-SHA256" for v1; "RSA-PKCS1v15-SHA256",
	// "RSA-PSS-SHA512", "ECDSA-SHA256", "DSA-SHA256" and their "-verity"
	// variants for v2/v3.
	SignatureAlgorithm string
	// KeyAlgorithm is "RSA", "ECDSA", "DSA" or "Ed25519"; KeyBits its size.
	KeyAlgorithm string
	KeyBits      int
	// Verified is true when the signature was checked and is valid.
	Verified bool
	// ContentVerified is true when, in addition, the signed digests of
	// the content were recomputed and match: every entry the signer's
	// MANIFEST.MF covers (v1), or the whole file (v2/v3). It needs
	// Options.VerifyContent; for v1 it is also false when a verified
	// whole-file digest made entry digests unnecessary.
	ContentVerified bool
	// MinSDK and MaxSDK bound the platform versions a v3/v3.1 signer is
	// for; zero for v1 and v2.
	MinSDK, MaxSDK int
	// Err says why the signature is not verified. It wraps ErrFormat,
	// ErrBadSignature or ErrUnsupported when the signature data is at
	// fault, or the Archive's error when a signature file could not be
	// read.
	Err error
}

// IsDebugCertificate reports whether the leaf certificate is the SDK's
// default debug certificate: subject CN=Android Debug, O=Android, C=US
// (an absent O or C is tolerated; another value is not).
func (s Signer) IsDebugCertificate() bool {
	if len(s.Certificates) == 0 {
		return false
	}
	subj := s.Certificates[0].Subject
	onlyOr := func(vals []string, want string) bool {
		return len(vals) == 0 || (len(vals) == 1 && vals[0] == want)
	}
	return subj.CommonName == "Android Debug" && onlyOr(subj.Organization, "Android") && onlyOr(subj.Country, "US")
}

// ProblemKind classifies verification failures.
type ProblemKind int

// Kinds of problems. The scanner maps them to rules.
const (
	// ProblemSignature: a signature does not verify or cannot be checked.
	ProblemSignature ProblemKind = iota + 1
	// ProblemContentDigest: the v2/v3 digest of the whole file does not
	// match: the file changed after signing.
	ProblemContentDigest
	// ProblemEntryDigest: a v1 entry's digest does not match MANIFEST.MF.
	ProblemEntryDigest
	// ProblemMissingEntry: MANIFEST.MF lists an entry the APK lacks.
	ProblemMissingEntry
	// ProblemManifestDigest: a .SF digest of MANIFEST.MF (whole, main
	// attributes or one section) does not match.
	ProblemManifestDigest
	// ProblemStripped: a verified signature says a newer scheme was
	// applied, but that scheme's signature is absent (downgrade by
	// stripping).
	ProblemStripped
	// ProblemMalformed: the APK Signing Block is malformed. Android
	// refuses to install such an APK.
	ProblemMalformed
	// ProblemDuplicateEntry: two entries have the same name, so the
	// signature cannot say which one it covers.
	ProblemDuplicateEntry
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
	case ProblemStripped:
		return "stripped"
	case ProblemMalformed:
		return "malformed"
	case ProblemDuplicateEntry:
		return "duplicate entry"
	}
	return fmt.Sprintf("problem(%d)", int(k))
}

// Problem is one verification failure.
type Problem struct {
	Kind ProblemKind
	// Scheme is 1, 2, 3 or 31; 0 when no single scheme is concerned (a
	// malformed signing block, a duplicate entry).
	Scheme int
	// Entry names the ZIP entry or signature file concerned, if any.
	Entry  string
	Detail string
}

// Result is what Inspect found.
type Result struct {
	// Schemes present, sorted: 1, 2, 3, 31. A scheme whose data does not
	// parse is listed, with a signer whose Err says why.
	Schemes []int
	// Signers, one per signer per scheme, ordered by scheme.
	Signers []Signer
	// Problems are verification failures.
	Problems []Problem
	// NotCovered lists entries outside every valid signature: absent from
	// a verified MANIFEST.MF, or whose v1 digest does not match. It is
	// empty when a v2/v3 digest of the whole file verified (or, without
	// VerifyContent, when a v2/v3 signature verified), and when no
	// signature verified at all (Problems and Signers say so instead).
	NotCovered []string
	// StrippingProtection lists the schemes a verified v1 signature says
	// were also applied (its X-Android-APK-Signed attribute), sorted.
	StrippingProtection []int
	// Warnings are things not checked and why.
	Warnings []string
}

// VerifiedSchemes returns the schemes with at least one verified signer,
// sorted.
func (r *Result) VerifiedSchemes() []int {
	var out []int
	for _, s := range r.Signers {
		if s.Verified && !slices.Contains(out, s.Scheme) {
			out = append(out, s.Scheme)
		}
	}
	slices.Sort(out)
	return out
}

const maxWarnings = 32

func (r *Result) warnf(format string, args ...any) {
	switch {
	case len(r.Warnings) < maxWarnings:
		r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
	case len(r.Warnings) == maxWarnings:
		r.Warnings = append(r.Warnings, "further warnings omitted")
	}
}

func (r *Result) problem(kind ProblemKind, scheme int, entry, detail string) {
	r.Problems = append(r.Problems, Problem{Kind: kind, Scheme: scheme, Entry: entry, Detail: detail})
}

func (r *Result) addScheme(s int) {
	if !slices.Contains(r.Schemes, s) {
		r.Schemes = append(r.Schemes, s)
		slices.Sort(r.Schemes)
	}
}

// Inspect reads the signatures of the APK held by ra (size bytes) whose
// entries ar gives. ra may be nil to inspect only the JAR signature (then
// no scheme is reported stripped); ar may be nil to inspect only the APK
// Signing Block.
//
// Inspect returns an error only for invalid options and for errors
// reading ra; whatever is wrong with the APK itself is in the Result.
func Inspect(ra io.ReaderAt, size int64, ar Archive, opt Options) (*Result, error) {
	if err := opt.Validate(); err != nil {
		return nil, fmt.Errorf("apksign options: %w", err)
	}
	in := &inspection{ra: ra, size: size, opt: opt.withDefaults(), res: &Result{}}
	var wholeFile bool
	if ra != nil {
		covered, err := in.inspectBlock()
		if err != nil {
			return nil, fmt.Errorf("APK Signing Block: %w", err)
		}
		wholeFile = covered
	}
	if ar != nil {
		names := ar.Names()
		in.inspectV1(ar, names, wholeFile)
		in.checkDuplicates(names)
	}
	if ra != nil { // without the file, absent schemes were not looked for
		in.checkStripping()
	}
	slices.SortStableFunc(in.res.Signers, func(a, b Signer) int { return schemeRank(a.Scheme) - schemeRank(b.Scheme) })
	return in.res, nil
}

// inspection is the state of one Inspect call.
type inspection struct {
	ra   io.ReaderAt
	size int64
	opt  Options
	res  *Result
	// declared are the schemes verified signatures say were applied, with
	// the scheme that says so.
	declared map[int]int
	// contentDigests caches whole-file digests by content algorithm, so
	// v2 and v3 signers using the same one cost one pass.
	contentDigests map[contentAlg][]byte
}

func (in *inspection) declare(scheme, by int) {
	if in.declared == nil {
		in.declared = map[int]int{}
	}
	if _, ok := in.declared[scheme]; !ok {
		in.declared[scheme] = by
	}
}

// checkStripping reports schemes a verified signature declares but the
// APK lacks: someone removed the stronger signature to downgrade it.
func (in *inspection) checkStripping() {
	for _, scheme := range []int{2, 3} {
		by, ok := in.declared[scheme]
		if !ok {
			continue
		}
		present := slices.Contains(in.res.Schemes, scheme) || (scheme == 3 && slices.Contains(in.res.Schemes, 31))
		if !present {
			in.res.problem(ProblemStripped, by, "", fmt.Sprintf("the v%s signature says the APK was also signed with scheme v%d, which is absent", schemeLabel(by), scheme))
		}
	}
}

// checkDuplicates reports entry names that occur more than once in a
// signed APK.
func (in *inspection) checkDuplicates(names []string) {
	if len(in.res.Schemes) == 0 {
		return
	}
	for _, n := range duplicates(names) {
		in.res.problem(ProblemDuplicateEntry, 0, n, "more than one entry has this name")
	}
}

func duplicates(names []string) []string {
	seen := make(map[string]int, len(names))
	var out []string
	for _, n := range names {
		seen[n]++
		if seen[n] == 2 {
			out = append(out, n)
		}
	}
	return out
}

func schemeRank(s int) int {
	if s == 31 {
		return 4
	}
	return s
}

func schemeLabel(n int) string {
	if n == 31 {
		return "3.1"
	}
	return fmt.Sprint(n)
}
