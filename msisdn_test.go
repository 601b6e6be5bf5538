package loyalty_test

import (
	"errors"
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
		{"+1 212 555 0100", ""},
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
