package cassette

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"unicode/utf8"
)

// DefaultMaxBody is how many bytes of each body a Recorder keeps unless
// WithMaxBody says otherwise.
const DefaultMaxBody = 16 << 20

// RecorderOption configures a [Recorder] ([Create], [NewRecorder]):
// [WithSecrets], [WithLogger], [WithTransport], [WithMaxBody] or [WithAPI].
type RecorderOption interface{ applyRecorder(*config) error }

// ReplayerOption configures a [Replayer] ([OpenReplayer], [NewReplayer]):
// [WithSecrets], the only option that changes what a Replayer does. An
// option that only a Recorder uses does not compile there.
type ReplayerOption interface{ applyReplayer(*config) error }

// Option is an option of both a [Recorder] and a [Replayer]
// ([WithSecrets]).
type Option func(*config) error

func (o Option) applyRecorder(c *config) error { return run(o, c) }
func (o Option) applyReplayer(c *config) error { return run(o, c) }

// recorderOption is an option of a Recorder only.
type recorderOption func(*config) error

func (o recorderOption) applyRecorder(c *config) error { return run(o, c) }

// run applies f; a nil f (a typed nil option) does nothing.
func run(f func(*config) error, c *config) error {
	if f == nil {
		return nil
	}
	return f(c)
}

type config struct {
	secrets   []string
	logger    *slog.Logger
	transport http.RoundTripper
	maxBody   int
	api       string
}

// newConfig applies opts, apply being RecorderOption.applyRecorder or
// ReplayerOption.applyReplayer. A nil option is skipped.
func newConfig[O any](opts []O, apply func(O, *config) error) (*config, error) {
	c := &config{maxBody: DefaultMaxBody}
	for _, o := range opts {
		if any(o) == nil {
			continue
		}
		if err := apply(o, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// WithSecrets names strings that must never reach a cassette (an API key,
// a password, a token): each is replaced by Redacted wherever it appears,
// also URL-, JSON- and XML-escaped. A Replayer given the same secrets
// ignores them when it matches requests. The apikey parameter and the
// Authorization header are redacted without being named here.
func WithSecrets(secrets ...string) Option {
	return func(c *config) error {
		for _, s := range secrets {
			if len(s) < MinSecretLen {
				return fmt.Errorf("cassette: WithSecrets: a secret of %d characters is too short to be redacted wherever it appears (at least %d)", len(s), MinSecretLen)
			}
		}
		c.secrets = append(c.secrets, secrets...)
		return nil
	}
}

// WithLogger is where a Recorder reports, once, that its cassette could
// not be written (default: no logging; Err reports it too).
func WithLogger(l *slog.Logger) RecorderOption {
	return recorderOption(func(c *config) error {
		c.logger = l
		return nil
	})
}

// WithTransport is the RoundTripper a Recorder sends requests through
// (default http.DefaultTransport) when it is a client's transport itself
// (loyalty.WithHTTPClient). The CRM client refuses a recorder there, since
// it cannot give it its client certificate: record the CRM through
// Recorder.Wrap, which keeps the client's own TLS transport.
func WithTransport(rt http.RoundTripper) RecorderOption {
	return recorderOption(func(c *config) error {
		if rt == nil {
			return errors.New("cassette: WithTransport: nil RoundTripper")
		}
		c.transport = rt
		return nil
	})
}

// WithMaxBody is how many bytes of each request and response body a
// Recorder keeps (default DefaultMaxBody); a longer body is cut and its
// exchange marked truncated. The request itself is never cut.
func WithMaxBody(n int) RecorderOption {
	return recorderOption(func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("cassette: WithMaxBody: must be positive, got %d", n)
		}
		c.maxBody = n
		return nil
	})
}

// WithAPI labels every exchange a Recorder writes with the API it talks
// to ("virtpos", "crm" or "artix"), for mock.Verify when the paths alone
// do not say (custom card paths, say).
func WithAPI(api string) RecorderOption {
	return recorderOption(func(c *config) error {
		c.api = api
		return nil
	})
}

// Recorder is an http.RoundTripper that sends each request on and writes
// the exchange, secrets redacted, as one line of a cassette once the
// answer's body has been read to its end or closed. It never fails a
// request because the cassette cannot be written: the first write error
// is logged once (WithLogger) and kept for Err, and nothing more is
// written. Safe for concurrent use; lines never interleave.
type Recorder struct {
	cfg    *config
	next   http.RoundTripper
	redact *redactor

	mu     sync.Mutex
	w      io.Writer
	closer io.Closer // the file Create opened
	err    error
}

// Create creates (or truncates) the cassette file at path, readable by its
// owner only, and returns a Recorder writing to it. Close it when done.
func Create(path string, opts ...RecorderOption) (*Recorder, error) {
	cfg, err := newConfig(opts, RecorderOption.applyRecorder)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cassette: %w", err)
	}
	r := newRecorder(f, cfg)
	r.closer = f
	return r, nil
}

