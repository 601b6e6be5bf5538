package loyalty

import "context"

// A call's reqState is the context of every attempt's request: it is
// done when the caller's context is, and while the watchdog has ended
// the current attempt (stallAttempt). The transport derives its own
// cancellation from it through AfterFunc, which the context package
// prefers for a parent that is not one of its own types, so an attempt
// costs neither a derived context nor a copy of the request, and one
// that stalls is ended the way a cancelled context ends it, over HTTP/1
// and HTTP/2 alike. Between attempts (the retry policy's backoff) the
// context is open again, unless the caller's is done.

// Done is closed when the caller's context is done, and while the
// watchdog has ended the current attempt.
func (st *reqState) Done() <-chan struct{} {
	a := &st.attempt
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done == nil {
		if st.Context.Err() != nil {
			// Done at once: context.AfterFunc would set callerDone a
			// moment later, and a transport that looks at Done before
			// sending would send on a cancelled context.
			a.callerDone = true
		}
		switch {
		case a.ended != nil || a.callerDone:
			a.done, a.doneClosed = closedChan, true
		default:
			a.done = make(chan struct{})
			if a.stopCaller == nil && st.Context.Done() != nil {
				// context.AfterFunc runs callerEnded in a goroutine of its
				// own, never under a.mu.
				a.stopCaller = context.AfterFunc(st.Context, st.callerEnded)
			}
		}
	}
	return a.done
}

// Err is the caller's context's error, or the watchdog's reason for
// ending the current attempt.
func (st *reqState) Err() error {
	if err := st.Context.Err(); err != nil {
		return err
	}
	a := &st.attempt
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ended != nil {
		return a.ended
	}
	return nil
}

// AfterFunc runs f once the context is done (see context.AfterFunc); the
// context package calls it for every context derived from this one. The
// stop it returns does nothing: f is dropped when the attempt ends, and
// running it late cancels a context that is done already.
func (st *reqState) AfterFunc(f func()) (stop func() bool) {
	a := &st.attempt
	a.mu.Lock()
	if a.ended != nil || a.callerDone || st.Context.Err() != nil {
		a.mu.Unlock()
		go f()
		return keepFunc
	}
	if a.funcs == nil {
		a.funcs = a.fbuf[:0]
	}
	a.funcs = append(a.funcs, f)
	a.mu.Unlock()
	return keepFunc
}

// keepFunc is the stop of reqState.AfterFunc.
func keepFunc() bool { return false }

// callerEnded closes the context for good once the caller's is done.
func (st *reqState) callerEnded() {
	a := &st.attempt
	a.mu.Lock()
	a.callerDone = true
	a.closeLocked()
}

// release stops watching the caller's context: the call is over.
func (st *reqState) release() {
	a := &st.attempt
	a.mu.Lock()
	stop := a.stopCaller
	a.mu.Unlock()
	if stop != nil {
		stop()
	}
}
