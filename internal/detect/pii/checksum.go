package pii

// Validators: pure functions over a candidate, each taking the candidate as
// written (separators allowed where the format has them) and reporting
// whether its structure and check digits are right. They know facts
// (checksum algorithms, number ranges, lengths), never the text around.

// digitsOf appends the ASCII digits of s to buf and returns it.
func digitsOf(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			buf = append(buf, s[i])
		}
	}
	return buf
}

// luhn reports whether the digits pass the Luhn (mod 10) check.
func luhn(d []byte) bool {
	if len(d) == 0 {
		return false
	}
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if (len(d)-1-i)%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// cardBrand is one issuer identification number range: numbers whose first
// digits fall in [lo, hi] (compared on len(lo) digits) and whose length is
// one of lengths.
type cardBrand struct {
	name    string
	lo, hi  string
	lengths []int
}

// cardBrands are the IIN ranges of the major card networks (ISO/IEC 7812
// prefixes as published by the networks).
var cardBrands = []cardBrand{
	{"visa", "4", "4", []int{13, 16, 19}},
	{"mastercard", "51", "55", []int{16}},
	{"mastercard", "2221", "2720", []int{16}},
	{"amex", "34", "34", []int{15}},
	{"amex", "37", "37", []int{15}},
	{"diners", "300", "305", []int{14, 16, 17, 18, 19}},
	{"diners", "3095", "3095", []int{14, 16, 17, 18, 19}},
	{"diners", "36", "36", []int{14, 16, 17, 18, 19}},
	{"diners", "38", "39", []int{14, 16, 17, 18, 19}},
	{"discover", "6011", "6011", []int{16, 17, 18, 19}},
	{"discover", "644", "649", []int{16, 17, 18, 19}},
	{"discover", "65", "65", []int{16, 17, 18, 19}},
	{"unionpay", "62", "62", []int{16, 17, 18, 19}},
	{"unionpay", "81", "81", []int{16, 17, 18, 19}},
	{"jcb", "3528", "3589", []int{16, 17, 18, 19}},
	{"jcb", "1800", "1800", []int{15}},
	{"jcb", "2131", "2131", []int{15}},
	{"mir", "2200", "2204", []int{16, 17, 18, 19}},
	{"maestro", "5018", "5018", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"maestro", "5020", "5020", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"maestro", "5038", "5038", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"maestro", "5893", "5893", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"maestro", "6304", "6304", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"maestro", "6759", "6759", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"maestro", "6761", "6763", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"maestro", "50", "50", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"maestro", "56", "69", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"rupay", "60", "60", []int{16}},
	{"rupay", "508", "508", []int{16}},
	{"verve", "506099", "506198", []int{16, 18, 19}},
	{"troy", "9792", "9792", []int{16}},
	{"uatp", "1", "1", []int{15}},
}

// validCard reports whether s (digits, optionally grouped by spaces or
// dashes) is a payment card number: a known IIN range with one of its
// lengths, and the Luhn check.
func validCard(s string) bool {
	var buf [24]byte
	d := digitsOf(buf[:0], s)
	if !luhnCard(d) {
		return false
	}
	for _, b := range cardBrands {
		p := string(d[:len(b.lo)])
		if p < b.lo || p > b.hi {
			continue
		}
		for _, n := range b.lengths {
			if n == len(d) {
				return true
			}
		}
	}
	return false
}

// luhnCard reports whether d has a card's length (12–19), passes the Luhn
// check and is not one digit repeated.
func luhnCard(d []byte) bool {
	return len(d) >= 12 && len(d) <= 19 && luhn(d) && !allSame(d)
}

func allSame(d []byte) bool {
	for _, c := range d {
		if c != d[0] {
			return false
		}
	}
	return true
}

// ibanLengths is the length of the IBAN of each country that has one
// (SWIFT IBAN registry).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
	"MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
	"NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
	"SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// validIBAN reports whether s (letters in either case, optionally grouped
// by spaces) is an IBAN: a known country, that country's length, and the
// ISO 7064 mod 97-10 check.
func validIBAN(s string) bool {
	var buf [40]byte
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case isDigit(c) || (c >= 'A' && c <= 'Z'):
		default:
			return false
		}
		if len(b) == len(buf) {
			return false
		}
		b = append(b, c)
	}
	if len(b) < 15 {
		return false
	}
	n, ok := ibanLengths[string(b[:2])]
	if !ok || n != len(b) || !isDigit(b[2]) || !isDigit(b[3]) {
		return false
	}
	rem := 0
	for i := range b {
		c := b[(i+4)%len(b)]
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	return rem == 1
}