// NewRecorder returns a Recorder writing cassette lines to w.
func NewRecorder(w io.Writer, opts ...RecorderOption) (*Recorder, error) {
	if w == nil {
		return nil, errors.New("cassette: NewRecorder: nil writer")
	}
	cfg, err := newConfig(opts, RecorderOption.applyRecorder)
	if err != nil {
		return nil, err
	}
	return newRecorder(w, cfg), nil
}

func newRecorder(w io.Writer, cfg *config) *Recorder {
	next := cfg.transport
	if next == nil {
		next = http.DefaultTransport
	}
	return &Recorder{cfg: cfg, next: next, w: w, redact: &redactor{secrets: slices.Clone(cfg.secrets)}}
}

// Err is the first error met writing the cassette, or nil.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Close closes the file Create opened (nothing else) and returns the
// first write or close error. Exchanges whose bodies are still open are
// not written.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closer != nil {
		err := r.closer.Close()
		r.closer = nil
		r.w = nil
		if r.err == nil && err != nil {
			r.err = fmt.Errorf("cassette: %w", err)
		}
	}
	return r.err
}

// RoundTrip sends req through the wrapped transport and records the
// exchange when its answer's body ends.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	return r.roundTrip(r.next, req)
}

// Wrap returns a RoundTripper that sends through next and records into
// r's cassette, for loyalty.WithTransportMiddleware: the client keeps its
// own transport (the CRM's carries the client certificate) and r sees
// every attempt.
//
//	crm, err := loyalty.NewCRM(url, firm, loyalty.WithClientCertificateFiles(crt, key),
//		loyalty.WithTransportMiddleware(rec.Wrap))
func (r *Recorder) Wrap(next http.RoundTripper) http.RoundTripper {
	return recording{r: r, next: next}
}

// recording is a Recorder sending through another transport.
type recording struct {
	r    *Recorder
	next http.RoundTripper
}

func (w recording) RoundTrip(req *http.Request) (*http.Response, error) {
	return w.r.roundTrip(w.next, req)
}

func (r *Recorder) roundTrip(next http.RoundTripper, req *http.Request) (*http.Response, error) {
	out := req
	var reqBody *capture
	if req.Body != nil && req.Body != http.NoBody {
		reqBody = &capture{rc: req.Body, keep: r.keep()}
		out = req.Clone(req.Context())
		out.Body = reqBody
		if req.GetBody != nil {
			// A transport that rewinds the body (a retried connection)
			// starts the capture over.
			out.GetBody = func() (io.ReadCloser, error) {
				rc, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				reqBody.restart(rc)
				return reqBody, nil
			}
		}
	}
	resp, err := next.RoundTrip(out)
	if err != nil {
		return nil, err // no answer, no exchange
	}
	ex := &Exchange{
		API:            r.cfg.api,
		Method:         req.Method,
		Path:           req.URL.Path,
		Query:          req.URL.Query(),
		Header:         req.Header.Clone(),
		Status:         resp.StatusCode,
		ResponseHeader: resp.Header.Clone(),
	}
	if len(ex.Query) == 0 {
		ex.Query = nil
	}
	respBody := &capture{rc: resp.Body, keep: r.keep()}
	respBody.done = func(eof bool) {
		if reqBody != nil {
			ex.Body, ex.BodyTruncated = reqBody.result(true)
		}
		// A body that is empty by its header is complete unread.
		ex.ResponseBody, ex.ResponseTruncated = respBody.result(eof || resp.ContentLength == 0)
		r.write(ex)
	}
	resp.Body = respBody
	return resp, nil
}

