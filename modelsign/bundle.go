package modelsign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Media and payload types.
const (
	// BundleMediaType is the Sigstore bundle v0.3 media type OMS writes.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// MaxBundleSize bounds the bundle JSON read by [ParseBundle].
	MaxBundleSize = 16 << 20
	// maxSignatures and maxCertificates bound the lists of a bundle.
	maxSignatures   = 16
	maxCertificates = 10
)

// Bundle is a Sigstore bundle holding a DSSE envelope. Fields this
// package does not use (transparency log entries, timestamps) are kept
// as raw JSON.
type Bundle struct {
	MediaType            string               `json:"mediaType"`
	VerificationMaterial VerificationMaterial `json:"verificationMaterial"`
	DSSEEnvelope         *Envelope            `json:"dsseEnvelope,omitempty"`
	MessageSignature     json.RawMessage      `json:"messageSignature,omitempty"`
}

// VerificationMaterial says which key signed the envelope.
type VerificationMaterial struct {
	// PublicKey is set for bundles signed with a bare key. Recent bundles
	// carry only the hint; older ones the PEM key itself in RawBytes.
	PublicKey *PublicKeyIdentifier `json:"publicKey,omitempty"`
	// X509CertificateChain is set for bundles signed with a certificate:
	// the leaf first, then the intermediates.
	X509CertificateChain *CertificateChain `json:"x509CertificateChain,omitempty"`
	// Certificate is the single leaf of keyless Sigstore bundles.
	Certificate               *Certificate      `json:"certificate,omitempty"`
	TlogEntries               []json.RawMessage `json:"tlogEntries"`
	TimestampVerificationData json.RawMessage   `json:"timestampVerificationData,omitempty"`
}

// PublicKeyIdentifier identifies a public key.
type PublicKeyIdentifier struct {
	// Hint is the hex SHA-256 of the key's PEM encoding.
	Hint       string `json:"hint,omitempty"`
	RawBytes   []byte `json:"rawBytes,omitempty"`
	KeyDetails string `json:"keyDetails,omitempty"`
}

// CertificateChain is a list of DER certificates.
type CertificateChain struct {
	Certificates []Certificate `json:"certificates"`
}

// Certificate is one DER certificate.
type Certificate struct {
	RawBytes []byte `json:"rawBytes"`
}

// Envelope is a DSSE envelope.
type Envelope struct {
	Payload     []byte      `json:"payload"`
	PayloadType string      `json:"payloadType"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature.
type Signature struct {
	Sig   []byte `json:"sig"`
	KeyID string `json:"keyid"`
}

// ReadBundle reads at most MaxBundleSize bytes from r and parses them.
func ReadBundle(r io.Reader) (*Bundle, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBundleSize+1))
	if err != nil {
		return nil, err
	}
	return ParseBundle(data)
}

// ParseBundle parses and checks the shape of an OMS bundle: media type,
// a DSSE envelope with an in-toto payload and at least one signature,
// and verification material. It does not check signatures.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, bundleErr("bundle", "larger than %d bytes", MaxBundleSize)
	}
	var b Bundle
	if err := strictJSON(data, &b); err != nil {
		return nil, bundleErr("bundle", "not valid bundle JSON: %v", err)
	}
	if b.MediaType != BundleMediaType {
		return nil, bundleErr("mediaType", "%q, want %q", b.MediaType, BundleMediaType)
	}
	env := b.DSSEEnvelope
	if env == nil {
		if b.MessageSignature != nil {
			return nil, bundleErr("dsseEnvelope", "missing: the bundle signs a message digest, not a model statement")
		}
		return nil, bundleErr("dsseEnvelope", "missing")
	}
	if env.PayloadType != PayloadType {
		return nil, bundleErr("dsseEnvelope.payloadType", "%q, want %q", env.PayloadType, PayloadType)
	}
	if len(env.Payload) == 0 {
		return nil, bundleErr("dsseEnvelope.payload", "empty")
	}
	if len(env.Signatures) == 0 {
		return nil, bundleErr("dsseEnvelope.signatures", "none")
	}
	if len(env.Signatures) > maxSignatures {
		return nil, bundleErr("dsseEnvelope.signatures", "more than %d", maxSignatures)
	}
	vm := b.VerificationMaterial
	n := 0
	if vm.PublicKey != nil {
		n++
	}
	if vm.X509CertificateChain != nil {
		n++
		if len(vm.X509CertificateChain.Certificates) == 0 {
			return nil, bundleErr("verificationMaterial.x509CertificateChain", "no certificate")
		}
		if len(vm.X509CertificateChain.Certificates) > maxCertificates {
			return nil, bundleErr("verificationMaterial.x509CertificateChain", "more than %d certificates", maxCertificates)
		}
	}
	if vm.Certificate != nil {
		n++
	}
	if n != 1 {
		return nil, bundleErr("verificationMaterial", "want exactly one of publicKey, x509CertificateChain, certificate; got %d", n)
	}
	return &b, nil
}

// Marshal writes the bundle as JSON.
func (b *Bundle) Marshal() ([]byte, error) {
	return json.MarshalIndent(b, "", "  ")
}

// PAE is the DSSE v1 pre-authentication encoding of a payload: the bytes
// that are signed.
func PAE(payloadType string, payload []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(payload) + len(payloadType) + 32)
	fmt.Fprintf(&buf, "DSSEv1 %d %s %d ", len(payloadType), payloadType, len(payload))
	buf.Write(payload)
	return buf.Bytes()
}

// paeV02 is the encoding model_signing v0.2 signed instead of the PAE: a
// text line "DSSEV1 <len> <type> <len> " followed by the payload written
// as a Python bytes literal (b'…' with escapes).
func paeV02(payloadType string, payload []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(payload)*5/4 + len(payloadType) + 32)
	fmt.Fprintf(&buf, "DSSEV1 %d %s %d ", len(payloadType), payloadType, len(payload))
	buf.Write(pythonBytesRepr(payload))
	return buf.Bytes()
}

// pythonBytesRepr renders b the way Python's repr(bytes) does.
func pythonBytesRepr(b []byte) []byte {
	quote := byte('\'')
	if bytes.IndexByte(b, '\'') >= 0 && bytes.IndexByte(b, '"') < 0 {
		quote = '"'
	}
	out := make([]byte, 0, len(b)+3)
	out = append(out, 'b', quote)
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			out = append(out, '\\', c)
		case c == '\t':
			out = append(out, '\\', 't')
		case c == '\n':
			out = append(out, '\\', 'n')
		case c == '\r':
			out = append(out, '\\', 'r')
		case c < 0x20 || c >= 0x7f:
			out = append(out, '\\', 'x', hexDigit(c>>4), hexDigit(c&0xf))
		default:
			out = append(out, c)
		}
	}
	return append(out, quote)
}

func hexDigit(n byte) byte { return strconv.FormatInt(int64(n), 16)[0] }
