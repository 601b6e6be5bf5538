package loyalty

import (
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
// watchdog does the ending, through the call's own context (reqState):
// the guard neither copies the request nor derives a context per attempt.
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

// RoundTrip sends r as one attempt of its call, watched by the watchdog.
// A request that is not a call's (no reqState in its context) passes
// unwatched; the core makes none.
func (g stallGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	st := stateOf(r.Context())
	if st == nil {
		return g.rt.RoundTrip(r)
	}
	a := &st.attempt
	whole := time.Duration(0)
	if st.buffered {
		whole = g.whole
	}
	gen := a.begin(g.w, g.d, whole)
	resp, err := g.rt.RoundTrip(r)
	a.since.Store(idle)
	if err != nil {
		if cause := a.finish(gen); cause != nil {
			return nil, cause
		}
		return nil, err
	}
	// Kept in the attempt, which spares an allocation: an attempt's body
	// is read and closed (or drained by the retry loop, or closed by a
	// redirect) before the next attempt of the call begins.
	a.body = stallBody{rc: resp.Body, a: a, gen: gen}
	resp.Body = &a.body
	return resp, nil
}

// idle is stallAttempt.since while nothing waits for the server.
const idle = -1

// stallAttempt is the state of a call's current attempt, kept in its
// reqState and renewed for every attempt. A wait for the server (the
// response headers, one read of the body) that lasts longer than d ends
// the attempt, while a caller that takes its time between reads (a
// streamed export) is never cut off; a buffered call's attempt that lasts
// longer than whole is ended too. The attempt only records when its
// current wait began; the watchdog compares, and ends an overdue attempt
// by closing the call context's Done channel and running what the
// transport registered with its AfterFunc (see reqState.Done). The
// attempt's end opens the context again for the next attempt.
type stallAttempt struct {
	d     time.Duration
	whole time.Duration // 0: no bound on the whole attempt
	start time.Time
	w     *watchdog
	// since is when the current wait began (time since start), or idle.
	since atomic.Int64

	mu sync.Mutex
	// gen numbers the attempts; the watchdog ends an attempt only while
	// it is the current one.
	gen uint64
	// ended is why the watchdog ended the current attempt (nil: it did not).
	ended *stallError
	done  chan struct{} // the context's Done; nil until asked for
	// funcs are the AfterFunc registrations of the current attempt (the
	// transport's cancellation, usually one), in fbuf while they fit.
	funcs []func()
	fbuf  [2]func()
	// stopCaller stops the watch on the caller's context (nil: none).
	stopCaller func() bool
	// The flags, side by side to keep the call's state small.
	active bool
	// callerDone is set once the caller's context is done (every later
	// attempt starts done).
	callerDone bool
	doneClosed bool
	// handedOut: the call's answer went to the caller as a stream, and
	// the call ends when its body is closed.
	handedOut bool
	// body is the current attempt's guarded response body.
	body stallBody
}

// handOut marks a streamed call's answer handed to the caller.
func (a *stallAttempt) handOut() {
	a.mu.Lock()
	a.handedOut = true
	a.mu.Unlock()
}

// begin starts attempt gen, watched by w.
func (a *stallAttempt) begin(w *watchdog, d, whole time.Duration) (gen uint64) {
	a.d, a.whole, a.w = d, whole, w
	a.start = time.Now()
	a.since.Store(0) // waiting for the response headers
	a.mu.Lock()
	a.gen++
	gen = a.gen
	a.active = true
	a.mu.Unlock()
	w.add(a, gen)
	return gen
}

// finish ends attempt gen (a no-op for another attempt, or a second
// time) and returns why the watchdog ended it, or nil. The context is
// open again for the next attempt, unless the caller's is done.
func (a *stallAttempt) finish(gen uint64) *stallError {
	a.mu.Lock()
	if gen != a.gen || !a.active {
		a.mu.Unlock()
		return nil
	}
	ended := a.ended
	a.active, a.ended = false, nil
	clear(a.fbuf[:])
	a.funcs = nil
	if ended != nil && !a.callerDone {
		a.done, a.doneClosed = nil, false // closed for the ended attempt
	}
	var stop func() bool
	if a.handedOut {
		stop = a.stopCaller // the streamed call is over
	}
	a.mu.Unlock()
	a.w.remove(a)
	if stop != nil {
		stop()
	}
	return ended
}

// endedAs is why the watchdog ended attempt gen, or nil.
func (a *stallAttempt) endedAs(gen uint64) *stallError {
	a.mu.Lock()
	defer a.mu.Unlock()
	if gen != a.gen {
		return nil
	}
	return a.ended
}

// end ends attempt gen, overdue for cause, unless it is over already.
func (a *stallAttempt) end(gen uint64, cause stallError) {
	a.mu.Lock()
	if gen != a.gen || !a.active || a.ended != nil {
		a.mu.Unlock()
		return
	}
	a.ended = &cause
	a.closeLocked()
}

// closeLocked closes the Done channel, unlocks a.mu and runs the
// registered funcs.
func (a *stallAttempt) closeLocked() {
	switch {
	case a.done == nil:
		a.done = closedChan
	case !a.doneClosed:
		close(a.done)
	}
	a.doneClosed = true
	// Copied out of fbuf, which the next attempt reuses.
	var local [len(a.fbuf)]func()
	funcs := a.funcs
	if len(funcs) <= len(local) {
		funcs = local[:copy(local[:], funcs)]
	}
	clear(a.fbuf[:])
	a.funcs = nil
	a.mu.Unlock()
	for _, f := range funcs {
		f()
	}
}

// closedChan is a closed channel, the Done of an attempt ended before
// anybody asked for it.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// overdue reports, at elapsed since the start, whether the attempt has
// waited too long, and why.
func (a *stallAttempt) overdue(elapsed time.Duration) (stallError, bool) {
	if a.whole > 0 && elapsed >= a.whole {
		return stallError{d: a.whole, whole: true}, true
	}
	s := a.since.Load()
	return stallError{d: a.d}, s != idle && elapsed-time.Duration(s) >= a.d
}

// stallBody is the body of one attempt's response: its reads are the
// waits the watchdog times, and closing it ends the attempt.
type stallBody struct {
	rc  io.ReadCloser
	a   *stallAttempt
	gen uint64
}

func (b *stallBody) Read(p []byte) (int, error) {
	a := b.a
	a.since.Store(int64(time.Since(a.start)))
	n, err := b.rc.Read(p)
	a.since.Store(idle)
	if err != nil && err != io.EOF {
		if cause := a.endedAs(b.gen); cause != nil {
			err = cause
		}
	}
	return n, err
}

func (b *stallBody) Close() error {
	err := b.rc.Close()
	b.a.finish(b.gen)
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
	active  map[*stallAttempt]uint64 // the attempt's gen
	running bool
}

// newWatchdog is the watchdog for a response timeout d and an attempt
// timeout whole.
func newWatchdog(d, whole time.Duration) *watchdog {
	tick := min(max(min(d, whole)/10, time.Millisecond), 250*time.Millisecond)
	return &watchdog{tick: tick, active: map[*stallAttempt]uint64{}}
}

// add watches attempt gen of a, starting the watchdog's goroutine when it
// is not running.
func (w *watchdog) add(a *stallAttempt, gen uint64) {
	w.mu.Lock()
	w.active[a] = gen
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

// run checks the attempts every tick and ends the overdue ones.
func (w *watchdog) run() {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	type overdue struct {
		a     *stallAttempt
		gen   uint64
		cause stallError
	}
	var due []overdue
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
		for a, gen := range w.active {
			quiet = 0
			if cause, ok := a.overdue(time.Since(a.start)); ok {
				due = append(due, overdue{a, gen, cause})
				delete(w.active, a)
			}
		}
		w.mu.Unlock()
		for _, o := range due {
			o.a.end(o.gen, o.cause)
		}
	}
}
