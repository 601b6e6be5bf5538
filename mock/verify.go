package mock

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/loyaltykit/loyalty/internal/artixwire"
	"github.com/loyaltykit/loyalty/mock/cassette"
)

// DriftKind says how the mock's answer differs from a recorded one.
type DriftKind string

// Kinds of drift. Every kind but the notes fails a verification.
const (
	DriftStatus    DriftKind = "status"     // another HTTP status
	DriftFormat    DriftKind = "format"     // another body format (XML, JSON, text, empty)
	DriftMissing   DriftKind = "missing"    // a field the real server sends, the mock does not
	DriftExtra     DriftKind = "extra"      // a field the mock sends, the real server does not
	DriftType      DriftKind = "type"       // a field of another JSON type (or XML text vs element)
	DriftValue     DriftKind = "value"      // another envelope value (success, type)
	DriftErrorCode DriftKind = "error-code" // other CRM error codes
	DriftNoAnswer  DriftKind = "no-answer"  // the mock gave no answer at all
	DriftUnknown   DriftKind = "unknown"    // the exchange is not one of the three APIs' endpoints

	// NoteContentType is another Content-Type for the same body format.
	NoteContentType DriftKind = "note-content-type"
	// NoteOptional is a field that only some answers of one side have.
	NoteOptional DriftKind = "note-optional"
)

// Note reports kinds that do not fail a verification.
func (k DriftKind) Note() bool { return strings.HasPrefix(string(k), "note-") }

