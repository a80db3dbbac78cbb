package passkeytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagBS = 0x10
	flagAT = 0x40
)

// Authenticator is a software passkey provider with the client around it:
// it reads the options a relying party sends, creates ES256 (ECDSA P-256)
// credentials, and answers with the JSON a browser or Android's
// CredentialManager returns, with attestation "none". Its fields change
// how it answers, so that tests can play a misbehaving or hostile client.
// It is not safe for concurrent use.
type Authenticator struct {
	// Origin goes into clientDataJSON.
	Origin string
	// RPID, when set, replaces the relying party id of the options in the
	// rpIdHash of the authenticator data (a phishing site's, for tests).
	RPID string
	// UV sets the user-verified flag (a biometric or PIN was checked).
	UV bool
	// NoUP clears the user-present flag.
	NoUP bool
	// BackupEligible and BackupState set the BE and BS flags.
	BackupEligible, BackupState bool
	// ZeroCounter makes the authenticator always report signature counter
	// 0, as synced passkeys (iCloud Keychain, Google Password Manager) do.
	ZeroCounter bool
	// Type replaces the clientDataJSON type when set.
	Type string
	// Challenge replaces the clientDataJSON challenge when set.
	Challenge string
	// UserHandle, when set, replaces the user handle of assertions (a
	// client claiming another account).
	UserHandle []byte
	// NextID, when set, is the id of the next credential Create makes
	// (then it is cleared), to play a client that reuses an id.
	NextID []byte

	creds []*SoftCredential
}

// SoftCredential is a credential the Authenticator holds.
type SoftCredential struct {
	ID         []byte
	RPID       string
	UserHandle []byte
	Key        *ecdsa.PrivateKey
	// Counter is the signature counter; each assertion increases it by one
	// before signing (unless the Authenticator reports zero).
	Counter uint32
}

// NewAuthenticator returns an authenticator at origin that verifies its
// user (UV), with no credential.
func NewAuthenticator(origin string) *Authenticator {
	return &Authenticator{Origin: origin, UV: true}
}

// Credentials returns the credentials held, oldest first.
func (a *Authenticator) Credentials() []*SoftCredential { return a.creds }

// Credential returns the held credential with id, or nil.
func (a *Authenticator) Credential(id []byte) *SoftCredential {
	for _, c := range a.creds {
		if bytes.Equal(c.ID, id) {
			return c
		}
	}
	return nil
}

type creationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"rp"`
	User struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"user"`
	Params []struct {
		Type string `json:"type"`
		Alg  int    `json:"alg"`
	} `json:"pubKeyCredParams"`
	Exclude []struct {
		ID string `json:"id"`
	} `json:"excludeCredentials"`
}

type requestOptions struct {
	Challenge string `json:"challenge"`
	RPID      string `json:"rpId"`
	Allow     []struct {
		ID string `json:"id"`
	} `json:"allowCredentials"`
}

var b64 = base64.RawURLEncoding

// ErrExcluded is returned by Create when the authenticator already holds
// a credential the options exclude (the platform's InvalidStateError).
var ErrExcluded = errors.New("authenticator already holds an excluded credential")

// ErrNoCredential is returned by Get when the authenticator holds no
// credential the options allow (the platform's NotAllowedError).
var ErrNoCredential = errors.New("authenticator holds no allowed credential")

// Create answers registration options (PublicKeyCredentialCreationOptionsJSON)
// with a new credential: the RegistrationResponseJSON to send to the
// relying party.
func (a *Authenticator) Create(options []byte) ([]byte, error) {
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("creation options: %w", err)
	}
	es256 := false
	for _, p := range o.Params {
		es256 = es256 || (p.Type == "public-key" && p.Alg == -7)
	}
	if !es256 {
		return nil, errors.New("creation options do not offer ES256")
	}
	for _, e := range o.Exclude {
		id, err := b64.DecodeString(e.ID)
		if err == nil && a.Credential(id) != nil {
			return nil, ErrExcluded
		}
	}
	userHandle, err := b64.DecodeString(o.User.ID)
	if err != nil {
		return nil, fmt.Errorf("user id: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	if a.NextID != nil {
		id, a.NextID = a.NextID, nil
	}
	c := &SoftCredential{ID: id, RPID: o.RP.ID, UserHandle: userHandle, Key: key}
	cose, err := coseKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	// Attested credential data: AAGUID (zero, as passkey providers send
	// with attestation none), length of the id, id, COSE key.
	attested := make([]byte, 0, 16+2+len(id)+len(cose))
	attested = append(attested, make([]byte, 16)...)
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(id)))
	attested = append(attested, id...)
	attested = append(attested, cose...)
	authData := a.authData(c.RPID, flagAT, 0, attested)
	attObj, err := cbor.Marshal(struct {
		Fmt      string         `cbor:"fmt"`
		AttStmt  map[string]any `cbor:"attStmt"`
		AuthData []byte         `cbor:"authData"`
	}{Fmt: "none", AttStmt: map[string]any{}, AuthData: authData})
	if err != nil {
		return nil, err
	}
	cdj, err := a.clientData("webauthn.create", o.Challenge)
	if err != nil {
		return nil, err
	}
	a.creds = append(a.creds, c)
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(id), "rawId": b64.EncodeToString(id), "type": "public-key",
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cdj),
			"attestationObject": b64.EncodeToString(attObj),
			"transports":        []string{"internal", "hybrid"},
		},
		"clientExtensionResults": map[string]any{},
	})
}

