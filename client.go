// Package loyalty is a client library for three Russian retail customer APIs:
// VirtPOS (cloud POS customers and discount cards), a loyalty CRM (contacts,
// bonus cards and personal campaigns over mutual TLS) and Artix (the cash
// registers' client directory, over HTTP or exchange files).
//
// Every client shares one request core: retries through go-retryablehttp with
// a policy that never repeats a write unless repeating it is harmless, a
// response size limit, secret redaction in every error and log record, and
// optional structured logging through log/slog.
//
// The sub-package mock is a stateful fake of all three APIs for tests.
package loyalty

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Version is the library version reported in the default User-Agent.
const Version = "0.1.0"

// Defaults of the shared options.
const (
	// DefaultMaxResponseBytes is the largest response body a client reads
	// unless WithMaxResponseBytes says otherwise.
	DefaultMaxResponseBytes int64 = 64 << 20
	// DefaultRetryMax is how many times a retryable request is repeated
	// after its first attempt.
	DefaultRetryMax = 3
	// DefaultRetryWaitMin is the shortest wait between two attempts.
	DefaultRetryWaitMin = 250 * time.Millisecond
	// DefaultRetryWaitMax caps every wait between two attempts, including
	// a server's Retry-After.
	DefaultRetryWaitMax = 10 * time.Second
)

// DefaultUserAgent is sent when WithUserAgent is not given.
var DefaultUserAgent = "loyalty-go/" + Version + " (+https://github.com/loyaltykit/loyalty)"

// Option configures a client. Every constructor (NewVirtPOS, NewCRM,
// NewArtix, NewArtixExchangeDir) accepts them; an invalid option makes the
// constructor return an error. Options that belong to one API only are
// rejected by the other constructors.
type Option func(*settings) error

// settings is what the options fill in. Service constructors read the
// fields that concern them.
type settings struct {
	httpClient       *http.Client
	retryMax         int
	retryWaitMin     time.Duration
	retryWaitMax     time.Duration
	logger           *slog.Logger
	userAgent        string
	maxResponseBytes int64

	// only names the API-specific options given, so that a constructor
	// can refuse options meant for another API.
	only map[string]string

	// Per-API settings, defined beside each client.
	vp    virtposSettings
	crm   crmSettings
	artix artixSettings
}

func defaultSettings() *settings {
	return &settings{
		retryMax:         DefaultRetryMax,
		retryWaitMin:     DefaultRetryWaitMin,
		retryWaitMax:     DefaultRetryWaitMax,
		userAgent:        DefaultUserAgent,
		maxResponseBytes: DefaultMaxResponseBytes,
		only:             map[string]string{},
	}
}

// apply runs the options in order and then refuses options that belong to
// an API other than api.
func applyOptions(api string, opts []Option) (*settings, error) {
	s := defaultSettings()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	for name, owner := range s.only {
		if owner != api {
			return nil, &ConfigError{Field: name, Reason: "applies to the " + owner + " client only, not to " + api}
		}
	}
	return s, nil
}

// ConfigError reports an invalid constructor argument or option.
type ConfigError struct {
	Field  string // the argument or option at fault, e.g. "apiKey" or "WithRetry"
	Reason string // what is wrong with it
}

// Error names the argument or option and what is wrong with it.
func (e *ConfigError) Error() string {
	return "loyalty: invalid " + e.Field + ": " + e.Reason
}

// only marks an option as belonging to one API.
func (s *settings) markOnly(option, api string) { s.only[option] = api }

// WithHTTPClient sends requests through hc instead of a client made for the
// purpose. Its Transport is used as it is (so httpmock can be wired in); the
// CRM client adds its client certificate only to an *http.Transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return &ConfigError{Field: "WithHTTPClient", Reason: "nil *http.Client"}
		}
		s.httpClient = hc
		return nil
	}
}

// WithRetry sets how many times a retryable request is repeated after its
// first attempt (max), and the shortest and longest wait between attempts.
// The longest wait also caps a server's Retry-After.
func WithRetry(max int, minWait, maxWait time.Duration) Option {
	return func(s *settings) error {
		switch {
		case max < 0:
			return &ConfigError{Field: "WithRetry", Reason: "negative retry count " + strconv.Itoa(max)}
		case minWait < 0 || maxWait < 0:
			return &ConfigError{Field: "WithRetry", Reason: "negative wait"}
		case maxWait < minWait:
			return &ConfigError{Field: "WithRetry", Reason: fmt.Sprintf("maxWait %s is below minWait %s", maxWait, minWait)}
		}
		s.retryMax, s.retryWaitMin, s.retryWaitMax = max, minWait, maxWait
		return nil
	}
}