// keep is how much of a body is captured: the limit plus room for a
// secret that straddles it, so redaction sees it whole before the cut.
func (r *Recorder) keep() int {
	longest := 64
	for _, s := range r.cfg.secrets {
		longest = max(longest, 6*len(s))
	}
	return r.cfg.maxBody + longest
}

// write redacts ex and appends it to the cassette.
func (r *Recorder) write(ex *Exchange) {
	r.redact.redact(ex)
	if len(ex.Body) > r.cfg.maxBody {
		ex.Body, ex.BodyTruncated = cut(ex.Body, r.cfg.maxBody), true
	}
	if len(ex.ResponseBody) > r.cfg.maxBody {
		ex.ResponseBody, ex.ResponseTruncated = cut(ex.ResponseBody, r.cfg.maxBody), true
	}
	line, err := encodeLine(ex)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	if err == nil && r.w == nil {
		err = errors.New("the recorder is closed")
	}
	if err == nil {
		_, err = r.w.Write(line)
	}
	if err != nil {
		r.err = fmt.Errorf("cassette: writing %s: %w", ex.Method+" "+ex.Path, err)
		if r.cfg.logger != nil {
			r.cfg.logger.Error("cassette not written; recording stopped", "error", r.err.Error())
		}
	}
}

// cut shortens b to at most n bytes, not inside a UTF-8 sequence, so a
// cut text body stays text.
func cut(b []byte, n int) []byte {
	b = b[:n]
	for i := len(b) - 1; i >= 0 && i >= n-4; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return b
}

// capture keeps the first bytes of a body as it is read and calls done
// once, at its end or when it is closed.
type capture struct {
	mu     sync.Mutex
	rc     io.ReadCloser
	keep   int
	buf    bytes.Buffer
	total  int
	sawEOF bool
	once   sync.Once
	done   func(eof bool)
}

func (c *capture) Read(p []byte) (int, error) {
	c.mu.Lock()
	rc := c.rc
	c.mu.Unlock()
	n, err := rc.Read(p)
	c.mu.Lock()
	if room := c.keep - c.buf.Len(); n > 0 && room > 0 {
		c.buf.Write(p[:min(n, room)])
	}
	c.total += n
	c.sawEOF = c.sawEOF || err == io.EOF
	c.mu.Unlock()
	if err == io.EOF {
		c.finish(true)
	}
	return n, err
}

func (c *capture) Close() error {
	c.mu.Lock()
	rc, eof := c.rc, c.sawEOF
	c.mu.Unlock()
	err := rc.Close()
	c.finish(eof)
	return err
}

func (c *capture) finish(eof bool) {
	if c.done != nil {
		c.once.Do(func() { c.done(eof) })
	}
}

// restart captures a rewound body from its start.
func (c *capture) restart(rc io.ReadCloser) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rc = rc
	c.buf.Reset()
	c.total, c.sawEOF = 0, false
}

// result is the captured bytes and whether they are cut short: more went
// by than was kept, or (complete false) the body was not read to its end.
func (c *capture) result(complete bool) (Body, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Body(bytes.Clone(c.buf.Bytes())), c.total > c.buf.Len() || !complete
}
