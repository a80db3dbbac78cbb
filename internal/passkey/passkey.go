// Package passkey registers and verifies passkeys (WebAuthn credentials) for
// the users of mobile apps and the web: the registration and login
// ceremonies, the credentials of each user (several per user, listed,
// renamed, removed), and the server-side state of a ceremony between its
// begin and its finish.
//
// Verification is done by github.com/go-webauthn/webauthn. This package
// adds what a relying party must decide for itself: user verification is
// always required (the biometric or device PIN is the second factor that
// makes a passkey a full login), every ceremony is single-use and expires,
// a signature counter that does not increase marks the credential as
// cloned and refuses it from then on, and storage sits behind two small
// interfaces (CredentialStore, CeremonyStore) with an in-memory
// implementation here and a contract suite in passkeytest.
//
// Android apps present the origin "android:apk-key-hash:<base64url SHA-256
// of the app's signing certificate>" (see AndroidOrigin); iOS apps present
// the relying party's https origin, like a browser.
package passkey

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Bounds on what the package accepts.
const (
	// MaxRegistrationResponse bounds a registration response (JSON). An
	// attestation "none" response is about 1 KiB; certificate chains of
	// other formats fit well within this.
	MaxRegistrationResponse = 64 << 10
	// MaxLoginResponse bounds a login response (JSON); real ones are
	// well under 2 KiB.
	MaxLoginResponse = 16 << 10
	// MaxNameLen bounds a credential's name, in bytes.
	MaxNameLen = 64
	// MaxUserIDLen is the longest user id: it is the WebAuthn user handle,
	// which the specification bounds at 64 bytes.
	MaxUserIDLen = 64
	// DefaultCeremonyTTL is how long a begun ceremony may be finished.
	DefaultCeremonyTTL = 5 * time.Minute
	// MaxCeremonyTTL is the longest ceremony lifetime Config accepts.
	MaxCeremonyTTL = 10 * time.Minute
	// DefaultMaxCredentials is how many passkeys a user may hold.
	DefaultMaxCredentials = 10
	// challengeLen is the size of a challenge in bytes (the specification
	// asks for at least 16).
	challengeLen = 32
)

// AndroidOriginPrefix starts the origin an Android app presents.
const AndroidOriginPrefix = "android:apk-key-hash:"

// Ceremony kinds.
const (
	KindRegistration = "registration"
	KindLogin        = "login"
)

// Errors callers decide on. None of their messages says whether a user or
// a credential exists.
var (
	// ErrCeremony means the ceremony is unknown, expired, already
	// finished, of the other kind, or begun for another user.
	ErrCeremony = errors.New("passkey: unknown, expired or used ceremony")
	// ErrVerification means the authenticator's response was malformed,
	// too large, or failed a check (challenge, origin, relying party,
	// user verification, signature).
	ErrVerification = errors.New("passkey: response refused")
	// ErrUnknownCredential means the credential is not registered (or
	// was removed), or is not the user's.
	ErrUnknownCredential = errors.New("passkey: unknown credential")
	// ErrClonedAuthenticator means the credential's signature counter did
	// not increase: two copies of its private key may exist. The
	// credential is flagged and refused until it is removed.
	ErrClonedAuthenticator = errors.New("passkey: signature counter did not increase: credential refused as possibly cloned")
	// ErrCredentialExists means the credential is already registered.
	ErrCredentialExists = errors.New("passkey: credential already registered")
	// ErrTooManyCredentials means the user holds the most passkeys allowed.
	ErrTooManyCredentials = errors.New("passkey: too many passkeys for this user")
	// ErrInvalidInput marks a user, name or id that cannot be used.
	ErrInvalidInput = errors.New("passkey: invalid input")
	// ErrUnavailable means storage failed; the request is refused (fail
	// closed).
	ErrUnavailable = errors.New("passkey: service unavailable")
)

// CredentialError is a refused login whose credential is known, for the
// audit log: Err is ErrClonedAuthenticator.
type CredentialError struct {
	Err        error
	Credential Credential
}

func (e *CredentialError) Error() string { return e.Err.Error() }
func (e *CredentialError) Unwrap() error { return e.Err }

