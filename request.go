package loyalty

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// request is one API call as the services describe it.
type request struct {
	method      string
	path        string     // appended to the base URL path
	escaped     bool       // path is escaped already (a "/" inside an id stays %2F)
	query       url.Values // URL query
	rawQuery    string     // URL query, encoded already (instead of query)
	body        []byte     // request body, replayed on retries
	bodyFunc    func() io.ReadCloser
	contentType string
	accept      string
	header      http.Header
	// idempotent marks a request that is harmless to repeat after a 5xx
	// or an ambiguous transport error. GET is always idempotent.
	idempotent bool
	// stream leaves the response body open for the caller (response.stream).
	stream bool
}

// response is what the core hands back to a service.
type response struct {
	api        string
	method     string
	st         *reqState
	statusCode int
	header     http.Header
	body       []byte        // the whole body, unless the request streamed
	stream     io.ReadCloser // the size-limited body, for streaming requests
	attempts   int
	core       *core
}

// redact replaces every secret of the client in s.
func (r *response) redact(s string) string { return r.core.redact(s) }

// url is the request URL with secrets redacted.
func (r *response) url() string { return r.st.url() }

// snippetWindow is how much of a body is redacted before its snippet is
// cut, so that a secret straddling the cut is still found whole.
const snippetWindow = 4096

// apiError builds an *APIError for this response. Info and the body's
// snippet are redacted.
func (r *response) apiError(info string, cause error) *APIError {
	return &APIError{
		API:        r.api,
		Method:     r.method,
		URL:        r.url(),
		StatusCode: r.statusCode,
		Info:       r.redact(info),
		Body:       snippet([]byte(r.redact(string(r.body[:min(len(r.body), snippetWindow)])))),
		Attempts:   r.attempts,
		Err:        cause,
		Header:     r.redactedHeader(),
	}
}

// redactedHeader is a copy of the response header with secrets redacted
// from its values.
func (r *response) redactedHeader() http.Header {
	h := make(http.Header, len(r.header))
	for k, vs := range r.header {
		red := make([]string, len(vs))
		for i, v := range vs {
			red[i] = r.redact(v)
		}
		h[k] = red
	}
	return h
}

// ok reports whether the status is 2xx.
func (r *response) ok() bool { return r.statusCode >= 200 && r.statusCode < 300 }

type reqStateKey struct{}

// reqState travels in the request context to the retry hooks. It is
// that context: it embeds the caller's and answers Value(reqStateKey{})
// itself, which spares a context.WithValue per call; the response and the
// size-limited body reader are allocated with it for the same reason.
type reqState struct {
	context.Context // the caller's

	idempotent bool
	// redirected is set once a hop of any attempt was redirected: the
	// request reached the origin.
	redirected bool
	attempts   int
	start      time.Time
	method     string
	u          url.URL // the request URL, secrets included
	redacted   string  // u with secrets hidden, made on first use
	core       *core
	// buffered: the core reads the answer's body inside the retry loop
	// (checkRetry), so that a body cut off mid-way is retried like a
	// dropped connection when the request is safe to repeat.
	buffered bool
	reqBody  []byte       // a buffered request body, replayed on retries
	rb       bytes.Reader // reqBody for the first attempt

	// What the response handler read of the current attempt's answer;
	// reset when an attempt starts, so a later attempt never reuses an
	// earlier one's body.
	read    bool
	body    []byte
	readErr error

	resp response    // what do returns
	lb   limitedBody // the body reader of a buffered response
	// The request newRequest builds, and retryablehttp's wrapper of it.
	hreq http.Request
	rreq retryablehttp.Request
	// The current attempt, watched by the client's watchdog.
	attempt stallAttempt
}

// Value is the state itself for reqStateKey, else the caller's value.
func (st *reqState) Value(key any) any {
	if _, ok := key.(reqStateKey); ok {
		return st
	}
	return st.Context.Value(key)
}

