package cassette

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Replayer is an http.RoundTripper that answers from a cassette, for tests
// that run offline against what a real server once said.
//
// A request matches a recorded exchange with the same method and path and
// the same query and body once normalised: parameter order, JSON key order
// and JSON formatting do not matter. Secrets are redacted on both sides
// first (the apikey and the other sensitive parameters, commercial_firm_id,
// and whatever WithSecrets names): a sensitive key must be sent where the
// recording sent it, empty where it was empty, with any other value. Exchanges are used in the cassette's
// order: the first unused match answers; once every match has been used,
// the last one answers again. A request nothing matches fails with a
// *NoMatchError naming it, which the loyalty clients do not retry (it is a
// loyalty.PermanentError). Safe for concurrent use.
type Replayer struct {
	redact *redactor
	exs    []Exchange
	keys   []matchKey

	mu   sync.Mutex
	used []bool
}

// matchKey is a request in normalised form.
type matchKey struct {
	method, path, query, body string
	prefix                    bool // body is a cut recording: match its prefix
}

// OpenReplayer reads the cassette at path and replays it.
func OpenReplayer(path string, opts ...ReplayerOption) (*Replayer, error) {
	exs, err := Load(path)
	if err != nil {
		return nil, err
	}
	return NewReplayer(exs, opts...)
}

// NewReplayer replays exs. Give [WithSecrets] the secrets the recording
// was made with, so that requests carrying the real ones still match.
func NewReplayer(exs []Exchange, opts ...ReplayerOption) (*Replayer, error) {
	cfg, err := newConfig(opts, ReplayerOption.applyReplayer)
	if err != nil {
		return nil, err
	}
	r := &Replayer{redact: &redactor{secrets: slices.Clone(cfg.secrets)}, exs: slices.Clone(exs), used: make([]bool, len(exs))}
	for i := range r.exs {
		r.keys = append(r.keys, keyOf(&r.exs[i]))
	}
	return r, nil
}

// Unused is the exchanges no request has matched yet, in cassette order.
func (r *Replayer) Unused() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Exchange
	for i, u := range r.used {
		if !u {
			out = append(out, r.exs[i])
		}
	}
	return out
}

// Wrap returns r, which never sends anything on, for
// loyalty.WithTransportMiddleware: the way to replay to a CRM client, which
// refuses a WithHTTPClient transport it cannot give its client
// certificate to.
//
//	crm, err := loyalty.NewCRM(url, firm, loyalty.WithClientCertificate(cert),
//		loyalty.WithTransportMiddleware(rp.Wrap))
func (r *Replayer) Wrap(http.RoundTripper) http.RoundTripper { return r }

// RoundTrip answers req from the cassette.
func (r *Replayer) RoundTrip(req *http.Request) (*http.Response, error) {
	live := Exchange{Method: req.Method, Path: req.URL.Path, Query: req.URL.Query(), Header: req.Header.Clone()}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("cassette: reading the request body: %w", err)
		}
		live.Body = b
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	r.redact.redact(&live)
	k := keyOf(&live)

	r.mu.Lock()
	last := -1
	pick := -1
	for i := range r.keys {
		if !k.matches(r.keys[i]) {
			continue
		}
		last = i
		if !r.used[i] {
			pick = i
			break
		}
	}
	if pick < 0 {
		pick = last
	}
	if pick >= 0 {
		r.used[pick] = true
	}
	r.mu.Unlock()
	if pick < 0 {
		return nil, r.noMatch(&live, k)
	}
	return response(&r.exs[pick], req), nil
}

