package loyalty_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// The observer sees each attempt, each retry and the outcome, with the
// redacted URL, and never a secret.
func TestObserverSeesAttemptsRetriesAndOutcome(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{APIKey: canaryAPIKey})
	var mu sync.Mutex
	var events []loyalty.Event
	vp := srv.VirtPOS(fast, loyalty.WithObserver(func(_ context.Context, e loyalty.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}))
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 503, Times: 1})
	if _, err := vp.Customers.Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind.String())
		if e.API != "virtpos" {
			t.Errorf("event %+v; want e.API == \"virtpos\"", e)
		} else if e.Method != "GET" {
			t.Errorf("event %+v; want e.Method == \"GET\"", e)
		} else if !strings.Contains(e.URL, "apikey=REDACTED") {
			t.Errorf("event %+v; want strings.Contains(e.URL, \"apikey=REDACTED\")", e)
		} else if strings.Contains(e.URL, canaryAPIKey) {
			t.Errorf("event %+v; want !strings.Contains(e.URL, canaryAPIKey)", e)
		}
	}
	if got := strings.Join(kinds, ","); got != "attempt,retry,attempt,outcome" {
		t.Fatalf("events %s, want attempt,retry,attempt,outcome", got)
	}
	if events[1].StatusCode != 503 {
		t.Errorf("retry %+v, outcome %+v; want events[1].StatusCode == 503", events[1], events[3])
	} else if events[1].Attempt != 1 {
		t.Errorf("retry %+v, outcome %+v; want events[1].Attempt == 1", events[1], events[3])
	} else if events[3].StatusCode != 200 {
		t.Errorf("retry %+v, outcome %+v; want events[3].StatusCode == 200", events[1], events[3])
	} else if events[3].Attempt != 2 {
		t.Errorf("retry %+v, outcome %+v; want events[3].Attempt == 2", events[1], events[3])
	} else if events[3].Err != nil {
		t.Errorf("retry %+v, outcome %+v; want events[3].Err == nil", events[1], events[3])
	}
}

// A transport middleware (otelhttp.NewTransport and the like) wraps the
// TLS-configured transport of every client, so the CRM keeps its client
// certificate and roots.
func TestTransportMiddlewareWrapsEveryClient(t *testing.T) {
	srv := mock.NewServer(t)
	var seen atomic.Int32
	mw := loyalty.WithTransportMiddleware(func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			seen.Add(1)
			return next.RoundTrip(r)
		})
	})
	ctx := context.Background()
	if _, err := srv.VirtPOS(mw).Customers.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CRM(mw).Directory.Regions(ctx); err != nil {
		t.Fatalf("CRM through a middleware: %v", err)
	}
	if err := srv.Artix(mw).Customers.Delete(ctx, "1"); err != nil && !errors.Is(err, loyalty.ErrNotFound) {
		var ae *loyalty.APIError
		if !errors.As(err, &ae) {
			t.Fatal(err)
		}
	}
	if n := seen.Load(); n < 3 {
		t.Fatalf("the middleware saw %d requests, want one per client", n)
	}
	for _, bad := range []loyalty.HTTPOption{loyalty.WithTransportMiddleware(nil), loyalty.WithObserver(nil)} {
		var ce *loyalty.ConfigError
		if _, err := loyalty.NewVirtPOS("http://x.example", "k-1234", bad); !errors.As(err, &ce) {
			t.Errorf("got %v, want a *ConfigError", err)
		}
	}
	var ce *loyalty.ConfigError
	nilRT := loyalty.WithTransportMiddleware(func(http.RoundTripper) http.RoundTripper { return nil })
	if _, err := loyalty.NewVirtPOS("http://x.example", "k-1234", nilRT); !errors.As(err, &ce) {
		t.Errorf("a middleware returning nil: got %v, want a *ConfigError", err)
	}
}

// No event carries a secret, whatever failed: the apikey of a VirtPOS
// read cut by a reset (its *url.Error quotes the URL), nor an Artix
// password given in the base URL, in the URL or in the error of an
// attempt, a retry or the outcome.
func TestObserverEventsNeverHoldASecret(t *testing.T) {
	const artixPassword = "canary-artix-pw-93xQ"
	srv := mock.NewServer(t, mock.Config{APIKey: canaryAPIKey})
	srv.RequireArtixAuth("admin", artixPassword)
	var mu sync.Mutex
	var events []loyalty.Event
	obs := loyalty.WithObserver(func(_ context.Context, e loyalty.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	})
	ctx := context.Background()
	srv.Fail(mock.Fault{Reset: true, Times: 2})
	if _, err := srv.VirtPOS(fast, obs).Customers.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	withPassword := strings.Replace(srv.ArtixURL, "://", "://admin:"+artixPassword+"@", 1)
	ax, err := loyalty.NewArtix(withPassword, fast, obs)
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Reset: true, Times: 100})
	if err := ax.Customers.Delete(ctx, "1"); err == nil {
		t.Fatal("a reset batch succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	var errs, outcomes int
	for _, e := range events {
		text := e.URL
		if e.Err != nil {
			text += " " + e.Err.Error()
			errs++
		}
		if e.Kind == loyalty.EventOutcome {
			outcomes++
			if e.Duration <= 0 {
				t.Errorf("outcome without a duration: %+v", e)
			}
		}
		for _, secret := range []string{canaryAPIKey, artixPassword} {
			if strings.Contains(text, secret) {
				t.Errorf("%s event holds a secret: %s", e.Kind, text)
			}
		}
	}
	if outcomes != 2 || errs < 3 {
		t.Fatalf("%d outcomes, %d events with an error, want 2 and at least 3: %+v", outcomes, errs, events)
	}
}
