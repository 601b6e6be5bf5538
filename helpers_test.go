package loyalty_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
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

// TestTestDoubles: the fakes above behave as the tests that use them
// assume; a fake that quietly did something else would make those tests
// pass for the wrong reason.
func TestTestDoubles(t *testing.T) {
	t.Run("scriptedTransport answers in order, then repeats its last", func(t *testing.T) {
		answer := func(code int) func(*http.Request) *http.Response {
			return func(*http.Request) *http.Response {
				return &http.Response{StatusCode: code, Body: http.NoBody}
			}
		}
		tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{answer(503), answer(200)}}
		req := httptest.NewRequest(http.MethodGet, "http://x.test/", nil)
		var got []int
		for range 3 {
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, resp.StatusCode)
		}
		if want := []int{503, 200, 200}; !slices.Equal(got, want) {
			t.Errorf("statuses %v, want %v", got, want)
		}
	})
	t.Run("errAfter yields all its data, then its error", func(t *testing.T) {
		b, err := io.ReadAll(&errAfter{data: "<root><id>7", err: io.ErrUnexpectedEOF})
		if string(b) != "<root><id>7" || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("read %q, %v; want the data, then io.ErrUnexpectedEOF", b, err)
		}
	})
	t.Run("trackedBody records its Close", func(t *testing.T) {
		b := &trackedBody{Reader: strings.NewReader("x")}
		if b.closed.Load() {
			t.Fatal("closed before Close")
		}
		b.Close()
		if !b.closed.Load() {
			t.Error("Close not recorded")
		}
	})
	t.Run("closeCounter counts CloseIdleConnections", func(t *testing.T) {
		c := &closeCounter{RoundTripper: http.DefaultTransport}
		c.CloseIdleConnections()
		c.CloseIdleConnections()
		if n := c.closes.Load(); n != 2 {
			t.Errorf("%d closes counted, want 2", n)
		}
	})
	t.Run("cardsWithUID counts the mock's cards by uid", func(t *testing.T) {
		srv := mock.NewServer(t)
		cards := srv.VirtPOSCards()
		if len(cards) == 0 {
			t.Fatal("the mock has no seed cards")
		}
		if n := cardsWithUID(srv, cards[0].UID); n != 1 {
			t.Errorf("seed card %q counted %d times, want 1", cards[0].UID, n)
		}
		if n := cardsWithUID(srv, "no-such-uid"); n != 0 {
			t.Errorf("unknown uid counted %d times, want 0", n)
		}
	})
}

// optionsFor is opts, options a test gives several clients, as the option
// type O of one constructor. Each must implement O: one that does not is
// a bug of the test, which the conversion's panic reports.
func optionsFor[O any](opts ...any) []O {
	out := make([]O, len(opts))
	for i, o := range opts {
		out[i] = o.(O)
	}
	return out
}
