package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
)

// stallingServer accepts every request and never answers (or, with
// partial, sends the headers and part of the body, then stops), until the
// test ends.
func stallingServer(t *testing.T, partial bool) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if partial {
			w.Header().Set("Content-Type", "application/xml")
			w.Write([]byte(`<?xml version="1.0"?><root><success>1</success><customers><customer><id>1`))
			w.(http.Flusher).Flush()
		}
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}

// A server that accepts and never answers cannot hang a call whose context
// has no deadline: each attempt ends after the response timeout.
func TestStalledServerEndsByTheResponseTimeout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		partial bool
		stream  bool
	}{
		{"no answer", false, false},
		{"headers then silence", true, false},
		{"headers then silence, streamed", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := stallingServer(t, tc.partial)
			vp, err := loyalty.NewVirtPOS(srv.URL, "stall-key-1234", loyalty.WithoutRetries(),
				loyalty.WithResponseTimeout(200*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() {
				if tc.stream {
					for _, err := range vp.Customers.Stream(context.Background(), nil) {
						if err != nil {
							errc <- err
							return
						}
					}
					errc <- nil
					return
				}
				_, err := vp.Customers.List(context.Background(), nil)
				errc <- err
			}()
			select {
			case err := <-errc:
				if !errors.Is(err, loyalty.ErrResponseTimeout) {
					t.Fatalf("got %v, want an error matching ErrResponseTimeout", err)
				}
			case <-time.After(time.Minute):
				t.Fatal("the call hangs on a server that never answers")
			}
		})
	}
}

// Every client has a response timeout by default; the option refuses a
// value it cannot honour.
func TestResponseTimeoutOption(t *testing.T) {
	if loyalty.DefaultResponseTimeout <= 0 {
		t.Fatal("no default response timeout")
	}
	for _, d := range []time.Duration{0, -time.Second} {
		_, err := loyalty.NewVirtPOS("http://virtpos.example", "k-1234", loyalty.WithResponseTimeout(d))
		var ce *loyalty.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("WithResponseTimeout(%v): got %v, want a *ConfigError", d, err)
		}
	}
}

// drippingServer answers every request with headers announcing a body of
// size bytes, then sends it one byte every gap, each byte well within the
// response timeout, until the test ends. The body is body, padded with
// spaces (JSON white space) to size.
func drippingServer(t *testing.T, body string, size int, gap time.Duration) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.WriteHeader(http.StatusOK)
		padded := body + strings.Repeat(" ", size-len(body))
		for i := range size {
			w.Write([]byte{padded[i]})
			w.(http.Flusher).Flush()
			select {
			case <-done:
				return
			case <-r.Context().Done():
				return
			case <-time.After(gap):
			}
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}

// Issue 20 item 6: a server that drips its answer a byte at a time, each
// byte within the response timeout, cannot hold a buffered call (Get,
// Create, List) forever under context.Background(): the attempt timeout
// bounds the whole attempt, over a real socket.
func TestDrippingServerEndsByTheAttemptTimeout(t *testing.T) {
	const respTimeout, attemptTimeout = 500 * time.Millisecond, 400 * time.Millisecond
	// 10 000 bytes at one per 20 ms: 200 s without the bound.
	srv := drippingServer(t, `{"success":1,"id":1,"customers":[{"id":1}]}`, 10000, 20*time.Millisecond)
	vp, err := loyalty.NewVirtPOS(srv.URL, "drip-key-1234", loyalty.WithFormat(loyalty.FormatJSON), loyalty.WithoutRetries(),
		loyalty.WithResponseTimeout(respTimeout), loyalty.WithAttemptTimeout(attemptTimeout))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func(context.Context) error
	}{
		{"Get", func(ctx context.Context) error { _, err := vp.Customers.Get(ctx, 1); return err }},
		{"Create", func(ctx context.Context) error {
			_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Капля")})
			return err
		}},
		{"List", func(ctx context.Context) error { _, err := vp.Customers.List(ctx, nil); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			errc := make(chan error, 1)
			go func() { errc <- tc.call(context.Background()) }()
			select {
			case err := <-errc:
				if !errors.Is(err, loyalty.ErrResponseTimeout) {
					t.Errorf("got %v, want an error matching ErrResponseTimeout", err)
				}
				if !strings.Contains(fmt.Sprint(err), "attempt timeout") {
					t.Errorf("error %q does not name the attempt timeout", err)
				}
				if took := time.Since(start); took > 10*attemptTimeout {
					t.Errorf("the call took %v, want about the attempt timeout (%v)", took, attemptTimeout)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the call hangs on a dripping server")
			}
		})
	}
}

