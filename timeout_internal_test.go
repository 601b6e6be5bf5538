package loyalty

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The watchdog ends an attempt waiting longer than its bound, leaves one
// between waits alone, and its goroutine stops once nothing is watched.
func TestWatchdogEndsOverdueAttemptsAndStops(t *testing.T) {
	w := newWatchdog(20*time.Millisecond, time.Hour)
	if w.tick != 2*time.Millisecond {
		t.Errorf("tick %v, want a tenth of the shorter timeout (2ms)", w.tick)
	}
	attempt := func() *stallAttempt {
		a := &stallAttempt{d: 20 * time.Millisecond, start: time.Now(), w: w}
		a.cause.d = a.d
		a.ctx, a.cancel = context.WithCancelCause(context.Background())
		return a
	}
	waiting, between := attempt(), attempt()
	waiting.since.Store(0)
	between.since.Store(idle)
	w.add(waiting)
	w.add(between)
	select {
	case <-waiting.ctx.Done():
		var se *stallError
		if cause := context.Cause(waiting.ctx); !errors.As(cause, &se) || se.whole {
			t.Errorf("cause %v, want the response timeout's *stallError", cause)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an attempt waiting past its 20ms bound was not ended")
	}
	time.Sleep(50 * time.Millisecond)
	if between.ctx.Err() != nil {
		t.Error("an attempt between waits was ended")
	}
	w.remove(between)
	deadline := time.Now().Add(5 * time.Second)
	for {
		w.mu.Lock()
		running := w.running
		w.mu.Unlock()
		if !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the watchdog's goroutine still runs 5s after the last attempt")
		}
		time.Sleep(time.Millisecond)
	}
	if len(w.active) != 0 {
		t.Errorf("%d attempts still watched, want 0", len(w.active))
	}
}

// The bounds of the tick: at least 1 ms, at most 250 ms.
func TestWatchdogTick(t *testing.T) {
	for _, tc := range []struct{ d, whole, want time.Duration }{
		{time.Minute, 5 * time.Minute, 250 * time.Millisecond},
		{time.Second, 200 * time.Millisecond, 20 * time.Millisecond},
		{time.Millisecond, time.Hour, time.Millisecond},
	} {
		if got := newWatchdog(tc.d, tc.whole).tick; got != tc.want {
			t.Errorf("newWatchdog(%v, %v).tick = %v, want %v", tc.d, tc.whole, got, tc.want)
		}
	}
}