// Config configures the relying party.
type Config struct {
	// RPID is the relying party id: a domain the web origins are on and
	// that serves /.well-known/assetlinks.json (Android) and
	// /.well-known/apple-app-site-association (iOS).
	RPID string
	// RPName is shown by authenticators when a passkey is created.
	RPName string
	// Origins are the accepted web origins, "https://host[:port]" on the
	// RPID or one of its subdomains (http only for localhost). iOS apps
	// present these too. At least one is required.
	Origins []string
	// AndroidOrigins are the accepted Android app origins,
	// "android:apk-key-hash:" and the unpadded base64url SHA-256 of a
	// signing certificate (see AndroidOrigin).
	AndroidOrigins []string
	// Attestation is the conveyance asked for: "none" (default),
	// "indirect" or "direct". Without a metadata service an attestation
	// is recorded, not trusted.
	Attestation string
	// CeremonyTTL is how long a ceremony may be finished after it
	// begins; DefaultCeremonyTTL when zero, at most MaxCeremonyTTL.
	CeremonyTTL time.Duration
	// MaxCredentials is how many passkeys a user may hold;
	// DefaultMaxCredentials when zero.
	MaxCredentials int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Rand is the source of challenges and ceremony ids; crypto/rand
	// when nil.
	Rand io.Reader
	// Logger receives clone warnings and storage errors; no logging when nil.
	Logger *slog.Logger
}

// Validate reports the first problem of the configuration, naming the
// field. It changes nothing.
func (c Config) Validate() error {
	if err := protocol.ValidateRPID(c.RPID); err != nil || c.RPID == "" || strings.ToLower(c.RPID) != c.RPID {
		return fmt.Errorf("passkey: rp_id %q: want a lower-case domain name", c.RPID)
	}
	if strings.TrimSpace(c.RPName) == "" {
		return errors.New("passkey: rp_name is required")
	}
	if len(c.Origins) == 0 {
		return errors.New("passkey: origins: at least one web origin is required")
	}
	for i, o := range c.Origins {
		if err := validateWebOrigin(o, c.RPID); err != nil {
			return fmt.Errorf("passkey: origins[%d]: %w", i, err)
		}
	}
	for i, o := range c.AndroidOrigins {
		if err := validateAndroidOrigin(o); err != nil {
			return fmt.Errorf("passkey: android_origins[%d]: %w", i, err)
		}
	}
	switch c.Attestation {
	case "", "none", "indirect", "direct":
	default:
		return fmt.Errorf("passkey: attestation %q: want none, indirect or direct", c.Attestation)
	}
	if c.CeremonyTTL < 0 || c.CeremonyTTL > MaxCeremonyTTL {
		return fmt.Errorf("passkey: ceremony_ttl %s: want between 0 and %s", c.CeremonyTTL, MaxCeremonyTTL)
	}
	if c.MaxCredentials < 0 || c.MaxCredentials > 100 {
		return fmt.Errorf("passkey: max_credentials %d: want between 0 and 100", c.MaxCredentials)
	}
	return nil
}

func validateWebOrigin(o, rpID string) error {
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q: want scheme://host[:port]", o)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "/") {
		return fmt.Errorf("%q: an origin has no path, query, fragment or user info", o)
	}
	host := u.Hostname()
	switch u.Scheme {
	case "https":
	case "http":
		if host != "localhost" && host != "127.0.0.1" && host != "::1" {
			return fmt.Errorf("%q: http is allowed only for localhost", o)
		}
	default:
		return fmt.Errorf("%q: want https", o)
	}
	if host != strings.ToLower(host) {
		return fmt.Errorf("%q: want a lower-case host", o)
	}
	if host != rpID && !strings.HasSuffix(host, "."+rpID) {
		return fmt.Errorf("%q: host is not rp_id %q or a subdomain of it", o, rpID)
	}
	return nil
}

