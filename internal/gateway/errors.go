package gateway

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// apiError is an error as the client sees it, in the OpenAI error shape,
// with the internal cause kept apart: the cause is logged, never sent.
type apiError struct {
	Status     int
	Type       string // invalid_request_error, authentication_error, permission_error, rate_limit_error, server_error
	Code       string
	Message    string
	Param      string
	RetryAfter time.Duration
	// Header holds response headers the error comes with
	// (WWW-Authenticate, DPoP-Nonce).
	Header http.Header
	Cause  error
}

func (e *apiError) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

func (e *apiError) Unwrap() error { return e.Cause }

func errBadRequest(code, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: code, Message: msg}
}

func errUnauthorized(code, msg string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Type: "authentication_error", Code: code, Message: msg}
}

func errForbidden(code, msg string) *apiError {
	return &apiError{Status: http.StatusForbidden, Type: "permission_error", Code: code, Message: msg}
}

func errNotFound(code, msg string) *apiError {
	return &apiError{Status: http.StatusNotFound, Type: "invalid_request_error", Code: code, Message: msg}
}

func errRateLimited(code, msg string, retry time.Duration) *apiError {
	return &apiError{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Code: code, Message: msg, RetryAfter: retry}
}

func errInternal(cause error) *apiError {
	return &apiError{Status: http.StatusInternalServerError, Type: "server_error", Code: "internal_error", Message: "internal error", Cause: cause}
}

func errUnavailable(cause error) *apiError {
	return &apiError{Status: http.StatusServiceUnavailable, Type: "server_error", Code: "unavailable", Message: "service temporarily unavailable", Cause: cause}
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// writeError renders an error: the only place where errors become
// responses. Anything that is not an apiError is an internal error.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) *apiError {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = errInternal(err)
	}
	if ae.Status >= 500 || ae.Cause != nil {
		log.LogAttrs(r.Context(), logLevel(ae.Status), "request failed",
			slog.String("request_id", requestID(r.Context())), slog.String("route", r.Pattern),
			slog.Int("status", ae.Status), slog.String("code", ae.Code), slog.Any("err", ae.Cause))
	}
	for k, vs := range ae.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if ae.RetryAfter > 0 {
		secs := int(ae.RetryAfter.Seconds() + 0.999)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	body := errorBody{Error: errorDetail{Message: ae.Message, Type: ae.Type, Code: ae.Code}}
	if ae.Param != "" {
		body.Error.Param = &ae.Param
	}
	writeJSON(w, ae.Status, body)
	return ae
}

func logLevel(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may be gone; nothing to do about it
}
