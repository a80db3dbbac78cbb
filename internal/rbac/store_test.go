package rbac_test

import (
	"testing"

	"github.com/bulwark-security/bulwark/internal/rbac"
	"github.com/bulwark-security/bulwark/internal/rbac/rbactest"
)

func TestMemoryStore(t *testing.T) {
	rbactest.Store(t, func(t *testing.T) rbac.Store { return rbac.NewMemoryStore() })
}