func validateAndroidOrigin(o string) error {
	h, ok := strings.CutPrefix(o, AndroidOriginPrefix)
	if !ok {
		return fmt.Errorf("%q: want %s<base64url SHA-256 of the signing certificate>", o, AndroidOriginPrefix)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(h)
	if err != nil || len(b) != 32 {
		return fmt.Errorf("%q: the hash must be 32 bytes (SHA-256) in unpadded base64url", o)
	}
	return nil
}

// AndroidOrigin returns the origin an Android app signed by a certificate
// presents, from the certificate's SHA-256 fingerprint as keytool,
// apksigner and the Play Console print it ("14:6D:E9:…", colons optional,
// any case), which is also the value of sha256_cert_fingerprints in
// assetlinks.json.
func AndroidOrigin(sha256Fingerprint string) (string, error) {
	hexStr := strings.ReplaceAll(strings.TrimSpace(sha256Fingerprint), ":", "")
	if len(hexStr) != 64 {
		return "", fmt.Errorf("%w: SHA-256 fingerprint: want 32 hex bytes", ErrInvalidInput)
	}
	b := make([]byte, 32)
	for i := range b {
		hi, ok1 := unhex(hexStr[2*i])
		lo, ok2 := unhex(hexStr[2*i+1])
		if !ok1 || !ok2 {
			return "", fmt.Errorf("%w: SHA-256 fingerprint: not hexadecimal", ErrInvalidInput)
		}
		b[i] = hi<<4 | lo
	}
	return AndroidOriginPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// User is the account a passkey belongs to, as identity knows it. ID is
// used as the WebAuthn user handle: it must be random and carry no
// personal data (identity's "usr_…" ids are), at most MaxUserIDLen bytes.
type User struct {
	ID          string
	Name        string // shown by the authenticator, e.g. the username
	DisplayName string // Name when empty
}

// Credential is a registered passkey.
type Credential struct {
	ID                []byte // the credential id, unique across users
	UserID            string
	Name              string
	PublicKey         []byte // COSE_Key
	AttestationType   string // e.g. "none"
	AttestationFormat string // e.g. "none", "packed"
	AAGUID            []byte // authenticator model, 16 bytes (zero for most passkey providers)
	Transports        []string
	SignCount         uint32
	// UserVerified, BackupEligible and BackupState are the authenticator
	// data flags: UV at registration, BE (a synced, multi-device passkey;
	// it never changes), BS as of the last use.
	UserVerified   bool
	BackupEligible bool
	BackupState    bool
	// CloneWarning is set when the signature counter went backwards; the
	// credential is refused from then on.
	CloneWarning bool
	CreatedAt    time.Time
	LastUsedAt   time.Time // zero until first used for a login
}

// IDString is the credential id in unpadded base64url, as clients send it
// and as Rename and Remove take it.
func (c Credential) IDString() string { return base64.RawURLEncoding.EncodeToString(c.ID) }

// Ceremony is the server-side state of a begun ceremony.
type Ceremony struct {
	ID     string
	Kind   string // KindRegistration or KindLogin
	UserID string // empty for a discoverable login
	// Data is the library's session data (JSON): challenge, relying
	// party, allowed credentials, user verification.
	Data      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CredentialStore keeps passkeys. Implementations return store.ErrNotFound
// and store.ErrConflict (internal/store), and copies the caller may keep.
type CredentialStore interface {
	// CreateCredential stores a new credential; store.ErrConflict when its
	// id is taken (by any user).
	CreateCredential(ctx context.Context, c Credential) error
	// Credential returns the credential with id.
	Credential(ctx context.Context, id []byte) (Credential, error)
	// Credentials returns a user's credentials, oldest first (none is not
	// an error).
	Credentials(ctx context.Context, userID string) ([]Credential, error)
	// RenameCredential renames a credential of userID; store.ErrNotFound
	// when userID has no credential id.
	RenameCredential(ctx context.Context, userID string, id []byte, name string) error
	// DeleteCredential removes a credential of userID; store.ErrNotFound
	// when userID has no credential id.
	DeleteCredential(ctx context.Context, userID string, id []byte) error
	// RecordUse records a login atomically: only when the stored
	// signature counter still equals prevCount does it set it to
	// signCount, the backup state and the last use, and return true; it
	// returns false, changing nothing, otherwise (a concurrent login).
	RecordUse(ctx context.Context, id []byte, prevCount, signCount uint32, backupState bool, at time.Time) (bool, error)
	// FlagClone sets the credential's clone warning.
	FlagClone(ctx context.Context, id []byte) error
}

// CeremonyStore keeps ceremonies between begin and finish.
type CeremonyStore interface {
	// PutCeremony stores a ceremony; store.ErrConflict when its id is taken.
	PutCeremony(ctx context.Context, c Ceremony) error
	// TakeCeremony removes and returns a ceremony, atomically: of
	// concurrent or repeated takes of one id, one succeeds and the others
	// get store.ErrNotFound. Expiry is the caller's to check.
	TakeCeremony(ctx context.Context, id string) (Ceremony, error)
	// DeleteExpiredCeremonies removes the ceremonies whose ExpiresAt is
	// not after now and returns how many it removed.
	DeleteExpiredCeremonies(ctx context.Context, now time.Time) (int, error)
}

// Store is both stores, as Memory implements them.
type Store interface {
	CredentialStore
	CeremonyStore
}

// Service runs the ceremonies.
type Service struct {
	wa         *webauthn.WebAuthn
	creds      CredentialStore
	ceremonies CeremonyStore
	cfg        Config
	conveyance protocol.ConveyancePreference
}

// New validates cfg, applies its defaults and returns the service.
func New(cfg Config, creds CredentialStore, ceremonies CeremonyStore) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if creds == nil || ceremonies == nil {
		return nil, errors.New("passkey: a credential store and a ceremony store are required")
	}
	if cfg.Attestation == "" {
		cfg.Attestation = "none"
	}
	if cfg.CeremonyTTL == 0 {
		cfg.CeremonyTTL = DefaultCeremonyTTL
	}
	if cfg.MaxCredentials == 0 {
		cfg.MaxCredentials = DefaultMaxCredentials
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	wcfg := &webauthn.Config{
		RPID:                  cfg.RPID,
		RPDisplayName:         cfg.RPName,
		RPOrigins:             append([]string(nil), cfg.Origins...),
		RPOpaqueOrigins:       append([]string(nil), cfg.AndroidOrigins...),
		AttestationPreference: protocol.ConveyancePreference(cfg.Attestation),
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationRequired,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: cfg.CeremonyTTL, TimeoutUVD: cfg.CeremonyTTL},
			Registration: webauthn.TimeoutConfig{Timeout: cfg.CeremonyTTL, TimeoutUVD: cfg.CeremonyTTL},
		},
	}
	wa, err := webauthn.New(wcfg)
	if err != nil {
		return nil, fmt.Errorf("passkey: %w", err)
	}
	return &Service{wa: wa, creds: creds, ceremonies: ceremonies, cfg: cfg, conveyance: wcfg.AttestationPreference}, nil
}

// Begin is what the app needs to run a ceremony: Options is the
// PublicKeyCredentialCreationOptionsJSON (registration) or
// PublicKeyCredentialRequestOptionsJSON (login) to pass to the platform
// (Android CredentialManager's requestJson, the browser's
// parse…OptionsFromJSON, or the fields of iOS's ASAuthorization requests),
// and CeremonyID is to send back with the response.
type Begin struct {
	CeremonyID string
	Options    []byte
	ExpiresAt  time.Time
}

// Login is a verified passkey login.
type Login struct {
	UserID     string
	Credential Credential // as updated by this login
	// UserVerified is always true: a login without user verification is
	// refused.
	UserVerified bool
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return nil, fmt.Errorf("%w: random: %w", ErrUnavailable, err)
	}
	return b, nil
}

