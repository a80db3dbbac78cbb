package apksign

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
)

// PKCS#7 / CMS SignedData (RFC 2315, RFC 5652) as far as JAR signature
// blocks use it. The content is detached: it is the .SF file.
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue // SET OF AlgorithmIdentifier; unused
	ContentInfo      contentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"` // [0] IMPLICIT SET OF Certificate
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue // SET OF SignerInfo, read one by one
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue // IssuerAndSerialNumber, or [0] SubjectKeyIdentifier
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

var (
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
)

// digestOIDs are the digest algorithms of SignerInfo.digestAlgorithm.
var digestOIDs = map[string]crypto.Hash{
	"1.2.840.113549.2.5":     crypto.MD5,
	"1.3.14.3.2.26":          crypto.SHA1,
	"2.16.840.1.101.3.4.2.4": crypto.SHA224,
	"2.16.840.1.101.3.4.2.1": crypto.SHA256,
	"2.16.840.1.101.3.4.2.2": crypto.SHA384,
	"2.16.840.1.101.3.4.2.3": crypto.SHA512,
}

// signatureOID is what a SignerInfo.signatureAlgorithm says: the key
// algorithm it needs and, for combined OIDs, the digest it signs with.
type signatureOID struct {
	key  string
	hash crypto.Hash // zero: the SignerInfo's digest algorithm
}

var signatureOIDs = map[string]signatureOID{
	"1.2.840.113549.1.1.1":   {"RSA", 0}, // rsaEncryption
	"1.2.840.113549.1.1.4":   {"RSA", crypto.MD5},
	"1.2.840.113549.1.1.5":   {"RSA", crypto.SHA1},
	"1.2.840.113549.1.1.14":  {"RSA", crypto.SHA224},
	"1.2.840.113549.1.1.11":  {"RSA", crypto.SHA256},
	"1.2.840.113549.1.1.12":  {"RSA", crypto.SHA384},
	"1.2.840.113549.1.1.13":  {"RSA", crypto.SHA512},
	"1.2.840.10045.2.1":      {"ECDSA", 0}, // ecPublicKey
	"1.2.840.10045.4.1":      {"ECDSA", crypto.SHA1},
	"1.2.840.10045.4.3.1":    {"ECDSA", crypto.SHA224},
	"1.2.840.10045.4.3.2":    {"ECDSA", crypto.SHA256},
	"1.2.840.10045.4.3.3":    {"ECDSA", crypto.SHA384},
	"1.2.840.10045.4.3.4":    {"ECDSA", crypto.SHA512},
	"1.2.840.10040.4.1":      {"DSA", 0}, // id-dsa
	"1.2.840.10040.4.3":      {"DSA", crypto.SHA1},
	"2.16.840.1.101.3.4.3.1": {"DSA", crypto.SHA224},
	"2.16.840.1.101.3.4.3.2": {"DSA", crypto.SHA256},
}

// Bounds on a signature block.
const (
	maxSignatureBlock = 1 << 20
	maxPKCS7Certs     = 64
	maxPKCS7Signers   = 8
)

// pkcs7 is a parsed detached SignedData.
type pkcs7 struct {
	certs       []*x509.Certificate
	signers     []pkcs7Signer
	contentType asn1.ObjectIdentifier
	// lenient counts certificates crypto/x509 refused and that were read
	// leniently.
	lenient int
}

// pkcs7Signer is one SignerInfo.
type pkcs7Signer struct {
	issuer, serial []byte // IssuerAndSerialNumber: issuer DER, serial value bytes
	skid           []byte // or SubjectKeyIdentifier
	digest         crypto.Hash
	sig            signatureOID
	signedAttrs    []byte // DER of the signed attributes as a SET, when present
	messageDigest  []byte
	contentType    asn1.ObjectIdentifier
	signature      []byte
}