// A streamed export that keeps moving is never cut by the attempt
// timeout, however long it runs: only a stall (the response timeout)
// ends it.
func TestStreamOutlivesTheAttemptTimeout(t *testing.T) {
	const n = 12
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"success":1,"count":`+strconv.Itoa(n)+`,"customers":[`)
		for i := range n {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"id":%d}`, i+1)
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
		fmt.Fprint(w, "]}")
	}))
	t.Cleanup(srv.Close)
	vp, err := loyalty.NewVirtPOS(srv.URL, "drip-key-1234", loyalty.WithFormat(loyalty.FormatJSON), loyalty.WithoutRetries(),
		loyalty.WithResponseTimeout(2*time.Second), loyalty.WithAttemptTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, err := range vp.Customers.Stream(context.Background(), nil) {
		if err != nil {
			t.Fatalf("after %d customers (%d × 50 ms, past the 200 ms attempt timeout): %v", got, got, err)
		}
		got++
	}
	if got != n {
		t.Errorf("%d customers, want %d", got, n)
	}
}

// Every client has an attempt timeout by default; the option refuses a
// value it cannot honour.
func TestAttemptTimeoutOption(t *testing.T) {
	if loyalty.DefaultAttemptTimeout <= loyalty.DefaultResponseTimeout {
		t.Errorf("DefaultAttemptTimeout %v, want more than DefaultResponseTimeout %v", loyalty.DefaultAttemptTimeout, loyalty.DefaultResponseTimeout)
	}
	for _, d := range []time.Duration{0, -time.Second} {
		_, err := loyalty.NewVirtPOS("http://virtpos.example", "k-1234", loyalty.WithAttemptTimeout(d))
		var ce *loyalty.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("WithAttemptTimeout(%v): got %v, want a *ConfigError", d, err)
		}
	}
}

// An answer whose headers arrive just as the response timeout ends the
// attempt (net/http hands over a response that races the cancellation)
// has a body that can no longer be read. That attempt is a timeout like
// any other and is retried: CI once saw such a read given up after one
// attempt, because the retry policy took the ended attempt for a caller
// that had cancelled.
func TestAnAnswerRacingTheResponseTimeoutIsRetried(t *testing.T) {
	tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{
		func(r *http.Request) *http.Response { // the headers come as the attempt ends
			<-r.Context().Done()
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
				Body: io.NopCloser(&errAfter{err: context.Cause(r.Context())})}
		},
		func(r *http.Request) *http.Response {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
				Body: io.NopCloser(strings.NewReader(`{"success":1,"customers":[{"id":1,"firstname":"Иван"}]}`))}
		},
	}}
	vp, err := loyalty.NewVirtPOS("http://virtpos.example", "race-key-1234", loyalty.WithFormat(loyalty.FormatJSON),
		loyalty.WithHTTPClient(&http.Client{Transport: tr}), loyalty.WithRetry(1, time.Millisecond, time.Millisecond),
		loyalty.WithResponseTimeout(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	c, err := vp.Customers.Get(context.Background(), 1)
	if err != nil || c.ID != 1 || tr.n.Load() != 2 {
		t.Fatalf("Get: %+v, %v after %d attempts; want customer 1 on the second attempt", c, err, tr.n.Load())
	}
}

// A stalled attempt ends, and the next attempt of the same call starts
// afresh (the call's context is open again after the watchdog ended one
// attempt), over HTTP/1.1 and HTTP/2 alike; a caller that cancels during
// a stalled attempt ends the call at once, whatever the response timeout.
func TestStalledAttemptIsRetriedAndTheCallerStillCancels(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("http2=%v", h2), func(t *testing.T) {
			done := make(chan struct{})
			var calls atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.ProtoMajor == 2 != h2 {
					t.Errorf("request over %s", r.Proto)
				}
				if calls.Add(1) == 1 || r.URL.Query().Get("id") == "9" {
					select { // the first attempt, and every attempt for id 9, stall
					case <-done:
					case <-r.Context().Done():
					}
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"success":1,"customers":[{"id":1,"firstname":"Иван"}]}`))
			}))
			srv.EnableHTTP2 = h2
			srv.StartTLS()
			t.Cleanup(func() { close(done); srv.Close() })
			vp, err := loyalty.NewVirtPOS(srv.URL, "stall-key-1234", loyalty.WithFormat(loyalty.FormatJSON),
				loyalty.WithHTTPClient(srv.Client()), loyalty.WithRetry(3, time.Millisecond, 5*time.Millisecond),
				loyalty.WithResponseTimeout(200*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			c, err := vp.Customers.Get(context.Background(), 1)
			if err != nil || c.ID != 1 || calls.Load() != 2 {
				t.Fatalf("Get after a stalled first attempt: %+v, %v after %d attempts; want customer 1 on the second attempt", c, err, calls.Load())
			}

			slow, err := loyalty.NewVirtPOS(srv.URL, "stall-key-1234", loyalty.WithFormat(loyalty.FormatJSON),
				loyalty.WithHTTPClient(srv.Client()), loyalty.WithResponseTimeout(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			_, err = slow.Customers.Get(ctx, 9)
			if !errors.Is(err, context.Canceled) || time.Since(start) > 30*time.Second {
				t.Fatalf("Get cancelled during a stalled attempt: %v after %v; want context.Canceled at once", err, time.Since(start))
			}
		})
	}
}