// url is the request URL with secrets redacted. It is built only when an
// error or a log record needs it, off the hot path of successful calls.
func (st *reqState) url() string {
	if st.redacted == "" {
		st.redacted = st.core.redactURL(st.u.String())
	}
	return st.redacted
}

func stateOf(ctx context.Context) *reqState {
	if st, ok := ctx.(*reqState); ok {
		return st
	}
	st, _ := ctx.Value(reqStateKey{}).(*reqState)
	return st
}

// endpoint sets u to the URL for path (escaped already when escaped is
// set) and query (q, or rawQuery when it is set).
func (c *core) endpoint(u *url.URL, path string, escaped bool, q url.Values, rawQuery string) {
	*u = *c.base
	u.Path = c.base.Path + path
	if p, err := url.PathUnescape(path); escaped && err == nil {
		u.Path, u.RawPath = c.base.Path+p, c.base.EscapedPath()+path
	}
	if rawQuery != "" {
		u.RawQuery = rawQuery
	} else if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
}

// getBody is a fresh reader of the request body, for a retry or a
// redirect (http.Request.GetBody).
func (st *reqState) getBody() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(st.reqBody)), nil
}

// do sends r with the retry policy and returns the response with its body
// read (bounded by the size limit) or, for streaming requests, open.
// Errors are *[RequestError] (no usable response) or *APIError (a response
// that could not be read).
func (c *core) do(ctx context.Context, r *request) (*response, error) {
	if ctx == nil {
		return nil, &ConfigError{Field: "ctx", Reason: "nil context"}
	}
	st := &reqState{
		Context:    ctx,
		idempotent: r.idempotent || r.method == http.MethodGet || r.method == http.MethodHead,
		start:      time.Now(),
		core:       c,
		method:     r.method,
		buffered:   !r.stream,
	}
	c.endpoint(&st.u, r.path, r.escaped, r.query, r.rawQuery)
	resp, err := c.send(st, r)
	if r.stream && err == nil {
		// The call lasts until the caller closes the stream.
		st.attempt.handOut()
	} else {
		st.release()
	}
	return resp, err
}

// send makes do's call st through the retry loop and reads its answer.
func (c *core) send(st *reqState, r *request) (*response, error) {
	ctx := context.Context(st)
	hresp, err := c.rc.Do(c.newRequest(ctx, r, st))
	if err == nil && st.read && st.readErr != nil {
		err = st.readErr // the last attempt's body could not be read
	}
	if err != nil {
		return nil, c.failed(ctx, r, st, hresp, err)
	}
	resp := c.newResponse(r, st, hresp)
	if r.stream {
		resp.stream = &limitedBody{rc: hresp.Body, left: c.maxBytes, limit: c.maxBytes}
		c.log(ctx, slog.LevelDebug, "loyalty response", st, slog.Int("status", resp.statusCode))
		c.observe(ctx, EventOutcome, st, resp.statusCode, nil)
		return resp, nil
	}
	data := st.body
	if !st.read {
		// A retryable status on the last attempt: retryablehttp hands
		// it over without calling the handler.
		if data, err = c.readAll(hresp); err != nil {
			var ferr error = resp.apiError("", c.redactErr(err))
			if cerr := callerErr(ctx, st); cerr != nil {
				ferr = &RequestError{API: c.api, Method: r.method, URL: st.url(), Attempts: resp.attempts, Err: cerr}
			}
			c.observe(ctx, EventOutcome, st, resp.statusCode, ferr)
			return nil, ferr
		}
	}
	resp.body = data
	c.log(ctx, slog.LevelDebug, "loyalty response", st, slog.Int("status", resp.statusCode), slog.Int("bytes", len(resp.body)))
	c.observe(ctx, EventOutcome, st, resp.statusCode, nil)
	return resp, nil
}

