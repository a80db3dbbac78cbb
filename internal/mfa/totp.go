package mfa

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"io"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// Algorithm is the HMAC hash of TOTP codes (RFC 6238 §1.2).
type Algorithm string

// Algorithms.
const (
	SHA1   Algorithm = "SHA1"
	SHA256 Algorithm = "SHA256"
	SHA512 Algorithm = "SHA512"
)

func (a Algorithm) valid() bool { return a == SHA1 || a == SHA256 || a == SHA512 }

func (a Algorithm) otp() otp.Algorithm {
	switch a {
	case SHA256:
		return otp.AlgorithmSHA256
	case SHA512:
		return otp.AlgorithmSHA512
	}
	return otp.AlgorithmSHA1
}

// Window is how many time steps on either side of the current one a code
// is accepted from: one, as RFC 6238 §5.2 recommends at most.
const Window = 1

// maxCodeInput bounds the code strings looked at; longer ones are refused
// before any work.
const maxCodeInput = 32

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// params are the TOTP parameters of one enrollment.
type params struct {
	alg    Algorithm
	digits int
	period time.Duration
}

func (p params) valid() error {
	if !p.alg.valid() || (p.digits != 6 && p.digits != 8) || p.period < time.Second || p.period%time.Second != 0 {
		return fmt.Errorf("totp parameters %s/%d/%s unusable", p.alg, p.digits, p.period)
	}
	return nil
}

func (p params) digitsOTP() otp.Digits {
	if p.digits == 8 {
		return otp.DigitsEight
	}
	return otp.DigitsSix
}

// parseCode normalizes a code as typed: ASCII spaces (apps show "123 456")
// are dropped, and what is left must be exactly digits ASCII digits.
func parseCode(code string, digits int) ([]byte, bool) {
	if len(code) > maxCodeInput {
		return nil, false
	}
	out := make([]byte, 0, digits)
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == ' ':
		case c >= '0' && c <= '9' && len(out) < digits:
			out = append(out, c)
		default:
			return nil, false
		}
	}
	return out, len(out) == digits
}

// stepAt is the RFC 6238 time step counter T at t.
func stepAt(t time.Time, period time.Duration) int64 {
	secs, p := t.Unix(), int64(period/time.Second)
	s := secs / p
	if secs%p < 0 {
		s-- // floor, not truncation, before 1970
	}
	return s
}

// generate returns the code of secret for time step step.
func generate(secret []byte, step int64, p params) (string, error) {
	if step < 0 {
		return "", errors.New("clock before 1970")
	}
	return hotp.GenerateCodeCustom(b32.EncodeToString(secret), uint64(step), hotp.ValidateOpts{
		Digits: p.digitsOTP(), Algorithm: p.alg.otp(),
	})
}

// matchStep compares code with the codes of the steps around now, all of
// them and in constant time, and returns the latest step that matches.
func matchStep(secret, code []byte, now time.Time, p params) (int64, bool, error) {
	cur := stepAt(now, p.period)
	if cur-Window < 0 {
		return 0, false, errors.New("clock before 1970")
	}
	enc := b32.EncodeToString(secret)
	opts := hotp.ValidateOpts{Digits: p.digitsOTP(), Algorithm: p.alg.otp()}
	var match int64 = -1
	for step := cur - Window; step <= cur+Window; step++ {
		want, err := hotp.GenerateCodeCustom(enc, uint64(step), opts)
		if err != nil {
			return 0, false, err
		}
		if subtle.ConstantTimeCompare([]byte(want), code) == 1 {
			match = step
		}
	}
	return match, match >= 0, nil
}

// keyURI returns the otpauth:// URI of the key and a PNG QR code of it.
func keyURI(issuer, account string, secret []byte, p params, size int) (string, []byte, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: uint(p.period / time.Second),
		Secret: secret, Digits: p.digitsOTP(), Algorithm: p.alg.otp(),
	})
	if err != nil {
		return "", nil, fmt.Errorf("key uri: %w", err)
	}
	img, err := key.Image(size, size)
	if err != nil {
		return "", nil, fmt.Errorf("qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", nil, fmt.Errorf("qr code: %w", err)
	}
	return key.URL(), buf.Bytes(), nil
}

// randomID returns prefix and 16 random bytes in hex.
func randomID(r io.Reader, prefix string) (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}
