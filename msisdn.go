package loyalty

import (
	"strconv"
	"strings"
)

// MSISDN normalises a Russian phone number to the MSISDN form the CRM
// wants: 11 digits starting with the country code 7, no punctuation.
//
//	MSISDN("+7 (916) 123-45-67") == "79161234567"
//	MSISDN("8 916 123 45 67")    == "79161234567"
//	MSISDN("9161234567")         == "79161234567"
//
// Spaces, dashes, dots and parentheses are ignored; a leading + must be
// followed by 7. A number that cannot be a Russian one (wrong length,
// letters, another country code, a 10-digit national number that does not
// start with 3, 4, 8 or 9) is a *ValidationError.
func MSISDN(phone string) (string, error) {
	bad := func(reason string) (string, error) {
		return "", &ValidationError{Field: "phone", Reason: reason}
	}
	s := strings.TrimSpace(phone)
	if s == "" {
		return bad("empty")
	}
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '\u00a0':
		default:
			return bad("unexpected character " + string(r) + " in a phone number")
		}
	}
	d := b.String()
	switch {
	case len(d) == 11 && d[0] == '7':
	case len(d) == 11 && d[0] == '8' && !plus:
		d = "7" + d[1:]
	case len(d) == 10 && !plus && strings.ContainsRune("3489", rune(d[0])):
		d = "7" + d
	case plus && len(d) > 0 && d[0] != '7':
		return bad("not a Russian number (country code must be +7)")
	default:
		return bad("a Russian number has 10 digits after the country code, got " + phoneDigits(d))
	}
	if d[1] == '0' || d[1] == '1' || d[1] == '2' {
		return bad("no Russian area code starts with " + d[1:2])
	}
	return d, nil
}

// phoneDigits describes the digit count for an error message.
func phoneDigits(d string) string {
	if len(d) == 1 {
		return "1 digit"
	}
	return strconv.Itoa(len(d)) + " digits"
}
