package mfa_test

import (
	"testing"

	"github.com/bulwark-security/bulwark/internal/mfa"
	"github.com/bulwark-security/bulwark/internal/mfa/mfatest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	mfatest.Store(t, func(*testing.T) mfa.Store { return mfa.NewMemoryStore() })
}
