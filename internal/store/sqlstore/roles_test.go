package sqlstore

import (
	"testing"

	"github.com/bulwark-security/bulwark/internal/rbac"
	"github.com/bulwark-security/bulwark/internal/rbac/rbactest"
)

func TestRoleStoreContractSQLite(t *testing.T) {
	rbactest.Store(t, func(t *testing.T) rbac.Store { return openSQLite(t) })
}

func TestRoleStoreContractPostgres(t *testing.T) {
	rbactest.Store(t, func(t *testing.T) rbac.Store { return openPostgres(t) })
}