// ceremonyPrefix marks ceremony ids.
const ceremonyPrefix = "pkc_"

// saveCeremony stores a new ceremony for session data.
func (s *Service) saveCeremony(ctx context.Context, kind, userID string, data []byte) (Ceremony, error) {
	idb, err := s.random(24)
	if err != nil {
		return Ceremony{}, err
	}
	now := s.now()
	c := Ceremony{ID: ceremonyPrefix + base64.RawURLEncoding.EncodeToString(idb), Kind: kind, UserID: userID, Data: data,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.CeremonyTTL)}
	if err := s.ceremonies.PutCeremony(ctx, c); err != nil {
		return Ceremony{}, fmt.Errorf("%w: store ceremony: %w", ErrUnavailable, err)
	}
	return c, nil
}

// takeCeremony spends a ceremony: whatever follows, it cannot be finished
// again. It checks the kind and the expiry; the caller checks the user.
func (s *Service) takeCeremony(ctx context.Context, id, kind string) (Ceremony, error) {
	if !strings.HasPrefix(id, ceremonyPrefix) || len(id) > 64 {
		return Ceremony{}, ErrCeremony
	}
	c, err := s.ceremonies.TakeCeremony(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return Ceremony{}, ErrCeremony
		}
		return Ceremony{}, fmt.Errorf("%w: take ceremony: %w", ErrUnavailable, err)
	}
	if c.Kind != kind || !s.now().Before(c.ExpiresAt) {
		return Ceremony{}, ErrCeremony
	}
	return c, nil
}

