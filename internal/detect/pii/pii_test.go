package pii

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// found is an entity as the tests state it: its type and its text.
type found struct{ Type, Text string }

func findAll(r *Recognizers, text string) []found {
	var out []found
	for _, e := range r.Find(text) {
		out = append(out, found{e.Type, text[e.Start:e.End]})
	}
	return out
}

// findCases feed TestFind, the fuzz seeds and the benchmarks' sanity check.
// want lists the entities that must be found (others may be found too
// unless none is set); none lists types that must not be found at all.
var findCases = []struct {
	name string
	text string
	want []found
	none []string
}{
	// E-mail.
	{name: "email in a sentence", text: "Write to jane.doe+news@mail.example.co.uk today.", want: []found{{Email, "jane.doe+news@mail.example.co.uk"}}},
	{name: "email in angle brackets", text: "From: Jane <jane@example.org>", want: []found{{Email, "jane@example.org"}}},
	{name: "retina asset is not an email", text: `<img src="icon@2x.png">`, none: []string{Email}},
	{name: "npm scope and decorator are not emails", text: "import x from '@angular/core'; @property def f(): pass", none: []string{Email}},
	{name: "at sign without domain dot", text: "ping me @ noon or user@localhost", none: []string{Email}},

	// Phone numbers.
	{name: "US number with parentheses near a phone word", text: "Call me at (415) 555-0132 tomorrow.", want: []found{{Phone, "(415) 555-0132"}}},
	{name: "international number without context", text: "Our London office: +44 20 7946 0958.", want: []found{{Phone, "+44 20 7946 0958"}}},
	{name: "US number with dots, no context", text: "See 212.555.0199 for details", want: []found{{Phone, "212.555.0199"}}},
	{name: "extension", text: "Desk: 986.291.2294x751", want: []found{{Phone, "986.291.2294x751"}}},
	{name: "local format with context", text: "They're not answering at 0494 92 82 32", want: []found{{Phone, "0494 92 82 32"}}},
	{name: "German number with a country named", text: "In Germany you can reach me on 030 12345678.", want: []found{{Phone, "030 12345678"}}},
	{name: "phone label glued by a dash", text: "555 123 4567-Office", want: []found{{Phone, "555 123 4567"}}},
	{name: "order number is not a phone", text: "Your order 212-555-0199 has shipped", none: []string{Phone}},
	{name: "ISO date is not a phone", text: "Meeting on 2024-03-15 10:30", none: []string{Phone}},
	{name: "timestamp is not a phone", text: "ts=1700000000123 elapsed=2515", none: []string{Phone}},
	{name: "price is not a phone", text: "It costs $1 299 999 in total", none: []string{Phone}},
	{name: "ISBN is not a phone", text: "ISBN 978-3-16-148410-0", none: []string{Phone, CreditCard}},
	{name: "bare digits without context", text: "The value was 4155550132 units", none: []string{Phone}},

	// Cards.
	{name: "visa grouped", text: "charge the card 4111 1111 1111 1111 please", want: []found{{CreditCard, "4111 1111 1111 1111"}}},
	{name: "amex with dashes", text: "Amex 3782-822463-10005 expires soon", want: []found{{CreditCard, "3782-822463-10005"}}},
	{name: "mastercard 2-series without context", text: "number 2223003122003222 on file", want: []found{{CreditCard, "2223003122003222"}}},
	{name: "Luhn-invalid is not a card", text: "card 4111 1111 1111 1112", none: []string{CreditCard}},
	{name: "order id passing Luhn but no IIN", text: "order 9999999999999995 shipped", none: []string{CreditCard}},
	{name: "card number inside a UUID", text: "id 123e4567-e89b-12d3-a456-426614174000", none: []string{CreditCard, Phone}},

	// IBAN.
	{name: "IBAN grouped", text: "Wire it to GB82 WEST 1234 5698 7654 32.", want: []found{{IBAN, "GB82 WEST 1234 5698 7654 32"}}},
	{name: "IBAN compact lower case", text: "iban de89370400440532013000", want: []found{{IBAN, "de89370400440532013000"}}},
	{name: "IBAN with a bad checksum", text: "GB83 WEST 1234 5698 7654 32", none: []string{IBAN}},

	// SSN.
	{name: "SSN dashed", text: "Here's my SSN: 536-22-1234", want: []found{{USSSN, "536-22-1234"}}},
	{name: "SSN undashed with context", text: "social security number 536221234", want: []found{{USSSN, "536221234"}}},
	{name: "nine digits without context are not an SSN", text: "tracking 536221234", none: []string{USSSN}},
	{name: "SSN area 666 is invalid", text: "SSN 666-22-1234", none: []string{USSSN}},
	{name: "SSN area 9xx is invalid", text: "SSN 912-22-1234", none: []string{USSSN}},

	// IP addresses.
	{name: "IPv4 public", text: "blocked from 203.0.113.54 twice", want: []found{{IPAddress, "203.0.113.54"}}},
	{name: "IPv4 with a port", text: "connect to 198.51.100.7:8443 now", want: []found{{IPAddress, "198.51.100.7"}}},
	{name: "IPv6", text: "client 2001:db8:85a3::8a2e:370:7334 connected", want: []found{{IPAddress, "2001:db8:85a3::8a2e:370:7334"}}},
	{name: "version string is not an IP", text: "upgrade to version 1.2.3.4 today", none: []string{IPAddress}},
	{name: "v-prefixed version is not an IP", text: "release v10.2.0.1 is out", none: []string{IPAddress}},
	{name: "loopback is not reported", text: "listening on 127.0.0.1:8080", none: []string{IPAddress}},
	{name: "OID is not an IP", text: "oid 1.3.6.1.4.1.311", none: []string{IPAddress}},
	{name: "C++ scope is not IPv6", text: "std::vector<int> a; Foo::Bar::baz()", none: []string{IPAddress}},
	{name: "MAC address is not IPv6", text: "mac 00:1A:2B:3C:4D:5E", none: []string{IPAddress}},
	{name: "time of day is not IPv6", text: "at 12:30:45 UTC", none: []string{IPAddress}},

	// Dates of birth.
	{name: "born on a US date", text: "She was born on 9/20/1968.", want: []found{{DateOfBirth, "9/20/1968"}}},
	{name: "DOB label", text: "DOB: 1985-03-12", want: []found{{DateOfBirth, "1985-03-12"}}},
	{name: "birthday in words", text: "My birthday is March 5th, 1990", want: []found{{DateOfBirth, "March 5th, 1990"}}},
	{name: "date without birth context", text: "The invoice is due on 9/20/2024.", none: []string{DateOfBirth}},
	{name: "impossible date after born", text: "born on 31/02/1990", none: []string{DateOfBirth}},

	// Passport and national ids.
	{name: "US passport", text: "My passport number is 912803456.", want: []found{{Passport, "912803456"}}},
	{name: "passport letter and digits", text: "Passport No: C03005988", want: []found{{Passport, "C03005988"}}},
	{name: "NINO with a prefix never issued", text: "NI number QQ 12 34 56 C", none: []string{NationalID}},
	{name: "UK NINO", text: "National Insurance: AB 12 34 56 C", want: []found{{NationalID, "AB 12 34 56 C"}}},
	{name: "Spanish DNI", text: "DNI 12345678Z", want: []found{{NationalID, "12345678Z"}}},
	{name: "Spanish NIE", text: "NIE X1234567L", want: []found{{NationalID, "X1234567L"}}},
	{name: "DNI with a wrong letter", text: "DNI 12345678A", none: []string{NationalID}},
	{name: "codice fiscale", text: "Codice fiscale: RSSMRA85T10A562S", want: []found{{NationalID, "RSSMRA85T10A562S"}}},
	{name: "French NIR", text: "numéro de sécurité sociale 2 55 08 14 168 025 38", want: []found{{NationalID, "2 55 08 14 168 025 38"}}},
	{name: "Aadhaar", text: "Aadhaar 2341 2341 2346", want: []found{{NationalID, "2341 2341 2346"}}},
	{name: "German ID card", text: "Personalausweis T22000129", want: []found{{NationalID, "T22000129"}}},
	{name: "US driver's license", text: "my driver's license number is D123-4567-8901", want: []found{{NationalID, "D123-4567-8901"}}},

	// Street addresses.
	{name: "US address with city, state and ZIP", text: "Send it to 1600 Amphitheatre Parkway, Mountain View, CA 94043.",
		want: []found{{StreetAddress, "1600 Amphitheatre Parkway, Mountain View, CA 94043"}}},
	{name: "UK address", text: "I live at 221B Baker Street, London.", want: []found{{StreetAddress, "221B Baker Street, London"}}},
	{name: "German address", text: "Anschrift: Hauptstraße 5, 10115 Berlin", want: []found{{StreetAddress, "Hauptstraße 5, 10115 Berlin"}}},
	{name: "French address", text: "Mon adresse: 12 rue de la Paix, 75002 Paris", want: []found{{StreetAddress, "12 rue de la Paix, 75002 Paris"}}},
	{name: "Italian address", text: "abito in Via Roma 10, Milano", want: []found{{StreetAddress, "Via Roma 10, Milano"}}},
	{name: "Polish address", text: "ul. Marszałkowska 1, 00-001 Warszawa", want: []found{{StreetAddress, "ul. Marszałkowska 1, 00-001 Warszawa"}}},
	{name: "multi-line address with unit", text: "Ship to:\n350 Fifth Avenue\nSuite 3300\nNew York, NY 10118\n\nThanks",
		want: []found{{StreetAddress, "350 Fifth Avenue\nSuite 3300\nNew York, NY 10118"}}},
	{name: "PO box", text: "Mail: P.O. Box 1234, Springfield", want: []found{{StreetAddress, "P.O. Box 1234, Springfield"}}},
	{name: "military address", text: "PSC 1234, Box 5678\nAPO AE 09012", want: []found{{StreetAddress, "PSC 1234, Box 5678\nAPO AE 09012"}}},
	{name: "list of top places is not an address", text: "the top 10 Best Place awards", none: []string{StreetAddress}},
	{name: "a year and a season are not an address", text: "Spring 2023 collection", none: []string{StreetAddress}},
	{name: "miles down the road", text: "I ran 5 miles down the road", none: []string{StreetAddress}},

	// Names.
	{name: "title and surname", text: "Please ask Mrs. Schwarz to call back.", want: []found{{Person, "Schwarz"}}},
	{name: "my name is", text: "Hi, my name is Rubija and I need help", want: []found{{Person, "Rubija"}}},
	{name: "known first and last name", text: "The report was written by Sarah Mitchell last week.", want: []found{{Person, "Sarah Mitchell"}}},
	{name: "initial", text: "Directed by Gladys L. Leblanc", want: []found{{Person, "Gladys L. Leblanc"}}},
	{name: "signature", text: "Thanks for your help.\n\nBest regards,\nKatarzyna Nowak", want: []found{{Person, "Katarzyna Nowak"}}},
	{name: "dear", text: "Dear Mr. Okafor,\nthank you.", want: []found{{Person, "Okafor"}}},
	{name: "surname-shaped after a first word", text: "We met Wisława Szczepańska yesterday", want: []found{{Person, "Wisława Szczepańska"}}},
	{name: "possessive", text: "I'm Daniel's daughter", want: []found{{Person, "Daniel"}}},
	{name: "list of names", text: "Our founders: Kónya, Becker and Vasquez.", want: []found{{Person, "Kónya"}, {Person, "Becker"}, {Person, "Vasquez"}}},
	{name: "lower-case text", text: "my name is lena andersson", want: []found{{Person, "lena andersson"}}},
	{name: "greeting a team is not a name", text: "Dear Customer, Hello World, Hi Team", none: []string{Person}},
	{name: "product names are not people", text: "Ask Claude or ChatGPT to write Python for Google Cloud", none: []string{Person}},
	{name: "month and weekday", text: "May I come on Friday? Will it rain in June?", none: []string{Person}},
	{name: "street named after a person is an address", text: "The restaurant is at 1755 Nelson Mandela Drive", want: []found{{StreetAddress, "1755 Nelson Mandela Drive"}}, none: []string{Person}},

	// Code and URLs.
	{name: "hex hash", text: "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", none: []string{Phone, CreditCard, IBAN, NationalID, USSSN}},
	{name: "numbers in a URL", text: "see https://example.com/orders/4155550132/items?page=2", none: []string{Phone}},
	{name: "code with numbers", text: "```\nfor i := 0; i < 4155550132; i++ { x[i] = 0x1F }\nconst port = 8080\n```", none: []string{Phone, CreditCard, USSSN}},
	{name: "UUID", text: "request 550e8400-e29b-41d4-a716-446655440000 failed", none: []string{Phone, CreditCard, USSSN, IPAddress}},
	{name: "semantic version and build", text: "Go 1.22.3 build 20240315.1 (commit 3f2a9c1)", none: []string{Phone, IPAddress, DateOfBirth}},
}

