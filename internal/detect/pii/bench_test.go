package pii

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// prompt1K is a 1 KB prompt of the kind the gateway sees: prose, a little
// code, a URL, numbers that are not PII, and some PII.
var prompt1K = `Hi, I'm writing on behalf of my colleague Dr. Sarah Mitchell about the invoice INV-2024-00917 we received on 2024-03-15.
She was born on 12 March 1985 and her email is sarah.mitchell@example.com; you can call her at (415) 555-0132 or on +44 20 7946 0958.
Please update the billing address to 1600 Amphitheatre Parkway, Mountain View, CA 94043 and charge the card 4111 1111 1111 1111.
Our build runs version 1.2.3.4 of the SDK at https://api.example.com/v1/items?id=12345 and logs from 10.0.0.1 look fine.
Here is the snippet that fails:
` + "```go\nfunc main() { id := uuid.MustParse(\"123e4567-e89b-12d3-a456-426614174000\"); fmt.Println(id, 3.14159, 0xdeadbeef) }\n```" + `
The total was $1,299.00 for order #88412, ISBN 978-3-16-148410-0, and the hash was d41d8cd98f00b204e9800998ecf8427e.
Can you summarize the attached report and draft a polite reply to the customer? Thanks a lot, and best regards,
John
`

// prompt returns prompt1K padded or cut to exactly 1,024 bytes.
func prompt() string {
	text := prompt1K
	for len(text) < 1024 {
		text += " More ordinary words about the project plan, the schedule and the budget."
	}
	return text[:1024]
}

func BenchmarkFind1K(b *testing.B) {
	r := Default()
	text := prompt()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		r.Find(text)
	}
}

func BenchmarkFind1KProse(b *testing.B) {
	r := Default()
	text := strings.Repeat("The quick brown fox jumps over the lazy dog while the team reviews the quarterly plan. ", 12)[:1024]
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		r.Find(text)
	}
}

func BenchmarkFind64K(b *testing.B) {
	r := Default()
	text := strings.Repeat(prompt1K, 64<<10/len(prompt1K)+1)[:64<<10]
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		r.Find(text)
	}
}

// BenchmarkFind1KCold is BenchmarkFind1K with libphonenumber's answers
// forgotten before each call: the cost of a prompt whose numbers are new.
func BenchmarkFind1KCold(b *testing.B) {
	r := Default()
	text := prompt()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		numberCache.mu.Lock()
		clear(numberCache.m)
		numberCache.mu.Unlock()
		r.Find(text)
	}
}

// TestBenchmarkPrompt pins what Find reports on the benchmarks' prompt, so
// that the benchmark measures the work of finding real PII among hard
// negatives.
func TestBenchmarkPrompt(t *testing.T) {
	t.Parallel()
	want := []found{
		{Person, "Sarah Mitchell"}, {DateOfBirth, "12 March 1985"}, {Email, "sarah.mitchell@example.com"},
		{Phone, "(415) 555-0132"}, {Phone, "+44 20 7946 0958"},
		{StreetAddress, "1600 Amphitheatre Parkway, Mountain View, CA 94043"}, {CreditCard, "4111 1111 1111 1111"},
		{IPAddress, "10.0.0.1"}, {Person, "John"},
	}
	if diff := cmp.Diff(want, findAll(Default(), prompt())); diff != "" {
		t.Errorf("Find(prompt) mismatch (-want +got):\n%s", diff)
	}
}