// WithoutRetries makes every request a single attempt.
func WithoutRetries() Option {
	return func(s *settings) error {
		s.retryMax = 0
		return nil
	}
}

// WithLogger logs each attempt, retry and outcome at debug level (retries
// at warn) to l. Secrets are redacted from every record. Default: no logging.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		s.logger = l
		return nil
	}
}

// WithUserAgent replaces the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(s *settings) error {
		if strings.ContainsAny(ua, "\r\n") {
			return &ConfigError{Field: "WithUserAgent", Reason: "contains a line break"}
		}
		s.userAgent = ua
		return nil
	}
}

// WithMaxResponseBytes limits how many bytes of one response body are read
// (default DefaultMaxResponseBytes). A larger body fails with an error that
// matches ErrResponseTooLarge. Streaming reads (Customers.All, Stream)
// apply the limit to each customer record instead (the bytes read since
// the previous one), so an export of any size streams while one oversized
// record still fails.
func WithMaxResponseBytes(n int64) Option {
	return func(s *settings) error {
		if n <= 0 {
			return &ConfigError{Field: "WithMaxResponseBytes", Reason: "must be positive, got " + strconv.FormatInt(n, 10)}
		}
		s.maxResponseBytes = n
		return nil
	}
}

// core is the one request path every service uses: URL building, retries,
// bounded reading, redaction and logging.
type core struct {
	api       string
	base      *url.URL
	rc        *retryablehttp.Client
	logger    *slog.Logger
	userAgent string
	maxBytes  int64
	header    http.Header // sent with every request (e.g. shopcode, basic auth)
	secrets   []string    // redacted from URLs, errors and logs
}

// newCore validates baseURL and builds the request core from s.
func newCore(api, baseURL string, s *settings) (*core, error) {
	if strings.TrimSpace(baseURL) == "" {
		return nil, &ConfigError{Field: "baseURL", Reason: "empty"}
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, &ConfigError{Field: "baseURL", Reason: "not a URL: " + redactText(err.Error(), nil)}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &ConfigError{Field: "baseURL", Reason: fmt.Sprintf("scheme must be http or https, got %q", u.Scheme)}
	}
	if u.Host == "" {
		return nil, &ConfigError{Field: "baseURL", Reason: "no host"}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""

	hc := s.httpClient
	if hc == nil {
		hc = &http.Client{Transport: newTransport()}
	}
	c := &core{
		api:       api,
		base:      u,
		logger:    s.logger,
		userAgent: s.userAgent,
		maxBytes:  s.maxResponseBytes,
		header:    http.Header{},
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		c.secrets = append(c.secrets, pw)
	}
	// retryablehttp closes the client's idle connections after every failed
	// request; with a shared client that would drop every other caller's
	// (and every bulk worker's) pooled connections. Hide that method.
	rhc := *hc
	rhc.Transport = keepIdle{transport(hc)}
	c.rc = &retryablehttp.Client{
		HTTPClient:     &rhc,
		Logger:         nil, // our own slog records, written by the hooks
		RetryWaitMin:   s.retryWaitMin,
		RetryWaitMax:   s.retryWaitMax,
		RetryMax:       s.retryMax,
		CheckRetry:     c.checkRetry,
		Backoff:        backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: c.onAttempt,
		PrepareRetry:   rewindBody,
	}
	return c, nil
}

// transport is hc's round tripper, as http.Client would use it.
func transport(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}

// keepIdle is a RoundTripper without CloseIdleConnections, so that
// http.Client.CloseIdleConnections called by retryablehttp is a no-op.
type keepIdle struct{ rt http.RoundTripper }

func (k keepIdle) RoundTrip(r *http.Request) (*http.Response, error) { return k.rt.RoundTrip(r) }

// newTransport is the default transport: pooled, with enough idle
// connections per host for concurrent bulk workers.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
}

// addSecret registers a value that must never appear in an error or a log.
func (c *core) addSecret(v string) {
	if v != "" {
		c.secrets = append(c.secrets, v)
	}
}

// request is one API call as the services describe it.
type request struct {
	method      string
	path        string     // appended to the base URL path
	query       url.Values // URL query
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
	redact     func(string) string
}

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
	}
}

