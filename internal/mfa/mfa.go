// Package mfa is the second factor of Bulwark's logins: TOTP (RFC 6238)
// authenticator apps and single-use recovery codes.
//
// An enrollment starts pending, with a fresh secret shown to the user as an
// otpauth:// URI and a QR code; it becomes active only when the user proves
// one code from it. Secrets are stored sealed (see Sealer), codes are
// compared in constant time, and no code is accepted twice: the last
// accepted time step of each user is kept, and a code of that step or an
// earlier one is refused. Recovery codes are random, shown once, stored as
// SHA-256 hashes and consumed atomically.
//
// The package also holds the policy helpers that go with tokens: whether a
// login needs MFA (Required), the RFC 8176 amr values to put in a token
// (Proof.AMR), and whether a token's amr and auth_time satisfy a step-up
// requirement (CheckStepUp, StepUpError for the RFC 9470 challenge).
//
// Storage is behind Store, defined here; MemoryStore implements it, and
// package mfatest is the contract suite every implementation runs.
package mfa

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
)

// Errors callers act on.
var (
	// ErrInvalidCode is a wrong, malformed or replayed code. Callers count
	// it against the user's attempts (the throttle is theirs).
	ErrInvalidCode = errors.New("invalid code")
	// ErrCodeReused is a code that was right but whose time step (or a
	// later one) was already accepted: a replay. It is an ErrInvalidCode
	// too, so counting needs only one test; audit may tell them apart.
	ErrCodeReused = fmt.Errorf("%w: code already used", ErrInvalidCode)
	// ErrNotEnrolled means the user has no active enrollment (none, or one
	// still pending): there is no second factor to verify.
	ErrNotEnrolled = errors.New("mfa not enrolled")
	// ErrNoPending means there is no pending enrollment to confirm.
	ErrNoPending = errors.New("no pending mfa enrollment")
	// ErrPendingExpired means the pending enrollment is older than
	// Options.PendingTTL; the user must enroll again.
	ErrPendingExpired = errors.New("pending mfa enrollment expired")
	// ErrAlreadyEnrolled means the user already has an active enrollment;
	// it must be disabled before another is made.
	ErrAlreadyEnrolled = errors.New("mfa already enrolled")
	// ErrInvalidAccount is an account name that cannot be put in an
	// otpauth:// URI.
	ErrInvalidAccount = errors.New("invalid account name")
)

// ErrNotFound is what a Store returns when the thing asked for does not
// exist.
var ErrNotFound = errors.New("not found")

// Sealer encrypts secrets at rest. *envelope.Keyring implements it. aad
// binds a sealed value to its purpose and owner: a value sealed for one
// does not open for another.
type Sealer interface {
	Seal(plaintext []byte, aad string) ([]byte, error)
	Open(sealed []byte, aad string) ([]byte, error)
}

// State is the state of an enrollment.
type State string

// Enrollment states.
const (
	StateNone    State = ""        // no enrollment
	StatePending State = "pending" // made, not yet proven by a code
	StateActive  State = "active"  // proven; required at login
)

// Enrollment is a user's TOTP authenticator. There is at most one per user.
type Enrollment struct {
	ID     string // random; part of the secret's aad
	UserID string
	// Sealed is the raw secret, sealed with aad SecretAAD(UserID, ID).
	Sealed      []byte
	Algorithm   Algorithm
	Digits      int
	Period      time.Duration
	State       State
	CreatedAt   time.Time
	ActivatedAt time.Time // zero while pending
}

// SecretAAD is the aad a TOTP secret is sealed with: it binds the secret to
// its user and enrollment, so that a sealed secret copied to another row
// does not open.
func SecretAAD(userID, enrollmentID string) string {
	return "mfa-totp:" + userID + ":" + enrollmentID
}

