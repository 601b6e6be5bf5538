package loyalty

import (
	"context"
	"errors"
	"testing"
	"time"
	"unsafe"
)

// The watchdog ends an attempt waiting longer than its bound, leaves one
// between waits alone, and its goroutine stops once nothing is watched.
func TestWatchdogEndsOverdueAttemptsAndStops(t *testing.T) {
	w := newWatchdog(20*time.Millisecond, time.Hour)
	if w.tick != 2*time.Millisecond {
		t.Errorf("tick %v, want a tenth of the shorter timeout (2ms)", w.tick)
	}
	// Two calls' contexts, each in an attempt.
	attempt := func() (*reqState, uint64) {
		st := &reqState{Context: context.Background()}
		return st, st.attempt.begin(w, 20*time.Millisecond, 0)
	}
	waiting, _ := attempt()
	between, betweenGen := attempt()
	between.attempt.since.Store(idle)
	select {
	case <-waiting.Done():
		var se *stallError
		if err := waiting.Err(); !errors.As(err, &se) || se.whole {
			t.Errorf("Err %v, want the response timeout's *stallError", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an attempt waiting past its 20ms bound was not ended")
	}
	time.Sleep(50 * time.Millisecond)
	if between.Err() != nil {
		t.Error("an attempt between waits was ended")
	}
	between.attempt.finish(betweenGen)
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

// The call's context follows the caller's while the call lasts, and lets
// go of it once the call is released: a long-lived caller context keeps
// no reference to finished calls.
func TestCallContextFollowsTheCallerUntilReleased(t *testing.T) {
	w := newWatchdog(time.Hour, time.Hour)
	caller, cancel := context.WithCancel(context.Background())
	st := &reqState{Context: caller}
	gen := st.attempt.begin(w, time.Hour, 0)
	done := st.Done()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the call's context is not done 5s after the caller's")
	}
	if !errors.Is(st.Err(), context.Canceled) {
		t.Errorf("Err %v, want context.Canceled", st.Err())
	}
	st.attempt.finish(gen)

	caller2, cancel2 := context.WithCancel(context.Background())
	st2 := &reqState{Context: caller2}
	gen2 := st2.attempt.begin(w, time.Hour, 0)
	done2 := st2.Done()
	st2.attempt.finish(gen2)
	st2.release()
	cancel2()
	time.Sleep(20 * time.Millisecond)
	select {
	case <-done2:
		t.Error("a released call still follows its caller's context")
	default:
	}
}

// A call made on a context that is done already is done from its first
// look: a transport checks Done without blocking before it sends (as
// net/http's does), and context.AfterFunc reports the caller's end only
// a moment later, from a goroutine of its own. CI once saw a request sent
// on a cancelled context that way.
func TestCallOnADoneContextIsDoneAtOnce(t *testing.T) {
	caller, cancel := context.WithCancel(context.Background())
	cancel()
	w := newWatchdog(time.Hour, time.Hour)
	for i := range 200 {
		st := &reqState{Context: caller}
		gen := st.attempt.begin(w, time.Hour, 0)
		select {
		case <-st.Done():
		default:
			t.Fatalf("call %d: Done is open on a cancelled caller context", i)
		}
		ran := make(chan struct{})
		st.AfterFunc(func() { close(ran) })
		select {
		case <-ran:
		case <-time.After(5 * time.Second):
			t.Fatalf("call %d: AfterFunc did not run on a cancelled caller context", i)
		}
		st.attempt.finish(gen)
		st.release()
	}
}

// A call's state (reqState, the attempt's guard state with it) is one
// allocation a call; it stays within the 1 KiB size class, where the
// next one up costs every call 128 bytes more to allocate and clear.
func TestCallStateFitsOneKiB(t *testing.T) {
	if n := unsafe.Sizeof(reqState{}); n > 1024 {
		t.Errorf("reqState is %d bytes, over the 1024-byte size class", n)
	}
}