// response is the recorded answer of ex to req.
func response(ex *Exchange, req *http.Request) *http.Response {
	h := ex.ResponseHeader.Clone()
	if h == nil {
		h = http.Header{}
	}
	body := bytes.Clone(ex.ResponseBody)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", ex.Status, http.StatusText(ex.Status)),
		StatusCode:    ex.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

func (k matchKey) matches(rec matchKey) bool {
	if k.method != rec.method || k.path != rec.path || k.query != rec.query {
		return false
	}
	if rec.prefix {
		return strings.HasPrefix(k.body, rec.body)
	}
	return k.body == rec.body
}

// keyOf normalises the request of ex (already redacted).
func keyOf(ex *Exchange) matchKey {
	k := matchKey{method: strings.ToUpper(ex.Method), path: ex.Path, query: normValues(ex.Query)}
	mt, _, _ := mime.ParseMediaType(ex.Header.Get("Content-Type"))
	switch {
	case ex.BodyTruncated:
		k.body, k.prefix = string(ex.Body), true
	case mt == "application/x-www-form-urlencoded":
		if v, err := url.ParseQuery(string(ex.Body)); err == nil {
			k.body = normValues(v)
		} else {
			k.body = string(ex.Body)
		}
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		k.body = normJSON(ex.Body)
	default:
		k.body = string(ex.Body)
	}
	return k
}

// normValues is v without Artix's dictionaryid, sorted by key and value,
// with JSON values in canonical form and the values of sensitive keys
// reduced to whether they are empty (secretShape).
func normValues(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		// dictionaryid is new per Artix batch (loyalty makes one when the
		// caller does not): no recording can predict it.
		if k != "dictionaryid" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := make([]string, len(v[k]))
		for i, s := range v[k] {
			vs[i] = s
			if sensitiveParam(k) {
				vs[i] = secretShape(s)
				continue
			}
			if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
				vs[i] = normJSON([]byte(s))
			}
		}
		slices.Sort(vs)
		for _, s := range vs {
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(s) + "&")
		}
	}
	return b.String()
}

// normJSON is b re-encoded with sorted keys and no sensitive fields, or b
// itself when it is not JSON.
func normJSON(b []byte) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if dec.Decode(&v) != nil || dec.More() {
		return string(b)
	}
	out, err := json.Marshal(dropSensitive(v))
	if err != nil {
		return string(b)
	}
	return string(out)
}

// secretShape is what a tape can say of a secret's value: whether it is
// empty. Whatever else a request sends there matches Redacted.
func secretShape(v string) string {
	if v == "" {
		return ""
	}
	return Redacted
}

// dropSensitive reduces the values of sensitive keys in v to their shape
// (secretShape): a JSON null or "" stays as it is, anything else is
// Redacted.
func dropSensitive(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, sub := range t {
			if sensitiveParam(k) {
				if s, ok := sub.(string); ok || sub == nil {
					if sub != nil {
						t[k] = secretShape(s)
					}
					continue
				}
				t[k] = Redacted
				continue
			}
			t[k] = dropSensitive(sub)
		}
	case []any:
		for i, sub := range t {
			t[i] = dropSensitive(sub)
		}
	}
	return v
}

// NoMatchError is a request the cassette has no answer for.
type NoMatchError struct {
	// Request is the request as the cassette would hold it (secrets
	// redacted): method, path, query and body.
	Request Exchange
	// Near is how many recorded exchanges have the same method and path.
	Near int
	// Differs says what sets the request apart from the first of those
	// ("the query", "the body"), with its place in the cassette.
	Differs string
}

// Permanent reports true: the same request will find no answer again, so
// the loyalty clients do not retry it (loyalty.PermanentError).
func (e *NoMatchError) Permanent() bool { return true }

// Error names the request and, when the cassette holds requests with the
// same method and path, what sets it apart from them.
func (e *NoMatchError) Error() string {
	msg := "cassette: no recorded answer for " + e.Request.String()
	if len(e.Request.Body) > 0 {
		msg += " with body " + strconv.Quote(snippet(e.Request.Body))
	}
	if e.Near == 0 {
		return msg + " (nothing recorded for " + e.Request.Method + " " + e.Request.Path + ")"
	}
	return fmt.Sprintf("%s (%d recorded for %s %s; %s)", msg, e.Near, e.Request.Method, e.Request.Path, e.Differs)
}

func (r *Replayer) noMatch(live *Exchange, k matchKey) error {
	e := &NoMatchError{Request: Exchange{Method: live.Method, Path: live.Path, Query: live.Query, Body: live.Body}}
	for i, rk := range r.keys {
		if rk.method != k.method || rk.path != k.path {
			continue
		}
		e.Near++
		if e.Differs == "" {
			what := "the body differs"
			if rk.query != k.query {
				what = "the query differs"
			}
			where := r.exs[i].Where()
			if where == "" {
				where = "exchange " + strconv.Itoa(i+1)
			}
			e.Differs = what + " from " + where + ": " + r.exs[i].String()
		}
	}
	return e
}

// snippet is the start of a body for messages, cut at a rune boundary.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		return strings.ToValidUTF8(string(cut(b, n)), "?") + "…"
	}
	return strings.ToValidUTF8(string(b), "?")
}