func TestFind(t *testing.T) {
	t.Parallel()
	r := Default()
	for _, tc := range findCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := findAll(r, tc.text)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("Find(%q) = %v, want it to contain %v", tc.text, got, w)
				}
			}
			for _, typ := range tc.none {
				for _, g := range got {
					if g.Type == typ {
						t.Errorf("Find(%q) = %v, want no %s", tc.text, got, typ)
					}
				}
			}
		})
	}
}

func TestFindInvariants(t *testing.T) {
	t.Parallel()
	r := Default()
	texts := []string{"", "plain text with nothing", strings.Repeat("a@b.co ", 3000), "\xff\xfe 4111 1111 1111 1111 \xc3"}
	for _, tc := range findCases {
		texts = append(texts, tc.text)
	}
	for _, text := range texts {
		checkInvariants(t, r, text)
	}
}

// checkInvariants checks what Find promises for any text.
func checkInvariants(t *testing.T, r *Recognizers, text string) {
	t.Helper()
	got := r.Find(text)
	if len(got) > MaxEntities {
		t.Fatalf("Find returned %d entities, more than MaxEntities", len(got))
	}
	types := r.Types()
	for i, e := range got {
		if e.Start < 0 || e.End > len(text) || e.End > MaxScan || e.Start >= e.End {
			t.Fatalf("entity %+v out of bounds of a %d-byte text", e, len(text))
		}
		if i > 0 && got[i-1].End > e.Start {
			t.Fatalf("entities overlap or are not sorted: %+v then %+v", got[i-1], e)
		}
		if e.Score < minScore || e.Score > 1 {
			t.Fatalf("entity %+v has score out of [%v, 1]", e, minScore)
		}
		if !slices.Contains(types, e.Type) || e.Recognizer == "" {
			t.Fatalf("entity %+v has an unknown type or no recognizer", e)
		}
		if utf8.ValidString(text) && (!utf8.ValidString(text[e.Start:e.End])) {
			t.Fatalf("entity %+v splits a UTF-8 sequence", e)
		}
	}
}