// EnrollmentStore keeps enrollments.
type EnrollmentStore interface {
	// SavePending stores e (State pending), replacing a pending
	// enrollment of the same user. It returns ErrAlreadyEnrolled, and
	// changes nothing, when the user has an active one.
	SavePending(ctx context.Context, e Enrollment) error
	// Enrollment returns the user's enrollment, or ErrNotFound.
	Enrollment(ctx context.Context, userID string) (Enrollment, error)
	// Activate makes the pending enrollment id of the user active at at
	// and recovery its set of recovery codes (as ReplaceRecoveryCodes),
	// both in one atomic step. It returns ErrNotFound, and changes
	// nothing, when the user's enrollment is not that one or is not
	// pending (a concurrent re-enrollment or confirm).
	Activate(ctx context.Context, userID, id string, recovery [][]byte, at time.Time) error
	// DeleteEnrollment removes the user's enrollment; removing none is
	// not an error.
	DeleteEnrollment(ctx context.Context, userID string) error
}

// StepStore keeps the last accepted TOTP time step of each user.
type StepStore interface {
	// AcceptStep records step as the user's last accepted time step and
	// returns true, atomically, only when step is greater than the last
	// one recorded (any step is greater than none). Otherwise it returns
	// false and changes nothing.
	AcceptStep(ctx context.Context, userID string, step int64) (bool, error)
}

// RecoveryStore keeps the hashes of recovery codes.
type RecoveryStore interface {
	// ReplaceRecoveryCodes makes hashes the user's set of unused recovery
	// codes, atomically: every code of the previous set stops working. An
	// empty set removes them all.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, at time.Time) error
	// ConsumeRecoveryCode marks the user's unused code with that hash
	// used and returns true, atomically; it returns false when there is
	// no such unused code (wrong, or already used).
	ConsumeRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) (bool, error)
	// RecoveryCodesLeft counts the user's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, userID string) (int, error)
}

// Store is what the package needs from storage.
type Store interface {
	EnrollmentStore
	StepStore
	RecoveryStore
}

// Options configure a Service. Zero values take the defaults, which are
// what authenticator apps expect.
type Options struct {
	// Issuer names the service in the authenticator app. Required; no ':'.
	Issuer string
	// Algorithm is the HMAC hash; default SHA1 (the only one every
	// authenticator app supports).
	Algorithm Algorithm
	// Digits is 6 (default) or 8.
	Digits int
	// Period is the time step; default 30s, between 15s and 5m.
	Period time.Duration
	// SecretSize is the secret's size in bytes; default 20 (160 bits, RFC
	// 4226 §4), at least 20 and at most 64.
	SecretSize int
	// PendingTTL is how long a pending enrollment can be confirmed;
	// default 15 minutes.
	PendingTTL time.Duration
	// QRSize is the width and height of the QR code image in pixels;
	// default 256, between 64 and 1024.
	QRSize int
	// RecoveryCodes is how many recovery codes a set has; default 10.
	RecoveryCodes int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand is the source of secrets and codes; default crypto/rand.
	Rand io.Reader
}

// Defaults.
const (
	DefaultDigits        = 6
	DefaultPeriod        = 30 * time.Second
	DefaultSecretSize    = 20
	DefaultPendingTTL    = 15 * time.Minute
	DefaultQRSize        = 256
	DefaultRecoveryCodes = 10
)

