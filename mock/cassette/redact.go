package cassette

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/loyaltykit/loyalty/internal/redact"
)

// Redacted replaces every secret in a cassette.
const Redacted = redact.Value

// MinSecretLen is the shortest secret WithSecrets accepts. A shorter one
// replaced wherever it appears would garble every number in a body; such
// a secret is still hidden where it is known to stand (an apikey
// parameter, an Authorization header).
const MinSecretLen = redact.MinLen

// tapeOnlyParams are keys whose values are hidden on tape though the
// client does not treat them as secrets: commercial_firm_id names a CRM
// account (and is a mock tenant's credential).
var tapeOnlyParams = []string{"commercial_firm_id"}

// sensitiveParam reports a query, form or JSON key whose values never
// reach a tape: the ones the request core of package loyalty hides
// (redact.SensitiveParams) and tapeOnlyParams.
func sensitiveParam(k string) bool {
	return redact.SensitiveParam(k) || slices.ContainsFunc(tapeOnlyParams, func(s string) bool { return strings.EqualFold(k, s) })
}

// sensitiveHeader reports a header whose whole value is a credential.
func sensitiveHeader(k string) bool {
	k = strings.ToLower(k)
	switch k {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return true
	case "www-authenticate", "proxy-authenticate":
		return false // a challenge, not a credential
	}
	for _, w := range []string{"key", "token", "secret", "password", "auth"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// redactor hides secrets in exchanges. It remembers every secret it has
// found in a known place (an apikey parameter, an Authorization header),
// so a later answer that echoes one has it hidden too. Safe for
// concurrent use.
type redactor struct {
	mu      sync.Mutex
	secrets []string       // registered with WithSecrets, then learned
	re      *regexp.Regexp // redact.Pattern(secrets), made again when one is learned
	reFor   int            // len(secrets) when re was made
}

// redact hides every secret of ex in place: first the ones that stand in
// known places (sensitive parameters, credentials headers), which it
// learns, then every learned or registered secret wherever it appears.
func (rd *redactor) redact(ex *Exchange) {
	var found []string
	learn := func(v string) {
		if len(v) >= MinSecretLen && v != Redacted {
			found = append(found, v)
		}
	}
	for k, vs := range ex.Query {
		if sensitiveParam(k) {
			for _, v := range vs {
				learn(v)
			}
			ex.Query[k] = redactedValues(vs)
		}
	}
	redactHeader(ex.Header, learn)
	redactHeader(ex.ResponseHeader, learn)
	ex.Body = redactBody(ex.Body, ex.Header.Get("Content-Type"), learn)

	rd.mu.Lock()
	for _, f := range found {
		if !slices.Contains(rd.secrets, f) {
			rd.secrets = append(rd.secrets, f)
		}
	}
	if rd.reFor != len(rd.secrets) {
		rd.re, rd.reFor = redact.Pattern(rd.secrets), len(rd.secrets)
	}
	re := rd.re
	rd.mu.Unlock()
	if re == nil {
		return
	}
	repl := func(b []byte) []byte { return re.ReplaceAllLiteral(b, []byte(Redacted)) }
	str := func(s string) string { return re.ReplaceAllLiteralString(s, Redacted) }
	ex.Path = str(ex.Path)
	ex.Query = replaceValues(ex.Query, str)
	ex.Header = http.Header(replaceValues(url.Values(ex.Header), str))
	ex.ResponseHeader = http.Header(replaceValues(url.Values(ex.ResponseHeader), str))
	ex.Body = repl(ex.Body)
	ex.ResponseBody = repl(ex.ResponseBody)
}

// redactedValues is vs with every value Redacted but the empty ones (an
// empty secret hides nothing, and the replayer matches on it).
func redactedValues(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if v != "" {
			out[i] = Redacted
		}
	}
	return out
}

// replaceValues applies f to every key and value of m.
func replaceValues(m url.Values, f func(string) string) url.Values {
	if m == nil {
		return nil
	}
	out := make(url.Values, len(m))
	for k, vs := range m {
		nk := f(k)
		for _, v := range vs {
			out[nk] = append(out[nk], f(v))
		}
	}
	return out
}

// redactHeader hides credential headers, learning what they carry (the
// password of Basic auth, a bearer token).
func redactHeader(h http.Header, learn func(string)) {
	for k, vs := range h {
		if !sensitiveHeader(k) {
			continue
		}
		for i, v := range vs {
			learn(v)
			scheme, cred, ok := strings.Cut(v, " ")
			if !ok || strings.ContainsAny(scheme, "=;,") {
				vs[i] = Redacted
				continue
			}
			learn(cred)
			if strings.EqualFold(scheme, "basic") {
				if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
					_, pass, _ := strings.Cut(string(raw), ":")
					learn(pass)
				}
			}
			vs[i] = scheme + " " + Redacted
		}
	}
}

// redactBody hides sensitive fields of a form or JSON body, learning their
// values. Other bodies are left to the free-text pass.
func redactBody(b []byte, contentType string, learn func(string)) []byte {
	if len(b) == 0 {
		return b
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/x-www-form-urlencoded":
		return redactForm(b, learn)
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return redactJSON(b, learn)
	}
	return b
}

// redactForm replaces the values of sensitive keys, keeping the order and
// encoding of every other pair.
func redactForm(b []byte, learn func(string)) []byte {
	pairs := strings.Split(string(b), "&")
	for i, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || !sensitiveParam(key) {
			continue
		}
		if v == "" {
			continue
		}
		if val, err := url.QueryUnescape(v); err == nil {
			learn(val)
		}
		learn(v)
		pairs[i] = k + "=" + Redacted
	}
	return []byte(strings.Join(pairs, "&"))
}

// redactJSON replaces the values of sensitive keys at any depth. A body
// without one is returned as it is; one with one is re-encoded.
func redactJSON(b []byte, learn func(string)) []byte {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return b
	}
	changed := false
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, sub := range t {
				if sensitiveParam(k) {
					if sub == nil || sub == "" {
						continue
					}
					if s, ok := sub.(string); ok {
						learn(s)
					}
					t[k], changed = Redacted, true
					continue
				}
				walk(sub)
			}
		case []any:
			for _, sub := range t {
				walk(sub)
			}
		}
	}
	walk(v)
	if !changed {
		return b
	}
	out, err := json.Marshal(v)
	if err != nil {
		return b
	}
	return out
}
