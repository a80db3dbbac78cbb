package scan

import (
	"io"

	"github.com/bulwark-security/bulwark/internal/apksign"
	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/scan/android"
)

// inspectSignatures adapts the apksign package to what the Android
// analyzer needs to know about signatures.
func inspectSignatures(ra io.ReaderAt, size int64, pkg archive.Package) (*android.SigningFacts, error) {
	res, err := apksign.Inspect(ra, size, pkg, apksign.Options{VerifyContent: true})
	if err != nil {
		return nil, err
	}
	out := &android.SigningFacts{Schemes: res.Schemes, NotCovered: res.NotCovered, Warnings: res.Warnings}
	for _, s := range res.Signers {
		sg := android.Signer{
			Scheme:             s.Scheme,
			DigestAlgorithms:   s.DigestAlgorithms,
			SignatureAlgorithm: s.SignatureAlgorithm,
			KeyAlgorithm:       s.KeyAlgorithm,
			KeyBits:            s.KeyBits,
			Verified:           s.Verified,
			Err:                s.Err,
			Debug:              s.IsDebugCertificate(),
		}
		if len(s.Certificates) > 0 {
			sg.Leaf = s.Certificates[0]
		}
		out.Signers = append(out.Signers, sg)
	}
	for _, p := range res.Problems {
		if p.Kind == apksign.ProblemContentDigest {
			out.DigestMismatch = append(out.DigestMismatch, p.Scheme)
		}
	}
	return out, nil
}
