package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"os"
	"path/filepath"
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
		srv, err := mock.New(mock.Config{})
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

// TestArtixExchangeDirFileModes: the batch is as readable as its flag, for
// a cash server running as another user (both are made 0644 under the
// process umask; the .aif was 0600).
func TestArtixExchangeDirFileModes(t *testing.T) {
	dir := t.TempDir()
	ax, err := loyalty.NewArtixExchangeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ax.Customers.Delete(context.Background(), "1"); err != nil {
		t.Fatal(err)
	}
	aifs, _ := filepath.Glob(filepath.Join(dir, "*.aif"))
	flzs, _ := filepath.Glob(filepath.Join(dir, "*.flz"))
	if len(aifs) != 1 || len(flzs) != 1 {
		t.Fatalf("files %v %v", aifs, flzs)
	}
	aif, err1 := os.Stat(aifs[0])
	flz, err2 := os.Stat(flzs[0])
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if aif.Mode().Perm() != flz.Mode().Perm() || aif.Mode().Perm()&0o400 == 0 {
		t.Errorf(".aif mode %v, .flz mode %v: want the same, 0644 under the umask", aif.Mode().Perm(), flz.Mode().Perm())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".loyalty-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestArtixExchangeDirCancelledContext: a context cancelled before Send is
// an *ArtixFileError like a cancel during the write, and matches
// context.Canceled; nothing is written.
func TestArtixExchangeDirCancelledContext(t *testing.T) {
	dir := t.TempDir()
	ax, err := loyalty.NewArtixExchangeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = ax.Customers.Clear(ctx)
	var fe *loyalty.ArtixFileError
	if !errors.As(err, &fe) || fe.Op != "write" || !errors.Is(err, context.Canceled) {
		t.Errorf("want an *ArtixFileError matching context.Canceled, got %T %v", err, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
}
