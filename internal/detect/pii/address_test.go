package pii

import (
	"strings"
	"testing"
)

// worldAddresses are addresses in the formats of many countries, written
// for this test (not taken from the evaluation data); each must be found
// as one STREET_ADDRESS covering at least the given part.
var worldAddresses = []struct{ text, part string }{
	{"Please send it to 42 Wallaby Way, Sydney NSW 2000", "42 Wallaby Way, Sydney NSW 2000"},
	{"Our office: Keizersgracht 123, 1015 CJ Amsterdam", "Keizersgracht 123, 1015 CJ Amsterdam"},
	{"Adresse: 8 avenue des Champs-Élysées, 75008 Paris", "8 avenue des Champs-Élysées, 75008 Paris"},
	{"Calle de Alcalá 45, 28014 Madrid", "Calle de Alcalá 45, 28014 Madrid"},
	{"Rua Augusta, 1500 - São Paulo", "Rua Augusta, 1500"},
	{"Av. Paulista 1578, Bela Vista, São Paulo - SP, 01310-200", "Av. Paulista 1578, Bela Vista"},
	{"Piazza San Marco 1, 30124 Venezia", "Piazza San Marco 1, 30124 Venezia"},
	{"Storgatan 12, 111 51 Stockholm", "Storgatan 12, 111 51 Stockholm"},
	{"Mannerheimintie 5 A 7, 00100 Helsinki", "Mannerheimintie 5 A 7, 00100 Helsinki"},
	{"Vesterbrogade 3, 1620 København V", "Vesterbrogade 3, 1620 København V"},
	{"Karl Johans gate 22, 0159 Oslo", "Karl Johans gate 22, 0159 Oslo"},
	{"Schönbrunner Schloßstraße 47, 1130 Wien", "Schönbrunner Schloßstraße 47, 1130 Wien"},
	{"Bahnhofstrasse 10, 8001 Zürich", "Bahnhofstrasse 10, 8001 Zürich"},
	{"ul. Nowy Świat 15, 00-029 Warszawa", "ul. Nowy Świat 15, 00-029 Warszawa"},
	{"Václavské náměstí 1, 110 00 Praha 1", "Václavské náměstí 1, 110 00 Praha 1"},
	{"Andrássy út 22, 1061 Budapest", "Andrássy út 22, 1061 Budapest"},
	{"10 Downing Street, London SW1A 2AA", "10 Downing Street, London SW1A 2AA"},
	{"Flat 3, 27 Oxford Road, Manchester M1 5QA", "Flat 3, 27 Oxford Road, Manchester M1 5QA"},
	{"221B Baker St, Marylebone, London NW1 6XE", "221B Baker St, Marylebone, London NW1 6XE"},
	{"1 Infinite Loop, Cupertino, CA 95014", "1 Infinite Loop, Cupertino, CA 95014"},
	{"350 5th Ave, New York, NY 10118", "350 5th Ave, New York, NY 10118"},
	{"4059 Mt Lee Dr., Hollywood, CA 90068", "4059 Mt Lee Dr., Hollywood, CA 90068"},
	{"123 Main St. Apt 4B, Springfield, IL 62704", "123 Main St. Apt 4B, Springfield, IL 62704"},
	{"24 Sussex Drive, Ottawa, ON K1M 1M4", "24 Sussex Drive, Ottawa, ON K1M 1M4"},
	{"Plot 12, MG Road, Bengaluru 560001", "Plot 12, MG Road, Bengaluru 560001"},
	{"Ringstraße 1, 80331 München", "Ringstraße 1, 80331 München"},
	{"Mariahilfer Str. 77, 1060 Wien", "Mariahilfer Str. 77, 1060 Wien"},
	{"Rue de la Loi 16, 1000 Bruxelles", "Rue de la Loi 16, 1000 Bruxelles"},
	{"Laugavegur 12, 101 Reykjavík", "Laugavegur 12, 101 Reykjavík"},
	{"my address is 15 Jalan Ampang, 50450 Kuala Lumpur", "15 Jalan Ampang, 50450 Kuala Lumpur"},
	{"I live at Damrak 1, Amsterdam", "Damrak 1, Amsterdam"},
	{"ship to 500 Terry Francine St, San Francisco, CA 94158", "500 Terry Francine St, San Francisco, CA 94158"},
	{"he moved to 77 Massachusetts Ave, Cambridge, MA 02139", "77 Massachusetts Ave, Cambridge, MA 02139"},
	{"The shop is at 7 Place du Tertre, 75018 Paris.", "7 Place du Tertre, 75018 Paris"},
	{"Deliver to: Unit 5, 100 George Street, Sydney NSW 2000", "100 George Street, Sydney NSW 2000"},
	{"USS Nimitz\nFPO AP 96620", "USS Nimitz\nFPO AP 96620"},
}

func TestStreetAddressWorldFormats(t *testing.T) {
	t.Parallel()
	r := Default()
	for _, tc := range worldAddresses {
		i := strings.Index(tc.text, tc.part)
		ok := false
		for _, e := range r.Find(tc.text) {
			if e.Type == StreetAddress && e.Start <= i && e.End >= i+len(tc.part) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("Find(%q) = %v, want a STREET_ADDRESS covering %q", tc.text, findAll(r, tc.text), tc.part)
		}
	}
}