// parsePKCS7 reads a detached PKCS#7 SignedData (a JAR signature block).
func parsePKCS7(der []byte) (*pkcs7, error) {
	if len(der) > maxSignatureBlock {
		return nil, fmt.Errorf("%w: signature block of %d bytes", ErrFormat, len(der))
	}
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, fmt.Errorf("%w: content info: %v", ErrFormat, err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: content type %v is not signedData", ErrFormat, ci.ContentType)
	}
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("%w: signed data: %v", ErrFormat, err)
	}
	p := &pkcs7{contentType: sd.ContentInfo.ContentType}
	certs, err := asn1Elements(sd.Certificates.Bytes, maxPKCS7Certs)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	for _, c := range certs {
		cert, lenient, err := parseCertificate(c)
		if err != nil {
			return nil, err
		}
		if lenient {
			p.lenient++
		}
		p.certs = append(p.certs, cert)
	}
	infos, err := asn1Elements(sd.SignerInfos.Bytes, maxPKCS7Signers)
	if err != nil {
		return nil, fmt.Errorf("signer infos: %w", err)
	}
	if len(infos) == 0 {
		return nil, fmt.Errorf("%w: no signer info", ErrFormat)
	}
	for _, raw := range infos {
		s, err := parseSignerInfo(raw)
		if err != nil {
			return nil, fmt.Errorf("signer info: %w", err)
		}
		p.signers = append(p.signers, s)
	}
	return p, nil
}

// asn1Elements splits the contents of a SET or SEQUENCE into the DER of
// its elements, at most max of them.
func asn1Elements(b []byte, max int) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(out) == max {
			return nil, fmt.Errorf("%w: more than %d elements", ErrFormat, max)
		}
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		out = append(out, v.FullBytes)
		b = rest
	}
	return out, nil
}

