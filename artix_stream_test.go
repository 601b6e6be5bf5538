package loyalty_test

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// TestArtixStreamNoLeakWhenBodyUnread: a streamed batch (over
// artixBufferCommands commands) whose body is never read (a transport that
// drops the request and does not close its body, or the mock with a Reset
// fault) leaves no writer goroutine behind, and the caller's seq is never
// iterated by two attempts at once nor after Send returns. Not parallel: it
// counts goroutines.
func TestArtixStreamNoLeakWhenBodyUnread(t *testing.T) {
	t.Run("mock reset", func(t *testing.T) {
		srv, err := mock.NewInMemory(mock.Config{})
		if err != nil {
			t.Fatal(err)
		}
		mt := httpmock.NewMockTransport()
		srv.RegisterResponders(mt)
		srv.Fail(mock.Fault{API: mock.ArtixAPI, Reset: true, Times: 3})
		checkArtixStreamNoLeak(t, srv.ArtixURL, mt)
	})
	t.Run("body never read", func(t *testing.T) {
		mt := httpmock.NewMockTransport()
		mt.RegisterNoResponder(httpmock.NewErrorResponder(syscall.ECONNRESET))
		checkArtixStreamNoLeak(t, "http://artix.invalid/", mt)
	})
}

func checkArtixStreamNoLeak(t *testing.T, url string, mt http.RoundTripper) {
	t.Helper()
	ax, err := loyalty.NewArtix(url, fastRetry, loyalty.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()

	var returned, late, active, overlap atomic.Int64
	seq := iter.Seq[loyalty.ArtixCommand](func(yield func(loyalty.ArtixCommand) bool) {
		if active.Add(1) > 1 {
			overlap.Add(1)
		}
		defer active.Add(-1)
		for i := range 5000 {
			if returned.Load() != 0 {
				late.Add(1)
			}
			if !yield(loyalty.DeleteClient(fmt.Sprintf("c%d", i))) {
				return
			}
		}
	})
	if err := ax.SendSeq(context.Background(), seq); err == nil {
		t.Fatal("SendSeq through three resets: want an error")
	}
	returned.Store(1)

	// Bounded wait for unrelated goroutines (finalizers, earlier tests'
	// servers) to settle; a leaked pipe writer never would.
	deadline := time.Now().Add(5 * time.Second)
	n := runtime.NumGoroutine()
	for n > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	if n > base {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after SendSeq, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
	if late.Load() != 0 {
		t.Errorf("seq yielded %d commands after SendSeq returned", late.Load())
	}
	if overlap.Load() != 0 {
		t.Errorf("seq iterated by %d overlapping attempts", overlap.Load())
	}
}
