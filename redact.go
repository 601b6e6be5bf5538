package loyalty

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/loyaltykit/loyalty/internal/redact"
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

// redactedValue replaces every secret in URLs, errors and logs.
const redactedValue = redact.Value

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
			if redact.SensitiveParam(k) {
				q[k] = []string{redactedValue}
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

// secretPattern matches every secret of at least redact.MinLen characters
// as it is or escaped the way servers and proxies echo text back
// ([redact.Pattern]: any letter case, JSON, XML/HTML entities, single or
// double percent-encoding, base64). It is nil when there is no such
// secret.
//
// A shorter secret would garble every message if replaced wherever it
// stands; it is hidden where it is known to stand instead: apikey=
// values, URL passwords and the Authorization header are redacted by
// name, and errors lose the *url.Error that carries the request URL
// (redactErr).
func secretPattern(secrets []string) *regexp.Regexp { return redact.Pattern(secrets) }

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
