package modelsign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
)

// maxPEMCertificates bounds the certificates read from one PEM file.
const maxPEMCertificates = 100

// ParsePrivateKeyPEM reads the first private key of a PEM file (SEC 1
// "EC PRIVATE KEY" or PKCS #8 "PRIVATE KEY"; text around the blocks is
// skipped). Only ECDSA P-256, P-384 and P-521 keys are accepted, the keys
// the reference verifier accepts. Encrypted keys are not supported.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	for rest := data; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return nil, errors.New("no private key PEM block found")
		}
		if _, enc := blk.Headers["Proc-Type"]; enc || blk.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, unsupported("encrypted private keys (decrypt it first)")
		}
		var key any
		var err error
		switch blk.Type {
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(blk.Bytes)
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
		case "RSA PRIVATE KEY":
			return nil, unsupported("RSA keys (OMS signs with ECDSA P-256, P-384 or P-521)")
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		k, ok := key.(*ecdsa.PrivateKey)
		if !ok {
			return nil, unsupported("%T keys (OMS signs with ECDSA P-256, P-384 or P-521)", key)
		}
		if _, err := curveHash(&k.PublicKey); err != nil {
			return nil, err
		}
		return k, nil
	}
}

// ParsePublicKeyPEM reads the first "PUBLIC KEY" (PKIX) block of a PEM
// file. Only ECDSA P-256, P-384 and P-521 keys are accepted.
func ParsePublicKeyPEM(data []byte) (*ecdsa.PublicKey, error) {
	for rest := data; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return nil, errors.New("no PUBLIC KEY PEM block found")
		}
		if blk.Type != "PUBLIC KEY" {
			continue
		}
		key, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		k, ok := key.(*ecdsa.PublicKey)
		if !ok {
			return nil, unsupported("%T keys (OMS verifies ECDSA P-256, P-384 or P-521)", key)
		}
		if _, err := curveHash(k); err != nil {
			return nil, err
		}
		return k, nil
	}
}

// ParseCertificatesPEM reads every "CERTIFICATE" block of a PEM file.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := data; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		if len(out) >= maxPEMCertificates {
			return nil, fmt.Errorf("more than %d certificates", maxPEMCertificates)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no CERTIFICATE PEM block found")
	}
	return out, nil
}

// curveHash is the hash OMS pairs with each curve.
func curveHash(k *ecdsa.PublicKey) (func() hash.Hash, error) {
	switch k.Curve {
	case elliptic.P256():
		return sha256.New, nil
	case elliptic.P384():
		return sha512.New384, nil
	case elliptic.P521():
		return sha512.New, nil
	}
	return nil, unsupported("ECDSA curve %s (want P-256, P-384 or P-521)", k.Curve.Params().Name)
}

// KeyHint is the hint of a public key in a bundle: the hex SHA-256 of its
// PEM (PKIX) encoding.
func KeyHint(k *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return hex.EncodeToString(sum[:]), nil
}
