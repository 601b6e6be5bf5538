package loyalty

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// MSISDN normalises a Russian phone number to the MSISDN form the CRM
// wants: 11 digits starting with the country code 7, no punctuation.
//
//	MSISDN("+7 (916) 123-45-67") == "79161234567"
//	MSISDN("8 916 123 45 67")    == "79161234567"
//	MSISDN("9161234567")         == "79161234567"
//
// Every separator people type is ignored: spaces of any width (no-break,
// thin, tabs), dashes of any kind (hyphen, non-breaking hyphen, en and em
// dashes, the minus sign), dots, parentheses, soft hyphens and zero-width
// characters. A leading + must be followed by 7. A number that cannot be a
// Russian one (wrong length, letters, another country code, a 10-digit
// national number that does not start with 3, 4, 8 or 9) is a
// *ValidationError that says which.
func MSISDN(phone string) (string, error) {
	bad := func(reason string) (string, error) {
		return "", &ValidationError{Field: "phone", Reason: reason}
	}
	s := strings.TrimFunc(phone, isPhoneSeparator)
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
		case isPhoneSeparator(r):
		default:
			return bad(fmt.Sprintf("unexpected character %q (%U) in a phone number", r, r))
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
	case plus:
		return bad("+7 must be followed by 10 digits, got " + phoneDigits(len(d)-1))
	case len(d) == 10:
		return bad("a 10-digit number without the country code must start with 3, 4, 8 or 9, got " + d[:1])
	case len(d) == 11:
		return bad("an 11-digit number must start with 7 or 8, got " + d[:1])
	default:
		return bad(phoneDigits(len(d)) + ": a Russian number has 11 (7 or 8, then 10) or 10 (without the country code)")
	}
	if d[1] == '0' || d[1] == '1' || d[1] == '2' {
		return bad("no Russian area code starts with " + d[1:2])
	}
	return d, nil
}

// isPhoneSeparator reports a character people put between a phone
// number's digits.
func isPhoneSeparator(r rune) bool {
	switch r {
	case '(', ')', '.', '\u2212', '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Pd, r)
}

// phoneDigits describes a digit count for an error message.
func phoneDigits(n int) string {
	if n == 1 {
		return "1 digit"
	}
	return strconv.Itoa(n) + " digits"
}
