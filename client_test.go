package loyalty_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// Tests of the shared request core (client.go), through VirtPOS, the first
// API built on it.

func httpGet(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fast is a retry policy for tests: quick waits, capped low.
var fast = loyalty.WithRetry(3, time.Millisecond, 20*time.Millisecond)

func TestRetryPolicy(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		fault    mock.Fault
		call     func(vp *loyalty.VirtPOS) error
		attempts int  // requests the server saw
		ok       bool // the call succeeds in the end
	}{
		{"GET 503 retried", mock.Fault{Status: 503, Times: 2},
			func(vp *loyalty.VirtPOS) error { _, err := vp.Customers.Get(ctx, 1); return err }, 3, true},
		{"GET 500 exhausted", mock.Fault{Status: 500, Times: -1},
			func(vp *loyalty.VirtPOS) error { _, err := vp.Customers.Get(ctx, 1); return err }, 4, false},
		{"GET 501 not retried", mock.Fault{Status: 501, Times: -1},
			func(vp *loyalty.VirtPOS) error { _, err := vp.Customers.Get(ctx, 1); return err }, 1, false},
		{"GET reset retried", mock.Fault{Reset: true, Times: 1},
			func(vp *loyalty.VirtPOS) error { _, err := vp.Customers.Get(ctx, 1); return err }, 2, true},
		{"Create 429 retried", mock.Fault{Status: 429, RetryAfter: "0", Times: 1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{})
				return err
			}, 2, true},
		{"Create 503 not retried", mock.Fault{Status: 503, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{})
				return err
			}, 1, false},
		{"Create reset not retried", mock.Fault{Reset: true, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{})
				return err
			}, 1, false},
		{"Create applied then 502 not retried", mock.Fault{Status: 502, AfterApply: true, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{})
				return err
			}, 1, false},
		{"Update by id 503 retried", mock.Fault{Status: 503, Times: 1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Update(ctx, 2, &loyalty.CustomerUpdate{FirstName: new("A")})
				return err
			}, 2, true},
		{"Update create 503 not retried", mock.Fault{Status: 503, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Update(ctx, 2, &loyalty.CustomerUpdate{}, loyalty.CreateIfNotExist())
				return err
			}, 1, false},
		{"Insert card 503 not retried", mock.Fault{Status: 503, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "9"})
				return err
			}, 1, false},
		{"Card update 503 retried", mock.Fault{Status: 503, Times: 1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: "100002"}, &loyalty.CardUpdate{Status: loyalty.CardActive})
				return err
			}, 2, true},
		{"Card update+create by uid retried", mock.Fault{Status: 503, AfterApply: true, Times: 1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: "55"}, &loyalty.CardUpdate{}, loyalty.CreateIfNotExist())
				return err
			}, 2, true},
		{"Card update+create by id not retried", mock.Fault{Status: 503, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Cards.Update(ctx, loyalty.CardRef{CardID: 999}, &loyalty.CardUpdate{}, loyalty.CreateIfNotExist())
				return err
			}, 1, false},
		{"Card delete 503 retried", mock.Fault{Status: 503, Times: 1},
			func(vp *loyalty.VirtPOS) error { return vp.Cards.Delete(ctx, loyalty.CardRef{UID: "100002"}) }, 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := mock.NewServer(t)
			vp := srv.VirtPOS(fast)
			tc.fault.API = mock.VirtPOSAPI
			srv.Fail(tc.fault)
			err := tc.call(vp)
			if got := len(srv.Requests()); got != tc.attempts {
				t.Errorf("server saw %d requests, want %d", got, tc.attempts)
			}
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && loyalty.Attempts(err) != tc.attempts {
				t.Errorf("Attempts(err) = %d, want %d (%v)", loyalty.Attempts(err), tc.attempts, err)
			}
		})
	}
}

// The ambiguous write by uid: the first attempt created the card, the
// retry found it, and there is exactly one card.
func TestCreateIfNotExistRetryCreatesOnce(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(fast)
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 503, AfterApply: true})
	res, err := vp.Cards.Update(context.Background(), loyalty.CardRef{UID: "4242"}, &loyalty.CardUpdate{}, loyalty.CreateIfNotExist())
	if err != nil || res.IsNew {
		t.Fatalf("%+v, %v (the retry should update what the first attempt created)", res, err)
	}
	n := 0
	for _, c := range srv.VirtPOSCards() {
		if c.UID == "4242" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d cards with uid 4242", n)
	}
}

