package apksign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// PKCS#7 / CMS structures, as far as JAR signature blocks use them.
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	ContentInfo      asn1.RawValue
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfo struct {
	Version            int
	IssuerAndSerial    issuerAndSerial
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

var (
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}

	digestOIDs = map[string]crypto.Hash{
		"1.2.840.113549.2.5":     crypto.MD5,
		"1.3.14.3.2.26":          crypto.SHA1,
		"2.16.840.1.101.3.4.2.1": crypto.SHA256,
		"2.16.840.1.101.3.4.2.2": crypto.SHA384,
		"2.16.840.1.101.3.4.2.3": crypto.SHA512,
		"2.16.840.1.101.3.4.2.4": crypto.SHA224,
	}
	// Signature algorithm OIDs that name their own digest.
	sigOIDHash = map[string]crypto.Hash{
		"1.2.840.113549.1.1.4":   crypto.MD5,
		"1.2.840.113549.1.1.5":   crypto.SHA1,
		"1.2.840.113549.1.1.11":  crypto.SHA256,
		"1.2.840.113549.1.1.12":  crypto.SHA384,
		"1.2.840.113549.1.1.13":  crypto.SHA512,
		"1.2.840.10045.4.1":      crypto.SHA1,
		"1.2.840.10045.4.3.2":    crypto.SHA256,
		"1.2.840.10045.4.3.3":    crypto.SHA384,
		"1.2.840.10045.4.3.4":    crypto.SHA512,
		"1.2.840.10040.4.3":      crypto.SHA1,
		"2.16.840.1.101.3.4.3.2": crypto.SHA256,
	}
)

// maxSignatureBlock bounds a .RSA/.DSA/.EC file.
const maxSignatureBlock = 1 << 20

// pkcs7Signer is the first signer of a SignedData with its certificates.
type pkcs7Signer struct {
	certs       []*x509.Certificate
	leaf        *x509.Certificate
	digest      crypto.Hash
	sigHashName string // hash named by the signature algorithm, if any
	signedAttrs []byte // DER of the signed attributes as a SET, when present
	messageDig  []byte
	signature   []byte
}

// parsePKCS7 reads a detached PKCS#7 SignedData (a JAR signature block).
func parsePKCS7(der []byte) (*pkcs7Signer, error) {
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
	if len(sd.SignerInfos) == 0 {
		return nil, fmt.Errorf("%w: no signer", ErrFormat)
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: certificates: %v", ErrFormat, err)
	}
	si := sd.SignerInfos[0]
	p := &pkcs7Signer{certs: certs, signature: si.Signature}
	// Old signers name a signature algorithm where the digest belongs.
	p.digest = digestOIDs[si.DigestAlgorithm.Algorithm.String()]
	if p.digest == 0 {
		p.digest = sigOIDHash[si.DigestAlgorithm.Algorithm.String()]
	}
	if p.digest == 0 {
		return nil, fmt.Errorf("%w: unknown digest algorithm %v", ErrFormat, si.DigestAlgorithm.Algorithm)
	}
	if h, ok := sigOIDHash[si.SignatureAlgorithm.Algorithm.String()]; ok {
		p.sigHashName = hashName(h)
	}
	for _, c := range certs {
		if c.SerialNumber != nil && si.IssuerAndSerial.Serial != nil && c.SerialNumber.Cmp(si.IssuerAndSerial.Serial) == 0 &&
			bytes.Equal(c.RawIssuer, si.IssuerAndSerial.Issuer.FullBytes) {
			p.leaf = c
			break
		}
	}
	if p.leaf == nil && len(certs) > 0 {
		p.leaf = certs[0]
	}
	if len(si.SignedAttrs.FullBytes) > 0 {
		// Signed attributes are signed as a SET, not as the [0] they are
		// stored with.
		attrs := bytes.Clone(si.SignedAttrs.FullBytes)
		attrs[0] = 0x31
		p.signedAttrs = attrs
		var list []attribute
		if _, err := asn1.UnmarshalWithParams(attrs, &list, "set"); err != nil {
			return nil, fmt.Errorf("%w: signed attributes: %v", ErrFormat, err)
		}
		for _, a := range list {
			if a.Type.Equal(oidMessageDigest) {
				var d []byte
				if _, err := asn1.Unmarshal(a.Values.Bytes, &d); err != nil {
					return nil, fmt.Errorf("%w: message digest: %v", ErrFormat, err)
				}
				p.messageDig = d
			}
		}
		if p.messageDig == nil {
			return nil, fmt.Errorf("%w: signed attributes without a message digest", ErrFormat)
		}
	}
	return p, nil
}

// verify checks the signature over content (the .SF file).
func (p *pkcs7Signer) verify(content []byte) error {
	if p.leaf == nil {
		return errors.New("no signer certificate")
	}
	if !p.digest.Available() {
		return fmt.Errorf("digest %v not available", p.digest)
	}
	signed := content
	if p.signedAttrs != nil {
		h := p.digest.New()
		h.Write(content)
		if !bytes.Equal(h.Sum(nil), p.messageDig) {
			return errors.New("message digest does not match the signature file")
		}
		signed = p.signedAttrs
	}
	h := p.digest.New()
	h.Write(signed)
	sum := h.Sum(nil)
	switch k := p.leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, p.digest, sum, p.signature)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, sum, p.signature) {
			return errors.New("ECDSA verification failed")
		}
		return nil
	}
	return errDSA
}
