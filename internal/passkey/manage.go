package passkey

import (
	"context"
	"fmt"
)

// Credentials returns a user's passkeys, oldest first.
func (s *Service) Credentials(ctx context.Context, userID string) ([]Credential, error) {
	cs, err := s.creds.Credentials(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("%w: list credentials: %w", ErrUnavailable, err)
	}
	return cs, nil
}

// Rename renames one of a user's passkeys; id is Credential.IDString.
// Another user's passkey is ErrUnknownCredential.
func (s *Service) Rename(ctx context.Context, userID, id, name string) error {
	name, err := normalizeName(name)
	if err != nil {
		return err
	}
	b, err := decodeID(id)
	if err != nil {
		return err
	}
	if err := s.creds.RenameCredential(ctx, userID, b, name); err != nil {
		if isNotFound(err) {
			return ErrUnknownCredential
		}
		return fmt.Errorf("%w: rename credential: %w", ErrUnavailable, err)
	}
	return nil
}

// Remove deletes one of a user's passkeys; it cannot log in from then on.
// id is Credential.IDString. Another user's passkey is
// ErrUnknownCredential. Whether the user keeps another way to log in is
// the caller's to decide before calling.
func (s *Service) Remove(ctx context.Context, userID, id string) error {
	b, err := decodeID(id)
	if err != nil {
		return err
	}
	if err := s.creds.DeleteCredential(ctx, userID, b); err != nil {
		if isNotFound(err) {
			return ErrUnknownCredential
		}
		return fmt.Errorf("%w: delete credential: %w", ErrUnavailable, err)
	}
	return nil
}