// SweepCeremonies removes expired ceremonies; the gateway calls it now
// and then (an expired ceremony is refused whether or not it was swept).
func (s *Service) SweepCeremonies(ctx context.Context) (int, error) {
	return s.ceremonies.DeleteExpiredCeremonies(ctx, s.now())
}

// validateUser checks a user before a ceremony uses it.
func validateUser(u User) error {
	if u.ID == "" || len(u.ID) > MaxUserIDLen {
		return fmt.Errorf("%w: user id: 1 to %d bytes", ErrInvalidInput, MaxUserIDLen)
	}
	if u.Name == "" || len(u.Name) > 256 || !utf8.ValidString(u.Name) || len(u.DisplayName) > 256 || !utf8.ValidString(u.DisplayName) {
		return fmt.Errorf("%w: user name: 1 to 256 bytes of UTF-8", ErrInvalidInput)
	}
	return nil
}

// normalizeName checks and trims a credential name.
func normalizeName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxNameLen || !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: passkey name: 1 to %d bytes of UTF-8", ErrInvalidInput, MaxNameLen)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return "", fmt.Errorf("%w: passkey name: no control characters", ErrInvalidInput)
		}
	}
	return name, nil
}

// decodeID decodes a credential id given as unpadded base64url.
func decodeID(id string) ([]byte, error) {
	if id == "" || len(id) > 1400 {
		return nil, ErrUnknownCredential
	}
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return nil, ErrUnknownCredential
	}
	return b, nil
}

// waUser adapts a user and credentials to the library.
type waUser struct {
	u     User
	creds []webauthn.Credential
}

func (w *waUser) WebAuthnID() []byte   { return []byte(w.u.ID) }
func (w *waUser) WebAuthnName() string { return w.u.Name }
func (w *waUser) WebAuthnDisplayName() string {
	if w.u.DisplayName == "" {
		return w.u.Name
	}
	return w.u.DisplayName
}
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// toLibrary converts a stored credential for verification.
func toLibrary(c Credential) webauthn.Credential {
	f := protocol.FlagUserPresent
	if c.UserVerified {
		f |= protocol.FlagUserVerified
	}
	if c.BackupEligible {
		f |= protocol.FlagBackupEligible
	}
	if c.BackupState {
		f |= protocol.FlagBackupState
	}
	tr := make([]protocol.AuthenticatorTransport, len(c.Transports))
	for i, t := range c.Transports {
		tr[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{
		ID: bytes.Clone(c.ID), PublicKey: bytes.Clone(c.PublicKey),
		AttestationType: c.AttestationType, AttestationFormat: c.AttestationFormat,
		Transport: tr, Flags: webauthn.NewCredentialFlags(f),
		Authenticator: webauthn.Authenticator{AAGUID: bytes.Clone(c.AAGUID), SignCount: c.SignCount, CloneWarning: c.CloneWarning},
	}
}

// refused wraps a library verification error: the cause is kept for logs,
// the sentinel decides.
func refused(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		if info := strings.Join(strings.Fields(pe.DevInfo), " "); info != "" && len(info) <= 300 {
			return fmt.Errorf("%w: %s (%s)", ErrVerification, pe.Details, info)
		}
		return fmt.Errorf("%w: %s", ErrVerification, pe.Details)
	}
	return fmt.Errorf("%w: %w", ErrVerification, err)
}
