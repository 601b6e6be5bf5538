package loyalty

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// These tests run runBulk in a synctest bubble: time is virtual, so the
// rate limit and the worker bound are checked by counting, exactly.

func TestRunBulkRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		items := make([]int, 25)
		for i := range items {
			items[i] = i
		}
		starts := make([]time.Duration, len(items))
		start := time.Now()
		// 16 workers, each item taking 1 s: the limit, not the pool, paces.
		_, err := runBulk(t.Context(), items, []BulkOption{WithWorkers(16), WithRateLimit(10)}, func(_ context.Context, i int) (int, error) {
			starts[i] = time.Since(start)
			time.Sleep(time.Second)
			return i, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range starts {
			if want := time.Duration(i) * 100 * time.Millisecond; d != want {
				t.Errorf("item %d started at %v, want %v (10 per second)", i, d, want)
			}
		}
	})
}

func TestRunBulkWorkerBoundAndOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var inFlight, peak atomic.Int32
		items := make([]int, 100)
		for i := range items {
			items[i] = i
		}
		res, err := runBulk(t.Context(), items, []BulkOption{WithWorkers(5)}, func(_ context.Context, i int) (string, error) {
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Duration(100-i) * time.Millisecond) // later items finish first
			inFlight.Add(-1)
			if i%10 == 3 {
				return "", fmt.Errorf("item %d refused", i)
			}
			return fmt.Sprint("r", i), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if p := peak.Load(); p != 5 {
			t.Errorf("peak concurrency %d, want 5", p)
		}
		for i, r := range res {
			if r.Index != i {
				t.Fatalf("result %d has index %d", i, r.Index)
			}
			if i%10 == 3 {
				if r.Err == nil || r.Value != "" {
					t.Errorf("item %d: %q, %v; want an error", i, r.Value, r.Err)
				}
			} else if r.Err != nil {
				t.Errorf("item %d: %q, %v; want r.Err == nil", i, r.Value, r.Err)
			} else if r.Value != fmt.Sprint("r", i) {
				t.Errorf("item %d: %q, %v; want r.Value == fmt.Sprint(\"r\", i)", i, r.Value, r.Err)
			}
		}
		if n := len(res.Failed()); n != 10 {
			t.Errorf("%d failed, want 10", n)
		}
		var ie *BulkItemError
		if !errors.As(res.Err(), &ie) || ie.Index != 3 {
			t.Errorf("Err() = %v, want the first failure to be item 3", res.Err())
		}
	})
}

func TestRunBulkCancelStopsDispatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var calls atomic.Int32
		items := make([]int, 50)
		res, err := runBulk(ctx, items, []BulkOption{WithWorkers(2), WithRateLimit(1), WithProgress(func(done, _ int) {
			if done == 4 {
				cancel()
			}
		})}, func(context.Context, int) (int, error) {
			calls.Add(1)
			return 1, nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if c := calls.Load(); c != 4 {
			t.Errorf("%d items started, want 4 (rate 1/s, cancelled after the 4th)", c)
		}
		for i, r := range res {
			if sent := i < 4; sent != (r.Err == nil) {
				t.Errorf("item %d: err %v", i, r.Err)
			}
		}
	})
}
