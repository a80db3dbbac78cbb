package modelsign

import (
	"errors"
	"fmt"
	"strings"
)

// Errors callers decide on.
var (
	// ErrNotVerified matches every error that means the model or its
	// signature is not what was signed (as opposed to an error reading
	// inputs or an unsupported format).
	ErrNotVerified = errors.New("model not verified")
	// ErrBadSignature means the envelope's signature does not verify with
	// the given key (or the certificate's key): a different key, or a
	// tampered statement.
	ErrBadSignature = notVerified("signature does not verify with the given key")
	// ErrUntrusted means the bundle's certificate chain does not lead to a
	// trusted root, or its leaf may not sign code.
	ErrUntrusted = notVerified("signing certificate is not trusted")
	// ErrUnsupported means the bundle, key or option is valid but not
	// something this package handles.
	ErrUnsupported = errors.New("unsupported")
)

// notVerifiedError is a sentinel that also matches ErrNotVerified.
type notVerifiedError struct{ msg string }

func notVerified(msg string) error { return &notVerifiedError{msg} }

func (e *notVerifiedError) Error() string        { return e.msg }
func (e *notVerifiedError) Is(target error) bool { return target == ErrNotVerified }

// MismatchError lists how the model on disk differs from the signed
// manifest. Paths are relative to the model root, slash-separated, sorted.
type MismatchError struct {
	// Added are files present on disk but not signed.
	Added []string
	// Removed are signed files missing on disk.
	Removed []string
	// Modified are files whose content (or, in shard mode, whose size)
	// differs from what was signed.
	Modified []string
	// Serialization differs when the signed manifest used a serialization
	// other than the one the model was hashed with (only when manifests
	// are compared directly with [CompareManifests]).
	Serialization string
}

func (e *MismatchError) Error() string {
	var parts []string
	add := func(what string, paths []string) {
		if len(paths) > 0 {
			parts = append(parts, what+" "+strings.Join(paths, ", "))
		}
	}
	add("added:", e.Added)
	add("removed:", e.Removed)
	add("modified:", e.Modified)
	if e.Serialization != "" {
		parts = append(parts, "serialization: "+e.Serialization)
	}
	return "model does not match its signature: " + strings.Join(parts, "; ")
}

// Is reports that a mismatch means the model is not verified.
func (e *MismatchError) Is(target error) bool { return target == ErrNotVerified }

// BundleError means the bundle or its envelope is malformed or not an OMS
// model signature: bad JSON, wrong media type, wrong payload type, a
// statement that is not a model signature or is inconsistent.
type BundleError struct {
	// Field names the part of the bundle at fault (e.g. "mediaType",
	// "dsseEnvelope.payloadType", "statement.subject").
	Field string
	// Reason says what is wrong with it.
	Reason string
}

func (e *BundleError) Error() string { return fmt.Sprintf("bad bundle: %s: %s", e.Field, e.Reason) }

// Is reports that a bad bundle means the model is not verified.
func (e *BundleError) Is(target error) bool { return target == ErrNotVerified }

func bundleErr(field, format string, args ...any) error {
	return &BundleError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}
