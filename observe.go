package loyalty

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// EventKind is what an Event reports.
type EventKind int

// Event kinds.
const (
	// EventAttempt: an attempt is about to be sent.
	EventAttempt EventKind = iota + 1
	// EventRetry: the attempt failed and another one follows.
	EventRetry
	// EventOutcome: the call's last attempt ended; Err is what the core
	// returns (nil when an answer was read, whatever its status).
	EventOutcome
)

// String is "attempt", "retry" or "outcome".
func (k EventKind) String() string {
	switch k {
	case EventAttempt:
		return "attempt"
	case EventRetry:
		return "retry"
	case EventOutcome:
		return "outcome"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is what an Observer sees of a request: each attempt, each retry
// and the outcome. It never holds a secret: the URL and the error are
// redacted like every error and log record.
type Event struct {
	Kind       EventKind
	API        string        // "virtpos", "crm" or "artix"
	Method     string        // HTTP method
	URL        string        // request URL with secrets redacted
	StatusCode int           // HTTP status of the answer; 0 when there is none
	Attempt    int           // 1 for the first attempt
	Duration   time.Duration // since the call started
	Err        error         // a retry's cause or the outcome's error, redacted; nil otherwise
}

// Observer receives the events of every request of a client, for metrics
// and audit. It is called synchronously from the calling goroutine (and
// from several at once for concurrent calls): it should return quickly.
type Observer func(context.Context, Event)

// WithObserver calls o on each attempt, retry and outcome of every
// request (see Event).
func WithObserver(o Observer) HTTPOption {
	return func(s *settings) error {
		if o == nil {
			return &ConfigError{Field: "WithObserver", Reason: "nil Observer"}
		}
		s.observer = o
		return nil
	}
}

// WithTransportMiddleware wraps the client's transport with mw, outside the
// transport the client configured (the CRM's TLS 1.2 and client
// certificate included), so tracing and metrics wrappers such as
// otelhttp.NewTransport work for all three clients:
//
//	loyalty.WithTransportMiddleware(func(rt http.RoundTripper) http.RoundTripper {
//		return otelhttp.NewTransport(rt)
//	})
//
// Several are applied in order, each wrapping the previous one. Every
// attempt and every redirect hop goes through them.
func WithTransportMiddleware(mw func(http.RoundTripper) http.RoundTripper) HTTPOption {
	return func(s *settings) error {
		if mw == nil {
			return &ConfigError{Field: "WithTransportMiddleware", Reason: "nil middleware"}
		}
		s.middleware = append(s.middleware, mw)
		return nil
	}
}

// wrapTransport applies the middlewares to rt.
func wrapTransport(rt http.RoundTripper, mws []func(http.RoundTripper) http.RoundTripper) (http.RoundTripper, error) {
	for _, mw := range mws {
		if rt = mw(rt); rt == nil {
			return nil, &ConfigError{Field: "WithTransportMiddleware", Reason: "the middleware returned a nil RoundTripper"}
		}
	}
	return rt, nil
}

// observe sends an event to the observer, if there is one.
func (c *core) observe(ctx context.Context, kind EventKind, st *reqState, status int, err error) {
	if c.observer == nil || st == nil {
		return
	}
	c.observer(ctx, Event{
		Kind: kind, API: c.api, Method: st.method, URL: st.url(), StatusCode: status,
		Attempt: max(st.attempts, 1), Duration: time.Since(st.start), Err: err,
	})
}