// withDefaults returns o with every zero field defaulted.
func (o Options) withDefaults() Options {
	if o.Algorithm == "" {
		o.Algorithm = SHA1
	}
	if o.Digits == 0 {
		o.Digits = DefaultDigits
	}
	if o.Period == 0 {
		o.Period = DefaultPeriod
	}
	if o.SecretSize == 0 {
		o.SecretSize = DefaultSecretSize
	}
	if o.PendingTTL == 0 {
		o.PendingTTL = DefaultPendingTTL
	}
	if o.QRSize == 0 {
		o.QRSize = DefaultQRSize
	}
	if o.RecoveryCodes == 0 {
		o.RecoveryCodes = DefaultRecoveryCodes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	return o
}

// Validate reports the first option that cannot be used, naming it. It
// checks the options as given, after defaults for zero values.
func (o Options) Validate() error {
	d := o.withDefaults()
	switch {
	case d.Issuer == "" || strings.ContainsRune(d.Issuer, ':') || len(d.Issuer) > maxLabel || !printable(d.Issuer):
		return fmt.Errorf("mfa: issuer %q: want 1 to %d printable characters without ':'", d.Issuer, maxLabel)
	case !d.Algorithm.valid():
		return fmt.Errorf("mfa: algorithm %q: want SHA1, SHA256 or SHA512", d.Algorithm)
	case d.Digits != 6 && d.Digits != 8:
		return fmt.Errorf("mfa: digits %d: want 6 or 8", d.Digits)
	case d.Period < 15*time.Second || d.Period > 5*time.Minute || d.Period%time.Second != 0:
		return fmt.Errorf("mfa: period %s: want whole seconds between 15s and 5m", d.Period)
	case d.SecretSize < 20 || d.SecretSize > 64:
		return fmt.Errorf("mfa: secret size %d: want 20 to 64 bytes", d.SecretSize)
	case d.PendingTTL < time.Minute || d.PendingTTL > 24*time.Hour:
		return fmt.Errorf("mfa: pending ttl %s: want 1m to 24h", d.PendingTTL)
	case d.QRSize < 64 || d.QRSize > 1024:
		return fmt.Errorf("mfa: qr size %d: want 64 to 1024 pixels", d.QRSize)
	case d.RecoveryCodes < 1 || d.RecoveryCodes > 100:
		return fmt.Errorf("mfa: recovery codes %d: want 1 to 100", d.RecoveryCodes)
	}
	return nil
}

// maxLabel bounds the issuer and account names.
const maxLabel = 128

func printable(s string) bool {
	for _, r := range s {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// Service enrolls and verifies second factors. It is safe for concurrent
// use; correctness under concurrency rests on the Store's atomic methods.
type Service struct {
	store  Store
	sealer Sealer
	opt    Options
}

// New returns a service over st, sealing secrets with sealer.
func New(st Store, sealer Sealer, opt Options) (*Service, error) {
	if st == nil || sealer == nil {
		return nil, errors.New("mfa: store and sealer are required")
	}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	return &Service{store: st, sealer: sealer, opt: opt.withDefaults()}, nil
}

func (s *Service) now() time.Time { return s.opt.Now().UTC() }

// Pending is a new enrollment as the user sees it, once.
type Pending struct {
	// URI is the otpauth:// key URI the QR code encodes.
	URI string
	// Secret is the secret in base32 without padding, for typing it in
	// when the QR code cannot be scanned.
	Secret string
	// QRCode is a PNG image of URI.
	QRCode    []byte
	ExpiresAt time.Time
}

// Enroll makes a pending enrollment for the user, replacing a pending one.
// account is the name the authenticator app shows beside the issuer (the
// username, typically). It returns ErrAlreadyEnrolled when the user has an
// active enrollment.
func (s *Service) Enroll(ctx context.Context, userID, account string) (*Pending, error) {
	if userID == "" {
		return nil, errors.New("mfa: enroll: empty user id")
	}
	if account == "" || strings.ContainsRune(account, ':') || len(account) > maxLabel || !printable(account) {
		return nil, ErrInvalidAccount
	}
	switch e, err := s.store.Enrollment(ctx, userID); {
	case err == nil && e.State == StateActive:
		return nil, ErrAlreadyEnrolled
	case err != nil && !errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("mfa: enroll: %w", err)
	}
	secret := make([]byte, s.opt.SecretSize)
	if _, err := io.ReadFull(s.opt.Rand, secret); err != nil {
		return nil, fmt.Errorf("mfa: enroll: secret: %w", err)
	}
	id, err := randomID(s.opt.Rand, "mfa_")
	if err != nil {
		return nil, fmt.Errorf("mfa: enroll: %w", err)
	}
	p := params{alg: s.opt.Algorithm, digits: s.opt.Digits, period: s.opt.Period}
	uri, png, err := keyURI(s.opt.Issuer, account, secret, p, s.opt.QRSize)
	if err != nil {
		return nil, fmt.Errorf("mfa: enroll: %w", err)
	}
	sealed, err := s.sealer.Seal(secret, SecretAAD(userID, id))
	if err != nil {
		return nil, fmt.Errorf("mfa: enroll: seal secret: %w", err)
	}
	now := s.now()
	e := Enrollment{ID: id, UserID: userID, Sealed: sealed, Algorithm: p.alg, Digits: p.digits, Period: p.period,
		State: StatePending, CreatedAt: now}
	if err := s.store.SavePending(ctx, e); err != nil {
		if errors.Is(err, ErrAlreadyEnrolled) {
			return nil, ErrAlreadyEnrolled
		}
		return nil, fmt.Errorf("mfa: enroll: %w", err)
	}
	return &Pending{URI: uri, Secret: b32.EncodeToString(secret), QRCode: png, ExpiresAt: now.Add(s.opt.PendingTTL)}, nil
}

// Confirm activates the user's pending enrollment when code is one of its
// codes, and returns the first set of recovery codes, to show once. The
// code's time step counts as used: it will not log in.
func (s *Service) Confirm(ctx context.Context, userID, code string) ([]string, error) {
	e, err := s.store.Enrollment(ctx, userID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, ErrNoPending
	case err != nil:
		return nil, fmt.Errorf("mfa: confirm: %w", err)
	case e.State == StateActive:
		return nil, ErrAlreadyEnrolled
	case e.State != StatePending:
		return nil, ErrNoPending
	}
	now := s.now()
	if now.Sub(e.CreatedAt) > s.opt.PendingTTL {
		return nil, ErrPendingExpired
	}
	if err := s.check(ctx, e, code, now); err != nil {
		return nil, err
	}
	codes, hashes, err := s.newRecoveryCodes(userID)
	if err != nil {
		return nil, fmt.Errorf("mfa: confirm: %w", err)
	}
	// One step: an enrollment is never active without its codes, and a
	// concurrent confirm that loses does not replace the winner's codes.
	if err := s.store.Activate(ctx, userID, e.ID, hashes, now); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, ErrNoPending // re-enrolled or confirmed meanwhile
		}
		return nil, fmt.Errorf("mfa: confirm: %w", err)
	}
	return codes, nil
}

// Method is the second factor a Proof was made with.
type Method string

// Second factors.
const (
	MethodTOTP     Method = "totp"
	MethodRecovery Method = "recovery"
)

// Proof is a second factor verified.
type Proof struct {
	Method Method
	At     time.Time // the auth_time of the tokens it leads to
	// RecoveryCodesLeft is, for MethodRecovery, how many unused codes
	// remain (the app should urge regenerating when it is low).
	RecoveryCodesLeft int
}

// Verify checks a TOTP code of the user's active enrollment, accepting the
// current time step and one on either side. Wrong or malformed codes are
// ErrInvalidCode, replays ErrCodeReused; a user without an active
// enrollment is ErrNotEnrolled.
func (s *Service) Verify(ctx context.Context, userID, code string) (Proof, error) {
	e, err := s.active(ctx, userID)
	if err != nil {
		return Proof{}, err
	}
	now := s.now()
	if err := s.check(ctx, e, code, now); err != nil {
		return Proof{}, err
	}
	return Proof{Method: MethodTOTP, At: now}, nil
}

// check verifies code against the enrollment at now and records its step.
func (s *Service) check(ctx context.Context, e Enrollment, code string, now time.Time) error {
	p := params{alg: e.Algorithm, digits: e.Digits, period: e.Period}
	if err := p.valid(); err != nil {
		return fmt.Errorf("mfa: stored enrollment: %w", err)
	}
	c, ok := parseCode(code, p.digits)
	if !ok {
		return ErrInvalidCode
	}
	secret, err := s.sealer.Open(e.Sealed, SecretAAD(e.UserID, e.ID))
	if err != nil {
		return fmt.Errorf("mfa: open secret: %w", err)
	}
	step, ok, err := matchStep(secret, c, now, p)
	clear(secret)
	if err != nil {
		return fmt.Errorf("mfa: %w", err)
	}
	if !ok {
		return ErrInvalidCode
	}
	accepted, err := s.store.AcceptStep(ctx, e.UserID, step)
	if err != nil {
		return fmt.Errorf("mfa: accept step: %w", err)
	}
	if !accepted {
		return ErrCodeReused
	}
	return nil
}

// active returns the user's active enrollment or ErrNotEnrolled.
func (s *Service) active(ctx context.Context, userID string) (Enrollment, error) {
	e, err := s.store.Enrollment(ctx, userID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Enrollment{}, ErrNotEnrolled
	case err != nil:
		return Enrollment{}, fmt.Errorf("mfa: %w", err)
	case e.State != StateActive:
		return Enrollment{}, ErrNotEnrolled
	}
	return e, nil
}

// Recover checks a recovery code of the user and uses it up. Wrong,
// malformed or spent codes are ErrInvalidCode; a user without an active
// enrollment is ErrNotEnrolled.
func (s *Service) Recover(ctx context.Context, userID, code string) (Proof, error) {
	if _, err := s.active(ctx, userID); err != nil {
		return Proof{}, err
	}
	norm, ok := parseRecoveryCode(code)
	if !ok {
		return Proof{}, ErrInvalidCode
	}
	now := s.now()
	used, err := s.store.ConsumeRecoveryCode(ctx, userID, recoveryHash(userID, norm), now)
	if err != nil {
		return Proof{}, fmt.Errorf("mfa: recover: %w", err)
	}
	if !used {
		return Proof{}, ErrInvalidCode
	}
	left, err := s.store.RecoveryCodesLeft(ctx, userID)
	if err != nil {
		return Proof{}, fmt.Errorf("mfa: recover: %w", err)
	}
	return Proof{Method: MethodRecovery, At: now, RecoveryCodesLeft: left}, nil
}

// RegenerateRecoveryCodes replaces the user's recovery codes with a new
// set, to show once; the old set stops working. It needs an active
// enrollment (ErrNotEnrolled otherwise). Callers should demand a recent
// second factor first (CheckStepUp).
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, userID string) ([]string, error) {
	if _, err := s.active(ctx, userID); err != nil {
		return nil, err
	}
	codes, hashes, err := s.newRecoveryCodes(userID)
	if err != nil {
		return nil, fmt.Errorf("mfa: regenerate: %w", err)
	}
	if err := s.store.ReplaceRecoveryCodes(ctx, userID, hashes, s.now()); err != nil {
		return nil, fmt.Errorf("mfa: regenerate: %w", err)
	}
	return codes, nil
}