func TestRetryAfterCapped(t *testing.T) {
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	for _, ra := range []string{"3600", future} {
		srv := mock.NewServer(t)
		vp := srv.VirtPOS(loyalty.WithRetry(2, time.Millisecond, 10*time.Millisecond))
		srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 429, RetryAfter: ra, Times: 2})
		// A wait of an hour would outlive this deadline.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := vp.Customers.Get(ctx, 1)
		cancel()
		if err != nil {
			t.Fatalf("Retry-After %q: %v", ra, err)
		}
		if n := len(srv.Requests()); n != 3 {
			t.Errorf("Retry-After %q: %d requests", ra, n)
		}
	}
}

func TestNoRetryAfterContextDone(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithRetry(5, time.Millisecond, time.Millisecond))
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Delay: 10 * time.Second, Status: 503, Times: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := vp.Customers.Get(ctx, 1)
	var re *loyalty.RequestError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &re) {
		t.Fatalf("got %v", err)
	}
	if loyalty.Attempts(err) != 1 {
		t.Errorf("Attempts = %d", loyalty.Attempts(err))
	}
	// A cancelled context: nothing is sent.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	srv.ClearFaults()
	// The server journals the abandoned request once it notices the
	// client left; wait for that before counting.
	for deadline := time.Now().Add(5 * time.Second); len(srv.Requests()) == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	before := len(srv.Requests())
	if _, err := vp.Customers.Get(cctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if len(srv.Requests()) != before {
		t.Error("a request was sent on a cancelled context")
	}
}

func TestErrorsCarryContext(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithoutRetries())
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 502})
	_, err := vp.Customers.Get(context.Background(), 1)
	var ae *loyalty.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("HTML error page: %v", err)
	}
	if ae.StatusCode != 502 || ae.Method != "GET" || ae.API != "virtpos" || !strings.Contains(ae.Body, "502 Bad Gateway") ||
		!strings.Contains(ae.URL, "/api/customer") || ae.Attempts != 1 {
		t.Errorf("APIError %+v", ae)
	}
	// A bare HTTP 404 (a wrong path, a proxy page) is not ErrNotFound:
	// the customer may well exist.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 404})
	if _, err := vp.Customers.Get(context.Background(), 1); !errors.As(err, &ae) || ae.StatusCode != 404 || errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("404: %v", err)
	}
	// An envelope on a non-2xx status: its info is kept.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 400, Body: `{"success":0,"info":"Плохой запрос"}`})
	if _, err := vp.Customers.Get(context.Background(), 1); !errors.As(err, &ae) || ae.Info != "Плохой запрос" || ae.StatusCode != 400 {
		t.Errorf("400 envelope: %v", err)
	}
	// A connection refused is a *RequestError.
	dead, _ := loyalty.NewVirtPOS("http://127.0.0.1:1", "k", loyalty.WithoutRetries())
	_, err = dead.Customers.Get(context.Background(), 1)
	var re *loyalty.RequestError
	if !errors.As(err, &re) || re.Attempts != 1 {
		t.Errorf("refused: %v", err)
	}
}

