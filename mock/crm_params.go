package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
)

// maxCRMBody is the largest POST body the CRM side reads.
const maxCRMBody = 1 << 20

// errCRMBodyTooLarge is a POST body over maxCRMBody (HTTP 413).
var errCRMBodyTooLarge = fmt.Errorf("request body too large: over %d bytes", maxCRMBody)

// crmParams collects the parameters from the JSON body (POST), the query
// (objects as JSON values) and dotted query keys, in that order of
// precedence.
func crmParams(r *http.Request) (map[string]json.RawMessage, error) {
	params := map[string]json.RawMessage{}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("malformed query: %w", err)
	}
	dotted := map[string]any{}
	for k, vs := range q {
		v := vs[0]
		if root, rest, ok := strings.Cut(k, "."); ok {
			m, _ := dotted[root].(map[string]any)
			if m == nil {
				m = map[string]any{}
				dotted[root] = m
			}
			setDotted(m, rest, v)
			continue
		}
		switch {
		case v == "null":
			// JSON notation: null, which the spec allows for some
			// parameters (partner_id: every card type), is no value.
			params[k] = json.RawMessage("null")
		case strings.HasPrefix(strings.TrimSpace(v), "{"):
			if !json.Valid([]byte(v)) {
				return nil, fmt.Errorf("parameter %s is not valid JSON", k)
			}
			params[k] = json.RawMessage(v)
		default:
			params[k] = jsonString(v)
		}
	}
	for k, v := range dotted {
		if _, ok := params[k]; !ok {
			params[k], _ = json.Marshal(v)
		}
	}
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxCRMBody+1))
		if err != nil {
			return nil, err
		}
		if len(body) > maxCRMBody {
			return nil, errCRMBodyTooLarge
		}
		if len(strings.TrimSpace(string(body))) > 0 {
			ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if ct != "application/json" {
				return nil, fmt.Errorf("a POST body must be application/json, got %q", ct)
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(body, &obj); err != nil {
				return nil, fmt.Errorf("the body is not a JSON object: %v", err)
			}
			for k, v := range obj {
				params[k] = v
			}
		}
	}
	return params, nil
}

// jsonString is json.Marshal(v): printable ASCII that JSON writes as it is
// (ids, numbers, most parameters) quoted without reflection.
func jsonString(v string) json.RawMessage {
	if plainASCII(v) {
		return append(append(append(make(json.RawMessage, 0, len(v)+2), '"'), v...), '"')
	}
	b, _ := json.Marshal(v)
	return b
}

// plainASCII reports that s is printable ASCII without the characters
// JSON escapes in a string (json.Marshal escapes <, > and & too).
func plainASCII[T ~string | ~[]byte](s T) bool {
	for i := range len(s) {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// setDotted stores a dotted key's value; "true"/"false" become booleans and
// "null" a JSON null.
func setDotted(m map[string]any, path, v string) {
	head, rest, more := strings.Cut(path, ".")
	if more {
		sub, _ := m[head].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			m[head] = sub
		}
		setDotted(sub, rest, v)
		return
	}
	switch v {
	case "null":
		m[head] = nil
	case "true":
		m[head] = true
	case "false":
		m[head] = false
	default:
		m[head] = v
	}
}

// str is a scalar parameter; required ones stop with HTTP 400 when absent.
func (c *crmCall) str(name string, required bool) string {
	raw, ok := c.params[name]
	var s string
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && plainASCII(raw[1:n-1]) {
		s = string(raw[1 : n-1])
	} else if ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &s); err != nil {
			panic(badRequest("parameter " + name + " must be a string"))
		}
	}
	if required && s == "" {
		panic(badRequest("parameter " + name + " is required"))
	}
	return s
}

// guid is a guid parameter; "" when absent and not required.
func (c *crmCall) guid(name string, required bool) *uuid.UUID {
	s := c.str(name, required)
	if s == "" {
		return nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		panic(badRequest("parameter " + name + " is not a guid: " + s))
	}
	return &id
}

// object decodes an object parameter into v.
func (c *crmCall) object(name string, v any) {
	raw, ok := c.params[name]
	if !ok || string(raw) == "null" {
		panic(badRequest("parameter " + name + " is required"))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		panic(badRequest("parameter " + name + ": " + err.Error()))
	}
}

// parseGUID reads an optional guid field of an object.
func parseGUID(field, s string) *uuid.UUID {
	if s == "" {
		return nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		panic(badRequest(field + " is not a guid: " + s))
	}
	return &id
}
