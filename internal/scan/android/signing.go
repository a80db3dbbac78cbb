package android

import (
	"crypto/x509"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/finding"
)

// SigningFacts are what the checks need to know about an APK's signatures.
type SigningFacts struct {
	// Schemes present: 1, 2, 3, and 31 for v3.1; empty when unsigned.
	Schemes []int
	Signers []Signer
	// DigestMismatch lists schemes whose digest of the whole file does not
	// match: the file changed after signing.
	DigestMismatch []int
	// NotCovered lists entries outside every valid signature.
	NotCovered []string
	Warnings   []string
	// Bundle is true for an Android App Bundle: it is signed with the
	// upload key by the JAR scheme alone, and devices never see that
	// signature (Google Play or bundletool sign the APKs made from it), so
	// "v1 only" and Janus do not apply and an unsigned bundle is normal
	// before upload. A debug or weak upload key is still reported.
	Bundle bool
}

// Signer is one signer of one scheme.
type Signer struct {
	Scheme             int
	Leaf               *x509.Certificate
	DigestAlgorithms   []string
	SignatureAlgorithm string
	KeyAlgorithm       string
	KeyBits            int
	// Verified is true when the signature was checked and is valid; Err
	// says why not.
	Verified bool
	Err      error
	// Debug is true for the SDK's debug certificate.
	Debug bool
}

// SignatureInspector reads the signatures of a raw APK.
type SignatureInspector func(ra io.ReaderAt, size int64, pkg archive.Package) (*SigningFacts, error)

// janusFixedIn: the Janus flaw affects Android 5.0 to 8.0 (API 21–26);
// an app whose minSdkVersion is 26 or lower can run on an affected device.
const janusFixedIn = 27

// readSigning inspects the signatures of a raw APK. Unpacked directories
// and lone files have none to inspect.
func (an *analysis) readSigning() error {
	if an.in.File == nil {
		if an.app.Manifest != nil {
			an.warnf("META-INF/", "signatures are not checked for unpacked directories; scan the APK file")
		}
		return nil
	}
	if an.opt.InspectSignatures == nil {
		an.warnf("META-INF/", "signatures not inspected: no inspector configured")
		return nil
	}
	res, err := an.opt.InspectSignatures(an.in.File, an.in.Size, an.in.Pkg)
	if err != nil {
		an.warnf("META-INF/", "signatures not inspected: %v", err)
		return nil
	}
	for _, w := range res.Warnings {
		an.warnf("META-INF/", "%s", w)
	}
	res.Bundle = an.in.Bundle
	an.app.Signing = res
	return nil
}

func signingLoc(scheme int) []finding.Location {
	if scheme == 1 {
		return []finding.Location{{Path: "META-INF/", Symbol: "JAR signature (v1)"}}
	}
	return []finding.Location{{Path: "APK Signing Block", Symbol: fmt.Sprintf("v%s", schemeName(scheme))}}
}

func schemeName(s int) string {
	if s == 31 {
		return "3.1"
	}
	return fmt.Sprint(s)
}

