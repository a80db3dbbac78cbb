// Package store holds what every storage implementation shares: the errors
// callers decide on. The contracts themselves are owned by their consumers
// (identity.Store, gateway.AppStore, audit.Store); internal/store/sqlstore
// implements them on SQLite and PostgreSQL, and internal/store/storetest
// is the contract test suite both run.
package store

import "errors"

// Errors of every storage implementation.
var (
	// ErrNotFound means no row matched.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique value is already taken.
	ErrConflict = errors.New("already exists")
)