// validSSN reports whether s is a US Social Security number, "123-45-6789"
// or "123456789" (spaces also accepted as separators): area 001–899 but not
// 666, group 01–99, serial 0001–9999, and not one of the numbers known to
// be void (078-05-1120 was printed in wallets, 219-09-9999 in an ad).
func validSSN(s string) bool {
	var buf [12]byte
	d := digitsOf(buf[:0], s)
	if len(d) != 9 {
		return false
	}
	area, group, serial := string(d[:3]), string(d[3:5]), string(d[5:])
	switch {
	case area == "000" || area == "666" || area[0] == '9':
		return false
	case group == "00" || serial == "0000":
		return false
	case string(d) == "078051120" || string(d) == "219099999":
		return false
	}
	return true
}

// Verhoeff tables: multiplication in the dihedral group D5, the position
// permutation and the inverse.
var (
	verhoeffD = [10][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
)

// verhoeff reports whether the digits pass the Verhoeff check.
func verhoeff(d []byte) bool {
	if len(d) == 0 {
		return false
	}
	c := byte(0)
	for i := 0; i < len(d); i++ {
		c = verhoeffD[c][verhoeffP[i%8][d[len(d)-1-i]-'0']]
	}
	return c == 0
}

// validAadhaar reports whether s is an Indian Aadhaar number: 12 digits
// (optionally grouped 4-4-4), not starting with 0 or 1, Verhoeff check.
func validAadhaar(s string) bool {
	var buf [16]byte
	d := digitsOf(buf[:0], s)
	return len(d) == 12 && d[0] >= '2' && !allSame(d[1:]) && verhoeff(d)
}

// validNIR reports whether s is a French social security number (NIR,
// "numéro INSEE"): 13 characters (sex, year, month, département — 2A and 2B
// for Corsica —, commune, order) and a 2-digit key equal to 97 minus the
// number modulo 97. Spaces are allowed between the parts.
func validNIR(s string) bool {
	var buf [16]byte
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			continue
		}
		if len(b) == len(buf) {
			return false
		}
		b = append(b, c|0x20)
	}
	if len(b) != 15 {
		return false
	}
	switch b[0] {
	case '1', '2', '3', '4', '7', '8':
	default:
		return false
	}
	month := int(b[3]-'0')*10 + int(b[4]-'0')
	if !isDigit(b[3]) || !isDigit(b[4]) || month == 0 || (month > 12 && month < 20) || (month > 42 && month < 50) {
		return false
	}
	corsica := 0
	if b[5] == '2' && (b[6] == 'a' || b[6] == 'b') {
		corsica = int(b[6]-'a') + 1
		b[6] = '0'
	}
	n := 0
	for i, c := range b {
		if !isDigit(c) {
			return false
		}
		if i < 13 {
			n = (n*10 + int(c-'0')) % 97
		}
	}
	// 2A is counted as 19, 2B as 18: the number minus 1,000,000 or 2,000,000.
	if corsica > 0 {
		n = ((n-corsica*1000000%97)%97 + 97) % 97
	}
	key := int(b[13]-'0')*10 + int(b[14]-'0')
	return key == 97-n
}

