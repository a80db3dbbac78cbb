package extissuer

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// RSA keys outside these sizes are not used.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// Key lookup failures; verify turns them into token reasons.
var (
	errUnknownKid   = errors.New("no key with this key id")
	errKidRequired  = errors.New("key id required: the key set has several keys")
	errKeyMismatch  = errors.New("key does not fit the token's algorithm")
	errRateLimited  = errors.New("key set refreshed too recently")
	errNoUsableKeys = errors.New("key set has no usable signature keys")
)

// flight is one fetch of a key set, shared by every caller that needs it.
type flight struct {
	done chan struct{}
	err  error
}

// keySet is the cached key set of one issuer.
type keySet struct {
	cfg    IssuerConfig
	client *http.Client
	cache  KeyCache // nil: none
	now    func() time.Time
	log    *slog.Logger

	mu          sync.Mutex
	keys        []jose.JSONWebKey
	loaded      bool
	fetchedAt   time.Time
	expires     time.Time
	jwksURI     string // from config or discovery
	lastAttempt time.Time
	lastErr     error
	flight      *flight
}

func newKeySet(cfg IssuerConfig, client *http.Client, cache KeyCache, now func() time.Time, log *slog.Logger) *keySet {
	return &keySet{cfg: cfg, client: client, cache: cache, now: now, log: log, jwksURI: cfg.JWKSURI}
}

// key returns the public key for a token's kid and alg, fetching the key
// set when it is not cached or has expired, and once more (rate limited)
// when kid is unknown.
func (s *keySet) key(ctx context.Context, kid, alg string) (jose.JSONWebKey, error) {
	now := s.now()
	s.mu.Lock()
	fresh := s.loaded && now.Before(s.expires)
	s.mu.Unlock()
	if !fresh {
		if err := s.refresh(ctx, false); err != nil {
			s.mu.Lock()
			stale := s.loaded && now.Before(s.expires.Add(s.cfg.StaleIfError))
			s.mu.Unlock()
			if !stale {
				return jose.JSONWebKey{}, err
			}
		}
	}
	k, err := s.find(kid, alg)
	if errors.Is(err, errUnknownKid) {
		if rerr := s.refresh(ctx, true); rerr != nil {
			if errors.Is(rerr, errRateLimited) {
				return jose.JSONWebKey{}, err
			}
			return jose.JSONWebKey{}, rerr
		}
		k, err = s.find(kid, alg)
	}
	return k, err
}

// find picks the key for kid and alg among the cached keys.
func (s *keySet) find(kid, alg string) (jose.JSONWebKey, error) {
	s.mu.Lock()
	keys := s.keys
	s.mu.Unlock()
	if kid == "" {
		if len(keys) != 1 {
			return jose.JSONWebKey{}, errKidRequired
		}
		if !fits(keys[0], alg) {
			return jose.JSONWebKey{}, errKeyMismatch
		}
		return keys[0], nil
	}
	found := false
	for _, k := range keys {
		if k.KeyID != kid {
			continue
		}
		found = true
		if fits(k, alg) {
			return k, nil
		}
	}
	if found {
		return jose.JSONWebKey{}, errKeyMismatch
	}
	return jose.JSONWebKey{}, errUnknownKid
}

