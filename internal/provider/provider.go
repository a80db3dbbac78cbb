// Package provider talks to upstream AI providers on the gateway's behalf:
// any OpenAI-compatible API (OpenAI, Azure OpenAI, Ollama, vLLM, Groq, …),
// Anthropic's Messages API (translated both ways), and a built-in demo
// model. The request and response types are OpenAI's chat completions and
// embeddings wire format (see wire.go): the gateway speaks it to apps, and
// every provider speaks it to the gateway.
//
// Provider URLs and keys come only from the gateway's configuration; a
// request can choose a model, never a host.
package provider

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Provider is an upstream AI service.
type Provider interface {
	// Chat sends a chat completion and waits for the whole answer.
	Chat(ctx context.Context, req *ChatRequest) (*ChatCompletion, error)
	// ChatStream starts a streamed chat completion. The stream ends when
	// ctx is cancelled; Close releases it in any case.
	ChatStream(ctx context.Context, req *ChatRequest) (ChatStream, error)
	// Embeddings computes embeddings.
	Embeddings(ctx context.Context, req *EmbeddingsRequest) (*EmbeddingsResponse, error)
}

// ChatStream is a streamed answer, chunk by chunk, in the order the
// provider sent them.
type ChatStream interface {
	// Recv returns the next chunk, or io.EOF after the last one. The last
	// chunk before io.EOF carries Usage when the provider reports it.
	Recv() (*ChatChunk, error)
	// Close stops the stream and releases its connection. It may be
	// called more than once.
	Close() error
}

// KeyStore keeps provider API keys, sealed under the master key (see
// internal/envelope). Implementations return store.ErrNotFound for a
// provider without a stored key.
type KeyStore interface {
	ProviderKey(ctx context.Context, provider string) ([]byte, error)
	PutProviderKey(ctx context.Context, provider string, sealed []byte, at time.Time) error
}

// Kind classifies a provider failure for the gateway's decisions
// (retry, fall back, which status to answer).
type Kind int

const (
	// KindUnavailable: no answer (connection refused or reset, timeout,
	// DNS) or a 5xx. Retried and falls back.
	KindUnavailable Kind = iota + 1
	// KindRateLimited: the provider answered 429. Falls back; retried
	// after Retry-After when that is short.
	KindRateLimited
	// KindInvalidRequest: the provider refused the request itself (400,
	// 404, 409, 413, 422). Neither retried nor sent to a fallback.
	KindInvalidRequest
	// KindAuth: the provider refused the gateway's credentials (401, 403):
	// a configuration problem, never the app's fault.
	KindAuth
	// KindUnsupported: the provider cannot do this (embeddings on
	// Anthropic, a feature it cannot translate).
	KindUnsupported
	// KindBadResponse: the provider answered with something that is not
	// the protocol (invalid JSON, a stream that breaks off).
	KindBadResponse
)

func (k Kind) String() string {
	switch k {
	case KindUnavailable:
		return "unavailable"
	case KindRateLimited:
		return "rate_limited"
	case KindInvalidRequest:
		return "invalid_request"
	case KindAuth:
		return "auth"
	case KindUnsupported:
		return "unsupported"
	case KindBadResponse:
		return "bad_response"
	}
	return "unknown"
}

// Error is a provider failure. Message is safe to show to the app: it is
// written by us, never copied from the provider's response (which can
// echo keys or internals). Cause is for logs only.
type Error struct {
	Provider string
	Kind     Kind
	// Status is the provider's HTTP status, 0 when there was no answer.
	Status int
	// Code is a short machine-readable reason of our own vocabulary
	// ("context_length_exceeded", "upstream_timeout", …).
	Code    string
	Message string
	// RetryAfter is the provider's Retry-After, when it sent one.
	RetryAfter time.Duration
	Cause      error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("provider %s: %s", e.Provider, e.Kind)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// CanFallBack reports whether another provider may be tried after err:
// the first one did not answer or was rate limited.
func CanFallBack(err error) bool {
	var pe *Error
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Kind == KindUnavailable || pe.Kind == KindRateLimited
}

// EstimateTokens approximates the token count of text when a provider
// reports no usage: about four bytes per token for English with common
// BPE vocabularies, rounded up, at least one token for non-empty text.
func EstimateTokens(text string) int {
	if text == "" {
		return 0
	}
	return (len(text) + 3) / 4
}