// Get answers login options (PublicKeyCredentialRequestOptionsJSON) with
// an assertion: the AuthenticationResponseJSON to send to the relying
// party. It uses the credential with id when id is not nil, otherwise the
// first allowed credential it holds or, for a discoverable login, the
// newest it holds for the relying party.
func (a *Authenticator) Get(options []byte, id []byte) ([]byte, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("request options: %w", err)
	}
	c, err := a.pick(o, id)
	if err != nil {
		return nil, err
	}
	if !a.ZeroCounter {
		c.Counter++
	}
	count := c.Counter
	if a.ZeroCounter {
		count = 0
	}
	authData := a.authData(c.RPID, 0, count, nil)
	cdj, err := a.clientData("webauthn.get", o.Challenge)
	if err != nil {
		return nil, err
	}
	sig, err := sign(c.Key, authData, cdj)
	if err != nil {
		return nil, err
	}
	handle := c.UserHandle
	if a.UserHandle != nil {
		handle = a.UserHandle
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.ID), "rawId": b64.EncodeToString(c.ID), "type": "public-key",
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cdj),
			"authenticatorData": b64.EncodeToString(authData),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(handle),
		},
		"clientExtensionResults": map[string]any{},
	})
}

func (a *Authenticator) pick(o requestOptions, id []byte) (*SoftCredential, error) {
	if id != nil {
		if c := a.Credential(id); c != nil {
			return c, nil
		}
		return nil, ErrNoCredential
	}
	for _, al := range o.Allow {
		raw, err := b64.DecodeString(al.ID)
		if err != nil {
			continue
		}
		if c := a.Credential(raw); c != nil {
			return c, nil
		}
	}
	if len(o.Allow) == 0 {
		for i := len(a.creds) - 1; i >= 0; i-- {
			if a.creds[i].RPID == o.RPID {
				return a.creds[i], nil
			}
		}
	}
	return nil, ErrNoCredential
}

// authData builds authenticator data: rpIdHash, flags, counter, and the
// attested credential data when given.
func (a *Authenticator) authData(rpID string, extra byte, counter uint32, attested []byte) []byte {
	if a.RPID != "" {
		rpID = a.RPID
	}
	h := sha256.Sum256([]byte(rpID))
	flags := extra
	if !a.NoUP {
		flags |= flagUP
	}
	if a.UV {
		flags |= flagUV
	}
	if a.BackupEligible {
		flags |= flagBE
	}
	if a.BackupState {
		flags |= flagBS
	}
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, counter)
	return append(out, attested...)
}

func (a *Authenticator) clientData(typ, challenge string) ([]byte, error) {
	if a.Type != "" {
		typ = a.Type
	}
	if a.Challenge != "" {
		challenge = a.Challenge
	}
	return json.Marshal(struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}{typ, challenge, a.Origin, false})
}

// sign signs authenticator data and the hash of the client data (WebAuthn
// §6.3.3), ASN.1 DER encoded as ES256 requires.
func sign(key *ecdsa.PrivateKey, authData, clientDataJSON []byte) ([]byte, error) {
	cdh := sha256.Sum256(clientDataJSON)
	msg := sha256.Sum256(append(bytes.Clone(authData), cdh[:]...))
	return ecdsa.SignASN1(rand.Reader, key, msg[:])
}

// coseKey encodes a P-256 public key as a COSE_Key (RFC 9053 §7.1.1):
// kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
func coseKey(pub *ecdsa.PublicKey) ([]byte, error) {
	raw, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	em, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		return nil, err
	}
	return em.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
}
