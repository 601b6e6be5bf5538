package loyalty

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// DefaultResponseTimeout is how long one attempt waits for the response
// headers, and then for each read of the body, unless WithResponseTimeout
// says otherwise.
const DefaultResponseTimeout = time.Minute

// ErrResponseTimeout matches an attempt that got no response headers, or
// no byte of the body, within the response timeout (WithResponseTimeout).
// A read is retried after it; a write only when it is safe to repeat.
var ErrResponseTimeout = errors.New("loyalty: no response within the response timeout")

// WithResponseTimeout bounds how long one attempt waits for the server:
// for the response headers, and then for each read of the body (a body
// that keeps arriving is never cut, however long it takes; a stalled one
// is). It ends an attempt on a server that accepts and never answers even
// when the caller's context has no deadline. Default
// DefaultResponseTimeout. The caller's context still bounds the whole
// call, retries included.
func WithResponseTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return &ConfigError{Field: "WithResponseTimeout", Reason: "must be positive, got " + d.String()}
		}
		s.responseTimeout = d
		return nil
	}
}

// stallGuard ends an attempt whose server stays silent for longer than d:
// before the response headers, or during one read of the body.
type stallGuard struct {
	rt http.RoundTripper
	d  time.Duration
}

// stallError is the cause of an attempt the stallGuard ended.
type stallError struct{ d time.Duration }

func (e *stallError) Error() string {
	return fmt.Sprintf("%v (%s)", ErrResponseTimeout, e.d)
}

// Is makes errors.Is(err, ErrResponseTimeout) true.
func (e *stallError) Is(target error) bool { return target == ErrResponseTimeout }

// Timeout reports true, as net.Error timeouts do.
func (e *stallError) Timeout() bool { return true }

// Temporary reports true: another attempt may get an answer.
func (e *stallError) Temporary() bool { return true }

func (g stallGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(r.Context())
	cause := &stallError{d: g.d}
	timer := time.AfterFunc(g.d, func() { cancel(cause) })
	resp, err := g.rt.RoundTrip(r.WithContext(ctx))
	timer.Stop()
	if err != nil {
		cancel(nil)
		if context.Cause(ctx) == cause {
			return nil, cause
		}
		return nil, err
	}
	resp.Body = &stallBody{rc: resp.Body, timer: timer, d: g.d, ctx: ctx, cancel: cancel, cause: cause}
	return resp, nil
}

// stallBody arms the stall timer for each read, so a caller that takes its
// time between reads (a streamed export) is never cut off, while a server
// that stops sending is.
type stallBody struct {
	rc     io.ReadCloser
	timer  *time.Timer
	d      time.Duration
	ctx    context.Context
	cancel context.CancelCauseFunc
	cause  *stallError
}

func (b *stallBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.d)
	n, err := b.rc.Read(p)
	b.timer.Stop()
	if err != nil && err != io.EOF && context.Cause(b.ctx) == b.cause {
		err = b.cause
	}
	return n, err
}

func (b *stallBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel(nil)
	return err
}