// ok reports whether the status is 2xx.
func (r *response) ok() bool { return r.statusCode >= 200 && r.statusCode < 300 }

type reqStateKey struct{}

// reqState travels in the request context to the retry hooks.
type reqState struct {
	idempotent bool
	attempts   int
	start      time.Time
	method     string
	full       string // the URL as sent, secrets included
	redacted   string // full with secrets hidden, made on first use
	core       *core

	// What the response handler read of the current attempt's answer;
	// reset when an attempt starts, so a later attempt never reuses an
	// earlier one's body.
	read    bool
	body    []byte
	readErr error
}

// url is the request URL with secrets redacted. It is built only when an
// error or a log record needs it, off the hot path of successful calls.
func (st *reqState) url() string {
	if st.redacted == "" {
		st.redacted = st.core.redactURL(st.full)
	}
	return st.redacted
}

func stateOf(ctx context.Context) *reqState {
	st, _ := ctx.Value(reqStateKey{}).(*reqState)
	return st
}

// endpoint is the full URL for path and query.
func (c *core) endpoint(path string, q url.Values) string {
	u := *c.base
	u.Path = c.base.Path + path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// do sends r with the retry policy and returns the response with its body
// read (bounded by the size limit) or, for streaming requests, open.
// Errors are *RequestError (no usable response) or *APIError (a response
// that could not be read).
func (c *core) do(ctx context.Context, r *request) (*response, error) {
	if ctx == nil {
		return nil, &ConfigError{Field: "ctx", Reason: "nil context"}
	}
	full := c.endpoint(r.path, r.query)
	st := &reqState{
		idempotent: r.idempotent || r.method == http.MethodGet || r.method == http.MethodHead,
		start:      time.Now(),
		full:       full,
		core:       c,
		method:     r.method,
	}
	ctx = context.WithValue(ctx, reqStateKey{}, st)

	var raw any
	if r.body != nil {
		raw = r.body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, full, raw)
	if err != nil {
		return nil, &RequestError{API: c.api, Method: r.method, URL: st.url(), Err: c.redactErr(err)}
	}
	if r.bodyFunc != nil {
		// A streaming body: a fresh one for every attempt (see rewindBody).
		req.Body = r.bodyFunc()
		req.GetBody = func() (io.ReadCloser, error) { return r.bodyFunc(), nil }
		req.ContentLength = -1
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.userAgent)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}

	// A buffered request reads its body inside the retry loop, so that a
	// body cut off mid-way is retried like a dropped connection when the
	// request is safe to repeat.
	if !r.stream {
		req.SetResponseHandler(func(hr *http.Response) error {
			st.body, st.readErr = c.readAll(hr)
			st.read = true
			return st.readErr
		})
	}

	hresp, err := c.rc.Do(req)
	if err != nil && hresp != nil && st.read && st.readErr != nil && errors.Is(err, st.readErr) && ctx.Err() == nil {
		// The last attempt got an answer whose body could not be read.
		resp := c.newResponse(r, st, hresp)
		c.log(ctx, slog.LevelDebug, "loyalty response unreadable", st, slog.Int("status", resp.statusCode), slog.String("error", c.redact(st.readErr.Error())))
		return nil, resp.apiError("", c.redactErr(st.readErr))
	}
	if err != nil {
		if hresp != nil && hresp.Body != nil {
			hresp.Body.Close()
		}
		rerr := &RequestError{API: c.api, Method: r.method, URL: st.url(), Attempts: max(st.attempts, 1), Err: c.redactErr(err)}
		c.log(ctx, slog.LevelDebug, "loyalty request failed", st, slog.String("error", rerr.Error()))
		return nil, rerr
	}
	resp := c.newResponse(r, st, hresp)
	if !r.stream {
		data := st.body
		if !st.read {
			// A retryable status on the last attempt: retryablehttp hands
			// it over without calling the handler.
			if data, err = c.readAll(hresp); err != nil {
				if ctx.Err() != nil {
					return nil, &RequestError{API: c.api, Method: r.method, URL: st.url(), Attempts: resp.attempts, Err: ctx.Err()}
				}
				return nil, resp.apiError("", c.redactErr(err))
			}
		}
		resp.body = data
		c.log(ctx, slog.LevelDebug, "loyalty response", st, slog.Int("status", resp.statusCode), slog.Int("bytes", len(resp.body)))
		return resp, nil
	}
	resp.stream = &limitedBody{rc: hresp.Body, left: c.maxBytes, limit: c.maxBytes}
	c.log(ctx, slog.LevelDebug, "loyalty response", st, slog.Int("status", resp.statusCode))
	return resp, nil
}

