package mock

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Request is one request as the mock received it.
type Request struct {
	API    API         `json:"api"`
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Query  url.Values  `json:"query"`
	Header http.Header `json:"header"`
	// Body is the first MaxJournalBody bytes of the body (a cut UTF-8
	// body ends at a whole character). In JSON it is "body", the text,
	// when it is valid UTF-8 and "body_base64" when it is binary.
	Body     []byte `json:"-"`
	BodySize int64  `json:"body_size"` // the whole body's size
	// BodyTruncated says Body is not the whole body: it was cut at
	// MaxJournalBody, or dropped to keep the journal within
	// Config.JournalBytes.
	BodyTruncated bool      `json:"body_truncated,omitempty"`
	StatusCode    int       `json:"status"`  // the status answered (0: connection dropped)
	Faulted       bool      `json:"faulted"` // a Fault answered it
	Time          time.Time `json:"time"`
}

// MarshalJSON writes r as GET /_mock/requests answers it: the body as
// text under "body" when it is valid UTF-8 (with <, > and & as they are),
// as base64 under "body_base64" when it is not.
func (r Request) MarshalJSON() ([]byte, error) {
	type plain Request
	aux := struct {
		plain
		Body       *string `json:"body,omitempty"`
		BodyBase64 string  `json:"body_base64,omitempty"`
	}{plain: plain(r)}
	if utf8.Valid(r.Body) {
		aux.Body = new(string(r.Body))
	} else {
		aux.BodyBase64 = base64.StdEncoding.EncodeToString(r.Body)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(aux); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads a journal entry as MarshalJSON writes it, the body
// from "body" or "body_base64".
func (r *Request) UnmarshalJSON(b []byte) error {
	type plain Request
	var aux struct {
		*plain
		Body       *string `json:"body"`
		BodyBase64 *string `json:"body_base64"`
	}
	aux.plain = (*plain)(r)
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	switch {
	case aux.Body != nil && aux.BodyBase64 != nil:
		return errors.New("mock: journal entry: both body and body_base64")
	case aux.Body != nil:
		r.Body = []byte(*aux.Body)
	case aux.BodyBase64 != nil:
		raw, err := base64.StdEncoding.DecodeString(*aux.BodyBase64)
		if err != nil {
			return fmt.Errorf("mock: journal entry: body_base64: %w", err)
		}
		r.Body = raw
	default:
		r.Body = nil
	}
	return nil
}

// wholeRunes drops a UTF-8 sequence cut short at the end of b, so that a
// text body cut at MaxJournalBody stays valid text.
func wholeRunes(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) && utf8.Valid(b[:i]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// Redacted replaces secrets (the VirtPOS apikey, credentials in
// Authorization headers) in the journal.
const Redacted = "REDACTED"

// MaxJournalBody is how much of a request body the journal keeps; the rest
// is counted in BodySize only, and BodyTruncated is set.
const MaxJournalBody = 64 << 10

// Requests returns a copy of the journal, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jrnl.journal
	if len(j) > s.cfg.JournalSize {
		j = j[len(j)-s.cfg.JournalSize:]
	}
	return append([]Request(nil), j...)
}

// RequestsTo returns the journal entries of one API, oldest first.
func (s *Server) RequestsTo(api API) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.API == api {
			out = append(out, r)
		}
	}
	return out
}

// middleware journals every request and applies faults before h; a
// request with a tenant's credentials goes to the tenant's handler.
func (s *Server) middleware(api API, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, AdminPrefix) {
			s.serveAdmin(w, r)
			return
		}
		next := h
		if t, refusal := s.routeTenant(api, r); t != nil {
			t.srv.handlers[api].ServeHTTP(w, r)
			return
		} else if refusal != nil {
			next = refusal // journaled and faulted like any request of the default tenant
		}
		entry := Request{
			API:    api,
			Method: r.Method,
			Path:   r.URL.Path,
			Query:  journalQuery(r.URL.Query()),
			Header: journalHeader(r.Header),
			Time:   time.Now(),
		}
		body := &capture{r: r.Body}
		r.Body = body
		// The entry is journaled just before the first byte of the answer
		// (or a dropped connection) can reach the client, so a client that
		// has its answer always finds its request in Requests.
		var once sync.Once
		record := func(status int) {
			once.Do(func() {
				// Count what the handler left unread so BodySize is the whole body.
				io.Copy(io.Discard, io.LimitReader(body, 64<<20))
				entry.Body, entry.BodySize, entry.StatusCode = bytes.Clone(body.buf.Bytes()), body.n, status
				if entry.BodyTruncated = body.n > int64(len(entry.Body)); entry.BodyTruncated {
					entry.Body = wholeRunes(entry.Body)
				}
				if isForm(r.Header) {
					entry.Body = redactForm(entry.Body)
				}
				s.record(entry)
				if s.cfg.Logger != nil {
					s.cfg.Logger.Info("mock request", "api", string(api), "method", r.Method, "path", r.URL.Path,
						"status", status, "faulted", entry.Faulted)
				}
			})
		}
		jw := &journalWriter{ResponseWriter: w, record: record}
		// Deferred so that a request answered with nothing (a client that
		// gave up during a Delay) is journaled too, with status 0.
		defer func() { record(jw.status) }()
		if f := s.takeFault(api, r); f != nil {
			entry.Faulted = true
			serveFault(f, api, jw, r, next, func() { record(0) })
		} else {
			next.ServeHTTP(jw, r)
		}
	})
}