// Status is a user's MFA state, for deciding a login and for the user's
// settings page.
type Status struct {
	State             State
	CreatedAt         time.Time
	ActivatedAt       time.Time
	RecoveryCodesLeft int
}

// Enrolled reports whether logins of this user need the second factor.
func (st Status) Enrolled() bool { return st.State == StateActive }

// Status returns the user's MFA state; a user who never enrolled has
// StateNone.
func (s *Service) Status(ctx context.Context, userID string) (Status, error) {
	e, err := s.store.Enrollment(ctx, userID)
	if errors.Is(err, ErrNotFound) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("mfa: status: %w", err)
	}
	st := Status{State: e.State, CreatedAt: e.CreatedAt, ActivatedAt: e.ActivatedAt}
	if e.State == StateActive {
		if st.RecoveryCodesLeft, err = s.store.RecoveryCodesLeft(ctx, userID); err != nil {
			return Status{}, fmt.Errorf("mfa: status: %w", err)
		}
	}
	return st, nil
}

// Disable removes the user's enrollment (pending or active) and recovery
// codes. Callers should demand a recent second factor first, or an
// administrator's decision.
func (s *Service) Disable(ctx context.Context, userID string) error {
	// The enrollment first: recovery codes without an active enrollment
	// are refused by Recover.
	if err := s.store.DeleteEnrollment(ctx, userID); err != nil {
		return fmt.Errorf("mfa: disable: %w", err)
	}
	if err := s.store.ReplaceRecoveryCodes(ctx, userID, nil, s.now()); err != nil {
		return fmt.Errorf("mfa: disable: %w", err)
	}
	return nil
}
