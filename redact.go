package loyalty

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// addSecret registers a value that must never appear in an error or a log,
// in any of the forms a server may echo it in (see secretPattern).
func (c *core) addSecret(v string) {
	if v == "" {
		return
	}
	c.secrets = append(c.secrets, v)
	c.secretRE = secretPattern(c.secrets)
}

// minRedactLen is the shortest secret replaced wherever it appears.
const minRedactLen = 4

// redactedValue replaces every secret in URLs, errors and logs.
const redactedValue = "REDACTED"

// sensitiveParams are query and form keys whose values are always hidden.
var sensitiveParams = []string{"apikey", "api_key", "password", "token", "key", "secret"}

// redactURL hides secret query values and URL passwords.
func (c *core) redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return c.redact(raw)
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), redactedValue)
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			for _, s := range sensitiveParams {
				if strings.EqualFold(k, s) {
					q[k] = []string{redactedValue}
				}
			}
		}
		u.RawQuery = q.Encode()
	}
	return c.redact(u.String())
}

// redact replaces every registered secret in s, escaped or not.
func (c *core) redact(s string) string {
	if c.secretRE == nil {
		return s
	}
	return c.secretRE.ReplaceAllLiteralString(s, redactedValue)
}

// secretPattern matches every secret of at least minRedactLen characters
// as it is, or with any of its characters escaped the way servers and
// proxies echo text back: JSON (\uXXXX, a surrogate pair, \/, \", \\),
// XML/HTML entities (named, decimal, hex), and URL percent-encoding (+
// for a space). Characters may be escaped in any mix. It is nil when there
// is no such secret.
//
// A shorter secret would garble every message if replaced wherever it
// stands ("http://REDACTED27.0.0.REDACTED…"); it is hidden where it is
// known to stand instead: apikey= values, URL passwords and the
// Authorization header are redacted by name, and errors lose the
// *url.Error that carries the request URL (redactErr).
func secretPattern(secrets []string) *regexp.Regexp {
	var alts []string
	for _, sec := range secrets {
		if utf8.RuneCountInString(sec) < minRedactLen {
			continue
		}
		var b strings.Builder
		for _, r := range sec {
			b.WriteString(runePattern(r))
		}
		alts = append(alts, b.String())
	}
	if len(alts) == 0 {
		return nil
	}
	// Longer secrets first, so that one containing another is replaced whole.
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	return regexp.MustCompile(strings.Join(alts, "|"))
}

// runePattern matches r or one of its escaped forms.
func runePattern(r rune) string {
	alts := []string{regexp.QuoteMeta(string(r))}
	if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
		alts = append(alts, fmt.Sprintf(`\\u(?i:%04x)\\u(?i:%04x)`, r1, r2))
	} else {
		alts = append(alts, fmt.Sprintf(`\\u(?i:%04x)`, r))
	}
	switch r {
	case '/', '"', '\\':
		alts = append(alts, `\\`+regexp.QuoteMeta(string(r)))
	case '&':
		alts = append(alts, `&amp;`)
	case '<':
		alts = append(alts, `&lt;`)
	case '>':
		alts = append(alts, `&gt;`)
	case '\'':
		alts = append(alts, `&apos;`)
	case ' ':
		alts = append(alts, `\+`)
	}
	if r == '"' {
		alts = append(alts, `&quot;`)
	}
	alts = append(alts, fmt.Sprintf(`&#0*%d;`, r), fmt.Sprintf(`&#[xX]0*(?i:%x);`, r))
	var pct strings.Builder
	for _, c := range []byte(string(r)) {
		fmt.Fprintf(&pct, `%%(?i:%02x)`, c)
	}
	alts = append(alts, pct.String())
	return "(?:" + strings.Join(alts, "|") + ")"
}

// redactErr strips the URL that *url.Error carries (it would print the
// apikey) and hides any secret left in the message, keeping errors.Is for
// context errors and net errors working.
func (c *core) redactErr(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	if red := c.redact(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// redactedError is an error whose message had a secret removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// snippet is the start of a body for error messages: at most 512 bytes,
// cut at a rune boundary.
func snippet(b []byte) string {
	const n = 512
	if len(b) > n {
		return strings.ToValidUTF8(string(b[:n]), "") + "…"
	}
	return strings.ToValidUTF8(string(b), "")
}
