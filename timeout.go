package loyalty

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultResponseTimeout is how long one attempt waits for the response
// headers, and then for each read of the body, unless [WithResponseTimeout]
// says otherwise.
const DefaultResponseTimeout = time.Minute

// ErrResponseTimeout matches an attempt that got no response headers, or
// no byte of the body, within the response timeout ([WithResponseTimeout]),
// and an attempt of a buffered call that got no complete response within
// the attempt timeout ([WithAttemptTimeout]).
// A read is retried after it; a write only when it is safe to repeat.
var ErrResponseTimeout = errors.New("loyalty: no response within the response timeout")

// WithResponseTimeout bounds how long one attempt waits for the server:
// for the response headers, and then for each read of the body (a body
// that keeps arriving is never cut, however long it takes; a stalled one
// is). It ends an attempt on a server that accepts and never answers even
// when the caller's context has no deadline. Default
// [DefaultResponseTimeout]. The caller's context still bounds the whole
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

// DefaultAttemptTimeout is how long one attempt of a buffered call may
// take, headers and whole body, unless [WithAttemptTimeout] says otherwise.
const DefaultAttemptTimeout = 5 * time.Minute

// WithAttemptTimeout bounds one whole attempt of a buffered call: every
// call but the streamed reads (Customers.All and Stream, Customers.All).
// The response headers and the whole body must arrive within d, so a
// server that drips its answer a byte at a time, each byte within the
// response timeout ([WithResponseTimeout]), still ends the attempt, even
// when the caller's context has no deadline. The attempt then fails with
// an error matching [ErrResponseTimeout], and is retried as a timeout is (a
// read, or a write safe to repeat). Default [DefaultAttemptTimeout]; it
// should exceed the time the largest buffered answer
// ([WithMaxResponseBytes]) takes over the slowest link. Streamed reads are
// bounded by the response timeout only: an export that keeps moving is
// never cut, however long it runs.
func WithAttemptTimeout(d time.Duration) HTTPOption {
	return func(s *settings) error {
		if d <= 0 {
			return &ConfigError{Field: "WithAttemptTimeout", Reason: "must be positive, got " + d.String()}
		}
		s.attemptTimeout = d
		return nil
	}
}

// stallGuard ends an attempt whose server stays silent for longer than d:
// before the response headers, or during one read of the body; and an
// attempt of a buffered call that lasts longer than whole. The client's
// watchdog does the ending.
type stallGuard struct {
	rt    http.RoundTripper
	d     time.Duration
	whole time.Duration // for buffered calls (reqState.buffered)
	w     *watchdog
}

// stallError is the cause of an attempt the stallGuard ended.
type stallError struct {
	d     time.Duration
	whole bool // the attempt timeout, not a stall
}

func (e *stallError) Error() string {
	if e.whole {
		return fmt.Sprintf("loyalty: no complete response within the attempt timeout (%s)", e.d)
	}
	return fmt.Sprintf("%v (%s)", ErrResponseTimeout, e.d)
}

// Is makes errors.Is(err, [ErrResponseTimeout]) true.
func (e *stallError) Is(target error) bool { return target == ErrResponseTimeout }

// Timeout reports true, as net.Error timeouts do.
func (e *stallError) Timeout() bool { return true }

// Temporary reports true: another attempt may get an answer.
func (e *stallError) Temporary() bool { return true }

func (g stallGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	a := &stallAttempt{d: g.d, start: time.Now(), w: g.w}
	a.cause.d = g.d
	if st := stateOf(r.Context()); st != nil && st.buffered {
		a.whole = g.whole
	}
	a.ctx, a.cancel = context.WithCancelCause(r.Context())
	a.since.Store(0) // waiting for the response headers
	g.w.add(a)
	resp, err := g.rt.RoundTrip(r.WithContext(a.ctx))
	a.since.Store(idle)
	if err != nil {
		g.w.remove(a)
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
// reads (a streamed export) is never cut off; a buffered call's attempt
// that lasts longer than whole is cancelled too. The attempt only records
// when its current wait began; the watchdog compares.
type stallAttempt struct {
	rc     io.ReadCloser // the response body
	d      time.Duration
	whole  time.Duration // 0: no bound on the whole attempt
	start  time.Time
	w      *watchdog
	ctx    context.Context
	cancel context.CancelCauseFunc
	cause  stallError // written by the watchdog before it cancels
	// since is when the current wait began (time since start), or idle.
	since atomic.Int64
}

// overdue reports, at elapsed since the start, whether the attempt has
// waited too long, and records why in a.cause.
func (a *stallAttempt) overdue(elapsed time.Duration) bool {
	if a.whole > 0 && elapsed >= a.whole {
		a.cause.d, a.cause.whole = a.whole, true
		return true
	}
	s := a.since.Load()
	return s != idle && elapsed-time.Duration(s) >= a.d
}

func (a *stallAttempt) Read(p []byte) (int, error) {
	a.since.Store(int64(time.Since(a.start)))
	n, err := a.rc.Read(p)
	a.since.Store(idle)
	if err != nil && err != io.EOF && context.Cause(a.ctx) == error(&a.cause) {
		err = &a.cause
	}
	return n, err
}

func (a *stallAttempt) Close() error {
	a.w.remove(a)
	err := a.rc.Close()
	a.cancel(nil)
	return err
}

// watchdog ends the overdue attempts of one client. One ticker serves
// every attempt in flight, where a timer armed per attempt would wake the
// runtime's network poller on every call (a tenth of a loopback call's
// time, issue 19). It checks every tick (a tenth of the shorter timeout,
// between 1 ms and 250 ms), so an attempt ends at most a tick after its
// bound; its goroutine runs while attempts are in flight and exits two
// ticks after the last one.
type watchdog struct {
	tick    time.Duration
	mu      sync.Mutex
	active  map[*stallAttempt]struct{}
	running bool
}

// newWatchdog is the watchdog for a response timeout d and an attempt
// timeout whole.
func newWatchdog(d, whole time.Duration) *watchdog {
	tick := min(max(min(d, whole)/10, time.Millisecond), 250*time.Millisecond)
	return &watchdog{tick: tick, active: map[*stallAttempt]struct{}{}}
}

// add watches a, starting the watchdog's goroutine when it is not running.
func (w *watchdog) add(a *stallAttempt) {
	w.mu.Lock()
	w.active[a] = struct{}{}
	if !w.running {
		w.running = true
		go w.run()
	}
	w.mu.Unlock()
}

// remove stops watching a.
func (w *watchdog) remove(a *stallAttempt) {
	w.mu.Lock()
	delete(w.active, a)
	w.mu.Unlock()
}

// run checks the attempts every tick and cancels the overdue ones.
func (w *watchdog) run() {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	var due []*stallAttempt
	quiet := 0
	for range t.C {
		due = due[:0]
		w.mu.Lock()
		if len(w.active) == 0 {
			if quiet++; quiet >= 2 {
				w.running = false
				w.mu.Unlock()
				return
			}
		}
		for a := range w.active {
			quiet = 0
			if a.overdue(time.Since(a.start)) {
				due = append(due, a)
				delete(w.active, a)
			}
		}
		w.mu.Unlock()
		for _, a := range due {
			a.cancel(&a.cause)
		}
	}
}
