package loyalty_test

import (
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// Helpers shared by the package's external tests.

// cardsWithUID counts the mock's VirtPOS cards with the given uid.
func cardsWithUID(srv *mock.Server, uid string) int {
	n := 0
	for _, c := range srv.VirtPOSCards() {
		if c.UID == uid {
			n++
		}
	}
	return n
}

// fast is a retry policy for tests: quick waits, capped low.
var fast = loyalty.WithRetry(3, time.Millisecond, 20*time.Millisecond)

// scriptedTransport answers each request with the next of its responses.
type scriptedTransport struct {
	n     atomic.Int32
	resps []func(*http.Request) *http.Response
}

func (s *scriptedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	i := int(s.n.Add(1)) - 1
	return s.resps[min(i, len(s.resps)-1)](r), nil
}

// trackedBody records whether it was closed.
type trackedBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

// errAfter yields data then fails with err (a body cut off mid-way).
type errAfter struct {
	data string
	err  error
}

func (e *errAfter) Read(p []byte) (int, error) {
	if e.data == "" {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

// closeCounter counts CloseIdleConnections calls on a transport.
type closeCounter struct {
	http.RoundTripper
	closes atomic.Int32
}

func (c *closeCounter) CloseIdleConnections() { c.closes.Add(1) }
