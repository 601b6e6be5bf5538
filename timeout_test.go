package loyalty_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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