// fits reports whether k may verify a signature made with alg: the key's
// own "alg", when it has one, must be alg, and its type and curve must be
// those alg uses.
func fits(k jose.JSONWebKey, alg string) bool {
	if k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			return pub.Curve == elliptic.P256()
		case "ES384":
			return pub.Curve == elliptic.P384()
		case "ES512":
			return pub.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

// refresh fetches the key set. Concurrent callers share one fetch. A
// forced refresh (unknown kid) and any fetch after a failed one happen at
// most once per RefreshInterval.
func (s *keySet) refresh(ctx context.Context, force bool) error {
	s.mu.Lock()
	f := s.flight
	if f == nil {
		now := s.now()
		if !s.lastAttempt.IsZero() && now.Sub(s.lastAttempt) < s.cfg.RefreshInterval {
			if force {
				s.mu.Unlock()
				return errRateLimited
			}
			if s.lastErr != nil {
				err := s.lastErr
				s.mu.Unlock()
				return err
			}
		}
		f = &flight{done: make(chan struct{})}
		s.flight, s.lastAttempt = f, now
		go s.run(context.WithoutCancel(ctx), f, !force)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

// run performs one fetch and publishes its result.
func (s *keySet) run(ctx context.Context, f *flight, useCache bool) {
	keys, ck, err := s.load(ctx, useCache)
	s.mu.Lock()
	if err == nil {
		s.keys, s.loaded, s.fetchedAt, s.expires = keys, true, ck.FetchedAt, ck.ExpiresAt
	}
	s.lastErr, f.err, s.flight = err, err, nil
	s.mu.Unlock()
	close(f.done)
}

// load returns the keys from the cache when it holds unexpired ones (and
// useCache), else from the issuer, saving them to the cache.
func (s *keySet) load(ctx context.Context, useCache bool) ([]jose.JSONWebKey, CachedKeys, error) {
	log := s.log.With("issuer", s.cfg.Name)
	if useCache && s.cache != nil {
		ck, ok, err := s.cache.LoadKeys(ctx, s.cfg.Issuer)
		switch {
		case err != nil:
			log.Warn("external issuer key cache unreadable", "error", err)
		case ok && s.now().Before(ck.ExpiresAt):
			if keys, err := parseJWKS(ck.JWKS, s.cfg.MaxResponseBytes); err == nil {
				s.mu.Lock()
				newer := ck.FetchedAt.After(s.fetchedAt)
				s.mu.Unlock()
				if newer {
					return keys, ck, nil
				}
			} else {
				log.Warn("external issuer cached keys unusable", "error", err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*s.cfg.FetchTimeout)
	defer cancel()
	uri, err := s.discover(ctx, useCache)
	if err != nil {
		log.Warn("external issuer discovery failed", "error", err)
		return nil, CachedKeys{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	body, hdr, err := s.get(ctx, uri)
	if err != nil {
		log.Warn("external issuer key set fetch failed", "error", err)
		return nil, CachedKeys{}, fmt.Errorf("%w: key set: %w", ErrUnavailable, err)
	}
	keys, err := parseJWKS(body, s.cfg.MaxResponseBytes)
	if err != nil {
		log.Warn("external issuer key set refused", "error", err)
		return nil, CachedKeys{}, fmt.Errorf("%w: key set: %w", ErrUnavailable, err)
	}
	now := s.now()
	ttl := cacheTTL(hdr.Get("Cache-Control"), s.cfg.CacheTTL, s.cfg.MinCacheTTL, s.cfg.MaxCacheTTL)
	ck := CachedKeys{JWKS: body, FetchedAt: now, ExpiresAt: now.Add(ttl)}
	log.Info("external issuer keys fetched", "keys", len(keys), "ttl", ttl)
	if s.cache != nil {
		if err := s.cache.SaveKeys(ctx, s.cfg.Issuer, ck); err != nil {
			log.Warn("external issuer key cache not written", "error", err)
		}
	}
	return keys, ck, nil
}

// discover returns the key set URL: the configured one, the one already
// discovered (when rediscover is false), or the jwks_uri of the issuer's
// OpenID Provider metadata, whose issuer must equal ours exactly (OpenID
// Connect Discovery 1.0 §4.3).
func (s *keySet) discover(ctx context.Context, rediscover bool) (string, error) {
	if s.cfg.JWKSURI != "" {
		return s.cfg.JWKSURI, nil
	}
	s.mu.Lock()
	uri := s.jwksURI
	s.mu.Unlock()
	if uri != "" && !rediscover {
		return uri, nil
	}
	body, _, err := s.get(ctx, strings.TrimSuffix(s.cfg.Issuer, "/")+"/.well-known/openid-configuration")
	if err != nil {
		return "", fmt.Errorf("discovery: %w", err)
	}
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &meta); err != nil {
		return "", fmt.Errorf("discovery: not a JSON object: %w", err)
	}
	if meta.Issuer != s.cfg.Issuer {
		return "", fmt.Errorf("discovery: issuer %q differs from the configured %q", meta.Issuer, s.cfg.Issuer)
	}
	if meta.JWKSURI == "" {
		return "", errors.New("discovery: no jwks_uri")
	}
	if err := checkURL(meta.JWKSURI); err != nil {
		return "", fmt.Errorf("discovery: jwks_uri: %w", err)
	}
	s.mu.Lock()
	s.jwksURI = meta.JWKSURI
	s.mu.Unlock()
	return meta.JWKSURI, nil
}

// get fetches a bounded JSON document.
func (s *keySet) get(ctx context.Context, uri string) ([]byte, http.Header, error) {
	if err := checkURL(uri); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, nil, fmt.Errorf("GET %s: status %d", uri, resp.StatusCode)
	}
	if resp.ContentLength > s.cfg.MaxResponseBytes {
		return nil, nil, fmt.Errorf("GET %s: response of %d bytes exceeds %d", uri, resp.ContentLength, s.cfg.MaxResponseBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", uri, err)
	}
	if int64(len(body)) > s.cfg.MaxResponseBytes {
		return nil, nil, fmt.Errorf("GET %s: response exceeds %d bytes", uri, s.cfg.MaxResponseBytes)
	}
	return body, resp.Header, nil
}

// parseJWKS parses a key set and keeps its usable signature keys: public,
// asymmetric, "use" absent or "sig", RSA of 2048 to 8192 bits. A key that
// does not parse is skipped, so one odd key does not hide the others.
func parseJWKS(data []byte, max int64) ([]jose.JSONWebKey, error) {
	if int64(len(data)) > max {
		return nil, fmt.Errorf("key set exceeds %d bytes", max)
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("key set is not a JSON object with keys: %w", err)
	}
	if len(doc.Keys) > MaxKeys {
		return nil, fmt.Errorf("key set has %d keys, more than %d", len(doc.Keys), MaxKeys)
	}
	var out []jose.JSONWebKey
	for _, raw := range doc.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil || !k.Valid() {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pub := k.Public()
		if !pub.Valid() {
			continue // symmetric keys have no public half
		}
		if r, ok := pub.Key.(*rsa.PublicKey); ok && (r.N.BitLen() < minRSABits || r.N.BitLen() > maxRSABits) {
			continue
		}
		out = append(out, pub)
	}
	if len(out) == 0 {
		return nil, errNoUsableKeys
	}
	return out, nil
}

// cacheTTL reads max-age from a Cache-Control header, bounded to
// [lo, hi]; def when it has none; lo for no-store and no-cache.
func cacheTTL(header string, def, lo, hi time.Duration) time.Duration {
	ttl := def
	for _, d := range strings.Split(header, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-store", "no-cache":
			return lo
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
			if errors.Is(err, strconv.ErrRange) && n > 0 {
				n, err = math.MaxInt64, nil // ParseInt returns the bound on overflow
			}
			if err != nil || n < 0 {
				continue
			}
			if n > int64(hi/time.Second) {
				ttl = hi
			} else {
				ttl = time.Duration(n) * time.Second
			}
		}
	}
	return min(max(ttl, lo), hi)
}

// safeClient returns a copy of c (or a default client) that follows at
// most 3 redirects, only to the same host over https (or http on a
// loopback host).
func safeClient(c *http.Client) *http.Client {
	var cl http.Client
	if c != nil {
		cl = *c
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		tr.ResponseHeaderTimeout = DefaultFetchTimeout
		cl.Transport = tr
	}
	cl.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("too many redirects")
		}
		if req.URL.Host != via[0].URL.Host {
			return fmt.Errorf("redirect to another host (%s) refused", req.URL.Host)
		}
		if err := checkURL(req.URL.Scheme + "://" + req.URL.Host + "/"); err != nil {
			return fmt.Errorf("redirect refused: %w", err)
		}
		return nil
	}
	return &cl
}
