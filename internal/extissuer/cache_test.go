package extissuer_test

import (
	"testing"

	"github.com/bulwark-security/bulwark/internal/extissuer"
	"github.com/bulwark-security/bulwark/internal/extissuer/extissuertest"
)

func TestMemoryCacheContract(t *testing.T) {
	extissuertest.Cache(t, func(t *testing.T) extissuer.KeyCache { return extissuer.NewMemoryCache() })
}