// newRequest builds the retryable request for r: URL, body and headers,
// made from st.u without a string round trip. The body is not handed to
// retryablehttp, which would wrap it anew for every attempt: the first
// attempt reads st.rb, a retry gets a fresh reader from rewindBody.
func (c *core) newRequest(ctx context.Context, r *request, st *reqState) *retryablehttp.Request {
	n := len(c.header) + len(r.header) + 3
	// Built in st: a request of its own would be one more allocation.
	st.hreq = *(&http.Request{
		Method:     r.method,
		URL:        &st.u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header, n),
		Host:       strings.TrimSuffix(st.u.Host, ":"), // as http.NewRequest does
		// A write that is not safe to repeat gets a connection of its own
		// (see writeSplit).
		Close: !st.idempotent,
	}).WithContext(ctx)
	req := &st.hreq
	switch {
	case r.bodyFunc != nil:
		// A streaming body: a fresh one for every attempt (see rewindBody).
		bodyFunc := r.bodyFunc
		req.Body = bodyFunc()
		req.GetBody = func() (io.ReadCloser, error) { return bodyFunc(), nil }
		req.ContentLength = -1
	case r.body != nil:
		st.reqBody = r.body
		st.rb.Reset(r.body)
		// io.NopCloser over a *bytes.Reader, as http.NewRequest makes: the
		// transport knows it is in memory and writes the headers and the
		// body in one segment; a reader of its own type would make it
		// flush the headers first (two writes, two segments).
		req.Body = io.NopCloser(&st.rb)
		req.GetBody = st.getBody
		req.ContentLength = int64(len(r.body))
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header["User-Agent"] = c.userAgent
	if r.contentType != "" {
		req.Header["Content-Type"] = headerValue(r.contentType)
	}
	if r.accept != "" {
		req.Header["Accept"] = headerValue(r.accept)
	}
	st.rreq = retryablehttp.Request{Request: req}
	return &st.rreq
}

// readAnswer reads the body of an answer the retry policy keeps (no
// retry for its status) into st, inside the retry loop, and returns the
// read's error.
func (st *reqState) readAnswer(c *core, hr *http.Response) error {
	st.lb = limitedBody{rc: hr.Body, left: c.maxBytes, limit: c.maxBytes}
	st.body, st.readErr = c.readLimited(&st.lb, hr)
	st.read = true
	return st.readErr
}

// failed turns the error of the retry loop into *APIError (the last
// attempt got an answer whose body could not be read) or *[RequestError].
func (c *core) failed(ctx context.Context, r *request, st *reqState, hresp *http.Response, err error) error {
	if hresp != nil && st.read && st.readErr != nil && errors.Is(err, st.readErr) && callerErr(ctx, st) == nil {
		resp := c.newResponse(r, st, hresp)
		c.log(ctx, slog.LevelDebug, "loyalty response unreadable", st, slog.Int("status", resp.statusCode), slog.String("error", c.redactErr(st.readErr).Error()))
		aerr := resp.apiError("", c.redactErr(st.readErr))
		c.observe(ctx, EventOutcome, st, resp.statusCode, aerr)
		return aerr
	}
	if hresp != nil && hresp.Body != nil {
		hresp.Body.Close()
	}
	rerr := &RequestError{API: c.api, Method: r.method, URL: st.url(), Attempts: max(st.attempts, 1), Err: c.redactErr(err)}
	c.log(ctx, slog.LevelDebug, "loyalty request failed", st, slog.String("error", rerr.Error()))
	status := 0
	if hresp != nil {
		status = hresp.StatusCode
	}
	c.observe(ctx, EventOutcome, st, status, rerr)
	return rerr
}

// readAll reads and closes a body, bounded by the size limit.
func (c *core) readAll(hr *http.Response) ([]byte, error) {
	return c.readLimited(&limitedBody{rc: hr.Body, left: c.maxBytes, limit: c.maxBytes}, hr)
}

