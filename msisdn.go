package loyalty

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// MSISDN normalises a phone number to the MSISDN form the CRM wants: the
// international number's digits, country code first, no + and no
// punctuation. Russian numbers in any form people write them become 11
// digits starting with 7; numbers of other countries are accepted in
// international form (the spec's MSISDN is a generic mobile number, not
// a Russian one; see docs/virtpos-crm-field-notes.md).
//
//	MSISDN("+7 (916) 123-45-67") == "79161234567"
//	MSISDN("8 916 123 45 67")    == "79161234567"
//	MSISDN("9161234567")         == "79161234567"
//	MSISDN("+375 29 123-45-67")  == "375291234567"
//	MSISDN("00 44 7911 123456")  == "447911123456"
//	MSISDN("375291234567")       == "375291234567"
//
// Every separator people type is ignored: spaces of any width (no-break,
// thin, tabs), dashes of any kind (hyphen, non-breaking hyphen, en and em
// dashes, the minus sign), dots, parentheses, soft hyphens and zero-width
// characters. Without a + (or 00), 11 digits starting with 7 or 8 and 10
// digits starting with 3, 4, 8 or 9 are Russian; 11 to 15 digits
// starting otherwise are taken as an international number. With a + (or
// 00) the number is international: 7 to 15 digits, and exactly 11 when
// the country code is 7. Anything else (letters, a wrong length, a
// leading 0, "+8 9…", which is a Russian 8 written with a +) is a
// *[ValidationError] that says which.
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
	if !plus && len(d) > 2 && strings.HasPrefix(d, "00") {
		plus, d = true, d[2:] // 00: the international prefix
	}
	switch {
	case plus && d == "":
		return bad("no digits after +")
	case plus && len(d) > 0 && d[0] == '7' && len(d) != 11:
		return bad("+7 must be followed by 10 digits, got " + phoneDigits(len(d)-1))
	case plus && len(d) > 0 && d[0] == '0':
		return bad("no country code starts with 0")
	case plus && strings.HasPrefix(d, "89"):
		return bad("+89 is no country code: a Russian number is +7 or 8 without the + (country code must be +7 for Russia)")
	case plus && d != "" && d[0] != '7':
		if len(d) < 7 || len(d) > 15 {
			return bad(phoneDigits(len(d)) + ": an international number has 7 to 15 digits with its country code")
		}
		return d, nil
	case plus:
		// +7 and 10 digits: checked as a Russian number below.
	case len(d) == 11 && d[0] == '7':
	case len(d) == 11 && d[0] == '8':
		d = "7" + d[1:]
	case len(d) == 10 && strings.ContainsRune("3489", rune(d[0])):
		d = "7" + d
	case len(d) == 10:
		return bad("a 10-digit number without the country code must start with 3, 4, 8 or 9, got " + d[:1])
	case len(d) > 0 && d[0] == '7':
		return bad(phoneDigits(len(d)) + ": a number with the country code 7 has 11")
	case len(d) >= 11 && len(d) <= 15 && d[0] != '0' && !strings.HasPrefix(d, "89"):
		return d, nil // another country's number, in international form (89 is no country code, as with +)
	default:
		return bad(phoneDigits(len(d)) + ": a Russian number has 11 (7 or 8, then 10) or 10 (without the country code), an international one 11 to 15 with its country code")
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
