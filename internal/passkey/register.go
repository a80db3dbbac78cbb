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

// BeginRegistration starts adding a passkey to an authenticated user. The
// options ask for user verification (required), a discoverable credential
// (preferred, so that the user can later log in without a username),
// the configured attestation, and exclude the user's existing passkeys
// so that one authenticator is not registered twice.
func (s *Service) BeginRegistration(ctx context.Context, u User) (*Begin, error) {
	if err := validateUser(u); err != nil {
		return nil, err
	}
	existing, err := s.creds.Credentials(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("%w: list credentials: %w", ErrUnavailable, err)
	}
	if len(existing) >= s.cfg.MaxCredentials {
		return nil, ErrTooManyCredentials
	}
	exclude := make([]protocol.CredentialDescriptor, len(existing))
	for i, c := range existing {
		lc := toLibrary(c)
		exclude[i] = lc.Descriptor()
	}
	challenge, err := s.random(challengeLen)
	if err != nil {
		return nil, err
	}
	creation, session, err := s.wa.BeginRegistration(&waUser{u: u},
		func(o *protocol.PublicKeyCredentialCreationOptions) error { o.Challenge = challenge; return nil },
		webauthn.WithExclusions(exclude),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationRequired,
		}),
		webauthn.WithConveyancePreference(s.conveyance),
	)
	if err != nil {
		return nil, fmt.Errorf("passkey: begin registration: %w", err)
	}
	return s.begin(ctx, KindRegistration, u.ID, creation.Response, session)
}

// begin stores the session data of a begun ceremony and returns the
// options for the client.
func (s *Service) begin(ctx context.Context, kind, userID string, options any, session *webauthn.SessionData) (*Begin, error) {
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, fmt.Errorf("passkey: encode options: %w", err)
	}
	data, err := json.Marshal(session)
	if err != nil {
		return nil, fmt.Errorf("passkey: encode session: %w", err)
	}
	c, err := s.saveCeremony(ctx, kind, userID, data)
	if err != nil {
		return nil, err
	}
	return &Begin{CeremonyID: c.ID, Options: opts, ExpiresAt: c.ExpiresAt}, nil
}

// FinishRegistration verifies the authenticator's response to the
// ceremony begun for u and stores the new passkey under name. The
// ceremony is spent whatever the outcome.
func (s *Service) FinishRegistration(ctx context.Context, u User, ceremonyID string, response []byte, name string) (Credential, error) {
	if err := validateUser(u); err != nil {
		return Credential{}, err
	}
	name, err := normalizeName(name)
	if err != nil {
		return Credential{}, err
	}
	c, err := s.takeCeremony(ctx, ceremonyID, KindRegistration)
	if err != nil {
		return Credential{}, err
	}
	if c.UserID != u.ID {
		return Credential{}, ErrCeremony
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(c.Data, &session); err != nil {
		return Credential{}, fmt.Errorf("%w: decode ceremony: %w", ErrUnavailable, err)
	}
	if len(response) > MaxRegistrationResponse {
		return Credential{}, fmt.Errorf("%w: response larger than %d bytes", ErrVerification, MaxRegistrationResponse)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return Credential{}, refused(err)
	}
	existing, err := s.creds.Credentials(ctx, u.ID)
	if err != nil {
		return Credential{}, fmt.Errorf("%w: list credentials: %w", ErrUnavailable, err)
	}
	if len(existing) >= s.cfg.MaxCredentials {
		return Credential{}, ErrTooManyCredentials
	}
	wc, err := s.wa.CreateCredential(&waUser{u: u}, session, parsed)
	if err != nil {
		return Credential{}, refused(err)
	}
	// The library checked UV because the session requires it; check the
	// outcome again, since a passkey without it is not a login factor.
	if !wc.Flags.UserVerified || !wc.Flags.UserPresent {
		return Credential{}, fmt.Errorf("%w: user not verified", ErrVerification)
	}
	for _, e := range existing {
		if bytes.Equal(e.ID, wc.ID) {
			return Credential{}, ErrCredentialExists
		}
	}
	tr := make([]string, 0, len(wc.Transport))
	for _, t := range wc.Transport {
		tr = append(tr, string(t))
	}
	cred := Credential{
		ID: wc.ID, UserID: u.ID, Name: name, PublicKey: wc.PublicKey,
		AttestationType: wc.AttestationType, AttestationFormat: wc.AttestationFormat,
		AAGUID: wc.Authenticator.AAGUID, Transports: tr, SignCount: wc.Authenticator.SignCount,
		UserVerified: wc.Flags.UserVerified, BackupEligible: wc.Flags.BackupEligible, BackupState: wc.Flags.BackupState,
		CreatedAt: s.now(),
	}
	if err := s.creds.CreateCredential(ctx, cred); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Credential{}, ErrCredentialExists
		}
		return Credential{}, fmt.Errorf("%w: store credential: %w", ErrUnavailable, err)
	}
	return cred, nil
}