// readLimited reads and closes body, hr's body limited.
func (c *core) readLimited(body *limitedBody, hr *http.Response) ([]byte, error) {
	defer body.Close()
	return readBody(body, hr.ContentLength, c.maxBytes)
}

// headerValues holds one shared []string per header value the core sets
// (Accept, Content-Type), so that setting one allocates nothing; like
// c.header's and c.userAgent, the slices are only ever read.
var (
	headerValues  sync.Map // string → []string
	headerValuesN atomic.Int32
	jsonValue     = []string{"application/json"} // the usual one, without a lookup
)

// headerValue is []string{v}, shared for the first 256 distinct values.
func headerValue(v string) []string {
	if v == jsonValue[0] {
		return jsonValue
	}
	if hv, ok := headerValues.Load(v); ok {
		return hv.([]string)
	}
	if headerValuesN.Add(1) > 256 { // user agents of many clients: stop caching
		return []string{v}
	}
	hv, _ := headerValues.LoadOrStore(v, []string{v})
	return hv.([]string)
}

// newResponse wraps an answer for the services.
func (c *core) newResponse(r *request, st *reqState, hresp *http.Response) *response {
	st.resp = response{
		api:        c.api,
		method:     r.method,
		st:         st,
		statusCode: hresp.StatusCode,
		header:     hresp.Header,
		attempts:   max(st.attempts, 1),
		core:       c,
	}
	return &st.resp
}

// readBody reads the whole body, refusing more than limit bytes.
func readBody(r io.Reader, contentLength, limit int64) ([]byte, error) {
	if contentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d exceeds the limit of %d bytes", ErrResponseTooLarge, contentLength, limit)
	}
	if contentLength > 0 && contentLength <= 1<<20 {
		return readSmall(r, int(contentLength))
	}
	var buf bytes.Buffer
	if contentLength > 0 {
		// Trust the announced length only so far: a short body that claims
		// a huge one must not allocate it. ReadFrom wants MinRead bytes
		// free before every read, the one that meets the end included:
		// without them a body of exactly Content-Length is copied again.
		buf.Grow(int(min(contentLength, 1<<20)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// readSmall reads a body announced as n bytes (at most 1 MiB) into a
// slice of its size, one byte over to meet the end, instead of the MinRead
// more that bytes.Buffer wants free for every read. A body longer than
// announced is read on the usual way.
func readSmall(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, 0, n+1)
	for {
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		switch {
		case err == io.EOF:
			return b, nil
		case err != nil:
			return b, err
		case len(b) == cap(b):
			buf := bytes.NewBuffer(b)
			_, err := buf.ReadFrom(r)
			return buf.Bytes(), err
		}
	}
}

// limitedBody fails with [ErrResponseTooLarge] once more than left bytes
// have been read.
type limitedBody struct {
	rc    io.ReadCloser
	left  int64
	read  int64
	limit int64 // what renew restores left to
}

// renew starts a fresh budget of limit bytes (per record in streams).
func (l *limitedBody) renew() { l.left, l.read = l.limit, 0 }

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, l.read-1)
	}
	// Read at most the budget; at zero, probe one byte to tell the end of
	// the body from an oversized one.
	if int64(len(p)) > max(l.left, 1) {
		p = p[:max(l.left, 1)]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	l.read += int64(n)
	if l.left < 0 {
		return n, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, l.read-1)
	}
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// log writes a record with the request's API, method and redacted URL.
func (c *core) log(ctx context.Context, level slog.Level, msg string, st *reqState, attrs ...slog.Attr) {
	if c.logger == nil || !c.logger.Enabled(ctx, level) {
		return
	}
	base := []slog.Attr{slog.String("api", c.api)}
	if st != nil {
		base = append(base, slog.String("method", st.method), slog.String("url", st.url()),
			slog.Int("attempts", st.attempts), slog.Duration("elapsed", time.Since(st.start)))
	}
	c.logger.LogAttrs(ctx, level, msg, append(base, attrs...)...)
}
