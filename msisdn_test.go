package loyalty_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
)

func TestMSISDNNormalisesRussianNumbers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+7 (916) 123-45-67", "79161234567"},
		{"8 916 123 45 67", "79161234567"},
		{"79161234567", "79161234567"},
		{"9161234567", "79161234567"},
		{"8(495)123-45-67", "74951234567"},
		{" +7.916.123.45.67 ", "79161234567"},
		{"", ""},
		{"+8 916 123 45 67", ""},
		{"916123456", ""},
		{"791612345678", ""},
		{"8 916 ABC 45 67", ""},
		{"5161234567", ""},
		{"7 016 123 45 67", ""},
	} {
		got, err := loyalty.MSISDN(tc.in)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("MSISDN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		var ve *loyalty.ValidationError
		if err != nil && (!errors.As(err, &ve) || ve.Field != "phone") {
			t.Errorf("MSISDN(%q): error %T", tc.in, err)
		}
	}
}

// Real data is full of the separators people (and word processors) type:
// en and em dashes, non-breaking hyphens, the minus sign, thin and
// no-break spaces, tabs, soft hyphens and zero-width characters.
// The spec's MSISDN is international: other countries' numbers pass in
// international form, with +, 00 or bare digits.
func TestMSISDNAcceptsInternationalNumbers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"375291234567", "375291234567"},
		{"+375 (29) 123-45-67", "375291234567"},
		{"00375 29 1234567", "375291234567"},
		{"+1 212 555 0100", "12125550100"},
		{"+44 7911 123456", "447911123456"},
		{"+84 91 234 5678", "84912345678"},
		{"8613800138000", "8613800138000"},
		{"+7 727 123 45 67", "77271234567"}, // Kazakhstan shares +7
	} {
		if got, err := loyalty.MSISDN(tc.in); err != nil || got != tc.want {
			t.Errorf("MSISDN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestMSISDNAcceptsEverySeparatorPeopleType(t *testing.T) {
	for _, in := range []string{
		"+7 916 123–45–67",                     // en dash
		"+7 916 123—45—67",                     // em dash
		"8 916 123‑45‑67",                      // non-breaking hyphen
		"8 916 123‐45‐67",                      // hyphen
		"8 916 123−45−67",                      // minus sign
		"+7\u2009916\u2009123\u200945\u200967", // thin spaces
		"+7\u00a0916\u00a0123\u00a045\u00a067", // no-break spaces
		"+7\u202f916\u202f123-45-67",           // narrow no-break spaces
		"+7\t916\t1234567",                     // tabs
		"\ufeff+7 (916) 123-45-67",             // a BOM from a CSV export
		"8 916 123\u00ad45\u00ad67",            // soft hyphens
		"8 916 123\u200b45\u200b67",            // zero-width spaces
		"+7 (916) 123 45 67\r\n",               // a line end from a file
	} {
		if got, err := loyalty.MSISDN(in); err != nil || got != "79161234567" {
			t.Errorf("MSISDN(%q) = %q, %v; want 79161234567", in, got, err)
		}
	}
}

// The error says exactly what is wrong with the number.
func TestMSISDNSaysWhatIsWrong(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"5161234567", "a 10-digit number without the country code must start with 3, 4, 8 or 9, got 5"},
		{"916123456", "9 digits"},
		{"791612345678", "12 digits"},
		{"+7 916 123 45", "+7 must be followed by 10 digits, got 8"},
		{"+8 916 123 45 67", "+89 is no country code"},
		{"+0 916 123 45 67", "no country code starts with 0"},
		{"+", "no digits after +"},
		{"890000000000", "12 digits"},
		{"+375 29", "5 digits: an international number has 7 to 15 digits"},
		{"0916123456789", "13 digits"},
		{"8 916 ABC 45 67", `unexpected character 'A'`},
		{"8 916 １23 45 67", `unexpected character '１' (U+FF11)`},
		{"7 016 123 45 67", "no Russian area code starts with 0"},
		{"", "empty"},
	} {
		_, err := loyalty.MSISDN(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("MSISDN(%q): %v; want it to say %q", tc.in, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "10 digits after the country code, got 10 digits") {
			t.Errorf("MSISDN(%q): a self-contradicting message: %v", tc.in, err)
		}
	}
}
