package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bulwark-security/bulwark/internal/identity"
)

// CodeTTL is how long an authorization code can be redeemed.
const CodeTTL = 60 * time.Second

// Errors of code redemption.
var (
	// ErrInvalidGrant is an unknown, expired or mismatched code.
	ErrInvalidGrant = errors.New("oauth: invalid authorization code")
	// ErrCodeReused is a code redeemed a second time: what the first
	// redemption issued must be revoked (RFC 6749 §4.1.2).
	ErrCodeReused = errors.New("oauth: authorization code already redeemed")
	// ErrFull is a store at capacity.
	ErrFull = errors.New("oauth: too many pending authorizations")
)

// Grant is what an authorization code stands for.
type Grant struct {
	Request
	Tokens *identity.TokenPair
}

// CodeStore keeps authorization codes by the SHA-256 of the code.
type CodeStore interface {
	// Put stores a new code.
	Put(ctx context.Context, hash [32]byte, g Grant, now, expires time.Time) error
	// Take marks a code redeemed and returns its grant. A code redeemed
	// before returns its grant with ErrCodeReused; an unknown or expired
	// one ErrInvalidGrant.
	Take(ctx context.Context, hash [32]byte, now time.Time) (Grant, error)
}

// Memory is a bounded in-memory CodeStore. Redeemed codes are kept until
// they would have expired, so a second redemption is recognized.
type Memory struct {
	mu  sync.Mutex
	max int
	m   map[[32]byte]*memCode
}

type memCode struct {
	g       Grant
	expires time.Time
	used    bool
}

// NewMemory is a store of at most max codes.
func NewMemory(max int) *Memory { return &Memory{max: max, m: make(map[[32]byte]*memCode)} }

// Put implements CodeStore.
func (s *Memory) Put(_ context.Context, hash [32]byte, g Grant, now, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.max {
		s.sweep(now)
		if len(s.m) >= s.max {
			return ErrFull
		}
	}
	s.m[hash] = &memCode{g: g, expires: expires}
	return nil
}

// Take implements CodeStore.
func (s *Memory) Take(_ context.Context, hash [32]byte, now time.Time) (Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[hash]
	if !ok {
		return Grant{}, ErrInvalidGrant
	}
	if c.used {
		return c.g, ErrCodeReused
	}
	if !now.Before(c.expires) {
		delete(s.m, hash)
		return Grant{}, ErrInvalidGrant
	}
	c.used = true
	return c.g, nil
}

func (s *Memory) sweep(now time.Time) {
	for k, c := range s.m {
		if !now.Before(c.expires) {
			delete(s.m, k)
		}
	}
}

// Codes issues and redeems authorization codes.
type Codes struct {
	Store CodeStore
	Now   func() time.Time
}

// Issue makes a 256-bit code for a grant; only its hash is stored.
func (c *Codes) Issue(ctx context.Context, g Grant) (string, error) {
	code, err := randomToken()
	if err != nil {
		return "", err
	}
	now := c.Now()
	if err := c.Store.Put(ctx, sha256.Sum256([]byte(code)), g, now, now.Add(CodeTTL)); err != nil {
		return "", fmt.Errorf("oauth: store code: %w", err)
	}
	return code, nil
}

// Redeem checks a code against the token request (same client, same
// redirect URI, a verifier matching the challenge) and returns its grant.
// The code is spent by the first attempt, right or wrong. With
// ErrCodeReused the grant of the first redemption is returned so the
// caller can revoke it.
func (c *Codes) Redeem(ctx context.Context, code, clientID, redirectURI, verifier string) (Grant, error) {
	if code == "" || len(code) > 128 {
		return Grant{}, ErrInvalidGrant
	}
	g, err := c.Store.Take(ctx, sha256.Sum256([]byte(code)), c.Now())
	if err != nil {
		return g, err
	}
	if subtle.ConstantTimeCompare([]byte(g.ClientID), []byte(clientID)) != 1 {
		return g, fmt.Errorf("%w: issued to another client", ErrInvalidGrant)
	}
	if g.RedirectURI != redirectURI {
		return g, fmt.Errorf("%w: redirect_uri differs from the authorization request", ErrInvalidGrant)
	}
	if err := VerifyPKCE(verifier, g.CodeChallenge); err != nil {
		return g, fmt.Errorf("%w: %w", ErrInvalidGrant, err)
	}
	return g, nil
}

// Pending is an authorization in progress: the validated request, and,
// after the password step of an account with a second factor, the MFA
// ticket.
type Pending struct {
	Request
	MFATicket string
	expires   time.Time
}

// PendingTTL is how long the login pages of one authorization stay usable.
const PendingTTL = 10 * time.Minute

// PendingStore is a bounded in-memory set of pending authorizations under
// opaque random ids.
type PendingStore struct {
	mu  sync.Mutex
	max int
	now func() time.Time
	m   map[string]*Pending
}

// NewPendingStore holds at most max pending authorizations.
func NewPendingStore(max int, now func() time.Time) *PendingStore {
	return &PendingStore{max: max, now: now, m: make(map[string]*Pending)}
}

// Add stores a request and returns its id.
func (s *PendingStore) Add(r Request) (string, error) {
	id, err := randomToken()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.m) >= s.max {
		for k, p := range s.m {
			if !now.Before(p.expires) {
				delete(s.m, k)
			}
		}
		if len(s.m) >= s.max {
			return "", ErrFull
		}
	}
	s.m[id] = &Pending{Request: r, expires: now.Add(PendingTTL)}
	return id, nil
}

// Get returns a copy of a live pending authorization.
func (s *PendingStore) Get(id string) (Pending, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.m[id]
	if !ok {
		return Pending{}, false
	}
	if !s.now().Before(p.expires) {
		delete(s.m, id)
		return Pending{}, false
	}
	return *p, true
}

// SetTicket records the MFA ticket of a pending authorization.
func (s *PendingStore) SetTicket(id, ticket string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.m[id]; ok {
		p.MFATicket = ticket
	}
}

// Delete ends a pending authorization.
func (s *PendingStore) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}