// dniLetters maps a Spanish DNI number modulo 23 to its control letter.
const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// validDNI reports whether s is a Spanish DNI ("12345678Z") or NIE
// ("X1234567L"): the control letter is the number modulo 23, an NIE's X, Y
// or Z counting as 0, 1 or 2. A '-' or space before the letter is allowed.
func validDNI(s string) bool {
	var buf [12]byte
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == ' ' {
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if len(b) == len(buf) {
			return false
		}
		b = append(b, c)
	}
	if len(b) != 9 {
		return false
	}
	n := 0
	for i, c := range b[:8] {
		switch {
		case isDigit(c):
			n = n*10 + int(c-'0')
		case i == 0 && c >= 'X' && c <= 'Z':
			n = int(c - 'X')
		default:
			return false
		}
	}
	return b[8] == dniLetters[n%23]
}

// Codice fiscale check-character tables: the value of each character in an
// odd (1st, 3rd…) position, for 0-9 then A-Z.
var cfOdd = [36]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// validCodiceFiscale reports whether s is an Italian codice fiscale: six
// letters (surname, name), year, month letter, day (+40 for women), place
// (a letter and three digits), check letter; digits may be replaced by the
// letters L–V (omocodia).
func validCodiceFiscale(s string) bool {
	if len(s) != 16 {
		return false
	}
	var b [16]byte
	for i := 0; i < 16; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
	}
	isL := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	isNum := func(c byte) bool { return isDigit(c) || (c >= 'L' && c <= 'V' && c != 'O') } // omocodia letters LMNPQRSTUV
	for i, c := range b {
		switch i {
		case 0, 1, 2, 3, 4, 5, 11, 15:
			if !isL(c) {
				return false
			}
		case 8:
			if !isL(c) || !contains("ABCDEHLMPRST", c) {
				return false
			}
		default:
			if !isNum(c) {
				return false
			}
		}
	}
	sum := 0
	for i, c := range b[:15] {
		v := 0
		if isDigit(c) {
			v = int(c - '0')
		} else {
			v = int(c-'A') + 10
		}
		if i%2 == 0 {
			sum += cfOdd[v]
		} else if isDigit(c) {
			sum += int(c - '0')
		} else {
			sum += int(c - 'A')
		}
	}
	return b[15] == byte('A'+sum%26)
}

func contains(set string, c byte) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}

// validNINO reports whether s is a UK National Insurance number
// ("AB 12 34 56 C"): a two-letter prefix allowed by HMRC's rules, six digits
// and a suffix A–D. Spaces are ignored.
func validNINO(s string) bool {
	var buf [9]byte
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if len(b) == len(buf) {
			return false
		}
		b = append(b, c)
	}
	if len(b) != 9 {
		return false
	}
	p0, p1 := b[0], b[1]
	if p0 < 'A' || p0 > 'Z' || p1 < 'A' || p1 > 'Z' || contains("DFIQUV", p0) || contains("DFIOQUV", p1) {
		return false
	}
	switch string(b[:2]) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	for _, c := range b[2:8] {
		if !isDigit(c) {
			return false
		}
	}
	return b[8] >= 'A' && b[8] <= 'D'
}

// deIDAlphabet is the alphabet of German identity card serial numbers.
const deIDAlphabet = "0123456789CFGHJKLMNPRTVWXYZ"

// validDEID reports whether s is the serial number of a German identity
// card (Personalausweis, since November 2010): nine characters from a
// restricted alphabet, the first a letter; when a tenth character is
// present it must be the ICAO 9303 check digit (weights 7, 3, 1).
func validDEID(s string) bool {
	if len(s) != 9 && len(s) != 10 {
		return false
	}
	sum := 0
	w := [3]int{7, 3, 1}
	for i := 0; i < 9; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if !contains(deIDAlphabet, c) || (i == 0 && isDigit(c)) {
			return false
		}
		v := int(c - '0')
		if !isDigit(c) {
			v = int(c-'A') + 10
		}
		sum += v * w[i%3]
	}
	if len(s) == 10 {
		return isDigit(s[9]) && int(s[9]-'0') == sum%10
	}
	return true
}