// journalState is the journal and what it weighs, under Server.mu.
type journalState struct {
	journal []Request
	bytes   int64 // the sum of journalWeight over journal
	bare    int   // journal[:bare] have had their bodies dropped
}

// journalWeight is what r holds in memory beyond its fixed fields: its
// body, path, query and headers.
func journalWeight(r *Request) int {
	n := len(r.Body) + len(r.Method) + len(r.Path)
	for k, vs := range r.Query {
		n += len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	for k, vs := range r.Header {
		n += len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	return n
}

// record appends e, then keeps the journal within JournalSize entries (in
// bulk, once twice the size is reached: a copy per request made a full
// journal O(size)) and within JournalBytes: the oldest bodies go first,
// then, if headers and queries alone are over the budget, the oldest
// entries. The newest entry always stays.
func (s *Server) record(e Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := &s.jrnl
	if len(j.journal) >= 2*s.cfg.JournalSize {
		j.dropOldest(len(j.journal) - s.cfg.JournalSize + 1)
	}
	j.journal = append(j.journal, e)
	j.bytes += int64(journalWeight(&e))
	for j.bytes > s.cfg.JournalBytes && j.bare < len(j.journal) {
		old := &j.journal[j.bare]
		j.bytes -= int64(len(old.Body))
		if old.BodySize > 0 {
			old.Body, old.BodyTruncated = nil, true
		}
		j.bare++
	}
	if j.bytes > s.cfg.JournalBytes {
		var cut int64
		n := 0
		for n < len(j.journal)-1 && j.bytes-cut > s.cfg.JournalBytes {
			cut += int64(journalWeight(&j.journal[n]))
			n++
		}
		j.dropOldest(n)
	}
}

// dropOldest removes the oldest n entries.
func (j *journalState) dropOldest(n int) {
	for i := range n {
		j.bytes -= int64(journalWeight(&j.journal[i]))
	}
	k := copy(j.journal, j.journal[n:])
	clear(j.journal[k:])
	j.journal = j.journal[:k]
	j.bare = max(j.bare-n, 0)
}

// journalQuery is q for the journal: the apikey is replaced.
func journalQuery(q url.Values) url.Values {
	if vs, ok := q["apikey"]; ok {
		for i := range vs {
			vs[i] = Redacted
		}
	}
	return q
}

// isForm reports a form-encoded body, where the VirtPOS apikey travels.
func isForm(h http.Header) bool {
	ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return ct == "application/x-www-form-urlencoded"
}

// redactForm replaces the value of every apikey field of a form body,
// leaving the rest byte for byte (a body cut short included).
func redactForm(body []byte) []byte {
	parts := bytes.Split(body, []byte("&"))
	changed := false
	for i, p := range parts {
		k, _, _ := bytes.Cut(p, []byte("="))
		if key, err := url.QueryUnescape(string(k)); err == nil && key == "apikey" {
			parts[i], changed = []byte("apikey="+Redacted), true
		}
	}
	if !changed {
		return body
	}
	return bytes.Join(parts, []byte("&"))
}

// capture keeps the first MaxJournalBody bytes of a request body.
type capture struct {
	r   io.ReadCloser
	buf bytes.Buffer
	n   int64
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		if room := MaxJournalBody - c.buf.Len(); room > 0 {
			c.buf.Write(p[:min(n, room)])
		}
		c.n += int64(n)
	}
	return n, err
}

func (c *capture) Close() error { return c.r.Close() }

// journalHeader is a copy of h for the journal, which the admin endpoint
// serves without authentication: credentials are replaced.
func journalHeader(h http.Header) http.Header {
	c := h.Clone()
	for _, k := range []string{"Authorization", "Proxy-Authorization"} {
		if v := c.Get(k); v != "" {
			scheme, _, _ := strings.Cut(v, " ")
			c.Set(k, scheme+" "+Redacted)
		}
	}
	return c
}

// journalWriter journals its request when the answer starts.
type journalWriter struct {
	http.ResponseWriter
	status int
	record func(status int)
}

// WriteHeader journals the request with code, then writes the header.
func (w *journalWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.record(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write starts a 200 answer if none was started.
func (w *journalWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *journalWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