// The apikey never shows: not in errors (including the *url.Error of a
// failed GET, whose URL carries it), not in log records.
func TestRedaction(t *testing.T) {
	const key = "s3cr3t+key/with=chars"
	srv := mock.NewServer(t, mock.Config{APIKey: key})
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	vp := srv.VirtPOS(loyalty.WithLogger(logger), fast)
	ctx := context.Background()
	var errs []error
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Reset: true, Times: -1})
	_, err := vp.Customers.Get(ctx, 1)
	errs = append(errs, err)
	srv.ClearFaults()
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 500, Body: "debug: apikey=" + key, Times: -1})
	_, err = vp.Customers.List(ctx, nil)
	errs = append(errs, err)
	srv.ClearFaults()
	_, err = vp.Customers.Create(ctx, &loyalty.CustomerUpdate{Gender: new(loyalty.GenderMale)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Delay: time.Second})
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = vp.Customers.List(tctx, nil)
	cancel()
	errs = append(errs, err)
	// A bad key: the server echoes nothing, but the URL had it.
	for _, e := range errs {
		if e == nil {
			t.Fatal("want an error")
		}
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			for _, form := range []string{key, url.QueryEscape(key)} {
				if strings.Contains(s, form) {
					t.Errorf("error shows the key: %s", s)
				}
			}
		}
		if !strings.Contains(e.Error(), "REDACTED") && !strings.Contains(e.Error(), "apikey") {
			t.Logf("note: %v", e)
		}
	}
	var ue *url.Error
	if errors.As(errs[0], &ue) {
		t.Errorf("a *url.Error with the full URL is reachable: %v", ue)
	}
	if logs.Len() == 0 {
		t.Fatal("no log records")
	}
	for _, form := range []string{key, url.QueryEscape(key)} {
		if strings.Contains(logs.String(), form) {
			t.Errorf("log shows the key:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "apikey=REDACTED") {
		t.Errorf("log lacks the redacted URL:\n%s", logs.String())
	}
}

func TestMaxResponseBytes(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithMaxResponseBytes(2048))
	ctx := context.Background()
	// Announced too large.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 200, BodySize: 1 << 20})
	_, err := vp.Customers.List(ctx, nil)
	var ae *loyalty.APIError
	if !errors.Is(err, loyalty.ErrResponseTooLarge) || !errors.As(err, &ae) {
		t.Fatalf("Content-Length over the limit: %v", err)
	}
	// Streamed (chunked) too large: the real 60-customer list, buffered and
	// streamed. A stream applies the limit per customer: 2048 bytes hold
	// one customer, so the whole list streams; 300 bytes do not.
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		vp := srv.VirtPOS(loyalty.WithMaxResponseBytes(2048), loyalty.WithFormat(f))
		if _, err := vp.Customers.List(ctx, nil); !errors.Is(err, loyalty.ErrResponseTooLarge) {
			t.Errorf("%s list: %v", f, err)
		}
		stream := func(vp *loyalty.VirtPOS) (n int, last error) {
			for _, err := range vp.Customers.Stream(ctx, nil) {
				if err != nil {
					last = err
				} else {
					n++
				}
			}
			return n, last
		}
		if n, err := stream(vp); err != nil || n != mock.DefaultCustomers {
			t.Errorf("%s stream, 2048 bytes per customer: %d customers, then %v", f, n, err)
		}
		small := srv.VirtPOS(loyalty.WithMaxResponseBytes(300), loyalty.WithFormat(f))
		if n, err := stream(small); !errors.Is(err, loyalty.ErrResponseTooLarge) || n >= mock.DefaultCustomers {
			t.Errorf("%s stream, 300 bytes per customer: %d customers, then %v", f, n, err)
		}
	}
	if _, err := loyalty.NewVirtPOS(srv.VirtPOSURL, "k", loyalty.WithMaxResponseBytes(0)); err == nil {
		t.Error("WithMaxResponseBytes(0) accepted")
	}
}

func TestUserAgentAndAccept(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithUserAgent("sync/1.0"), loyalty.WithFormat(loyalty.FormatJSON))
	if _, err := vp.Customers.Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	h := srv.Requests()[0].Header
	if h.Get("User-Agent") != "sync/1.0" || h.Get("Accept") != "application/json" {
		t.Errorf("headers %v", h)
	}
	if _, err := loyalty.NewVirtPOS(srv.VirtPOSURL, "k", loyalty.WithUserAgent("a\nb")); err == nil {
		t.Error("a User-Agent with a line break accepted")
	}
}

func TestTruncatedAndMalformed(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithoutRetries())
	for _, f := range []mock.Fault{{Truncate: true}, {Malformed: true}} {
		f.API = mock.VirtPOSAPI
		srv.Fail(f)
		_, err := vp.Customers.List(context.Background(), nil)
		var ae *loyalty.APIError
		if !errors.As(err, &ae) {
			t.Errorf("%+v: got %v", f, err)
		}
	}
}
