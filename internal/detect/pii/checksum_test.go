package pii

import (
	"reflect"
	"runtime"
	"testing"
)

// validatorCases are positives and negatives per validator; they also seed
// FuzzValidators.
var validatorCases = []struct {
	name     string
	validate func(string) bool
	valid    []string
	invalid  []string
}{
	{"card", validCard,
		[]string{"4111111111111111", "4111 1111 1111 1111", "5555555555554444", "2223003122003222", "378282246310005", "6011111111111117", "3530111333300000", "30569309025904", "6304000000000000"},
		[]string{"4111111111111112", "1234567812345678", "0000000000000000", "4111", "9999999999999995", "41111111111111111111", ""}},
	{"IBAN", validIBAN,
		[]string{"GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "fr1420041010050500013m02606", "NO9386011117947"},
		[]string{"GB83WEST12345698765432", "GB82WEST1234569876543", "XX82WEST12345698765432", "GB82-WEST-1234", "", "GBAAWEST12345698765432"}},
	{"SSN", validSSN,
		[]string{"536-22-1234", "536221234", "001-01-0001", "899-99-9999"},
		[]string{"000-12-3456", "666-12-3456", "912-12-3456", "536-00-1234", "536-22-0000", "078-05-1120", "219-09-9999", "53622123", ""}},
	{"Aadhaar", validAadhaar,
		[]string{"234123412346", "2341 2341 2346"},
		[]string{"234123412345", "123412341234", "034123412346", "2341234123", ""}},
	{"NIR", validNIR,
		[]string{"255081416802538", "2 55 08 14 168 025 38", "1850578006084 91"},
		[]string{"255081416802539", "555081416802538", "2551314168025 38", "25508141680253", ""}},
	{"DNI/NIE", validDNI,
		[]string{"12345678Z", "12345678-z", "X1234567L", "Y1234567X", "Z1234567R"},
		[]string{"12345678A", "1234567Z", "W1234567L", "X123456L", "", "123456789"}},
	{"codice fiscale", validCodiceFiscale,
		[]string{"RSSMRA85T10A562S", "rssmra85t10a562s"},
		[]string{"RSSMRA85T10A562T", "RSSMRA85Z10A562S", "RSSMRA85T10A562", "1SSMRA85T10A562S", ""}},
	{"NINO", validNINO,
		[]string{"AB123456C", "AB 12 34 56 C", "ce123456d"},
		[]string{"QQ123456C", "DA123456C", "GB123456A", "AB123456E", "AB12345C", ""}},
	{"German ID", validDEID,
		[]string{"T22000129", "T220001293", "L01X00T47"},
		[]string{"T220001294", "122000129", "TA2000129", "T2200012", ""}},
	{"date of birth", validDOB,
		[]string{"9/20/1968", "20.09.1968", "1968-09-20", "20 September 1968", "20th of Sept. 1968", "September 20, 1968", "29/02/2000", "5 mai 1990", "12/05/90"},
		[]string{"31/02/1990", "29/02/1900", "13/13/1990", "1968-13-01", "20 Septembre 68", "0/0/2000", "12 Marchx 1990", "", "1850-01-01"}},
}

func TestValidators(t *testing.T) {
	t.Parallel()
	for _, tc := range validatorCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range tc.valid {
				if !tc.validate(s) {
					t.Errorf("%s(%q) = false, want true", tc.name, s)
				}
			}
			for _, s := range tc.invalid {
				if tc.validate(s) {
					t.Errorf("%s(%q) = true, want false", tc.name, s)
				}
			}
		})
	}
}

func TestLuhnAndVerhoeff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		digits         string
		luhn, verhoeff bool
	}{
		{"79927398713", true, false},
		{"79927398710", false, false},
		{"2363", false, true},
		{"2364", false, false},
		{"", false, false},
	}
	for _, tc := range tests {
		if got := luhn([]byte(tc.digits)); got != tc.luhn {
			t.Errorf("luhn(%q) = %v, want %v", tc.digits, got, tc.luhn)
		}
		if got := verhoeff([]byte(tc.digits)); got != tc.verhoeff {
			t.Errorf("verhoeff(%q) = %v, want %v", tc.digits, got, tc.verhoeff)
		}
	}
}

func TestRecognizerValidatorsAreTheTested(t *testing.T) {
	t.Parallel()
	// Every recognizer with a validator has it among validatorCases, so no
	// validator goes unfuzzed.
	tested := map[string]bool{}
	for _, tc := range validatorCases {
		tested[funcName(tc.validate)] = true
	}
	for _, rc := range builtin() {
		if rc.validate != nil && !tested[funcName(rc.validate)] {
			t.Errorf("recognizer %s has a validator that no test case covers", rc.id)
		}
	}
}

func funcName(f func(string) bool) string {
	return runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
}
