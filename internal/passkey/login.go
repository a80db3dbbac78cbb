package passkey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/bulwark-security/bulwark/internal/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// BeginLogin starts a discoverable login: no username, the platform
// offers the user's passkeys for the relying party, and the response
// says whose passkey it is.
func (s *Service) BeginLogin(ctx context.Context) (*Begin, error) {
	challenge, err := s.random(challengeLen)
	if err != nil {
		return nil, err
	}
	assertion, session, err := s.wa.BeginDiscoverableLogin(webauthn.WithChallenge(challenge),
		webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, fmt.Errorf("passkey: begin login: %w", err)
	}
	return s.begin(ctx, KindLogin, "", assertion.Response, session)
}

// BeginUserLogin starts a login for a known user (a second factor, or a
// username typed first): the options list the user's passkeys. A user
// with no passkey gets ErrUnknownCredential.
func (s *Service) BeginUserLogin(ctx context.Context, u User) (*Begin, error) {
	if err := validateUser(u); err != nil {
		return nil, err
	}
	creds, err := s.creds.Credentials(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("%w: list credentials: %w", ErrUnavailable, err)
	}
	if len(creds) == 0 {
		return nil, ErrUnknownCredential
	}
	challenge, err := s.random(challengeLen)
	if err != nil {
		return nil, err
	}
	assertion, session, err := s.wa.BeginLogin(&waUser{u: u, creds: libraryCredentials(creds)}, webauthn.WithChallenge(challenge),
		webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, fmt.Errorf("passkey: begin login: %w", err)
	}
	return s.begin(ctx, KindLogin, u.ID, assertion.Response, session)
}

func libraryCredentials(cs []Credential) []webauthn.Credential {
	out := make([]webauthn.Credential, len(cs))
	for i, c := range cs {
		out[i] = toLibrary(c)
	}
	return out
}

// FinishLogin verifies the authenticator's response to a login ceremony:
// challenge, origin, relying party, user presence and verification, the
// signature with the stored public key, and the signature counter. On
// success it records the use (counter, backup state, time) and says whose
// passkey it was; the caller then starts the user's session. The ceremony
// is spent whatever the outcome.
func (s *Service) FinishLogin(ctx context.Context, ceremonyID string, response []byte) (*Login, error) {
	c, err := s.takeCeremony(ctx, ceremonyID, KindLogin)
	if err != nil {
		return nil, err
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(c.Data, &session); err != nil {
		return nil, fmt.Errorf("%w: decode ceremony: %w", ErrUnavailable, err)
	}
	if len(response) > MaxLoginResponse {
		return nil, fmt.Errorf("%w: response larger than %d bytes", ErrVerification, MaxLoginResponse)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, refused(err)
	}
	cred, err := s.creds.Credential(ctx, parsed.RawID)
	switch {
	case isNotFound(err):
		return nil, ErrUnknownCredential
	case err != nil:
		return nil, fmt.Errorf("%w: load credential: %w", ErrUnavailable, err)
	}
	if c.UserID != "" && cred.UserID != c.UserID {
		return nil, ErrUnknownCredential
	}
	u := User{ID: cred.UserID, Name: cred.UserID}
	var wc *webauthn.Credential
	if c.UserID == "" {
		// Discoverable: the user handle in the response must be the
		// owner's; the library compares it with the user's handle.
		handler := func(rawID, userHandle []byte) (webauthn.User, error) {
			if !bytes.Equal(userHandle, []byte(cred.UserID)) {
				return nil, ErrUnknownCredential
			}
			return &waUser{u: u, creds: []webauthn.Credential{toLibrary(cred)}}, nil
		}
		_, wc, err = s.wa.ValidatePasskeyLogin(handler, session, parsed)
	} else {
		// For a known user the library checks that the user still owns
		// every credential the options allowed, so the whole list is given.
		all, lerr := s.creds.Credentials(ctx, c.UserID)
		if lerr != nil {
			return nil, fmt.Errorf("%w: list credentials: %w", ErrUnavailable, lerr)
		}
		wc, err = s.wa.ValidateLogin(&waUser{u: u, creds: libraryCredentials(all)}, session, parsed)
	}
	if err != nil {
		if errors.Is(err, ErrUnknownCredential) {
			return nil, ErrUnknownCredential
		}
		return nil, refused(err)
	}
	flags := parsed.Response.AuthenticatorData.Flags
	if !flags.HasUserVerified() || !flags.HasUserPresent() {
		return nil, fmt.Errorf("%w: user not verified", ErrVerification)
	}
	// A credential flagged before stays refused. This is decided after
	// the signature verified, so that only the key's holder gets (and
	// the audit log records) this answer.
	if cred.CloneWarning {
		return nil, &CredentialError{Err: ErrClonedAuthenticator, Credential: cred}
	}
	// A counter that did not increase (and is not the 0 that synced
	// passkeys always report) means the key may have been copied. Refuse
	// this login and every later one with the credential.
	if wc.Authenticator.CloneWarning {
		if ferr := s.creds.FlagClone(ctx, cred.ID); ferr != nil {
			s.cfg.Logger.Error("flag cloned passkey", "user", cred.UserID, "credential", cred.IDString(), "err", ferr)
		}
		s.cfg.Logger.Warn("passkey signature counter did not increase", "user", cred.UserID, "credential", cred.IDString(),
			"stored_count", cred.SignCount, "presented_count", parsed.Response.AuthenticatorData.Counter)
		cred.CloneWarning = true
		return nil, &CredentialError{Err: ErrClonedAuthenticator, Credential: cred}
	}
	now := s.now()
	newCount := parsed.Response.AuthenticatorData.Counter
	ok, err := s.creds.RecordUse(ctx, cred.ID, cred.SignCount, newCount, flags.HasBackupState(), now)
	switch {
	case isNotFound(err):
		return nil, ErrUnknownCredential // removed meanwhile
	case err != nil:
		return nil, fmt.Errorf("%w: record use: %w", ErrUnavailable, err)
	case !ok:
		return nil, fmt.Errorf("%w: credential used concurrently", ErrVerification)
	}
	cred.SignCount, cred.BackupState, cred.LastUsedAt = newCount, flags.HasBackupState(), now
	return &Login{UserID: cred.UserID, Credential: cred, UserVerified: true}, nil
}
