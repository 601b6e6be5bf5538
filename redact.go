package loyalty

import (
	"errors"
	"net/url"
	"strings"
)

// addSecret registers a value that must never appear in an error or a log.
func (c *core) addSecret(v string) {
	if v != "" {
		c.secrets = append(c.secrets, v)
	}
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

// redact replaces every registered secret in s.
func (c *core) redact(s string) string { return redactText(s, c.secrets) }

func redactText(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) < minRedactLen {
			// Replacing a one-letter password everywhere would garble every
			// message ("http://REDACTED27.0.0.REDACTED…"). Such a secret is
			// still hidden where it is known to stand: apikey= values, URL
			// passwords and the Authorization header are redacted by name.
			continue
		}
		s = strings.ReplaceAll(s, sec, redactedValue)
		if esc := url.QueryEscape(sec); esc != sec {
			s = strings.ReplaceAll(s, esc, redactedValue)
		}
		if esc := url.PathEscape(sec); esc != sec {
			s = strings.ReplaceAll(s, esc, redactedValue)
		}
	}
	return s
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
