package mfa

import (
	"bytes"
	"context"
	"crypto/subtle"
	"sync"
	"time"
)

// MemoryStore is a Store in memory, for tests and a single process. It is
// safe for concurrent use.
type MemoryStore struct {
	mu          sync.Mutex
	enrollments map[string]Enrollment
	steps       map[string]int64
	recovery    map[string][]recoveryCode
}

type recoveryCode struct {
	hash []byte
	used bool
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		enrollments: map[string]Enrollment{},
		steps:       map[string]int64{},
		recovery:    map[string][]recoveryCode{},
	}
}

// SavePending implements EnrollmentStore.
func (m *MemoryStore) SavePending(_ context.Context, e Enrollment) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.enrollments[e.UserID]; ok && old.State == StateActive {
		return ErrAlreadyEnrolled
	}
	e.State = StatePending
	e.ActivatedAt = time.Time{}
	e.Sealed = bytes.Clone(e.Sealed)
	m.enrollments[e.UserID] = e
	return nil
}

// Enrollment implements EnrollmentStore.
func (m *MemoryStore) Enrollment(_ context.Context, userID string) (Enrollment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.enrollments[userID]
	if !ok {
		return Enrollment{}, ErrNotFound
	}
	e.Sealed = bytes.Clone(e.Sealed)
	return e, nil
}

// Activate implements EnrollmentStore.
func (m *MemoryStore) Activate(_ context.Context, userID, id string, recovery [][]byte, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.enrollments[userID]
	if !ok || e.ID != id || e.State != StatePending {
		return ErrNotFound
	}
	e.State, e.ActivatedAt = StateActive, at
	m.enrollments[userID] = e
	m.replaceRecovery(userID, recovery)
	return nil
}

// DeleteEnrollment implements EnrollmentStore.
func (m *MemoryStore) DeleteEnrollment(_ context.Context, userID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.enrollments, userID)
	return nil
}

// AcceptStep implements StepStore.
func (m *MemoryStore) AcceptStep(_ context.Context, userID string, step int64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, ok := m.steps[userID]; ok && step <= last {
		return false, nil
	}
	m.steps[userID] = step
	return true, nil
}

// ReplaceRecoveryCodes implements RecoveryStore.
func (m *MemoryStore) ReplaceRecoveryCodes(_ context.Context, userID string, hashes [][]byte, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.replaceRecovery(userID, hashes)
	return nil
}

// replaceRecovery is ReplaceRecoveryCodes with m.mu held.
func (m *MemoryStore) replaceRecovery(userID string, hashes [][]byte) {
	if len(hashes) == 0 {
		delete(m.recovery, userID)
		return
	}
	set := make([]recoveryCode, len(hashes))
	for i, h := range hashes {
		set[i] = recoveryCode{hash: bytes.Clone(h)}
	}
	m.recovery[userID] = set
}

// ConsumeRecoveryCode implements RecoveryStore. It compares every hash of
// the set, in constant time.
func (m *MemoryStore) ConsumeRecoveryCode(_ context.Context, userID string, hash []byte, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	set := m.recovery[userID]
	found := -1
	for i, c := range set {
		if subtle.ConstantTimeCompare(c.hash, hash) == 1 && !c.used {
			found = i
		}
	}
	if found < 0 {
		return false, nil
	}
	set[found].used = true
	return true, nil
}

// RecoveryCodesLeft implements RecoveryStore.
func (m *MemoryStore) RecoveryCodesLeft(_ context.Context, userID string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.recovery[userID] {
		if !c.used {
			n++
		}
	}
	return n, nil
}