func parseSignerInfo(der []byte) (pkcs7Signer, error) {
	var si signerInfo
	if _, err := asn1.Unmarshal(der, &si); err != nil {
		return pkcs7Signer{}, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	s := pkcs7Signer{signature: si.Signature}
	switch {
	case si.SID.Class == asn1.ClassUniversal && si.SID.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if _, err := asn1.Unmarshal(si.SID.FullBytes, &ias); err != nil {
			return s, fmt.Errorf("%w: issuer and serial: %v", ErrFormat, err)
		}
		s.issuer, s.serial = ias.Issuer.FullBytes, ias.Serial.Bytes()
		if ias.Serial.Sign() < 0 {
			s.serial = append([]byte{'-'}, s.serial...)
		}
	case si.SID.Class == asn1.ClassContextSpecific && si.SID.Tag == 0:
		s.skid = si.SID.Bytes
	default:
		return s, fmt.Errorf("%w: signer identifier", ErrFormat)
	}
	// Old signers put a signature algorithm where the digest belongs.
	s.digest = digestOIDs[si.DigestAlgorithm.Algorithm.String()]
	if s.digest == 0 {
		s.digest = signatureOIDs[si.DigestAlgorithm.Algorithm.String()].hash
	}
	if s.digest == 0 {
		return s, fmt.Errorf("%w: digest algorithm %v", ErrUnsupported, si.DigestAlgorithm.Algorithm)
	}
	sig, ok := signatureOIDs[si.SignatureAlgorithm.Algorithm.String()]
	if !ok {
		return s, fmt.Errorf("%w: signature algorithm %v", ErrUnsupported, si.SignatureAlgorithm.Algorithm)
	}
	s.sig = sig
	if len(si.SignedAttrs.FullBytes) > 0 {
		if err := s.readSignedAttrs(si.SignedAttrs); err != nil {
			return s, err
		}
	}
	return s, nil
}

// readSignedAttrs keeps the signed attributes as they are signed: a SET,
// not the [0] they are stored as; and reads the two that matter.
func (s *pkcs7Signer) readSignedAttrs(v asn1.RawValue) error {
	if !v.IsCompound {
		return fmt.Errorf("%w: signed attributes", ErrFormat)
	}
	// Re-tag [0] IMPLICIT as SET, keeping the length octets.
	attrs := bytes.Clone(v.FullBytes)
	attrs[0] = 0x31
	s.signedAttrs = attrs
	list, err := asn1Elements(v.Bytes, maxAttrs)
	if err != nil {
		return fmt.Errorf("signed attributes: %w", err)
	}
	for _, raw := range list {
		var a attribute
		if _, err := asn1.Unmarshal(raw, &a); err != nil {
			return fmt.Errorf("%w: signed attribute: %v", ErrFormat, err)
		}
		switch {
		case a.Type.Equal(oidMessageDigest):
			if s.messageDigest != nil {
				return fmt.Errorf("%w: two message digests", ErrFormat)
			}
			if _, err := asn1.Unmarshal(a.Values.Bytes, &s.messageDigest); err != nil {
				return fmt.Errorf("%w: message digest: %v", ErrFormat, err)
			}
		case a.Type.Equal(oidContentType):
			if _, err := asn1.Unmarshal(a.Values.Bytes, &s.contentType); err != nil {
				return fmt.Errorf("%w: content type: %v", ErrFormat, err)
			}
		}
	}
	if s.messageDigest == nil {
		return fmt.Errorf("%w: signed attributes without a message digest", ErrFormat)
	}
	return nil
}

// signerCert finds the certificate a SignerInfo names.
func (p *pkcs7) signerCert(s pkcs7Signer) *x509.Certificate {
	for _, c := range p.certs {
		if s.skid != nil {
			if bytes.Equal(c.SubjectKeyId, s.skid) {
				return c
			}
			continue
		}
		if c.SerialNumber == nil || !bytes.Equal(c.RawIssuer, s.issuer) {
			continue
		}
		serial := c.SerialNumber.Bytes()
		if c.SerialNumber.Sign() < 0 {
			serial = append([]byte{'-'}, serial...)
		}
		if bytes.Equal(serial, s.serial) {
			return c
		}
	}
	return nil
}

// pkcs7Verification is the outcome of checking a signature block against
// its .SF file: the first SignerInfo that verifies, or the first one's
// error.
type pkcs7Verification struct {
	leaf    *x509.Certificate
	digest  crypto.Hash // of the content (and messageDigest)
	sigHash crypto.Hash // the signature's own digest
	err     error
}

// verify checks the signature over content (the .SF file): directly, or
// over the signed attributes after checking their message digest.
func (p *pkcs7) verify(content []byte) pkcs7Verification {
	var first pkcs7Verification
	for i, s := range p.signers {
		v := p.verifySigner(s, content)
		if v.err == nil {
			return v
		}
		if i == 0 {
			first = v
		}
	}
	return first
}

func (p *pkcs7) verifySigner(s pkcs7Signer, content []byte) pkcs7Verification {
	v := pkcs7Verification{digest: s.digest, sigHash: s.sig.hash}
	if v.sigHash == 0 {
		v.sigHash = s.digest
	}
	v.leaf = p.signerCert(s)
	if v.leaf == nil {
		v.err = fmt.Errorf("%w: the signer's certificate is not in the signature block", ErrFormat)
		return v
	}
	if kind, _ := keyInfo(v.leaf.PublicKey); kind != s.sig.key {
		v.err = fmt.Errorf("%w: %s signature with a %s key", ErrBadSignature, s.sig.key, kind)
		return v
	}
	if !s.digest.Available() {
		v.err = fmt.Errorf("%w: digest %s", ErrUnsupported, hashName(s.digest))
		return v
	}
	signed := content
	if s.signedAttrs != nil {
		if s.contentType != nil && !s.contentType.Equal(p.contentType) {
			v.err = fmt.Errorf("%w: content type attribute %v differs from %v", ErrBadSignature, s.contentType, p.contentType)
			return v
		}
		h := s.digest.New()
		h.Write(content)
		if !bytes.Equal(h.Sum(nil), s.messageDigest) {
			v.err = fmt.Errorf("%w: message digest does not match the signature file", ErrBadSignature)
			return v
		}
		signed = s.signedAttrs
	}
	v.err = verifySignature(v.leaf.PublicKey, v.sigHash, false, signed, s.signature)
	return v
}
