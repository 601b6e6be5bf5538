// Package redact finds secrets in text in every form a server, a proxy or
// a file may echo them in. The request core of package loyalty (errors,
// logs, observer events) and the cassette recorder (tapes) share it, so a
// secret hidden from one is hidden from the other.
package redact

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Value replaces every secret.
const Value = "REDACTED"

// MinLen is the shortest secret replaced wherever it appears. A shorter
// one would garble every message ("http://REDACTED27.0.0.REDACTED…"); it
// is hidden where it is known to stand instead (a sensitive parameter, an
// Authorization header).
const MinLen = 4

// SensitiveParams are query, form and JSON keys whose values are always
// secret, compared without regard to case.
var SensitiveParams = []string{"apikey", "api_key", "password", "token", "key", "secret"}

// SensitiveParam reports whether the values of key k are always secret.
func SensitiveParam(k string) bool {
	return slices.ContainsFunc(SensitiveParams, func(s string) bool { return strings.EqualFold(k, s) })
}

// Pattern matches every secret of at least MinLen characters as it is or
// in any of the forms it is echoed in, characters escaped in any mix:
//   - any letter case (an upper-cased echo);
//   - JSON escapes (\uXXXX, a surrogate pair, \/, \", \\);
//   - XML/HTML entities: named, decimal and hex, the closing ';' optional
//     (HTML parsers accept "&#65" before a non-digit);
//   - URL percent-encoding of each byte, either case, encoded once or
//     again ("%2541" for "A"), and '+' for a space;
//   - the whole secret base64-encoded (standard or URL alphabet, with or
//     without padding).
//
// It is nil when no secret is long enough.
func Pattern(secrets []string) *regexp.Regexp {
	var alts []string
	for _, sec := range secrets {
		if utf8.RuneCountInString(sec) < MinLen {
			continue
		}
		var b strings.Builder
		for _, r := range sec {
			b.WriteString(runePattern(r))
		}
		alts = append(alts, b.String())
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			alts = append(alts, regexp.QuoteMeta(enc.EncodeToString([]byte(sec))))
		}
	}
	if len(alts) == 0 {
		return nil
	}
	// Longer first, so that a secret containing another is replaced whole.
	slices.SortStableFunc(alts, func(a, b string) int { return len(b) - len(a) })
	return regexp.MustCompile(strings.Join(slices.Compact(alts), "|"))
}

// runePattern matches r or one of its escaped forms.
func runePattern(r rune) string {
	var alts []string
	for _, c := range caseForms(r) {
		alts = append(alts, regexp.QuoteMeta(string(c)))
		if r1, r2 := utf16.EncodeRune(c); r1 != utf8.RuneError {
			alts = append(alts, fmt.Sprintf(`\\u(?i:%04x)\\u(?i:%04x)`, r1, r2))
		} else {
			alts = append(alts, fmt.Sprintf(`\\u(?i:%04x)`, c))
		}
		alts = append(alts, fmt.Sprintf(`&#0*%d;?`, c), fmt.Sprintf(`&#[xX]0*(?i:%x);?`, c))
		var pct strings.Builder
		for _, b := range []byte(string(c)) {
			fmt.Fprintf(&pct, `%%(?:25)*(?i:%02x)`, b)
		}
		alts = append(alts, pct.String())
	}
	switch r {
	case '/', '"', '\\':
		alts = append(alts, `\\`+regexp.QuoteMeta(string(r)))
	case '&':
		alts = append(alts, `&(?i:amp);?`)
	case '<':
		alts = append(alts, `&(?i:lt);?`)
	case '>':
		alts = append(alts, `&(?i:gt);?`)
	case '\'':
		alts = append(alts, `&(?i:apos);?`)
	case ' ':
		alts = append(alts, `\+`)
	}
	if r == '"' {
		alts = append(alts, `&(?i:quot);?`)
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

// caseForms is r and its other letter cases (one, usually: 'a' and 'A').
func caseForms(r rune) []rune {
	out := []rune{r}
	for c := unicode.SimpleFold(r); c != r; c = unicode.SimpleFold(c) {
		out = append(out, c)
	}
	return out
}
