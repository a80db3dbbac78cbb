package mfa

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// RFC 6238 Appendix B: the seeds are the ASCII strings below (20, 32 and
// 64 bytes), T0 = 0, X = 30 s, 8 digits.
var (
	seedSHA1   = []byte("12345678901234567890")
	seedSHA256 = []byte("12345678901234567890123456789012")
	seedSHA512 = []byte("1234567890123456789012345678901234567890123456789012345678901234")
)

type vector struct {
	unix int64
	step int64
	alg  Algorithm
	code string
}

// rfc6238Vectors is the table of RFC 6238 Appendix B.
var rfc6238Vectors = []vector{
	{59, 0x1, SHA1, "94287082"},
	{59, 0x1, SHA256, "46119246"},
	{59, 0x1, SHA512, "90693936"},
	{1111111109, 0x23523EC, SHA1, "07081804"},
	{1111111109, 0x23523EC, SHA256, "68084774"},
	{1111111109, 0x23523EC, SHA512, "25091201"},
	{1111111111, 0x23523ED, SHA1, "14050471"},
	{1111111111, 0x23523ED, SHA256, "67062674"},
	{1111111111, 0x23523ED, SHA512, "99943326"},
	{1234567890, 0x273EF07, SHA1, "89005924"},
	{1234567890, 0x273EF07, SHA256, "91819424"},
	{1234567890, 0x273EF07, SHA512, "93441116"},
	{2000000000, 0x3F940AA, SHA1, "69279037"},
	{2000000000, 0x3F940AA, SHA256, "90698825"},
	{2000000000, 0x3F940AA, SHA512, "38618901"},
	{20000000000, 0x27BC86AA, SHA1, "65353130"},
	{20000000000, 0x27BC86AA, SHA256, "77737706"},
	{20000000000, 0x27BC86AA, SHA512, "47863826"},
}

func seedOf(a Algorithm) []byte {
	switch a {
	case SHA256:
		return seedSHA256
	case SHA512:
		return seedSHA512
	}
	return seedSHA1
}

func TestRFC6238VectorsGenerate(t *testing.T) {
	t.Parallel()
	p := func(a Algorithm) params { return params{alg: a, digits: 8, period: 30 * time.Second} }
	for _, v := range rfc6238Vectors {
		t.Run(time.Unix(v.unix, 0).UTC().Format(time.RFC3339)+"/"+string(v.alg), func(t *testing.T) {
			at := time.Unix(v.unix, 0)
			if got := stepAt(at, 30*time.Second); got != v.step {
				t.Errorf("step = %#x, want %#x", got, v.step)
			}
			got, err := generate(seedOf(v.alg), stepAt(at, 30*time.Second), p(v.alg))
			if err != nil {
				t.Fatal(err)
			}
			if got != v.code {
				t.Errorf("code = %s, want %s", got, v.code)
			}
			step, ok, err := matchStep(seedOf(v.alg), []byte(v.code), at, p(v.alg))
			if err != nil || !ok || step != v.step {
				t.Errorf("matchStep = %#x, %v, %v; want %#x, true", step, ok, err, v.step)
			}
		})
	}
}

func TestStepAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		unix int64
		want int64
	}{
		{"the epoch is step 0", 0, 0},
		{"the last second of a step stays in it", 29, 0},
		{"a step starts on a multiple of the period", 30, 1},
		{"before the epoch steps round down", -1, -1},
		{"exactly one period before the epoch", -30, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := stepAt(time.Unix(tc.unix, 0), 30*time.Second); got != tc.want {
				t.Errorf("stepAt(%d) = %d, want %d", tc.unix, got, tc.want)
			}
		})
	}
}

func TestParseCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		digits int
		want   string
		ok     bool
	}{
		{"six digits", "123456", 6, "123456", true},
		{"leading zeros are kept", "000123", 6, "000123", true},
		{"spaces as apps show them are dropped", "123 456", 6, "123456", true},
		{"surrounding spaces are dropped", " 123456 ", 6, "123456", true},
		{"eight digits", "12345678", 8, "12345678", true},
		{"empty is refused", "", 6, "", false},
		{"too short is refused", "12345", 6, "", false},
		{"too long is refused", "1234567", 6, "", false},
		{"letters are refused", "12345a", 6, "", false},
		{"a sign is refused", "-12345", 6, "", false},
		{"tabs are refused", "123\t456", 6, "", false},
		{"non-ASCII digits are refused", "١٢٣٤٥٦", 6, "", false},
		{"a NUL is refused", "123456\x00", 6, "", false},
		{"input beyond the bound is refused", "123456" + string(make([]byte, 40)), 6, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseCode(tc.in, tc.digits)
			if ok != tc.ok || (ok && string(got) != tc.want) {
				t.Errorf("parseCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestParseRecoveryCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
		ok   bool
	}{
		{"the shown form", "7k2m-q9xd-4hzt-e0wb-3n5p-r8vy", "7k2mq9xd4hzte0wb3n5pr8vy", true},
		{"without hyphens", "7k2mq9xd4hzte0wb3n5pr8vy", "7k2mq9xd4hzte0wb3n5pr8vy", true},
		{"upper case is folded", "7K2M-Q9XD-4HZT-E0WB-3N5P-R8VY", "7k2mq9xd4hzte0wb3n5pr8vy", true},
		{"spaces are ignored", "7k2m q9xd 4hzt e0wb 3n5p r8vy", "7k2mq9xd4hzte0wb3n5pr8vy", true},
		{"o reads as zero, i and l as one", "7k2m-q9xd-4hzt-eOwb-3n5p-r8vy", "7k2mq9xd4hzte0wb3n5pr8vy", true},
		{"i and l read as one", "1111-iiii-llll-IILL-1i1l-LiLi", "111111111111111111111111", true},
		{"u is not in the alphabet", "7k2m-q9xd-4hzt-e0wb-3n5p-r8vu", "", false},
		{"one character short", "7k2m-q9xd-4hzt-e0wb-3n5p-r8v", "", false},
		{"one character long", "7k2m-q9xd-4hzt-e0wb-3n5p-r8vyy", "", false},
		{"punctuation is refused", "7k2m_q9xd_4hzt_e0wb_3n5p_r8vy", "", false},
		{"empty is refused", "", "", false},
		{"non-ASCII is refused", "7k2m-q9xd-4hzt-e0wb-3n5p-r8vé", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseRecoveryCode(tc.in)
			if ok != tc.ok || got != tc.want {
				t.Errorf("parseRecoveryCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestRecoveryHashBindsUserAndCode(t *testing.T) {
	t.Parallel()
	a := recoveryHash("usr_1", "7k2mq9xd4hzte0wb3n5pr8vy")
	if diff := cmp.Diff(a, recoveryHash("usr_1", "7k2mq9xd4hzte0wb3n5pr8vy")); diff != "" {
		t.Errorf("hash not deterministic:\n%s", diff)
	}
	if cmp.Equal(a, recoveryHash("usr_2", "7k2mq9xd4hzte0wb3n5pr8vy")) {
		t.Error("the same code of two users hashes the same")
	}
	if cmp.Equal(a, recoveryHash("usr_1", "7k2mq9xd4hzte0wc")) {
		t.Error("two codes of one user hash the same")
	}
}
