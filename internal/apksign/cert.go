package apksign

import (
	"crypto/dsa" //lint:ignore SA1019 DSA keys are only named and verified
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// maxCertBytes bounds one certificate.
const maxCertBytes = 64 << 10

// parseCertificate parses a signer certificate. Android does not judge
// signer certificates by the rules of the web PKI, and real APKs carry
// certificates crypto/x509 refuses (negative serial numbers, made by old
// keytool versions, are the common case). When crypto/x509 refuses one,
// the fields this package needs (names, serial, validity and public key)
// are read leniently and lenient is true; the certificate's own signature
// is never checked either way.
func parseCertificate(der []byte) (cert *x509.Certificate, lenient bool, err error) {
	if len(der) > maxCertBytes {
		return nil, false, fmt.Errorf("%w: certificate of %d bytes", ErrFormat, len(der))
	}
	c, strictErr := x509.ParseCertificate(der)
	if strictErr == nil {
		return c, false, nil
	}
	c, err = parseCertificateLeniently(der)
	if err != nil {
		return nil, false, fmt.Errorf("%w: certificate: %v", ErrFormat, strictErr)
	}
	return c, true, nil
}

type rawCertificate struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

// rawTBS is the start of a TBSCertificate; later fields (unique ids,
// extensions) are allowed and ignored.
type rawTBS struct {
	Version   int `asn1:"optional,explicit,default:0,tag:0"`
	Serial    *big.Int
	Algorithm pkix.AlgorithmIdentifier
	Issuer    asn1.RawValue
	Validity  asn1.RawValue
	Subject   asn1.RawValue
	PublicKey asn1.RawValue
}

func parseCertificateLeniently(der []byte) (*x509.Certificate, error) {
	var rc rawCertificate
	if rest, err := asn1.Unmarshal(der, &rc); err != nil {
		return nil, err
	} else if len(rest) > 0 {
		return nil, fmt.Errorf("trailing data after certificate")
	}
	var tbs rawTBS
	if _, err := asn1.Unmarshal(rc.TBS.FullBytes, &tbs); err != nil {
		return nil, err
	}
	pub, err := x509.ParsePKIXPublicKey(tbs.PublicKey.FullBytes)
	if err != nil {
		return nil, err
	}
	c := &x509.Certificate{
		Raw:                     der,
		RawTBSCertificate:       rc.TBS.FullBytes,
		RawSubjectPublicKeyInfo: tbs.PublicKey.FullBytes,
		RawSubject:              tbs.Subject.FullBytes,
		RawIssuer:               tbs.Issuer.FullBytes,
		Signature:               rc.Signature.RightAlign(),
		Version:                 tbs.Version + 1,
		SerialNumber:            tbs.Serial,
		PublicKey:               pub,
		PublicKeyAlgorithm:      publicKeyAlgorithm(pub),
	}
	var subject, issuer pkix.RDNSequence
	if _, err := asn1.Unmarshal(tbs.Subject.FullBytes, &subject); err == nil {
		c.Subject.FillFromRDNSequence(&subject)
	}
	if _, err := asn1.Unmarshal(tbs.Issuer.FullBytes, &issuer); err == nil {
		c.Issuer.FillFromRDNSequence(&issuer)
	}
	var validity struct{ NotBefore, NotAfter time.Time }
	if _, err := asn1.Unmarshal(tbs.Validity.FullBytes, &validity); err == nil {
		c.NotBefore, c.NotAfter = validity.NotBefore, validity.NotAfter
	}
	return c, nil
}

func publicKeyAlgorithm(pub any) x509.PublicKeyAlgorithm {
	switch pub.(type) {
	case *rsa.PublicKey:
		return x509.RSA
	case *ecdsa.PublicKey:
		return x509.ECDSA
	case *dsa.PublicKey:
		return x509.DSA
	case ed25519.PublicKey:
		return x509.Ed25519
	}
	return x509.UnknownPublicKeyAlgorithm
}