func checkSigning(a *App) []finding.Hit {
	s := a.Signing
	if s == nil {
		return nil
	}
	if len(s.Schemes) == 0 {
		if s.Bundle {
			return nil
		}
		return []finding.Hit{{Rule: "android-unsigned", Key: "unsigned", Message: "no JAR signature and no APK Signing Block",
			Evidence: "no META-INF/*.SF, no APK Sig Block 42", Locations: []finding.Location{{Path: "META-INF/"}}}}
	}
	var hits []finding.Hit
	schemes := make([]string, len(s.Schemes))
	for i, x := range s.Schemes {
		schemes[i] = "v" + schemeName(x)
	}
	if slices.Equal(s.Schemes, []int{1}) && !s.Bundle {
		minSDK := 0
		if a.Manifest != nil {
			minSDK = a.Manifest.MinSDK
		}
		if a.Manifest != nil && minSDK < janusFixedIn {
			hits = append(hits, finding.Hit{Rule: "android-janus", Key: "janus",
				Message:  fmt.Sprintf("signed with the v1 scheme only and minSdkVersion %d reaches Android 5.0–8.0 (CVE-2017-13156)", minSDK),
				Evidence: "schemes: v1; minSdkVersion " + fmt.Sprint(minSDK), Locations: signingLoc(1)})
		} else {
			hits = append(hits, finding.Hit{Rule: "android-v1-only-signature", Key: "v1-only",
				Message: "signed with the v1 (JAR) scheme only", Evidence: "schemes: v1", Locations: signingLoc(1)})
		}
	}
	debugDone, weakDone := false, map[string]bool{}
	for _, sg := range s.Signers {
		leaf := sg.Leaf
		if sg.Debug && !debugDone {
			debugDone = true
			subject := ""
			if leaf != nil {
				subject = leaf.Subject.String()
			}
			hits = append(hits, finding.Hit{Rule: "android-debug-certificate", Key: "debug-certificate",
				Message: "signed with the Android debug certificate (" + subject + ")", Evidence: subject, Locations: signingLoc(sg.Scheme)})
		}
		var weak []string
		for _, d := range sg.DigestAlgorithms {
			if isWeakDigest(d) {
				weak = append(weak, d+" digests")
			}
		}
		if isWeakDigest(sg.SignatureAlgorithm) {
			weak = append(weak, sg.SignatureAlgorithm+" signature")
		}
		if sg.KeyAlgorithm == "RSA" && sg.KeyBits > 0 && sg.KeyBits < 2048 {
			weak = append(weak, fmt.Sprintf("RSA-%d key", sg.KeyBits))
		}
		if len(weak) > 0 {
			key := fmt.Sprintf("v%s:%s", schemeName(sg.Scheme), strings.Join(weak, ","))
			if weakDone[key] {
				continue
			}
			weakDone[key] = true
			msg := fmt.Sprintf("v%s signature uses %s", schemeName(sg.Scheme), strings.Join(weak, ", "))
			if sg.Scheme == 1 && len(s.Schemes) > 1 {
				msg += " (devices on Android 7.0 and later verify the newer scheme instead)"
			}
			hits = append(hits, finding.Hit{Rule: "android-weak-signature-algorithm", Key: key, Message: msg,
				Evidence: strings.Join(weak, ", "), Locations: signingLoc(sg.Scheme)})
		}
		if !sg.Verified && sg.Err != nil {
			hits = append(hits, finding.Hit{Rule: "android-signature-invalid", Key: fmt.Sprintf("v%s", schemeName(sg.Scheme)),
				Message: fmt.Sprintf("v%s signature does not verify: %v", schemeName(sg.Scheme), sg.Err), Evidence: sg.Err.Error(), Locations: signingLoc(sg.Scheme)})
		}
	}
	for _, scheme := range s.DigestMismatch {
		hits = append(hits, finding.Hit{Rule: "android-unsigned-entries", Key: fmt.Sprintf("digest-v%s", schemeName(scheme)),
			Message:  fmt.Sprintf("the v%s digest of the whole file does not match: the APK was modified after signing", schemeName(scheme)),
			Evidence: "content digest mismatch", Locations: signingLoc(scheme)})
	}
	if len(s.NotCovered) > 0 {
		locs := make([]finding.Location, 0, min(len(s.NotCovered), finding.MaxLocations))
		for _, n := range s.NotCovered {
			if len(locs) < finding.MaxLocations {
				locs = append(locs, finding.Location{Path: n})
			}
		}
		hits = append(hits, finding.Hit{Rule: "android-unsigned-entries", Key: "entries:" + strings.Join(s.NotCovered, "\x00"),
			Message:  fmt.Sprintf("%d entries are not covered by the signature: %s", len(s.NotCovered), strings.Join(first(s.NotCovered, 5), ", ")),
			Evidence: strings.Join(first(s.NotCovered, 10), ", "), Locations: locs, Props: map[string]string{"count": fmt.Sprint(len(s.NotCovered))}})
	}
	return hits
}

func isWeakDigest(alg string) bool {
	a := strings.ToUpper(alg)
	return strings.Contains(a, "MD5") || strings.Contains(a, "SHA1") || strings.Contains(a, "SHA-1") || a == "SHA"
}
