package loyalty

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
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
func WithResponseTimeout(d time.Duration) HTTPOption {
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
	a := &stallAttempt{d: g.d, start: time.Now()}
	a.cause.d = g.d
	a.ctx, a.cancel = context.WithCancelCause(r.Context())
	a.armed.Store(true)
	a.timer = time.AfterFunc(g.d, a.fire)
	resp, err := g.rt.RoundTrip(r.WithContext(a.ctx))
	a.since.Store(idle)
	if err != nil {
		a.timer.Stop()
		a.cancel(nil)
		if context.Cause(a.ctx) == error(&a.cause) {
			return nil, &a.cause
		}
		return nil, err
	}
	a.rc = resp.Body
	resp.Body = a
	return resp, nil
}

// idle is stallAttempt.since while nothing waits for the server.
const idle = -1

// stallAttempt guards one attempt, and then its body: a wait for the
// server (the response headers, one read of the body) that lasts longer
// than d cancels the attempt, while a caller that takes its time between
// reads (a streamed export) is never cut off. The timer is not re-armed
// for every read: when it fires during a wait it re-arms itself for what
// is left of d; when it fires between waits it disarms, and the next read
// arms it again.
type stallAttempt struct {
	rc     io.ReadCloser // the response body
	d      time.Duration
	start  time.Time
	timer  *time.Timer
	ctx    context.Context
	cancel context.CancelCauseFunc
	cause  stallError
	// since is when the current wait began (time since start), or idle.
	since atomic.Int64
	// armed is set while the timer is pending (or its func runs).
	armed atomic.Bool
}

// fire runs when the timer goes off: it ends a wait of d or more, re-arms
// for a shorter one, and disarms between waits.
func (a *stallAttempt) fire() {
	for {
		s := a.since.Load()
		if s == idle {
			a.armed.Store(false)
			// A read that began meanwhile may have found the timer
			// still armed: take the arm back for it.
			if a.since.Load() == idle || !a.armed.CompareAndSwap(false, true) {
				return
			}
			continue
		}
		left := a.d - (time.Since(a.start) - time.Duration(s))
		if left <= 0 {
			a.cancel(&a.cause)
			return
		}
		a.timer.Reset(left)
		return
	}
}

func (a *stallAttempt) Read(p []byte) (int, error) {
	a.since.Store(int64(time.Since(a.start)))
	if !a.armed.Load() && a.armed.CompareAndSwap(false, true) {
		a.timer.Reset(a.d)
	}
	n, err := a.rc.Read(p)
	a.since.Store(idle)
	if err != nil && err != io.EOF && context.Cause(a.ctx) == error(&a.cause) {
		err = &a.cause
	}
	return n, err
}

func (a *stallAttempt) Close() error {
	a.timer.Stop()
	err := a.rc.Close()
	a.cancel(nil)
	return err
}