func TestFindBounds(t *testing.T) {
	t.Parallel()
	r := Default()
	t.Run("only the first MaxScan bytes are examined", func(t *testing.T) {
		text := strings.Repeat("x", MaxScan) + " jane@example.com"
		if got := r.Find(text); len(got) != 0 {
			t.Errorf("Find found %v beyond MaxScan", got)
		}
	})
	t.Run("at most MaxEntities", func(t *testing.T) {
		text := strings.Repeat("a@b.co ", MaxEntities+100)
		if got := len(r.Find(text)); got != MaxEntities {
			t.Errorf("len(Find) = %d, want %d", got, MaxEntities)
		}
	})
	t.Run("a cut at MaxScan keeps UTF-8 whole", func(t *testing.T) {
		text := strings.Repeat("é", MaxScan) // 2 bytes each
		if got := truncate(text, MaxScan); !utf8.ValidString(got) || len(got) > MaxScan {
			t.Errorf("truncate cut %d bytes, valid %v", len(got), utf8.ValidString(got))
		}
	})
}

func TestTypes(t *testing.T) {
	t.Parallel()
	got := Default().Types()
	want := []string{Email, CreditCard, IBAN, USSSN, IPAddress, Phone, DateOfBirth, Passport, NationalID, StreetAddress, Person}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Types() mismatch (-want +got):\n%s", diff)
	}
	got[0] = "changed"
	if Default().Types()[0] != Email {
		t.Error("Types returned the recognizers' own slice")
	}
}

func TestFindConcurrent(t *testing.T) {
	t.Parallel()
	r := Default()
	want := fmt.Sprint(r.Find(prompt()))
	done := make(chan string)
	for range 8 {
		go func() {
			var s string
			for range 50 {
				s = fmt.Sprint(r.Find(prompt()))
			}
			done <- s
		}()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Errorf("concurrent Find = %s, want %s", got, want)
		}
	}
}