// readAll reads and closes a body, bounded by the size limit.
func (c *core) readAll(hr *http.Response) ([]byte, error) {
	body := &limitedBody{rc: hr.Body, left: c.maxBytes, limit: c.maxBytes}
	defer body.Close()
	return readBody(body, hr.ContentLength, c.maxBytes)
}

// newResponse wraps an answer for the services.
func (c *core) newResponse(r *request, st *reqState, hresp *http.Response) *response {
	return &response{
		api:        c.api,
		method:     r.method,
		st:         st,
		statusCode: hresp.StatusCode,
		header:     hresp.Header,
		attempts:   max(st.attempts, 1),
		redact:     c.redact,
	}
}

// readBody reads the whole body, refusing more than limit bytes.
func readBody(r io.Reader, contentLength, limit int64) ([]byte, error) {
	if contentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d exceeds the limit of %d bytes", ErrResponseTooLarge, contentLength, limit)
	}
	var buf bytes.Buffer
	if contentLength > 0 {
		// Trust the announced length only so far: a short body that claims
		// a huge one must not allocate it.
		buf.Grow(int(min(contentLength, 1<<20)))
	}
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// limitedBody fails with ErrResponseTooLarge once more than left bytes
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

// checkRetry is the retry policy. 429 is always retried (the server did
// not process the request); 5xx and transport errors only when the request
// is idempotent; a failed dial is retried for every request since nothing
// was sent; nothing is retried once the context is done.
func (c *core) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st := stateOf(ctx)
	idempotent := st != nil && st.idempotent
	if err != nil {
		if !retryableTransportError(err) {
			return false, nil
		}
		retry := idempotent || isDialError(err)
		if retry {
			c.log(ctx, slog.LevelWarn, "loyalty retry", st, slog.String("error", c.redact(err.Error())))
		}
		return retry, nil
	}
	retry := resp.StatusCode == http.StatusTooManyRequests ||
		(idempotent && resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented)
	if retry {
		c.log(ctx, slog.LevelWarn, "loyalty retry", st, slog.Int("status", resp.StatusCode))
	}
	return retry, nil
}

// retryableTransportError is false for errors that the same request will
// meet again: certificate problems, bad URLs, redirect loops.
func retryableTransportError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr),
		errors.As(err, &invalid), errors.As(err, &recordErr), errors.As(err, &alert):
		return false
	case errors.Is(err, ErrResponseTooLarge):
		return false
	}
	// A TLS alert from the peer (an old protocol version, a client
	// certificate it does not accept) will be sent again.
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return false
	}
	var ue *url.Error
	var re *redirectError
	if errors.As(err, &re) || errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "stopped after") {
		return false // a refused redirect or a redirect loop
	}
	return true
}

// redirectError is a redirect the client refused; repeating the request
// meets it again.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// isDialError reports a connection that was never made, so nothing of the
// request reached the server.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// backoff waits for Retry-After on 429 and 503 (seconds or HTTP-date),
// capped at max; otherwise exponentially from min with jitter.
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return clamp(d, 0, hi)
		}
	}
	d := lo << min(attempt, 30)
	if d <= 0 || d > hi {
		d = hi
	}
	// Full jitter over the upper half keeps retries of many clients apart.
	if half := int64(d / 2); half > 0 {
		d = time.Duration(half + rand.Int64N(half+1))
	}
	return clamp(d, lo, hi)
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// rewindBody gives a streaming request a fresh body before a retry.
func rewindBody(req *http.Request) error {
	if req.GetBody == nil || req.ContentLength != -1 {
		return nil
	}
	b, err := req.GetBody()
	if err != nil {
		return err
	}
	req.Body = b
	return nil
}

// onAttempt counts attempts and logs each one.
func (c *core) onAttempt(_ retryablehttp.Logger, req *http.Request, i int) {
	st := stateOf(req.Context())
	if st == nil {
		return
	}
	st.attempts = i + 1
	st.read, st.body, st.readErr = false, nil, nil
	c.log(req.Context(), slog.LevelDebug, "loyalty attempt", st, slog.Int("attempt", i+1))
}

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