// Drift is one difference between a recorded answer and the mock's.
type Drift struct {
	Kind DriftKind `json:"kind"`
	// Where is the first exchange that showed it (cassette file:line).
	Where string `json:"where"`
	// Count is how many exchanges of the endpoint showed it.
	Count int `json:"count"`
	// Path is the field, e.g. "contacts[].contact.level_id" (JSON) or
	// "root.customers.customer.fname" (XML); "" for the status or format.
	Path     string `json:"path,omitempty"`
	Recorded string `json:"recorded,omitempty"`
	Mock     string `json:"mock,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// EndpointReport is what Verify found for one endpoint.
type EndpointReport struct {
	API       API     `json:"api"`
	Endpoint  string  `json:"endpoint"` // "GET /api/customer", "POST CreateContact"
	Exchanges int     `json:"exchanges"`
	Drifted   int     `json:"drifted"`
	Drifts    []Drift `json:"drifts,omitempty"`
	Notes     []Drift `json:"notes,omitempty"`
}

// VerifyReport is the result of Verify, endpoint by endpoint in the
// order the cassette first names them.
type VerifyReport struct {
	Exchanges int              `json:"exchanges"`
	Drifted   int              `json:"drifted"`
	Endpoints []EndpointReport `json:"endpoints"`
}

// OK reports no drift (notes allowed).
func (r *VerifyReport) OK() bool { return r.Drifted == 0 }

// Verify replays the request of each recorded exchange against srv, in
// order, and compares srv's answer with the recorded one: the status, the
// body's format, its field names and the JSON types of their values, the
// envelope's success and type, and the CRM's error codes. Values that
// legitimately differ between a real server and the mock (ids,
// timestamps, balances, generated codes) are not compared.
//
// Requests go to srv as recorded, with srv's credentials put in place of
// the redacted ones (the VirtPOS apikey, the CRM commercial_firm_id) and
// the Authorization header left out. A cassette is data, so it cannot
// steer srv: an exchange on an admin path (AdminPrefix) is reported, not
// replayed, and an Artix load's addressstatusserver is dropped, so srv
// calls back to no address the cassette names. The CRM is spoken over mutual TLS
// with srv's client certificate. A Server made by New is called in
// memory. srv's state changes as the writes are replayed: start from the
// seed (Reset) or a state of your own (Restore) for reproducible results.
//
// The API of an exchange is its API field, or else read from its path
// (a CRM method name, /api/customer…, /aifexchange/…). Verify returns an
// error only when ctx ends.
func Verify(ctx context.Context, srv *Server, exs []cassette.Exchange) (*VerifyReport, error) {
	v := &verifier{srv: srv, clients: map[API]*http.Client{}}
	defer v.close()
	rep := &VerifyReport{}
	index := map[string]int{}
	for i := range exs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		ex := &exs[i]
		api, endpoint := endpointOf(ex)
		key := string(api) + " " + endpoint
		n, ok := index[key]
		if !ok {
			n = len(rep.Endpoints)
			index[key] = n
			rep.Endpoints = append(rep.Endpoints, EndpointReport{API: api, Endpoint: endpoint})
		}
		drifts, notes, err := v.check(ctx, api, ex)
		if err != nil {
			return rep, err
		}
		ep := &rep.Endpoints[n]
		ep.Exchanges++
		rep.Exchanges++
		if len(drifts) > 0 {
			ep.Drifted++
			rep.Drifted++
		}
		ep.Drifts = mergeDrifts(ep.Drifts, drifts, ex.Where())
		ep.Notes = mergeDrifts(ep.Notes, notes, ex.Where())
	}
	return rep, nil
}

// mergeDrifts adds ds to have, counting repeats of one difference.
func mergeDrifts(have, ds []Drift, where string) []Drift {
next:
	for _, d := range ds {
		for i := range have {
			h := &have[i]
			if h.Kind == d.Kind && h.Path == d.Path && h.Recorded == d.Recorded && h.Mock == d.Mock {
				h.Count++
				continue next
			}
		}
		d.Where, d.Count = where, 1
		have = append(have, d)
	}
	return have
}

// crmMethods are the CRM spec's method names, the last path segment.
var crmMethods = map[string]bool{}

func init() {
	for m := range crmHandlers {
		crmMethods[m] = true
	}
}

// endpointOf names the API and endpoint of an exchange; API "" when the
// path belongs to none.
func endpointOf(ex *cassette.Exchange) (API, string) {
	method := strings.ToUpper(ex.Method)
	last := ex.Path[strings.LastIndex(ex.Path, "/")+1:]
	api := API(ex.API)
	if api == "" {
		switch {
		case crmMethods[last]:
			api = CRMAPI
		case strings.Contains(ex.Path, "/aifexchange/"):
			api = ArtixAPI
		case strings.Contains(ex.Path, "/api/customer"):
			api = VirtPOSAPI
		}
	}
	switch api {
	case CRMAPI:
		return api, method + " " + last
	case VirtPOSAPI, ArtixAPI:
		return api, method + " " + mockPath(api, ex.Path)
	}
	return api, method + " " + ex.Path
}

// mockPath is where the mock serves a recorded path: the recorded base
// path (a real server's prefix) is dropped.
func mockPath(api API, path string) string {
	marker := map[API]string{VirtPOSAPI: "/api/customer", ArtixAPI: "/aifexchange/", CRMAPI: "/"}[api]
	if api == CRMAPI {
		return path[strings.LastIndex(path, "/"):]
	}
	if i := strings.Index(path, marker); i >= 0 {
		return path[i:]
	}
	return path
}

// verifier sends recorded requests to the mock.
type verifier struct {
	srv     *Server
	clients map[API]*http.Client
}

func (v *verifier) close() {
	for _, c := range v.clients {
		c.CloseIdleConnections()
	}
}

// client is the HTTP client for one API of the mock: in memory for a
// Server made by New, over its sockets otherwise (mutual TLS for the CRM).
func (v *verifier) client(api API) *http.Client {
	if c := v.clients[api]; c != nil {
		return c
	}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var rt http.RoundTripper
	if v.srv.vpSrv == nil {
		rt = roundTripFunc(responder(v.srv.Handler(api)))
	} else {
		rt = &http.Transport{TLSClientConfig: &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{v.srv.ClientCertificate()},
			RootCAs:      v.srv.RootCAs(),
		}}
	}
	c := &http.Client{Transport: rt, CheckRedirect: noRedirect}
	v.clients[api] = c
	return c
}

// roundTripFunc is an in-memory RoundTripper (a Server's handler run by
// responder, as RegisterResponders does).
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// check replays one exchange and compares the answers.
func (v *verifier) check(ctx context.Context, api API, ex *cassette.Exchange) (drifts, notes []Drift, err error) {
	if api == "" {
		return []Drift{{Kind: DriftUnknown, Path: ex.Path, Detail: "not a VirtPOS, CRM or Artix endpoint; set the exchange's api field"}}, nil, nil
	}
	if strings.HasPrefix(mockPath(api, ex.Path), AdminPrefix) {
		// A cassette is data from elsewhere: it must not install faults,
		// replace state or drop tenants.
		return []Drift{{Kind: DriftUnknown, Path: ex.Path, Detail: "an admin path of the mock (" + AdminPrefix + "…): not replayed"}}, nil, nil
	}
	req, err := v.request(ctx, api, ex)
	if err != nil {
		return []Drift{{Kind: DriftUnknown, Detail: err.Error()}}, nil, nil
	}
	resp, err := v.client(api).Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return []Drift{{Kind: DriftNoAnswer, Detail: err.Error()}}, nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	resp.Body.Close()
	if err != nil {
		return []Drift{{Kind: DriftNoAnswer, Detail: "reading the answer: " + err.Error()}}, nil, nil
	}
	return compareAnswers(ex, resp, body)
}

// compareAnswers compares the mock's answer with the recorded one.
func compareAnswers(ex *cassette.Exchange, resp *http.Response, body []byte) (drifts, notes []Drift, err error) {
	if resp.StatusCode != ex.Status {
		drifts = append(drifts, Drift{Kind: DriftStatus, Recorded: fmt.Sprint(ex.Status), Mock: fmt.Sprint(resp.StatusCode),
			Detail: "the mock answered " + quoteSnippet(body)})
	}
	rf, mf := bodyFormat(ex.ResponseBody), bodyFormat(body)
	if rf != mf {
		return append(drifts, Drift{Kind: DriftFormat, Recorded: rf, Mock: mf, Detail: "the mock answered " + quoteSnippet(body)}), nil, nil
	}
	rct, _, _ := mime.ParseMediaType(ex.ResponseHeader.Get("Content-Type"))
	mct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if rct != "" && rct != mct {
		notes = append(notes, Drift{Kind: NoteContentType, Recorded: rct, Mock: mct})
	}
	if ex.ResponseTruncated {
		notes = append(notes, Drift{Kind: NoteOptional, Detail: "the recorded answer was cut short; its shape is not compared"})
		return drifts, notes, nil
	}
	rs, rerr := shapeOf(ex.ResponseBody)
	ms, merr := shapeOf(body)
	switch {
	case rerr != nil:
		return append(drifts, Drift{Kind: DriftFormat, Recorded: rf, Detail: "the recorded answer cannot be read: " + rerr.Error()}), notes, nil
	case merr != nil:
		return append(drifts, Drift{Kind: DriftFormat, Mock: mf, Detail: "the mock's answer cannot be read: " + merr.Error()}), notes, nil
	}
	d, n := compareShapes(rs, ms)
	return append(drifts, d...), append(notes, n...), nil
}

func quoteSnippet(b []byte) string {
	const n = 160
	s := strings.ToValidUTF8(string(b), "?")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return fmt.Sprintf("%q", s)
}

// request is the recorded request addressed to srv, with srv's
// credentials in place of the redacted ones.
func (v *verifier) request(ctx context.Context, api API, ex *cassette.Exchange) (*http.Request, error) {
	base := map[API]string{VirtPOSAPI: v.srv.VirtPOSURL, CRMAPI: v.srv.CRMURL, ArtixAPI: v.srv.ArtixURL}[api]
	if base == "" {
		return nil, fmt.Errorf("unknown API %q", api)
	}
	q := url.Values{}
	for k, vs := range ex.Query {
		q[k] = append([]string(nil), vs...)
	}
	// The mock would call back to whatever address a recorded load named.
	q.Del(artixwire.ParamStatusAddress)
	creds := map[string]string{"apikey": v.srv.APIKey, "commercial_firm_id": v.srv.CommercialFirmID}
	for k, val := range creds {
		if q.Has(k) {
			q.Set(k, val)
		}
	}
	u := base + mockPath(api, ex.Path)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	body := substituteBody(ex.Body, ex.Header.Get("Content-Type"), creds)
	req, err := http.NewRequestWithContext(ctx, ex.Method, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("cannot replay the request: %w", err)
	}
	for k, vs := range ex.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Proxy-Authorization", "Cookie", "Content-Length", "Host", "Accept-Encoding":
			continue
		}
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	return req, nil
}

// substituteBody puts creds in place of the same keys of a form or a
// top-level JSON object; other bodies are sent as recorded.
func substituteBody(b []byte, contentType string, creds map[string]string) []byte {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/x-www-form-urlencoded":
		pairs := strings.Split(string(b), "&")
		for i, p := range pairs {
			k, _, _ := strings.Cut(p, "=")
			if key, err := url.QueryUnescape(k); err == nil {
				if val, ok := creds[key]; ok {
					pairs[i] = k + "=" + url.QueryEscape(val)
				}
			}
		}
		return []byte(strings.Join(pairs, "&"))
	case mt == "application/json":
		for k, val := range creds {
			b = replaceJSONField(b, k, val)
		}
	}
	return b
}

// replaceJSONField sets key of a top-level JSON object to val when the
// object has it; anything else is returned as it is.
func replaceJSONField(b []byte, key, val string) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil {
		return b
	}
	if _, ok := obj[key]; !ok {
		return b
	}
	obj[key], _ = json.Marshal(val)
	out, err := json.Marshal(obj)
	if err != nil {
		return b
	}
	return out
}

// String is the report for people: a summary line, then each endpoint
// with its drifts and notes.
func (r *VerifyReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d exchanges replayed against the mock, %d drifted, in %d endpoints\n", r.Exchanges, r.Drifted, len(r.Endpoints))
	for _, ep := range r.Endpoints {
		api := string(ep.API)
		if api == "" {
			api = "?"
		}
		if ep.Drifted > 0 {
			fmt.Fprintf(&b, "DRIFT %s %s: %d of %d exchanges differ\n", api, ep.Endpoint, ep.Drifted, ep.Exchanges)
		} else {
			fmt.Fprintf(&b, "ok    %s %s: %d exchanges\n", api, ep.Endpoint, ep.Exchanges)
		}
		for _, d := range ep.Drifts {
			b.WriteString("  " + d.String() + "\n")
		}
		for _, d := range ep.Notes {
			b.WriteString("  " + d.String() + "\n")
		}
	}
	return b.String()
}

// String is one drift for people: where, what, recorded versus mock.
func (d Drift) String() string {
	var b strings.Builder
	b.WriteString(d.Where + "  " + string(d.Kind))
	if d.Path != "" {
		b.WriteString(" " + d.Path)
	}
	switch {
	case d.Recorded != "" && d.Mock != "":
		fmt.Fprintf(&b, ": recorded %s, mock %s", d.Recorded, d.Mock)
	case d.Recorded != "":
		fmt.Fprintf(&b, " (recorded %s)", d.Recorded)
	case d.Mock != "":
		fmt.Fprintf(&b, " (mock %s)", d.Mock)
	}
	if d.Detail != "" {
		b.WriteString(": " + d.Detail)
	}
	if d.Count > 1 {
		fmt.Fprintf(&b, " (%d exchanges)", d.Count)
	}
	return b.String()
}
